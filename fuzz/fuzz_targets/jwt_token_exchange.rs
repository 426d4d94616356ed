//! JWT parsing at token exchange (RFC 8693): an identity provider's subject token verified
//! against its inline JWK Set by `TokenPolicy::identity_provider_token` (what the server's
//! `jwt::external::ExternalKeys::verify` does), then the account it names picked by
//! `tessera_domain::account_link::identifier`. Whatever passes is from the provider, for its
//! audience, unexpired, and names an account by a plain (NFKC, visible) value; a verified email
//! where the registration requires one. Input format: `tessera_fuzz::token`, whose selector byte
//! also picks the registration's match rule.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tessera_domain::account_link::{identifier, names_account};
use tessera_domain::identity_provider::{IdentityProvider, MatchAttribute};
use tessera_domain::{PartitionId, Realm};
use tessera_fuzz::{NOW, clock, jwks, token};
use tessera_guard::{KeySet, TokenPolicy};
use tessera_oauth_types::JwkSet;

const ISSUER: &str = "https://sso.example.test";
const AUDIENCE: &str = "api://tessera";

fn provider(selector: u8) -> Option<IdentityProvider> {
    let (match_claim, match_attribute) = match (selector >> 1) % 3 {
        0 => ("email", MatchAttribute::Email),
        1 => ("preferred_username", MatchAttribute::Username),
        _ => ("upn", MatchAttribute::Email),
    };
    Some(IdentityProvider {
        id: uuid::Uuid::nil(),
        partition: PartitionId::parse("acme").ok()?,
        name: "SSO".into(),
        issuer: ISSUER.into(),
        jwks_uri: None,
        jwks: serde_json::to_value(jwks()).ok(),
        audiences: vec![AUDIENCE.into()],
        realm: Realm::Users,
        match_claim: match_claim.into(),
        match_attribute,
        require_email_verified: selector & 8 == 0,
        enabled: true,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        updated_at: time::OffsetDateTime::UNIX_EPOCH,
    })
}

fuzz_target!(|data: &[u8]| {
    let (Some(token), Some(idp)) = (token(data), data.first().and_then(|s| provider(*s))) else {
        return;
    };
    let Some(set) = idp
        .jwks
        .clone()
        .and_then(|v| serde_json::from_value::<JwkSet>(v).ok())
    else {
        return;
    };
    let policy = TokenPolicy::identity_provider_token(idp.audiences.iter().cloned()).clock(clock());
    let keys = KeySet::from_jwks(&set, policy.algorithms());
    let Ok(claims) = policy.verify(&token, &idp.issuer, &keys) else {
        return;
    };
    assert_eq!(claims.get("iss").and_then(Value::as_str), Some(ISSUER));
    let aud = claims.get("aud").expect("audience checked");
    assert!(
        aud.as_str() == Some(AUDIENCE)
            || aud
                .as_array()
                .is_some_and(|l| l.iter().any(|a| a.as_str() == Some(AUDIENCE))),
        "aud {aud}"
    );
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .expect("exp checked");
    assert!(NOW < exp.saturating_add(policy.leeway_secs()));
    if let Ok(value) = identifier(&idp, &claims) {
        assert!(!value.is_empty());
        assert!(!value.chars().any(char::is_whitespace), "{value:?}");
        assert!(names_account(value, value));
        assert_eq!(
            claims.get(&idp.match_claim).and_then(Value::as_str),
            Some(value)
        );
        if idp.match_attribute == MatchAttribute::Email && idp.require_email_verified {
            assert_eq!(idp.match_claim, "email");
            assert_eq!(claims.get("email_verified"), Some(&Value::Bool(true)));
        }
    }
});
