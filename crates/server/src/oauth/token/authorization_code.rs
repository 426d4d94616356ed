//! The authorization code grant (RFC 6749 §4.1.3) with PKCE (RFC 7636): a Web app (secret) or
//! a SPA (PKCE, no secret) redeems the code its user's browser brought back.
//!
//! A code is single use: its bindings (client, realm, expiry, redirect URI, PKCE) are checked
//! first, then the store consumes it atomically, and a second presentation by its client revokes
//! the grant — every token issued from the first (RFC 6749 §4.1.2, RFC 9700 §4.5.3). A
//! presentation that fails the bindings does not spend the code. The decisions are
//! `tessera_domain::grant::redeem`'s; this module looks up, consumes, revokes and mints.

use tessera_domain::grant::CodeRedemption;
use tessera_domain::grant::redeem::{self, Presentation, RedeemError};
use tessera_oauth_types::TokenResponse;

use super::grant_tokens::{
    live_person, mint, new_refresh_token, refuse, still_granted, wants_refresh,
};
use super::request::GrantRequest;
use crate::oauth::error::OAuthError;

/// Redeems an authorization code.
pub(super) async fn handle(mut req: GrantRequest<'_>) -> Result<TokenResponse, OAuthError> {
    let auth = req.authenticate().await?;
    let (state, partition) = (req.state, req.partition);
    let code = req.params.require("code")?;
    let presented = Presentation {
        client: auth.view.client.client_id,
        realm: req.realm,
        redirect_uri: req.params.require("redirect_uri")?,
        code_verifier: req.params.get("code_verifier"),
    };
    redeem::check_value(code)?;
    let now = state.clock.now();
    let hash = state.secrets.hash(code);
    // The bindings are checked before the code is spent, so a failed presentation leaves it
    // usable by its rightful client (RFC 6749 §4.1.3, RFC 7636 §4.6).
    let found = state
        .store
        .find_code(partition, &hash)
        .await?
        .ok_or(RedeemError::Unknown)?;
    if let Err(e) = redeem::check(&found, &presented, state.clock.as_ref()) {
        return Err(refuse(state, partition, now, e).await);
    }
    // Then the compare-and-set: of concurrent rightful redemptions exactly one gets the code.
    let (code, grant) = match state.store.redeem_code(partition, &hash, now).await? {
        CodeRedemption::Unknown => return Err(RedeemError::Unknown.into()),
        CodeRedemption::Replayed { grant_id } => {
            return Err(refuse(state, partition, now, RedeemError::Replayed { grant_id }).await);
        }
        CodeRedemption::Redeemed { code, grant } => (code, grant),
    };
    redeem::check_consumed(&grant, state.clock.as_ref())?;
    let person = live_person(state, partition, &grant).await?;
    let granted = still_granted(req.ctx, &auth.view, &grant.scope);
    let alg = auth.view.client.id_token_signed_response_alg;
    let (mut resp, record) = mint(&req, &grant, &person, &granted, code.nonce.clone(), alg)?;
    let refresh = wants_refresh(&granted).then(|| new_refresh_token(state, &grant, now));
    state
        .store
        .record_issued(&record, refresh.as_ref().map(|(_, stored)| stored))
        .await?;
    resp.refresh_token = refresh.map(|(value, _)| value);
    req.secret_used(&auth).await;
    Ok(resp)
}
