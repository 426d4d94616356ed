//! Checking one of this realm's access tokens where it is presented back to Tessera (userinfo,
//! introspection, revocation): signature, type, issuer, expiry and revocation.

use serde_json::{Map, Value};
use tessera_domain::{PartitionId, Realm};

use super::error::OAuthError;
use super::own_token::OwnTokenError;
use crate::state::{AppState, PartitionContext};
use crate::urls;

/// Why an access token is not active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Inactive {
    /// Not a valid token of this realm.
    #[error(transparent)]
    Invalid(#[from] OwnTokenError),
    /// Revoked, directly or through its grant.
    #[error("the token has been revoked")]
    Revoked,
}

/// The claims of `token` if it is an active access token of `partition`'s `realm`.
///
/// # Errors
/// `Ok(Err(..))` when it is not active; `Err` when storage fails.
pub async fn active_access_token(
    state: &AppState,
    ctx: &PartitionContext,
    partition: &PartitionId,
    realm: Realm,
    token: &str,
) -> Result<Result<Map<String, Value>, Inactive>, OAuthError> {
    let Some(keys) = ctx.realms.get(&realm) else {
        return Ok(Err(Inactive::Invalid(OwnTokenError::Invalid)));
    };
    let issuer = urls::issuer(&state.config.public_url, partition, realm);
    let now = state.clock.now().unix_timestamp();
    let claims = match keys.verifier.verify(token, "at+jwt", &issuer, now, false) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e.into())),
    };
    if claims.get("tenant").and_then(Value::as_str) != Some(partition.as_str()) {
        return Ok(Err(Inactive::Invalid(OwnTokenError::WrongIssuer)));
    }
    let Some(jti) = claims
        .get("jti")
        .and_then(Value::as_str)
        .and_then(|j| uuid::Uuid::parse_str(j).ok())
    else {
        return Ok(Err(Inactive::Invalid(OwnTokenError::Invalid)));
    };
    if state.store.is_access_token_revoked(partition, jti).await? {
        return Ok(Err(Inactive::Revoked));
    }
    // A deleted or disabled client's tokens stop at once (SPEC §2), whatever their `exp`.
    if let Some(id) = claims
        .get("client_id")
        .and_then(Value::as_str)
        .and_then(|c| uuid::Uuid::parse_str(c).ok())
        && !state
            .client(partition, id)
            .await?
            .is_some_and(|c| c.client.enabled)
    {
        return Ok(Err(Inactive::Revoked));
    }
    Ok(Ok(claims))
}

/// The bearer token of an `Authorization: Bearer` header (RFC 6750 §2.1).
#[must_use]
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
