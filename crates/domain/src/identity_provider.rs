//! External identity providers (SSO providers) whose tokens can be exchanged (RFC 8693).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::address::{AddressClass, OutboundPolicy, classify};
use crate::ids::{PartitionId, Realm};
use crate::validation::FieldErrors;

/// Most identity providers per partition.
pub const MAX_IDENTITY_PROVIDERS: u32 = 25;

/// Which account attribute the provider's claim is matched against.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MatchAttribute {
    /// The account's email (users and customers).
    #[default]
    Email,
    /// The user's username (users realm only).
    Username,
}

impl MatchAttribute {
    /// Stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Username => "username",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "username" => Some(Self::Username),
            _ => None,
        }
    }
}

/// A registered identity provider.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProvider {
    /// Generated id: the `registration_id` of token exchange.
    pub id: uuid::Uuid,
    /// The partition whose accounts its tokens may be exchanged for.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// Display name, unique in the partition.
    pub name: String,
    /// Expected `iss` of its tokens.
    pub issuer: String,
    /// Where its keys are published: https to a public address (loopback, and http to it, only
    /// where the deployment allows loopback for development).
    pub jwks_uri: Option<String>,
    /// Inline keys, instead of `jwks_uri`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub jwks: Option<serde_json::Value>,
    /// Accepted `aud` values; a token must carry at least one.
    pub audiences: Vec<String>,
    /// Realm whose accounts its tokens map to.
    pub realm: Realm,
    /// Claim of its tokens to match (default `email`).
    pub match_claim: String,
    /// Account attribute the claim is matched against.
    pub match_attribute: MatchAttribute,
    /// When matching on the account's email, require the token's `email_verified` to be `true`
    /// (OpenID Connect Core §5.1). Switching it off links accounts on addresses the provider
    /// never checked, so anyone who can register that address there becomes the account: only
    /// for providers that verify every address themselves.
    pub require_email_verified: bool,
    /// Disabled providers are refused at token exchange.
    pub enabled: bool,
    /// When it was registered; admin lists are in creation order.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its registration last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Changes to an identity provider.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderChanges {
    /// Must stay unique in the partition.
    pub name: Option<String>,
    /// The `iss` its tokens must now carry.
    pub issuer: Option<String>,
    /// New JWKS URI (`null` removes it).
    #[serde(default, with = "double_option")]
    pub jwks_uri: Option<Option<String>>,
    /// New inline JWKS (`null` removes it).
    #[serde(default, with = "double_option")]
    pub jwks: Option<Option<serde_json::Value>>,
    /// Replaces the whole list of accepted `aud` values.
    pub audiences: Option<Vec<String>>,
    /// Moves the registration to the other realm's accounts.
    pub realm: Option<Realm>,
    /// The token claim to match from now on.
    pub match_claim: Option<String>,
    /// The account attribute to match it against from now on.
    pub match_attribute: Option<MatchAttribute>,
    /// Whether `email_verified: true` is required when matching on email (switching it off is
    /// unsafe unless the provider verifies every address).
    pub require_email_verified: Option<bool>,
    /// `false` refuses its tokens at token exchange from now on.
    pub enabled: Option<bool>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    /// Deserializes a present field, `null` included, as `Some`.
    ///
    /// # Errors
    /// When the inner value does not deserialize.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn check_jwks_uri(e: &mut FieldErrors, raw: &str, policy: OutboundPolicy) {
    const FIELD: &str = "jwks_uri";
    let Ok(u) = url::Url::parse(raw) else {
        e.add(FIELD, "must be an absolute URL");
        return;
    };
    // The URL parser has already normalised numeric IPv4 forms (`http://2130706433/`,
    // `http://0x7f.1/`) into dotted addresses, so literals cannot hide.
    let (loopback, refused) = match u.host() {
        Some(url::Host::Ipv4(ip)) => address_verdict(ip.into(), policy),
        Some(url::Host::Ipv6(ip)) => address_verdict(ip.into(), policy),
        Some(url::Host::Domain(name)) if OutboundPolicy::is_localhost_name(name) => (
            true,
            (!policy.allow_loopback).then(|| {
                "must not point at localhost: Tessera fetches keys only from public addresses"
                    .to_owned()
            }),
        ),
        Some(url::Host::Domain(_)) => (false, None),
        None => {
            e.add(FIELD, "must name a host");
            return;
        }
    };
    if let Some(why) = refused {
        e.add(FIELD, why);
    } else if !(u.scheme() == "https" || (u.scheme() == "http" && loopback)) {
        e.add(
            FIELD,
            if policy.allow_loopback {
                "must use https (plain http is allowed only for loopback addresses and localhost)"
            } else {
                "must use https"
            },
        );
    }
}

/// Whether a literal address is loopback, and why it is refused, if it is.
fn address_verdict(ip: std::net::IpAddr, policy: OutboundPolicy) -> (bool, Option<String>) {
    let loopback = classify(ip) == AddressClass::Loopback;
    let refused = policy.check(ip).err().map(|class| {
        format!(
            "must not point at a {class} address ({ip}): Tessera fetches keys only from public addresses"
        )
    });
    (loopback, refused)
}

impl IdentityProvider {
    /// Checks the field rules; `policy` decides which addresses `jwks_uri` may name.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn validate(&self, policy: OutboundPolicy) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        e.check_len("name", &self.name, 1, 100);
        if self.issuer.is_empty() || self.issuer.len() > 2000 {
            e.add("issuer", "is required (at most 2000 characters)");
        }
        match (&self.jwks_uri, &self.jwks) {
            (Some(u), None) => check_jwks_uri(&mut e, u, policy),
            (None, Some(j)) => {
                if j.get("keys")
                    .and_then(serde_json::Value::as_array)
                    .is_none()
                {
                    e.add("jwks", "must be a JWK Set: {\"keys\":[...]}");
                }
            }
            (Some(_), Some(_)) => e.add("jwks", "give either jwks_uri or jwks, not both"),
            (None, None) => e.add(
                "jwks_uri",
                "give jwks_uri (or inline jwks) so token signatures can be checked",
            ),
        }
        if self.audiences.is_empty() {
            e.add("audiences", "at least one audience is required");
        }
        for (i, a) in self.audiences.iter().enumerate() {
            e.check_len(&format!("audiences[{i}]"), a, 1, 500);
        }
        e.check_len("match_claim", &self.match_claim, 1, 100);
        if self.realm == Realm::Customers && self.match_attribute == MatchAttribute::Username {
            e.add("match_attribute", "customers have no username; use email");
        }
        e.into_result()
    }

    /// Applies changes and validates them under `policy`.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn apply(
        &mut self,
        c: IdentityProviderChanges,
        now: OffsetDateTime,
        policy: OutboundPolicy,
    ) -> Result<(), FieldErrors> {
        if let Some(v) = c.name {
            self.name = v;
        }
        if let Some(v) = c.issuer {
            self.issuer = v;
        }
        if let Some(v) = c.jwks_uri {
            self.jwks_uri = v;
        }
        if let Some(v) = c.jwks {
            self.jwks = v;
        }
        if let Some(v) = c.audiences {
            self.audiences = v;
        }
        if let Some(v) = c.realm {
            self.realm = v;
        }
        if let Some(v) = c.match_claim {
            self.match_claim = v;
        }
        if let Some(v) = c.match_attribute {
            self.match_attribute = v;
        }
        if let Some(v) = c.enabled {
            self.enabled = v;
        }
        if let Some(v) = c.require_email_verified {
            self.require_email_verified = v;
        }
        self.updated_at = now;
        self.validate(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_uri(uri: &str) -> IdentityProvider {
        let at = OffsetDateTime::UNIX_EPOCH;
        IdentityProvider {
            id: uuid::Uuid::nil(),
            partition: PartitionId::parse("acme").unwrap(),
            name: "SSO".into(),
            issuer: "https://sso.example".into(),
            jwks_uri: Some(uri.into()),
            jwks: None,
            audiences: vec!["api://tessera".into()],
            realm: Realm::Users,
            match_claim: "email".into(),
            match_attribute: MatchAttribute::Email,
            require_email_verified: true,
            enabled: true,
            created_at: at,
            updated_at: at,
        }
    }

    const STRICT: OutboundPolicy = OutboundPolicy {
        allow_loopback: false,
    };
    const DEV: OutboundPolicy = OutboundPolicy {
        allow_loopback: true,
    };

    #[test]
    fn jwks_uri_must_be_public_https() {
        for uri in [
            "https://idp.example/jwks",
            "https://8.8.8.8/jwks",
            "https://[2606:4700::1111]/jwks",
        ] {
            assert!(with_uri(uri).validate(STRICT).is_ok(), "{uri}");
            assert!(with_uri(uri).validate(DEV).is_ok(), "{uri}");
        }
        for uri in [
            "http://idp.example/jwks",
            "https://10.0.0.1/jwks",
            "https://169.254.169.254/jwks",
            "https://[::1]/jwks",
            "https://[::ffff:192.168.1.1]/jwks",
            "https://127.0.0.1/jwks",
            "http://127.0.0.1:8080/jwks",
            "https://localhost/jwks",
            "https://idp.localhost/jwks",
            "https://0x7f000001/jwks",
            "not a url",
        ] {
            let e = with_uri(uri).validate(STRICT).unwrap_err();
            assert!(format!("{e:?}").contains("jwks_uri"), "{uri}: {e:?}");
        }
        for uri in [
            "http://127.0.0.1:8080/jwks",
            "http://[::1]:8080/jwks",
            "http://localhost:8080/jwks",
            "https://127.0.0.2/jwks",
        ] {
            assert!(with_uri(uri).validate(DEV).is_ok(), "{uri}");
        }
        for uri in ["https://10.0.0.1/jwks", "http://idp.example/jwks"] {
            assert!(with_uri(uri).validate(DEV).is_err(), "{uri}");
        }
    }
}
