//! The realm issuer named by a request's path: the `{partition}-U|C` segment of
//! `/system/auth/{partition}-U|C/...`, resolved once, before the handler runs, to the partition's
//! cached context and the realm.
//!
//! An unknown issuer — a malformed segment or a partition that does not exist — costs no query
//! and no cache entry ([`crate::known_partitions`]), and is answered as each surface answers it:
//! JSON `unknown_issuer` at the machine endpoints, an HTML page at the browser-facing ones
//! ([`IssuerRejection::page`]).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tessera_domain::{PartitionId, Realm};

use super::error::OAuthError;
use crate::state::{AppState, PartitionContext};

/// The name of the route parameter holding the issuer segment (`acme-U`).
pub(crate) const PARAM: &str = "issuer";

/// An existing partition's realm, from the issuer segment of the path.
#[derive(Debug, Clone)]
pub(crate) struct RealmIssuer {
    /// The partition's cached context (catalog, keys, SPA origins).
    pub ctx: Arc<PartitionContext>,
    /// The partition.
    pub partition: PartitionId,
    /// The realm (`-U` users, `-C` customers).
    pub realm: Realm,
}

/// Why the path names no issuer this deployment serves.
#[derive(Debug)]
pub(crate) enum IssuerRejection {
    /// The route's parameter could not be read (not UTF-8), answered as axum answers it.
    Path(PathRejection),
    /// The segment is not `{partition}-U|C`, or the partition does not exist.
    Unknown,
    /// The partition could not be loaded (503 when storage is down, 500 otherwise).
    Load(OAuthError),
}

/// The browser-facing pages' words for an unknown issuer.
const UNKNOWN_PAGE: &str = "There is no such sign-in address: the path must be /system/auth/{partition}-U or -C of an existing partition.";

impl IssuerRejection {
    /// The answer of an endpoint whose errors are HTML pages: `page(status, message)`.
    #[must_use]
    pub(crate) fn page(self, page: fn(StatusCode, &str) -> Response) -> Response {
        match self {
            Self::Path(e) => e.into_response(),
            Self::Unknown => page(StatusCode::NOT_FOUND, UNKNOWN_PAGE),
            Self::Load(e) => page(e.status, &e.description),
        }
    }
}

impl IntoResponse for IssuerRejection {
    /// The answer of the JSON endpoints: `unknown_issuer` (RFC 6749 §5.2 shape), 404.
    fn into_response(self) -> Response {
        match self {
            Self::Path(e) => e.into_response(),
            Self::Unknown => OAuthError::unknown_issuer().into_response(),
            Self::Load(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for RealmIssuer {
    type Rejection = IssuerRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IssuerRejection::Path)?;
        let (partition, realm) =
            Realm::split_issuer_segment(&segment).ok_or(IssuerRejection::Unknown)?;
        // `partition` consults the list of partitions first: an invented id costs nothing.
        match state.partition(&partition).await {
            Ok(Some(ctx)) => Ok(Self {
                ctx,
                partition,
                realm,
            }),
            Ok(None) => Err(IssuerRejection::Unknown),
            Err(e) => Err(IssuerRejection::Load(OAuthError::from(e))),
        }
    }
}
