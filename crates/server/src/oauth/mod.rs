//! The OAuth 2.0 / OpenID Connect endpoints of each realm issuer.

pub(crate) mod access_check;
pub(crate) mod authorize;
pub(crate) mod browser;
pub(crate) mod client_auth;
pub(crate) mod cors;
pub(crate) mod discovery;
pub(crate) mod error;
pub(crate) mod form;
pub(crate) mod id_token_hint;
pub(crate) mod introspection;
pub(crate) mod issue;
pub(crate) mod logout;
pub(crate) mod logout_token;
pub(crate) mod realm_issuer;
pub(crate) mod realm_post;
pub(crate) mod refusals;
pub(crate) mod revocation;
pub(crate) mod session_end;
pub(crate) mod subject;
pub(crate) mod token;
pub(crate) mod userinfo;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::urls::{self, ISSUERS};

/// The route of `endpoint` (a [`urls`] constant) under every realm issuer, whose path segment
/// the [`realm_issuer::RealmIssuer`] extractor reads.
fn at(endpoint: &str) -> String {
    format!("{ISSUERS}/{{{}}}{endpoint}", realm_issuer::PARAM)
}

/// Routes under `/system/auth/{partition}-{U|C}` and the RFC 8414 well-known address.
pub(crate) fn router(state: &AppState) -> Router<AppState> {
    // What a SPA calls from its own origin (docs/product.md#cors).
    let browser_facing = Router::new()
        .route(&at(urls::TOKEN), post(token::post).options(preflight))
        .route(
            &at(urls::USERINFO),
            get(userinfo::userinfo)
                .post(userinfo::userinfo)
                .options(preflight),
        )
        .route(
            &at(urls::REVOKE),
            post(revocation::revoke).options(preflight),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cors::layer,
        ));
    Router::new()
        .merge(browser_facing)
        .route(&at(urls::INTROSPECT), post(introspection::introspect))
        .route(&at(urls::LOGOUT), get(logout::logout).post(logout::logout))
        .route(
            &at(urls::OPENID_CONFIGURATION),
            get(discovery::openid_configuration),
        )
        .route(
            &format!("{}{}", urls::OAUTH_AUTHORIZATION_SERVER, at("")),
            get(discovery::openid_configuration),
        )
        .route(&at(urls::KEYS), get(discovery::jwks))
        .route(
            &at(urls::AUTHORIZE),
            get(authorize::get).post(authorize::post),
        )
        .route(&at(urls::LOGIN), post(authorize::login))
}

/// Preflight requests are answered by [`cors::layer`]; this only gives them a route.
async fn preflight() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}
