//! OAuth error responses (RFC 6749 §5.2): JSON, 400 by default, 401 for client authentication
//! failures with `WWW-Authenticate: Basic` when the client used Basic (§5.2 "MUST").

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_oauth_types::{ErrorCode, ErrorResponse};

use crate::rate_window::Quota;
use crate::state::LoadError;
use tessera_domain::store::StoreError;
use time::OffsetDateTime;

/// An error to answer with RFC 6749 error JSON.
#[derive(Debug)]
pub(crate) struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// Registry code.
    pub code: ErrorCode,
    /// `error_description`; never contains a secret.
    pub description: String,
    /// Whether to challenge with `WWW-Authenticate: Basic`.
    pub basic_challenge: bool,
    /// A rate limit's refusal: its quota and when it was refused, for `Retry-After` and the
    /// `X-RateLimit-*` headers (docs/operations.md#abuse-limits).
    pub limited: Option<Box<(Quota, OffsetDateTime)>>,
}

impl OAuthError {
    /// A 400 with `code`.
    #[must_use]
    pub(crate) fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            description: description.into(),
            basic_challenge: false,
            limited: None,
        }
    }

    /// `invalid_request`.
    #[must_use]
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_client` (401), challenging with Basic when the client used it.
    #[must_use]
    pub(crate) fn invalid_client(description: impl Into<String>, used_basic: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: ErrorCode::InvalidClient,
            description: description.into(),
            basic_challenge: used_basic,
            limited: None,
        }
    }

    /// A 404 for an issuer that does not exist.
    #[must_use]
    pub(crate) fn unknown_issuer() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: ErrorCode::InvalidRequest,
            description: "no such issuer: the path must be /system/auth/{partition}-U or -C of an existing partition".into(),
            basic_challenge: false,
            limited: None,
        }
    }

    /// `invalid_grant`: a code, refresh token or subject token that is unknown, expired, revoked
    /// or bound to someone else.
    #[must_use]
    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    /// A 500 that reveals nothing; the cause is logged here.
    #[must_use]
    pub(crate) fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error at an OAuth endpoint");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: ErrorCode::ServerError,
            description: "the server hit an unexpected condition; the request can be retried"
                .into(),
            basic_challenge: false,
            limited: None,
        }
    }

    /// A 429 from a rate limit: `temporarily_unavailable` (the code the anonymous endpoint has
    /// always answered with) and the limit's headers.
    #[must_use]
    pub(crate) fn too_many_requests(
        description: impl Into<String>,
        quota: Quota,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: ErrorCode::TemporarilyUnavailable,
            description: description.into(),
            basic_challenge: false,
            limited: Some(Box::new((quota, now))),
        }
    }

    /// A 503 while the database is unreachable.
    #[must_use]
    pub(crate) fn unavailable() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: ErrorCode::TemporarilyUnavailable,
            description: "the database is unreachable; retry shortly".into(),
            basic_challenge: false,
            limited: None,
        }
    }
}

impl From<LoadError> for OAuthError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Store(StoreError::Unavailable(_)) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::unavailable()
            }
            e => Self::internal(&e),
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        Self::from(LoadError::Store(e))
    }
}

/// `resp` marked as not to be stored by any cache: it carries tokens, or what a token says
/// (RFC 6749 §5.1, RFC 7662 §4, OIDC Core §5.3.2).
pub(crate) fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = ErrorResponse {
            error: self.code,
            error_description: Some(self.description),
        };
        let mut resp = (self.status, Json(body)).into_response();
        let h = resp.headers_mut();
        // RFC 6749 §5.1/§5.2: token responses must not be cached.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some((quota, at)) = self.limited.as_deref() {
            quota.refusal_headers(h, *at);
        }
        if self.basic_challenge {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"tessera\", charset=\"UTF-8\""),
            );
        }
        resp
    }
}
