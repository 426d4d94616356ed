//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2):
//! every use returns a new refresh token; presenting a used one revokes the whole family.
//! A narrower `scope` may be requested; a wider one is refused. The decisions are
//! `tessera_domain::grant::refresh`'s; this module looks up, rotates, revokes and mints.

use tessera_domain::grant::refresh::{self, RefreshError};
use tessera_oauth_types::TokenResponse;

use super::grant_tokens::{live_person, mint, new_refresh_token, refuse, still_granted};
use super::request::GrantRequest;
use crate::oauth::error::OAuthError;

/// Exchanges a refresh token.
pub(super) async fn handle(mut req: GrantRequest<'_>) -> Result<TokenResponse, OAuthError> {
    let auth = req.authenticate().await?;
    let (state, partition) = (req.state, req.partition);
    let value = req.params.require("refresh_token")?;
    refresh::check_value(value)?;
    let now = state.clock.now();
    let hash = state.secrets.hash(value);
    let (token, grant) = state
        .store
        .find_refresh_token(partition, &hash)
        .await?
        .ok_or(RefreshError::Unknown)?;
    let client = auth.view.client.client_id;
    if let Err(e) = refresh::check(&token, &grant, client, req.realm, state.clock.as_ref()) {
        return Err(refuse(state, partition, now, e).await);
    }
    let person = live_person(state, partition, &grant).await?;
    let still = still_granted(req.ctx, &auth.view, &grant.scope);
    let granted = refresh::narrow(&still, req.params.get("scope"), &req.ctx.prefix)?;
    let alg = auth.view.client.id_token_signed_response_alg;
    let (mut resp, record) = mint(&req, &grant, &person, &granted, None, alg)?;
    let (new_value, new_token) = new_refresh_token(state, &grant, now);
    let rotation = state
        .store
        .rotate_refresh_token(partition, &hash, now, &new_token, &record)
        .await?;
    if let Err(e) = refresh::check_rotation(rotation, &grant) {
        return Err(refuse(state, partition, now, e).await);
    }
    resp.refresh_token = Some(new_value);
    req.secret_used(&auth).await;
    Ok(resp)
}
