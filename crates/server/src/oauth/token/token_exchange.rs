//! Token exchange (RFC 8693) with an external identity provider's token: a Web client with the
//! switch on trades a provider's JWT for a Tessera access token for the matching, enabled user
//! (or customer). The new token lives the client's Access Token Expiry Time and names the
//! provider's registration in `idp`.
//!
//! Linking follows `tessera_domain::account_link` (a verified email, no look-alikes), and the
//! admin API's permission comes only when the request names it (`tessera_domain::scope`).

use tessera_domain::Realm;
use tessera_domain::account_link::{self, names_account};
use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::flow::Flow;
use tessera_domain::grant::eligibility;
use tessera_domain::identity_provider::MatchAttribute;
use tessera_oauth_types::{Actor, ErrorCode, TokenResponse, token_type};

use super::request::GrantRequest;
use crate::jwt::external::{KEYS_UNAVAILABLE, SubjectTokenError};
use crate::oauth::error::OAuthError;
use crate::oauth::issue::{self, Subject};
use crate::state::LoadError;

/// Issues a token-exchange token.
pub(super) async fn handle(mut req: GrantRequest<'_>) -> Result<TokenResponse, OAuthError> {
    let auth = req.authenticate().await?;
    let GrantRequest {
        state,
        partition,
        realm,
        params,
        ..
    } = req;
    let client = &auth.view.client;
    eligibility::token_exchange(client)?;
    let subject_token = params.require("subject_token")?;
    eligibility::token_types(
        params.require("subject_token_type")?,
        params.get("requested_token_type"),
    )?;
    let registration = params.require("registration_id")?;
    let unknown = || {
        OAuthError::invalid_request(
            "unknown registration_id: no identity provider with that id is registered in this partition",
        )
    };
    let id = uuid::Uuid::parse_str(registration).map_err(|_| unknown())?;
    let idp = state
        .store
        .get_identity_provider(partition, id)
        .await
        .map_err(LoadError::from)?
        .ok_or_else(unknown)?;
    eligibility::provider(&idp, realm)?;
    let claims = match state.external_keys.verify(&idp, subject_token).await {
        Ok(claims) => claims,
        Err(SubjectTokenError::KeysUnavailable(detail)) => {
            // The detail (addresses, connection errors, what the endpoint answered) goes to the
            // operators only; the caller learns nothing it could use to probe the network.
            tracing::warn!(registration_id = %idp.id, detail = %detail, "identity provider signing keys could not be fetched");
            let event = req.audit.event(
                state,
                Action::IdentityProviderKeysUnavailable,
                ObjectType::IdentityProvider,
                Some(idp.id.to_string()),
                Outcome::Failure,
                Some(detail),
            );
            state.audit.record(event).await;
            return Err(OAuthError {
                status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
                code: ErrorCode::TemporarilyUnavailable,
                description: KEYS_UNAVAILABLE.to_owned(),
                basic_challenge: false,
                limited: None,
            });
        }
        Err(e) => return Err(OAuthError::new(ErrorCode::InvalidGrant, e.to_string())),
    };
    let value = account_link::identifier(&idp, &claims)
        .map_err(|e| OAuthError::new(ErrorCode::InvalidGrant, e.to_string()))?;
    let no_account = || {
        OAuthError::new(
            ErrorCode::InvalidGrant,
            format!(
                "no enabled account of this partition matches the token's {} claim",
                idp.match_claim
            ),
        )
    };
    // The stores match case-insensitively; `names_account` then refuses an account whose
    // stored value equals the claim only through folding a look-alike.
    let (sub, actor) = match (realm, idp.match_attribute) {
        (Realm::Users, MatchAttribute::Email) => match state
            .store
            .find_user_by_email(partition, value)
            .await
            .map_err(LoadError::from)?
        {
            Some(u) if u.enabled && names_account(value, &u.email) => {
                (u.id.to_string(), Actor::User)
            }
            _ => return Err(no_account()),
        },
        (Realm::Users, MatchAttribute::Username) => match state
            .store
            .find_user_by_username(partition, value)
            .await
            .map_err(LoadError::from)?
        {
            Some(r) if r.user.enabled && names_account(value, &r.user.username) => {
                (r.user.id.to_string(), Actor::User)
            }
            _ => return Err(no_account()),
        },
        (Realm::Customers, _) => match state
            .store
            .find_customer_by_email(partition, value)
            .await
            .map_err(LoadError::from)?
        {
            Some(r) if r.customer.enabled && names_account(value, &r.customer.email) => {
                (r.customer.id.to_string(), Actor::Customer)
            }
            _ => return Err(no_account()),
        },
    };
    let granted = req.scope(Flow::TokenExchange, &auth.view.assigned)?;
    req.secret_used(&auth).await;
    let mut response = issue::access_token(
        req.issuer(),
        Subject {
            sub,
            client_id: client.client_id.to_string(),
            actor,
            act: None,
            idp: Some(idp.id.to_string()),
        },
        &granted,
        client.access_token_ttl,
    )?;
    response.issued_token_type = Some(token_type::ACCESS_TOKEN.to_owned());
    Ok(response)
}
