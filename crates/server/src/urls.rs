//! Every public address Tessera serves, built in one place so the router, discovery documents,
//! metadata and CLI output can never disagree.

use tessera_domain::{PartitionId, Realm};

/// Where the realm issuers live: `{public_url}/system/auth/{partition}-U|C`.
pub(crate) const ISSUERS: &str = "/system/auth";

/// The folder of the OAuth endpoints under an issuer (every endpoint below but discovery).
pub(crate) const OAUTH2: &str = "/oauth2/";
/// The token endpoint (RFC 6749 §3.2), relative to the issuer.
pub const TOKEN: &str = "/oauth2/token";
/// The authorization endpoint (RFC 6749 §3.1).
pub(crate) const AUTHORIZE: &str = "/oauth2/authorize";
/// Where the login page posts its form.
pub(crate) const LOGIN: &str = "/oauth2/login";
/// The userinfo endpoint (OIDC Core §5.3).
pub(crate) const USERINFO: &str = "/oauth2/userinfo";
/// The realm's JWKS (RFC 7517).
pub(crate) const KEYS: &str = "/oauth2/keys";
/// Token revocation (RFC 7009).
pub(crate) const REVOKE: &str = "/oauth2/revoke";
/// Token introspection (RFC 7662).
pub(crate) const INTROSPECT: &str = "/oauth2/introspect";
/// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
pub(crate) const LOGOUT: &str = "/oauth2/logout";
/// The discovery document, appended to the issuer (OpenID Connect Discovery 1.0 §4).
pub(crate) const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
/// The authorization server metadata, inserted before the issuer's path (RFC 8414 §3).
pub(crate) const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";

/// The anonymous-customer token address on the API domain.
pub(crate) const ANONYMOUS_TOKEN: &str = "/core/authmgr/v3/oauth2/v2.0/anonymous/token";
/// The on-behalf-of token address on the API domain.
pub(crate) const ONBEHALFOF_TOKEN: &str = "/core/authmgr/v4/oauth2/v2.0/onbehalfof/token";
/// The tenant metadata addresses on the API domain, `{TENANT_METADATA}/{partition}`.
pub(crate) const TENANT_METADATA: &str = "/core/authmgr/v3/metadata/tenant";

/// The realm issuer's path: `/system/auth/{partition}-U|C` (also the cookies' path on plain
/// http).
#[must_use]
pub(crate) fn issuer_path(partition: &PartitionId, realm: Realm) -> String {
    format!("{ISSUERS}/{partition}-{}", realm.suffix())
}

/// The realm issuer: `{public_url}/system/auth/{partition}-U|C`.
#[must_use]
pub(crate) fn issuer(public_url: &str, partition: &PartitionId, realm: Realm) -> String {
    format!("{public_url}{}", issuer_path(partition, realm))
}

/// An endpoint under a realm issuer: `endpoint` is one of this module's constants, e.g. [`TOKEN`].
#[must_use]
pub(crate) fn endpoint(
    public_url: &str,
    partition: &PartitionId,
    realm: Realm,
    endpoint: &str,
) -> String {
    // The constants above start with `/`; a bare "oauth2/…" would glue onto the issuer segment.
    debug_assert!(endpoint.starts_with('/'), "{endpoint} must start with /");
    format!("{}{endpoint}", issuer(public_url, partition, realm))
}

/// The anonymous-customer token address.
#[must_use]
pub(crate) fn anonymous_token(api_url: &str, partition: &PartitionId) -> String {
    format!("{api_url}{ANONYMOUS_TOKEN}?user_type=customer&domain_hint={partition}")
}

/// The on-behalf-of compatibility token address.
#[must_use]
pub(crate) fn onbehalfof_token(api_url: &str, partition: &PartitionId, realm: Realm) -> String {
    let user_type = match realm {
        Realm::Users => "user",
        Realm::Customers => "customer",
    };
    format!("{api_url}{ONBEHALFOF_TOKEN}?user_type={user_type}&tenantId={partition}")
}

/// The tenant metadata address.
#[must_use]
pub(crate) fn tenant_metadata(api_url: &str, partition: &PartitionId) -> String {
    format!("{api_url}{TENANT_METADATA}/{partition}")
}

/// The admin API audience.
#[must_use]
pub(crate) fn admin_audience(public_url: &str) -> String {
    format!("{public_url}/admin/api")
}

/// Where the users realm sends a console sign-in back (the built-in client's redirect URL).
#[must_use]
pub(crate) fn console_callback(public_url: &str, partition: &PartitionId) -> String {
    format!("{public_url}/admin/{partition}/callback")
}

/// Where the users realm sends the browser after the console signed out (its post-logout
/// redirect URL).
#[must_use]
pub(crate) fn console_signed_out(public_url: &str, partition: &PartitionId) -> String {
    format!("{public_url}/admin/{partition}/signed-out")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_built_from_the_constants() {
        let p = PartitionId::parse("acme").unwrap();
        assert_eq!(
            endpoint("https://id.example", &p, Realm::Users, TOKEN),
            "https://id.example/system/auth/acme-U/oauth2/token"
        );
        assert_eq!(
            endpoint(
                "https://id.example",
                &p,
                Realm::Customers,
                OPENID_CONFIGURATION
            ),
            "https://id.example/system/auth/acme-C/.well-known/openid-configuration"
        );
        for e in [
            TOKEN, AUTHORIZE, LOGIN, USERINFO, KEYS, REVOKE, INTROSPECT, LOGOUT,
        ] {
            assert!(e.starts_with(OAUTH2), "{e}");
        }
        assert_eq!(
            anonymous_token("https://api.example", &p),
            "https://api.example/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=acme"
        );
    }
}
