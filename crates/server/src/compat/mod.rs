//! Compatibility addresses the modelled platform's own clients call (SPEC §3): the same
//! behaviour as the realm endpoints, at other paths, on the API domain.

mod anonymous;
mod onbehalfof;
mod tenant_metadata;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

/// Routes of the compatibility addresses.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/core/authmgr/v3/oauth2/v2.0/anonymous/token",
            post(anonymous::post),
        )
        .route(
            "/core/authmgr/v4/oauth2/v2.0/onbehalfof/token",
            post(onbehalfof::post),
        )
        .route(
            "/core/authmgr/v3/metadata/tenant/{partition}",
            get(tenant_metadata::get),
        )
}
