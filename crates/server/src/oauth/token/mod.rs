//! The token endpoint: parses the request, dispatches on `grant_type` to one module per grant,
//! and records the outcome. Grant modules turn a typed request into a token or an [`OAuthError`].

mod anonymous;
mod authorization_code;
mod client_credentials;
pub(crate) mod grant_tokens;
mod on_behalf_of;
mod refresh_token;
mod request;
mod token_exchange;

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{ErrorCode, grant_type};

use self::request::GrantRequest;
use super::error::{OAuthError, no_store};
use super::form::Params;
use super::realm_post::RealmPost;
use crate::audit::AuditContext;
use crate::request_meta::RequestMeta;
use crate::state::{AppState, PartitionContext};

/// `POST {issuer}/oauth2/token`.
pub(crate) async fn post(State(state): State<AppState>, post: RealmPost) -> Response {
    let target = Target {
        partition: post.at.partition,
        realm: post.at.realm,
        ctx: Some(post.at.ctx),
        endpoint: Endpoint::Realm,
    };
    respond(&state, target, post.meta, &post.headers, &post.body).await
}

/// The issuer a token request is for, and the address that received it.
#[derive(Debug)]
pub(crate) struct Target {
    /// The partition.
    pub(crate) partition: PartitionId,
    /// The realm.
    pub(crate) realm: Realm,
    /// The partition's context when the path's issuer segment already loaded it ([`RealmIssuer`](super::realm_issuer::RealmIssuer));
    /// `None` at the compatibility addresses, which name the partition in their query: it is
    /// loaded once the form has been read, so a malformed form is refused first there.
    pub(crate) ctx: Option<Arc<PartitionContext>>,
    /// The address.
    pub(crate) endpoint: Endpoint,
}

/// Which address received a token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A realm's `/oauth2/token`: every grant.
    Realm,
    /// The on-behalf-of compatibility address: the password (OBO) grant only.
    OnBehalfOf,
    /// The anonymous-customer address: client credentials, for nobody, credentials ignored.
    Anonymous,
}

/// Handles a token request for `target`; the partition is loaded at most once per request.
pub(crate) async fn respond(
    state: &AppState,
    target: Target,
    meta: RequestMeta,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let Target {
        partition,
        realm,
        ctx,
        endpoint,
    } = target;
    let mut audit = AuditContext::anonymous(&partition, meta.source_ip);
    let quota = std::sync::OnceLock::new();
    let grant =
        Params::from_body(headers, body).map(|p| (p.get("grant_type").map(str::to_owned), p));
    let result = async {
        let (grant, params) = grant?;
        let ctx = match ctx {
            Some(ctx) => ctx,
            None => state
                .partition(&partition)
                .await?
                .ok_or_else(OAuthError::unknown_issuer)?,
        };
        let grant = grant
            .ok_or_else(|| OAuthError::invalid_request("the grant_type parameter is required"))?;
        let only = match endpoint {
            Endpoint::Realm => None,
            Endpoint::OnBehalfOf => Some(grant_type::PASSWORD),
            Endpoint::Anonymous => Some(grant_type::CLIENT_CREDENTIALS),
        };
        if let Some(only) = only
            && grant != only
        {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("this address serves only grant_type={only}"),
            ));
        }
        let req = GrantRequest {
            state,
            ctx: &ctx,
            partition: &partition,
            realm,
            headers,
            params: &params,
            audit: &mut audit,
            quota: &quota,
        };
        let outcome = match grant.as_str() {
            grant_type::CLIENT_CREDENTIALS if endpoint == Endpoint::Anonymous => {
                anonymous::handle(req)
            }
            grant_type::CLIENT_CREDENTIALS => client_credentials::handle(req).await,
            grant_type::PASSWORD => on_behalf_of::handle(req).await,
            grant_type::TOKEN_EXCHANGE => token_exchange::handle(req).await,
            grant_type::AUTHORIZATION_CODE => authorization_code::handle(req).await,
            grant_type::REFRESH_TOKEN => refresh_token::handle(req).await,
            other => Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!(
                    "unknown grant_type {:?}; supported: {SUPPORTED}",
                    other.chars().take(80).collect::<String>()
                ),
            )),
        };
        Ok::<_, OAuthError>((grant, outcome?))
    }
    .await;
    // The request's audit event: a token issued, or refused.
    let event = |action, outcome, detail| {
        audit.event(
            state,
            action,
            ObjectType::AccessToken,
            audit.actor_id.clone(),
            outcome,
            Some(detail),
        )
    };
    match result {
        Ok((grant, token)) => {
            metrics::counter!("tessera_tokens_issued_total", "grant" => grant_label(&grant))
                .increment(1);
            let detail = format!("grant={grant} scope={}", token.scope);
            let issued = event(Action::TokenIssue, Outcome::Success, detail);
            state.audit.record(issued).await;
            let mut resp = no_store(Json(token).into_response());
            resp.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            // The client's allowance, as the modelled platform reports it on every answer.
            if let Some(q) = quota.get() {
                q.headers(resp.headers_mut());
            }
            resp
        }
        Err(e) => {
            metrics::counter!("tessera_token_errors_total", "error" => e.code.as_str())
                .increment(1);
            if e.status.is_client_error() {
                let detail = format!("{}: {}", e.code, e.description);
                let refused = event(Action::TokenRefuse, Outcome::Failure, detail);
                state.audit.record(refused).await;
            }
            e.into_response()
        }
    }
}

/// Grant types this server issues tokens for, for error messages.
const SUPPORTED: &str = "authorization_code, refresh_token, client_credentials, password (on-behalf-of), urn:ietf:params:oauth:grant-type:token-exchange";

/// A bounded label set for metrics (never echo client input into label values).
fn grant_label(grant: &str) -> &'static str {
    match grant {
        grant_type::CLIENT_CREDENTIALS => "client_credentials",
        grant_type::AUTHORIZATION_CODE => "authorization_code",
        grant_type::REFRESH_TOKEN => "refresh_token",
        grant_type::PASSWORD => "password",
        grant_type::TOKEN_EXCHANGE => "token_exchange",
        _ => "other",
    }
}
