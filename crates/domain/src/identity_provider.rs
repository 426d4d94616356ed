//! External identity providers (SSO providers) whose tokens can be exchanged (RFC 8693).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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
    /// Owning partition.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// Display name, unique in the partition.
    pub name: String,
    /// Expected `iss` of its tokens.
    pub issuer: String,
    /// Where its keys are published (https, or http on loopback for tests).
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
    /// Disabled providers are refused at token exchange.
    pub enabled: bool,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Changes to an identity provider.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderChanges {
    /// New name.
    pub name: Option<String>,
    /// New issuer.
    pub issuer: Option<String>,
    /// New JWKS URI (`null` removes it).
    #[serde(default, with = "double_option")]
    pub jwks_uri: Option<Option<String>>,
    /// New inline JWKS (`null` removes it).
    #[serde(default, with = "double_option")]
    pub jwks: Option<Option<serde_json::Value>>,
    /// New audiences.
    pub audiences: Option<Vec<String>>,
    /// New realm.
    pub realm: Option<Realm>,
    /// New claim.
    pub match_claim: Option<String>,
    /// New attribute.
    pub match_attribute: Option<MatchAttribute>,
    /// Enabled flag.
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

fn check_endpoint_url(e: &mut FieldErrors, field: &str, raw: &str) {
    match url::Url::parse(raw) {
        Err(_) => e.add(field, "must be an absolute URL"),
        Ok(u) => {
            let loopback = matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if !(u.scheme() == "https" || (u.scheme() == "http" && loopback)) {
                e.add(field, "must use https (plain http is allowed only for localhost, 127.0.0.1 and [::1])");
            }
        }
    }
}

impl IdentityProvider {
    /// Checks the field rules.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        e.check_len("name", &self.name, 1, 100);
        if self.issuer.is_empty() || self.issuer.len() > 2000 {
            e.add("issuer", "is required (at most 2000 characters)");
        }
        match (&self.jwks_uri, &self.jwks) {
            (Some(u), None) => check_endpoint_url(&mut e, "jwks_uri", u),
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

    /// Applies changes and validates.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn apply(
        &mut self,
        c: IdentityProviderChanges,
        now: OffsetDateTime,
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
        self.updated_at = now;
        self.validate()
    }
}
