//! On-behalf-of (docs/product.md#flows): the platform reuses `grant_type=password` with a
//! `subject_*` parameter and no user password. A Web client with OBO enabled acts for a user (at
//! `-U`, by `subject_username` or `subject_userid`) or a customer (at `-C`, by `subject_email`),
//! with OBO-delegated permissions only. The token's `act` claim names the client (RFC 8693 §4.1).

use axum::http::HeaderMap;
use tessera_domain::client::Platform;
use tessera_domain::flow::Flow;
use tessera_domain::scope::{self, ScopeRequest};
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{Act, Actor, ErrorCode, TokenResponse};

use crate::audit::AuditContext;
use crate::oauth::client_auth;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::issue::{self, Subject};
use crate::state::{AppState, PartitionContext};

/// Issues an on-behalf-of token.
pub(super) async fn handle(
    state: &AppState,
    ctx: &PartitionContext,
    partition: &PartitionId,
    realm: Realm,
    headers: &HeaderMap,
    params: &Params,
    audit: &mut AuditContext,
) -> Result<TokenResponse, OAuthError> {
    if params.get("username").is_some() || params.get("password").is_some() {
        // The resource owner password grant hands user passwords to clients (RFC 9700 §2.4
        // forbids it); only the platform's on-behalf-of use of `password` is served.
        return Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "the resource owner password grant is not supported; for on-behalf-of send subject_username or subject_userid (users realm) or subject_email (customers realm) and no password",
        ));
    }
    let auth = client_auth::authenticate_request(state, partition, headers, params, audit).await?;
    let client = &auth.view.client;
    if client.platform != Platform::Web {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "a single-page application cannot use on-behalf-of; it needs a Web application with a secret",
        ));
    }
    if !client.obo_enabled {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "on-behalf-of is not enabled for this client application; a Partition Administrator can switch on 'Client On-Behalf-Of (OBO) Flow'",
        ));
    }
    let (sub, actor) = subject(state, partition, realm, params).await?;
    let granted = scope::resolve(
        ScopeRequest {
            flow: Flow::OnBehalfOf,
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
        realm,
        Subject {
            sub,
            client_id: client_id.clone(),
            actor,
            act: Some(Act { sub: client_id }),
            idp: None,
        },
        &granted,
        state.config.tokens.access_token_ttl,
    )
}

/// Finds the enabled user or customer the request names.
async fn subject(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    params: &Params,
) -> Result<(String, Actor), OAuthError> {
    let username = params.get("subject_username");
    let userid = params.get("subject_userid");
    let email = params.get("subject_email");
    let not_found = |what: &str| {
        OAuthError::new(
            ErrorCode::InvalidGrant,
            format!("no enabled {what} in this partition"),
        )
    };
    match realm {
        Realm::Users => {
            if email.is_some() {
                return Err(OAuthError::invalid_request(
                    "subject_email names a customer: request it at the customers realm (-C) token endpoint",
                ));
            }
            let user = match (username, userid) {
                (Some(_), Some(_)) => {
                    return Err(OAuthError::invalid_request(
                        "send subject_username or subject_userid, not both",
                    ));
                }
                (None, None) => {
                    return Err(OAuthError::invalid_request(
                        "the subject_username or subject_userid parameter is required",
                    ));
                }
                (Some(name), None) => state
                    .store
                    .find_user_by_username(partition, name)
                    .await
                    .map_err(crate::state::LoadError::from)?
                    .map(|r| r.user),
                (None, Some(id)) => match uuid::Uuid::parse_str(id) {
                    Ok(id) => state
                        .store
                        .get_user(partition, id)
                        .await
                        .map_err(crate::state::LoadError::from)?,
                    Err(_) => None,
                },
            };
            match user {
                Some(u) if u.enabled => Ok((u.id.to_string(), Actor::User)),
                _ => Err(not_found("user with that username or id")),
            }
        }
        Realm::Customers => {
            if username.is_some() || userid.is_some() {
                return Err(OAuthError::invalid_request(
                    "subject_username and subject_userid name users: request them at the users realm (-U) token endpoint; customers are named by subject_email",
                ));
            }
            let email = email.ok_or_else(|| {
                OAuthError::invalid_request(
                    "the subject_email parameter is required at the customers realm",
                )
            })?;
            let customer = state
                .store
                .find_customer_by_email(partition, email)
                .await
                .map_err(crate::state::LoadError::from)?;
            match customer {
                Some(c) if c.customer.enabled => Ok((c.customer.id.to_string(), Actor::Customer)),
                _ => Err(not_found("customer with that email")),
            }
        }
    }
}
