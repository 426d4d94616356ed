//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2):
//! every use returns a new refresh token; presenting a used one revokes the whole family.
//! A narrower `scope` may be requested; a wider one is refused.

use axum::http::HeaderMap;
use tessera_domain::grant::Rotation;
use tessera_domain::permission::short_form;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{ErrorCode, TokenResponse};

use super::grant_tokens::{live_person, mint, new_refresh_token, still_granted};
use crate::audit::AuditContext;
use crate::oauth::client_auth;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::state::{AppState, PartitionContext};

/// Exchanges a refresh token.
pub(super) async fn handle(
    state: &AppState,
    ctx: &PartitionContext,
    partition: &PartitionId,
    realm: Realm,
    headers: &HeaderMap,
    params: &Params,
    audit: &mut AuditContext,
) -> Result<TokenResponse, OAuthError> {
    let auth = client_auth::authenticate_request(state, partition, headers, params, audit).await?;
    let value = params.require("refresh_token")?;
    let unknown = || OAuthError::invalid_grant("the refresh token is invalid, expired or revoked");
    if value.len() > 128 {
        return Err(unknown());
    }
    let now = state.clock.now();
    let hash = state.secrets.hash(value);
    let (token, grant) = state
        .store
        .find_refresh_token(partition, &hash)
        .await?
        .ok_or_else(unknown)?;
    if grant.client_id != auth.view.client.client_id || grant.realm != realm {
        // Someone else's token: say nothing about it.
        return Err(unknown());
    }
    if token.used_at.is_some() {
        state.store.revoke_grant(partition, grant.id, now).await?;
        tracing::warn!(%partition, grant_id = %grant.id, "refresh token reused; family revoked");
        return Err(OAuthError::invalid_grant(
            "the refresh token was already used; for safety every token of this sign-in has been revoked — sign in again",
        ));
    }
    if !token.is_live(&grant, now) {
        return Err(unknown());
    }
    let person = live_person(state, partition, &grant).await?;
    let mut granted = still_granted(ctx, &auth.view, &grant.scope);
    if let Some(requested) = params.get("scope") {
        let mut narrowed = tessera_domain::scope::GrantedScopes::default();
        let mut wider = Vec::new();
        for s in requested.split(' ').filter(|s| !s.is_empty()) {
            let name = short_form(s, &ctx.prefix);
            if let Some(o) = granted.oidc.iter().find(|o| **o == name) {
                narrowed.oidc.insert(o);
            } else if granted.permissions.contains(name) {
                narrowed.permissions.insert(name.to_owned());
            } else {
                wider.push(format!("'{}'", s.chars().take(120).collect::<String>()));
            }
        }
        if !wider.is_empty() {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!(
                    "a refresh can only narrow the original grant; not granted originally (or no longer assigned): {}",
                    wider.join(", ")
                ),
            ));
        }
        granted = narrowed;
    }
    let (mut resp, record) = mint(
        state,
        ctx,
        partition,
        realm,
        &grant,
        &person,
        &granted,
        None,
        auth.view.client.id_token_signed_response_alg,
    )?;
    let (new_value, new_token) = new_refresh_token(state, &grant, now);
    match state
        .store
        .rotate_refresh_token(partition, &hash, now, &new_token, &record)
        .await?
    {
        Rotation::Rotated => {}
        Rotation::AlreadyUsed => {
            // Two requests raced with one token: one of them is not the legitimate client.
            state.store.revoke_grant(partition, grant.id, now).await?;
            return Err(OAuthError::invalid_grant(
                "the refresh token was already used; for safety every token of this sign-in has been revoked — sign in again",
            ));
        }
    }
    resp.refresh_token = Some(new_value);
    if let Some(sid) = auth.secret_id {
        state.audit.secret_used(sid, now).await;
    }
    Ok(resp)
}
