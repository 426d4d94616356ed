//! Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4): what a relying party receives
//! when a session it took part in ends.
//!
//! A logout token is signed with the key that signs the client's ID tokens (its
//! `id_token_signed_response_alg`), so the relying party verifies it with the realm's JWKS and
//! the algorithm it already expects; `typ: logout+jwt` (§2.4, RFC 8725 §3.11) and the absence
//! of `nonce` keep it from being taken for an ID token, and the other way round.

use tessera_domain::ClientId;
use tessera_domain::signing_key::SigningAlg;
use tessera_oauth_types::LogoutTokenClaims;
use tessera_oauth_types::claims::BACKCHANNEL_LOGOUT_EVENT;

use super::issue::id_token_key;
use crate::crypto::CryptoError;
use crate::state::RealmKeys;

/// The JOSE `typ` of a logout token (Back-Channel Logout 1.0 §2.4).
pub(crate) const TYP: &str = "logout+jwt";

/// How long a logout token is valid, seconds: §2.4 recommends at most two minutes; a delivery
/// retried within its deadline (`[logout] deadline_secs`, at most 600) re-sends the same token,
/// which the relying party may refuse as expired only past this.
pub(crate) const TTL: i64 = 120;

/// Who and what a logout token names.
#[derive(Debug, Clone)]
pub(crate) struct Parts<'a> {
    /// The realm's issuer.
    pub iss: &'a str,
    /// The client (`aud`).
    pub client_id: ClientId,
    /// The person (`sub`).
    pub sub: uuid::Uuid,
    /// The session that ended (`sid`).
    pub sid: uuid::Uuid,
    /// A fresh id (`jti`).
    pub jti: uuid::Uuid,
    /// Now, Unix seconds.
    pub now: i64,
}

/// The claims (§2.4): `sid` is always there, whatever the client's
/// `backchannel_logout_session_required` (§2.4 lets the OP include it; Tessera always knows it),
/// and `sub` too, so a relying party can end every session of the person it knows by `sub`.
#[must_use]
pub(crate) fn claims(p: &Parts<'_>) -> LogoutTokenClaims {
    let mut events = serde_json::Map::new();
    events.insert(
        BACKCHANNEL_LOGOUT_EVENT.to_owned(),
        serde_json::Value::Object(serde_json::Map::new()),
    );
    LogoutTokenClaims {
        iss: p.iss.to_owned(),
        aud: p.client_id.to_string(),
        iat: p.now,
        exp: p.now + TTL,
        jti: p.jti.to_string(),
        events,
        sub: p.sub.to_string(),
        sid: p.sid.to_string(),
    }
}

/// Why a logout token could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LogoutTokenError {
    /// The realm has no active key to sign with.
    #[error("the realm has no active signing key")]
    NoKey,
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] CryptoError),
}

/// Signs `claims` with the key of the client's ID tokens.
///
/// # Errors
/// When the realm has no key, or signing fails.
pub(crate) fn sign(
    keys: &RealmKeys,
    alg: SigningAlg,
    claims: &LogoutTokenClaims,
) -> Result<String, LogoutTokenError> {
    let key = id_token_key(keys, alg).ok_or(LogoutTokenError::NoKey)?;
    Ok(key.retyped(TYP).sign(claims)?)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::crypto::jwt::JwsKey;
    use crate::crypto::signing::{Signer, generate};

    fn part(token: &str, i: usize) -> serde_json::Value {
        let seg = token.split('.').nth(i).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
    }

    fn parts() -> Parts<'static> {
        Parts {
            iss: "https://id.example/system/auth/acme-U",
            client_id: uuid::Uuid::from_u128(1),
            sub: uuid::Uuid::from_u128(2),
            sid: uuid::Uuid::from_u128(3),
            jti: uuid::Uuid::from_u128(4),
            now: 1_000,
        }
    }

    #[test]
    fn claims_are_those_of_section_2_4() {
        let json = serde_json::to_value(claims(&parts())).unwrap();
        let obj = json.as_object().unwrap();
        let mut names: Vec<&str> = obj.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["aud", "events", "exp", "iat", "iss", "jti", "sid", "sub"]
        );
        assert!(
            !obj.contains_key("nonce"),
            "§2.4: a nonce MUST NOT be present"
        );
        assert_eq!(
            json["events"],
            serde_json::json!({"http://schemas.openid.net/event/backchannel-logout": {}})
        );
        assert_eq!(json["aud"], uuid::Uuid::from_u128(1).to_string());
        assert_eq!(json["sub"], uuid::Uuid::from_u128(2).to_string());
        assert_eq!(json["sid"], uuid::Uuid::from_u128(3).to_string());
        assert_eq!(json["iat"], 1_000);
        assert_eq!(json["exp"], 1_000 + TTL);
        const { assert!(TTL <= 120, "§2.4: two minutes at most") };
    }

    #[test]
    fn signed_with_the_clients_id_token_algorithm_and_typed() {
        let mut id_token = HashMap::new();
        for (alg, kid) in [(SigningAlg::ES256, "ec"), (SigningAlg::RS256, "rsa")] {
            let g = generate(alg, kid).unwrap();
            let signer = Signer::from_pkcs8(alg, &g.pkcs8).unwrap();
            id_token.insert(alg, Arc::new(JwsKey::new(kid.to_owned(), signer, "JWT")));
        }
        let keys = RealmKeys {
            active: id_token.get(&SigningAlg::ES256).cloned(),
            id_token,
            jwks: Arc::default(),
            verifier: crate::jwt::own::Verifier::default(),
        };
        for (alg, kid) in [(SigningAlg::RS256, "rsa"), (SigningAlg::ES256, "ec")] {
            let token = sign(&keys, alg, &claims(&parts())).unwrap();
            let header = part(&token, 0);
            assert_eq!(header["typ"], TYP);
            assert_eq!(header["alg"], alg.as_str());
            assert_eq!(header["kid"], kid);
            assert_eq!(part(&token, 1)["sid"], uuid::Uuid::from_u128(3).to_string());
        }
        let empty = RealmKeys {
            active: None,
            id_token: HashMap::new(),
            jwks: Arc::default(),
            verifier: crate::jwt::own::Verifier::default(),
        };
        assert!(matches!(
            sign(&empty, SigningAlg::RS256, &claims(&parts())),
            Err(LogoutTokenError::NoKey)
        ));
    }
}
