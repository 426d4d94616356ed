//! The authorization code grant (RFC 6749 §4.1.3) with PKCE (RFC 7636): a Web app (secret) or
//! a SPA (PKCE, no secret) redeems the code its user's browser brought back.
//!
//! A code is single use: its bindings (client, realm, expiry, redirect URI, PKCE) are checked
//! first, then the store consumes it atomically, and a second presentation by its client revokes
//! the grant — every token issued from the first (RFC 6749 §4.1.2, RFC 9700 §4.5.3). A
//! presentation that fails the bindings does not spend the code.

use axum::http::HeaderMap;
use tessera_domain::grant::{AuthorizationCode, CodeRedemption, Grant};
use tessera_domain::{PartitionId, Realm, pkce};
use tessera_oauth_types::TokenResponse;

use super::grant_tokens::{live_person, mint, new_refresh_token, still_granted, wants_refresh};
use crate::audit::AuditContext;
use crate::oauth::client_auth;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::state::{AppState, PartitionContext};

/// Redeems an authorization code.
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
    let code = params.require("code")?;
    let redirect_uri = params.require("redirect_uri")?;
    if code.len() > 128 {
        return Err(OAuthError::invalid_grant(
            "the authorization code is invalid or has expired",
        ));
    }
    let now = state.clock.now();
    let hash = state.secrets.hash(code);
    // The bindings are checked before the code is spent, so a presentation by another client,
    // with another redirect URI or without the right verifier leaves it usable by its rightful
    // client (RFC 6749 §4.1.3, RFC 7636 §4.6).
    let Some(found) = state.store.find_code(partition, &hash).await? else {
        return Err(OAuthError::invalid_grant(
            "the authorization code is invalid or has expired",
        ));
    };
    let client = &auth.view.client;
    if found.grant.client_id != client.client_id {
        // Consumed or not, another client's presentation changes nothing: revoking here would
        // let any client that saw a used code (in a log, a referrer) end another client's
        // sign-in, and it cannot use the code either way.
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client application",
        ));
    }
    if found.consumed {
        // Only a presentation that passes the bindings (the realm, redirect URI and PKCE
        // verifier; the code's expiry no longer matters) is a replay worth revoking for:
        // otherwise anyone who saw a used SPA code — whose client id is public — could end the
        // sign-in without the verifier.
        check_bindings(&found.code, &found.grant, realm, redirect_uri, params, None)?;
        return Err(replayed(state, partition, found.grant.id, now).await);
    }
    check_bindings(
        &found.code,
        &found.grant,
        realm,
        redirect_uri,
        params,
        Some(now),
    )?;
    // Then the compare-and-set: of concurrent rightful redemptions exactly one gets the code.
    let (code, grant) = match state.store.redeem_code(partition, &hash, now).await? {
        CodeRedemption::Unknown => {
            return Err(OAuthError::invalid_grant(
                "the authorization code is invalid or has expired",
            ));
        }
        CodeRedemption::Replayed { grant_id } => {
            return Err(replayed(state, partition, grant_id, now).await);
        }
        CodeRedemption::Redeemed { code, grant } => (code, grant),
    };
    // The grant as it is now: it may have been revoked between the look-up and the consumption.
    if !grant.is_live(now) {
        return Err(OAuthError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    let person = live_person(state, partition, &grant).await?;
    let granted = still_granted(ctx, &auth.view, &grant.scope);
    let (mut resp, record) = mint(
        state,
        ctx,
        partition,
        realm,
        &grant,
        &person,
        &granted,
        code.nonce.clone(),
        auth.view.client.id_token_signed_response_alg,
    )?;
    let refresh = wants_refresh(&granted).then(|| new_refresh_token(state, &grant, now));
    state
        .store
        .record_issued(&record, refresh.as_ref().map(|(_, stored)| stored))
        .await?;
    resp.refresh_token = refresh.map(|(value, _)| value);
    if let Some(sid) = auth.secret_id {
        state.audit.secret_used(sid, now).await;
    }
    Ok(resp)
}

/// A second use of a code by its own client: the grant is revoked, and with it every token
/// issued from the first use (RFC 6749 §4.1.2, RFC 9700 §4.5.3).
async fn replayed(
    state: &AppState,
    partition: &PartitionId,
    grant_id: uuid::Uuid,
    now: time::OffsetDateTime,
) -> OAuthError {
    if let Err(e) = state.store.revoke_grant(partition, grant_id, now).await {
        return e.into();
    }
    tracing::warn!(%partition, %grant_id, "authorization code replayed; grant revoked");
    OAuthError::invalid_grant(
        "the authorization code was already used; the tokens issued for it have been revoked",
    )
}

/// What the code is bound to besides its client: realm, redirect URI, PKCE and, given `now`,
/// expiry.
fn check_bindings(
    code: &AuthorizationCode,
    grant: &Grant,
    realm: Realm,
    redirect_uri: &str,
    params: &Params,
    now: Option<time::OffsetDateTime>,
) -> Result<(), OAuthError> {
    if grant.realm != realm {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued by the other realm of this partition; redeem it at the issuer that issued it",
        ));
    }
    if let Some(now) = now
        && (code.expires_at <= now || !grant.is_live(now))
    {
        return Err(OAuthError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    if code.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the one in the authorization request",
        ));
    }
    pkce::verify(code.code_challenge.as_deref(), params.get("code_verifier"))
        .map_err(|e| OAuthError::invalid_grant(e.to_string()))
}
