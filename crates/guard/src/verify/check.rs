//! The verification steps, in order: the header (size, algorithm, `typ`, `crit`, `kid`), the key,
//! the signature, then the registered claims (RFC 7519 §4.1) by the policy's clock.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use super::{MAX_TOKEN_BYTES, TokenPolicy, VerifyError};
use crate::keys::set::LookupError;
use crate::keys::verifying::VerifyingKey;
use crate::keys::{KeyCache, KeySet};

/// A header that passed the policy's checks.
#[derive(Debug)]
pub(crate) struct CheckedHeader {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<String>,
}

/// The refusal for a key that could not be had.
pub(crate) fn lookup_failed(e: LookupError) -> VerifyError {
    match e {
        LookupError::UnknownKid => VerifyError::UnknownKey,
        LookupError::Unusable => VerifyError::UnusableKey,
        LookupError::Unavailable(why) => VerifyError::KeysUnavailable(why.map(|w| w.to_string())),
    }
}

impl TokenPolicy {
    /// Verifies `token` as issued by `issuer` with one of `keys`, returning its claims.
    ///
    /// # Errors
    /// The first rule the token breaks.
    pub fn verify(
        &self,
        token: &str,
        issuer: &str,
        keys: &KeySet,
    ) -> Result<Map<String, Value>, VerifyError> {
        let header = self.check_header(token)?;
        let key = keys.lookup(header.kid.as_deref()).map_err(lookup_failed)?;
        self.check_signed(token, &header, &key, issuer)
    }

    /// Verifies `token` as issued by `issuer` with a key from `keys`, which fetches the key set
    /// on first use, when it is old, and when the token names a key it does not hold (at most
    /// once per refresh interval).
    ///
    /// # Errors
    /// The first rule the token breaks; [`VerifyError::KeysUnavailable`] when the keys cannot
    /// be had.
    pub async fn verify_cached(
        &self,
        token: &str,
        issuer: &str,
        keys: &KeyCache,
    ) -> Result<Map<String, Value>, VerifyError> {
        let header = self.check_header(token)?;
        let key = keys
            .key(header.kid.as_deref())
            .await
            .map_err(lookup_failed)?;
        self.check_signed(token, &header, &key, issuer)
    }

    /// What can be decided before choosing a key.
    pub(crate) fn check_header(&self, token: &str) -> Result<CheckedHeader, VerifyError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(VerifyError::TooLong);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        // `alg: none` does not decode at all; HMAC is never in the list.
        if !self.algorithms.contains(&header.alg) {
            return Err(VerifyError::Algorithm(header.alg));
        }
        if !self.types.accepts(header.typ.as_deref()) {
            return Err(VerifyError::Type);
        }
        // RFC 7515 §4.1.11: we understand no extension, so any `crit` means refuse.
        if header.crit.is_some() {
            return Err(VerifyError::Critical);
        }
        if header.kid.is_none() && !self.kid_optional {
            return Err(VerifyError::NoKid);
        }
        // Keys named in the token itself (`jwk`, `jku`, `x5u`, `x5c`) are ignored: trusting them
        // would let the token vouch for itself.
        Ok(CheckedHeader {
            alg: header.alg,
            kid: header.kid,
        })
    }

    /// The signature with `key`, then the claims.
    pub(crate) fn check_signed(
        &self,
        token: &str,
        header: &CheckedHeader,
        key: &VerifyingKey,
        issuer: &str,
    ) -> Result<Map<String, Value>, VerifyError> {
        if !key.algorithms.contains(&header.alg) {
            return Err(VerifyError::KeyAlgorithm);
        }
        // jsonwebtoken checks the signature only; every claim rule is below, with our clock.
        let mut validation = Validation::new(header.alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::Json(_) => VerifyError::Claims,
                _ => VerifyError::Signature,
            })?
            .claims;
        self.check_claims(&claims, issuer)?;
        Ok(claims)
    }

    fn check_claims(&self, claims: &Map<String, Value>, issuer: &str) -> Result<(), VerifyError> {
        // RFC 9068 §4 step 3 and RFC 7519 §4.1.1: exactly the issuer whose key verified it.
        match claims.get("iss").and_then(Value::as_str) {
            None => return Err(VerifyError::MissingClaim("iss")),
            Some(iss) if iss != issuer => return Err(VerifyError::Issuer),
            Some(_) => {}
        }
        if let Some(ours) = &self.audiences {
            // RFC 7519 §4.1.3: a string or an array of strings.
            let matches = |a: &Value| a.as_str().is_some_and(|a| ours.iter().any(|o| o == a));
            match claims.get("aud") {
                None => return Err(VerifyError::MissingClaim("aud")),
                Some(Value::Array(list)) if list.iter().any(matches) => {}
                Some(one @ Value::String(_)) if matches(one) => {}
                Some(_) => return Err(VerifyError::Audience),
            }
        }
        let time = |name: &'static str| claims.get(name).and_then(Value::as_i64);
        let exp = time("exp").ok_or(VerifyError::MissingClaim("exp"))?;
        let now = self.clock.now_unix();
        let leeway = self.leeway;
        // RFC 7519 §4.1.4: the current time MUST be before `exp`.
        if !self.accept_expired && now >= exp.saturating_add(leeway) {
            return Err(VerifyError::Expired);
        }
        // RFC 7519 §4.1.5: the current time MUST be on or after `nbf`.
        if time("nbf").is_some_and(|nbf| now.saturating_add(leeway) < nbf) {
            return Err(VerifyError::NotYetValid);
        }
        // A token issued in the future is a clock problem or a forgery either way.
        if time("iat").is_some_and(|iat| now.saturating_add(leeway) < iat) {
            return Err(VerifyError::IssuedInFuture);
        }
        Ok(())
    }
}
