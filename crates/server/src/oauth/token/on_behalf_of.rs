//! On-behalf-of (docs/product.md#flows): the platform reuses `grant_type=password` with a
//! `subject_*` parameter and no user password. A Web client with OBO enabled acts for a user (at
//! `-U`, by `subject_username` or `subject_userid`) or a customer (at `-C`, by `subject_email`),
//! with OBO-delegated permissions only. The token's `act` claim names the client (RFC 8693 §4.1).

use tessera_domain::flow::Flow;
use tessera_domain::grant::eligibility::{self, OboSubject};
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::{Act, Actor, ErrorCode, TokenResponse};

use super::request::GrantRequest;
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::issue::{self, Subject};
use crate::state::{AppState, LoadError};

/// Issues an on-behalf-of token.
pub(super) async fn handle(mut req: GrantRequest<'_>) -> Result<TokenResponse, OAuthError> {
    let params = req.params;
    eligibility::not_a_password_grant(params.get("username"), params.get("password"))?;
    let auth = req.authenticate().await?;
    let client = &auth.view.client;
    eligibility::on_behalf_of(client)?;
    let (sub, actor) = subject(req.state, req.partition, req.realm, params).await?;
    let granted = req.scope(Flow::OnBehalfOf, &auth.view.assigned)?;
    req.secret_used(&auth).await;
    let client_id = client.client_id.to_string();
    issue::access_token(
        req.issuer(),
        Subject {
            sub,
            client_id: client_id.clone(),
            actor,
            act: Some(Act { sub: client_id }),
            idp: None,
        },
        &granted,
        req.state.config.tokens.access_token_ttl,
    )
}

/// Finds the enabled user or customer the request names.
async fn subject(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    params: &Params,
) -> Result<(String, Actor), OAuthError> {
    let named = eligibility::obo_subject(
        realm,
        params.get("subject_username"),
        params.get("subject_userid"),
        params.get("subject_email"),
    )?;
    let not_found = |what: &str| {
        OAuthError::new(
            ErrorCode::InvalidGrant,
            format!("no enabled {what} in this partition"),
        )
    };
    let user = match named {
        OboSubject::Email(email) => {
            let customer = state
                .store
                .find_customer_by_email(partition, email)
                .await
                .map_err(LoadError::from)?;
            return match customer {
                Some(c) if c.customer.enabled => Ok((c.customer.id.to_string(), Actor::Customer)),
                _ => Err(not_found("customer with that email")),
            };
        }
        OboSubject::Username(name) => state
            .store
            .find_user_by_username(partition, name)
            .await
            .map_err(LoadError::from)?
            .map(|r| r.user),
        OboSubject::UserId(id) => match uuid::Uuid::parse_str(id) {
            Ok(id) => state
                .store
                .get_user(partition, id)
                .await
                .map_err(LoadError::from)?,
            Err(_) => None,
        },
    };
    match user {
        Some(u) if u.enabled => Ok((u.id.to_string(), Actor::User)),
        _ => Err(not_found("user with that username or id")),
    }
}
