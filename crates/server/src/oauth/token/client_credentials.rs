//! The client credentials grant (RFC 6749 §4.4): a Web client acting as itself, at the users
//! realm only, with application permissions only.

use axum::http::HeaderMap;
use tessera_domain::client::Platform;
use tessera_domain::flow::Flow;
use tessera_domain::scope::{self, ScopeRequest};
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{Actor, ErrorCode, TokenResponse};

use crate::audit::AuditContext;
use crate::oauth::client_auth;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::issue::{self, Subject};
use crate::state::{AppState, PartitionContext};
use crate::urls;

/// Issues a client-credentials token.
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
    if realm != Realm::Users {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            format!(
                "client credentials are served only at the users realm: use {}",
                urls::endpoint(
                    &state.config.public_url,
                    partition,
                    Realm::Users,
                    urls::TOKEN
                )
            ),
        ));
    }
    let client = &auth.view.client;
    if client.platform != Platform::Web {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "a single-page application cannot use client credentials; it signs users in with the authorization code flow and PKCE",
        ));
    }
    let granted = scope::resolve(
        ScopeRequest {
            flow: Flow::ClientCredentials,
            requested: params.get("scope"),
            prefix: &ctx.prefix,
        },
        &ctx.catalog.permissions,
        &auth.view.assigned,
    )
    .map_err(|e| OAuthError::new(ErrorCode::InvalidScope, e.describe()))?;
    if let Some(sid) = auth.secret_id {
        state.audit.secret_used(sid, state.clock.now()).await;
    }
    let client_id = client.client_id.to_string();
    issue::access_token(
        state,
        ctx,
        partition,
        Realm::Users,
        Subject {
            sub: client_id.clone(),
            client_id,
            actor: Actor::Client,
            act: None,
            idp: None,
        },
        &granted,
        state.config.tokens.access_token_ttl,
    )
}
