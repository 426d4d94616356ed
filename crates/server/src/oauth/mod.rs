//! The OAuth 2.0 / OpenID Connect endpoints of each realm issuer.

pub mod client_auth;
pub mod discovery;
pub mod error;
pub mod external_token;
pub mod form;
pub mod issue;
pub mod token;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// Routes under `/system/auth/{partition}-{U|C}` and the RFC 8414 well-known address.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/system/auth/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server/system/auth/{tenant}",
            get(discovery::openid_configuration),
        )
        .route("/system/auth/{tenant}/oauth2/keys", get(discovery::jwks))
        .route("/system/auth/{tenant}/oauth2/token", post(token::post))
}
