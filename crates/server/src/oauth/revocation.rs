//! Token revocation (RFC 7009). A client revokes its own refresh token (which revokes the whole
//! grant: every refresh and access token issued from the same sign-in) or access token (by
//! `jti`, inactive at introspection at once). Unknown tokens and tokens of other clients are
//! answered 200 like successful ones (RFC 7009 §2.2), so the endpoint reveals nothing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tessera_domain::audit::{Action, ObjectType, Outcome};

use super::access_check::active_access_token;
use super::error::{OAuthError, no_store};
use super::realm_issuer::RealmIssuer;
use super::realm_post::{ClientForm, RealmPost};
use crate::state::AppState;

/// Longest token value looked at.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// `POST {issuer}/oauth2/revoke`.
pub(crate) async fn revoke(State(state): State<AppState>, post: RealmPost) -> Response {
    match respond(&state, post).await {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(e) => e.into_response(),
    }
}

async fn respond(state: &AppState, post: RealmPost) -> Result<(), OAuthError> {
    let ClientForm {
        issuer: RealmIssuer {
            ctx,
            partition,
            realm,
        },
        params,
        auth,
        audit,
    } = post.client_form(state).await?;
    let token = params.require("token")?;
    if token.len() > MAX_TOKEN_BYTES {
        return Ok(());
    }
    let client_id = auth.view.client.client_id;
    let now = state.clock.now();
    let hint = params.get("token_type_hint");
    let mut revoked = None;
    // A JWT has two dots; a refresh token is a bare base64url value. The hint only orders the
    // search (RFC 7009 §2.1), so both kinds are always tried.
    let looks_like_jwt = token.bytes().filter(|b| *b == b'.').count() == 2;
    if hint != Some("access_token") || !looks_like_jwt {
        let hash = state.secrets.hash(token);
        if let Some((_, grant)) = state.store.find_refresh_token(&partition, &hash).await?
            && grant.client_id == client_id
            && grant.realm == realm
        {
            state.store.revoke_grant(&partition, grant.id, now).await?;
            revoked = Some((ObjectType::RefreshToken, grant.id.to_string()));
        }
    }
    if revoked.is_none()
        && looks_like_jwt
        && let Ok(active) = active_access_token(state, &ctx, &partition, realm, token).await?
        && let claims = &active.claims
        && claims.get("client_id").and_then(Value::as_str) == Some(&client_id.to_string())
        && let (Some(jti), Some(exp)) = (
            claims
                .get("jti")
                .and_then(Value::as_str)
                .and_then(|j| uuid::Uuid::parse_str(j).ok()),
            claims
                .get("exp")
                .and_then(Value::as_i64)
                .and_then(|e| time::OffsetDateTime::from_unix_timestamp(e).ok()),
        )
    {
        // Already revoked or expired tokens are not active: nothing left to do for them.
        state
            .store
            .revoke_access_token(&partition, jti, exp)
            .await?;
        revoked = Some((ObjectType::AccessToken, jti.to_string()));
    }
    if let Some((kind, id)) = revoked {
        let event = audit.event(
            state,
            Action::TokenRevoke,
            kind,
            Some(id),
            Outcome::Success,
            None,
        );
        state.audit.record(event).await;
    }
    Ok(())
}
