//! How handlers reach the validated claims.

use std::ops::Deref;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use tessera_oauth_types::AccessTokenClaims;

use crate::Rejection;

/// The validated claims of the request's access token, put into the request extensions by the
/// guard's layer. An axum extractor:
///
/// ```no_run
/// use tessera_guard::Authenticated;
///
/// async fn handler(Authenticated(claims): Authenticated) -> String {
///     format!("hello {} of {}", claims.sub, claims.tenant)
/// }
/// ```
///
/// Extracting it on a route without the layer answers 500 ([`Rejection::NotGuarded`]): a
/// wiring mistake must not serve the route unauthenticated. `Option<Authenticated>` extracts
/// `None` there instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated(pub AccessTokenClaims);

impl Deref for Authenticated {
    type Target = AccessTokenClaims;

    fn deref(&self) -> &AccessTokenClaims {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Rejection> {
        match parts.extensions.get::<Self>() {
            Some(found) => Ok(found.clone()),
            None => {
                tracing::error!(
                    path = %parts.uri.path(),
                    "handler extracts Authenticated but the route has no guard layer"
                );
                Err(Rejection::NotGuarded)
            }
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().cloned())
    }
}
