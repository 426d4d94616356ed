//! The OAuth 2.0 / OpenID Connect endpoints of each realm issuer.

pub mod access_check;
pub mod authorize;
pub mod browser;
pub mod client_auth;
pub mod cors;
pub mod discovery;
pub mod error;
pub mod form;
pub mod id_token_hint;
pub mod introspection;
pub mod issue;
pub mod logout;
pub mod logout_token;
pub mod refusals;
pub mod revocation;
pub mod session_end;
pub mod subject;
pub mod token;
pub mod userinfo;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// Routes under `/system/auth/{partition}-{U|C}` and the RFC 8414 well-known address.
pub fn router(state: &AppState) -> Router<AppState> {
    // What a SPA calls from its own origin (docs/product.md#cors).
    let browser_facing = Router::new()
        .route(
            "/system/auth/{tenant}/oauth2/token",
            post(token::post).options(preflight),
        )
        .route(
            "/system/auth/{tenant}/oauth2/userinfo",
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(preflight),
        )
        .route(
            "/system/auth/{tenant}/oauth2/revoke",
            post(revocation::revoke).options(preflight),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::layer,
        ));
    Router::new()
        .merge(browser_facing)
        .route(
            "/system/auth/{tenant}/oauth2/introspect",
            post(introspection::introspect),
        )
        .route(
            "/system/auth/{tenant}/oauth2/logout",
            get(logout::logout).post(logout::logout),
        )
        .route(
            "/system/auth/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server/system/auth/{tenant}",
            get(discovery::openid_configuration),
        )
        .route("/system/auth/{tenant}/oauth2/keys", get(discovery::jwks))
        .route(
            "/system/auth/{tenant}/oauth2/authorize",
            get(authorize::get).post(authorize::post),
        )
        .route("/system/auth/{tenant}/oauth2/login", post(authorize::login))
}

/// Preflight requests are answered by [`cors::layer`]; this only gives them a route.
async fn preflight() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}
