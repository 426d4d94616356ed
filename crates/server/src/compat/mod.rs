//! Compatibility addresses the modelled platform's own clients call
//! (docs/product.md#compatibility-addresses): the same behaviour as the realm endpoints, at other
//! paths, on the API domain.

mod anonymous;
mod onbehalfof;
mod query;
mod tenant_metadata;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::urls;

/// Routes of the compatibility addresses.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ANONYMOUS_TOKEN, post(anonymous::post))
        .route(urls::ONBEHALFOF_TOKEN, post(onbehalfof::post))
        .route(
            &format!("{}/{{partition}}", urls::TENANT_METADATA),
            get(tenant_metadata::get),
        )
}
