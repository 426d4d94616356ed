//! The client credentials grant (RFC 6749 §4.4): a Web client acting as itself, at the users
//! realm only, with application permissions only.

use tessera_domain::Realm;
use tessera_domain::flow::Flow;
use tessera_domain::grant::eligibility;
use tessera_oauth_types::{Actor, TokenResponse};

use super::request::GrantRequest;
use crate::oauth::error::OAuthError;
use crate::oauth::issue::{self, Subject};
use crate::urls;

/// Issues a client-credentials token.
pub(super) async fn handle(mut req: GrantRequest<'_>) -> Result<TokenResponse, OAuthError> {
    let auth = req.authenticate().await?;
    let client = &auth.view.client;
    eligibility::client_credentials(client, req.realm, || {
        urls::endpoint(
            &req.state.config.public_url,
            req.partition,
            Realm::Users,
            urls::TOKEN,
        )
    })?;
    let granted = req.scope(Flow::ClientCredentials, &auth.view.assigned)?;
    req.secret_used(&auth).await;
    let client_id = client.client_id.to_string();
    issue::access_token(
        req.issuer(),
        Subject {
            sub: client_id.clone(),
            client_id,
            actor: Actor::Client,
            act: None,
            idp: None,
        },
        &granted,
        req.state.config.tokens.access_token_ttl,
    )
}
