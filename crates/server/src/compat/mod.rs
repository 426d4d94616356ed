//! Compatibility addresses the modelled platform's own clients call
//! (docs/product.md#compatibility-addresses): the same behaviour as the realm endpoints, at other
//! paths, on the API domain.

mod anonymous;
mod onbehalfof;
mod tenant_metadata;

use axum::Router;
use axum::routing::{get, post};

use crate::oauth::error::OAuthError;
use crate::state::AppState;
use crate::urls;

/// Routes of the compatibility addresses.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(urls::ANONYMOUS_TOKEN, post(anonymous::post))
        .route(urls::ONBEHALFOF_TOKEN, post(onbehalfof::post))
        .route(
            &format!("{}/{{partition}}", urls::TENANT_METADATA),
            get(tenant_metadata::get),
        )
}

/// The values of `names` in the query string (other parameters are ignored, as RFC 6749 asks);
/// a repeated one is refused.
fn query<const N: usize>(
    uri: &axum::http::Uri,
    names: [&str; N],
) -> Result<[Option<String>; N], OAuthError> {
    let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if let Some(i) = names.iter().position(|n| *n == k)
            && out[i].replace(v.into_owned()).is_some()
        {
            return Err(OAuthError::invalid_request(format!(
                "the {k} query parameter is repeated"
            )));
        }
    }
    Ok(out)
}
