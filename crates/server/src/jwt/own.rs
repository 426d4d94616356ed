//! Verifying tokens this server signed (access tokens at userinfo, introspection and revocation;
//! ID tokens as `id_token_hint` at logout) against the realm's published keys.
//!
//! Expiry is checked against the server's [`Clock`](tessera_domain::Clock), not the system time,
//! so behaviour is the same in tests with a fixed clock.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use tessera_oauth_types::JwkSet;

/// Tokens longer than this are not ours.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The realm's published keys, decoded once per cache load.
#[derive(Clone, Default)]
pub struct Verifier {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why a token is not one of this realm's valid tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OwnTokenError {
    /// Not a JWT, or not signed by a key of this realm.
    #[error("the token is malformed or not signed by this issuer")]
    Invalid,
    /// A token of another kind (`typ`), e.g. an ID token where an access token is expected.
    #[error("the token is of another type")]
    WrongType,
    /// Another issuer (realm or partition).
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    /// Past `exp`.
    #[error("the token has expired")]
    Expired,
}

impl Verifier {
    /// Decodes the usable keys of `jwks` (a key that does not decode is skipped: it cannot have
    /// signed anything this server verifies).
    #[must_use]
    pub fn new(jwks: &JwkSet) -> Self {
        let mut keys = HashMap::new();
        for k in &jwks.keys {
            let Some(alg) = k.alg.as_deref().and_then(|a| a.parse::<Algorithm>().ok()) else {
                continue;
            };
            let Ok(jwk) = serde_json::to_value(k).and_then(serde_json::from_value) else {
                continue;
            };
            if let Ok(key) = DecodingKey::from_jwk(&jwk) {
                keys.insert(k.kid.clone(), (alg, key));
            }
        }
        Self { keys }
    }

    /// Verifies `token`'s signature, `typ`, `iss` and (unless `allow_expired`) `exp` at `now`
    /// (Unix seconds, with `leeway`), returning its claims.
    ///
    /// # Errors
    /// [`OwnTokenError`] saying why.
    pub fn verify(
        &self,
        token: &str,
        typ: &str,
        issuer: &str,
        now: i64,
        allow_expired: bool,
    ) -> Result<Map<String, Value>, OwnTokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(OwnTokenError::Invalid);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| OwnTokenError::Invalid)?;
        let kid = header.kid.as_deref().ok_or(OwnTokenError::Invalid)?;
        let (alg, key) = self.keys.get(kid).ok_or(OwnTokenError::Invalid)?;
        if header.alg != *alg {
            return Err(OwnTokenError::Invalid);
        }
        let mut v = Validation::new(*alg);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, key, &v)
            .map_err(|_| OwnTokenError::Invalid)?
            .claims;
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(typ))
        {
            return Err(OwnTokenError::WrongType);
        }
        if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
            return Err(OwnTokenError::WrongIssuer);
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(OwnTokenError::Invalid)?;
        if !allow_expired && now >= exp + LEEWAY_SECS {
            return Err(OwnTokenError::Expired);
        }
        Ok(claims)
    }
}

/// Clock skew tolerated between instances.
const LEEWAY_SECS: i64 = 5;
