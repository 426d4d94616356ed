//! Minting access tokens (RFC 9068 JWTs) — shared by every grant.

use tessera_domain::scope::GrantedScopes;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{AccessTokenClaims, Act, Actor, TokenResponse};

use super::error::OAuthError;
use crate::state::{AppState, PartitionContext};
use crate::urls;

/// Who a token is for.
#[derive(Debug)]
pub struct Subject {
    /// `sub`.
    pub sub: String,
    /// `client_id` claim.
    pub client_id: String,
    /// `actor`.
    pub actor: Actor,
    /// `act` (on-behalf-of).
    pub act: Option<Act>,
    /// `idp` (token exchange).
    pub idp: Option<String>,
}

/// Signs an access token for `subject` with `granted` scopes, valid `ttl` seconds.
///
/// # Errors
/// 500 when the realm has no active key or signing fails.
pub fn access_token(
    state: &AppState,
    ctx: &PartitionContext,
    partition: &PartitionId,
    realm: Realm,
    subject: Subject,
    granted: &GrantedScopes,
    ttl: u32,
) -> Result<TokenResponse, OAuthError> {
    let key = ctx
        .realms
        .get(&realm)
        .and_then(|r| r.active.clone())
        .ok_or_else(|| {
            OAuthError::internal(&format!(
                "realm {partition}-{} has no active signing key",
                realm.suffix()
            ))
        })?;
    let now = state.clock.now().unix_timestamp();
    let scope = granted.to_scope_string();
    let claims = AccessTokenClaims {
        iss: urls::issuer(&state.config.public_url, partition, realm),
        sub: subject.sub,
        aud: ctx
            .catalog
            .audiences_for(&granted.permissions, state.config.api_url()),
        exp: now + i64::from(ttl),
        iat: now,
        nbf: now,
        jti: state.rng.uuid().to_string(),
        client_id: subject.client_id,
        scope: scope.clone(),
        tenant: partition.to_string(),
        actor: subject.actor,
        act: subject.act,
        idp: subject.idp,
    };
    let access_token = key.sign(&claims).map_err(|e| OAuthError::internal(&e))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: u64::from(ttl),
        scope,
        refresh_token: None,
        id_token: None,
        issued_token_type: None,
    })
}
