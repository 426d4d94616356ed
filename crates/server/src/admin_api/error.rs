//! Admin API errors as RFC 9457 problem JSON, mapped in one place.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_domain::store::{Reference, StoreError};
use tessera_domain::validation::FieldErrors;
use tessera_oauth_types::ProblemDetails;

use crate::admin_ops::{OpError, Resource};
use crate::crypto::password_gate::Busy;
use crate::state::LoadError;

/// An admin API failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400: the body is not JSON, or the query is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 422 with per-field messages.
    #[error("{0}")]
    Validation(FieldErrors),
    /// 404: not in the caller's partition (or nowhere).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: duplicate or limit.
    #[error("{0}")]
    Conflict(String),
    /// 412: the object changed since the revision the request named (RFC 9110 §13.1.1).
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: body too large.
    #[error("{0}")]
    TooLarge(String),
    /// 415: wrong media type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A ready-made problem (from the guard: 401/403).
    #[error("{}", .0.title)]
    Problem(Box<ProblemDetails>, Option<String>),
    /// 503: database unreachable.
    #[error("database unavailable")]
    Unavailable,
    /// 503 with `Retry-After`: password hashing is at its concurrency limit.
    #[error(transparent)]
    Busy(Busy),
    /// 500: logged, not described.
    #[error("internal error")]
    Internal,
}

impl ApiError {
    /// Maps a storage error met while acting on `what` (which names the object in a 404).
    #[must_use]
    pub(crate) fn store(what: Resource, e: StoreError) -> Self {
        OpError::store(what, e).into()
    }
}

/// The one mapping of admin operation errors onto problem JSON.
impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Invalid(errors) => Self::Validation(errors),
            OpError::NotFound(what) => Self::NotFound(what.noun()),
            OpError::UnknownReference(ref what) => {
                Self::Validation(FieldErrors::single(reference_field(what), e.to_string()))
            }
            OpError::Duplicate { .. }
            | OpError::Limit(_)
            | OpError::PublicClientSecret
            | OpError::BuiltIn
            | OpError::SecretLimit(_)
            | OpError::IdentityProviderLimit(_)
            | OpError::DepartmentInUse(_)
            | OpError::OwnAccount(_)
            | OpError::KeyInUse(_) => Self::Conflict(e.to_string()),
            OpError::Stale(_) => Self::PreconditionFailed(e.to_string()),
            OpError::Unavailable => Self::Unavailable,
            OpError::Busy(b) => Self::Busy(b),
            OpError::Internal => Self::Internal,
        }
    }
}

/// The request field that named an unknown reference.
const fn reference_field(what: &Reference) -> &'static str {
    match what {
        Reference::Permission(_) => "permissions",
        Reference::Department(_) => "department",
        Reference::Row => "body",
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        Self::Validation(e)
    }
}

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> Self {
        OpError::from(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            Self::Busy(b) => Some(b.retry_after.as_secs().max(1)),
            _ => None,
        };
        let (problem, challenge) = match self {
            Self::Problem(p, challenge) => (*p, challenge),
            other => (other.problem(), None),
        };
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, Json(problem)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(ProblemDetails::CONTENT_TYPE),
        );
        if let Some(c) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl ApiError {
    fn problem(&self) -> ProblemDetails {
        match self {
            Self::BadRequest(m) => ProblemDetails::new(400, "Bad Request", m.clone()),
            Self::Validation(errors) => {
                let mut p = ProblemDetails::new(
                    422,
                    "Unprocessable Content",
                    "the request has invalid fields; see errors",
                );
                p.errors.clone_from(&errors.0);
                p
            }
            Self::NotFound("partition") => ProblemDetails::new(
                404,
                "Not Found",
                "no such partition, or the token was not issued for it",
            ),
            Self::NotFound(what) => ProblemDetails::new(
                404,
                "Not Found",
                format!("no such {what} in this partition"),
            ),
            Self::Conflict(m) => ProblemDetails::new(409, "Conflict", m.clone()),
            Self::PreconditionFailed(m) => {
                ProblemDetails::new(412, "Precondition Failed", m.clone())
            }
            Self::TooLarge(m) => ProblemDetails::new(413, "Content Too Large", m.clone()),
            Self::UnsupportedMediaType(m) => {
                ProblemDetails::new(415, "Unsupported Media Type", m.clone())
            }
            Self::Unavailable => ProblemDetails::new(
                503,
                "Service Unavailable",
                "the database is unreachable; retry shortly",
            ),
            Self::Busy(b) => ProblemDetails::new(
                503,
                "Service Unavailable",
                format!(
                    "too many passwords are being hashed at the moment; retry in {} s",
                    b.retry_after.as_secs().max(1)
                ),
            ),
            Self::Internal => ProblemDetails::new(
                500,
                "Internal Server Error",
                "an unexpected error occurred; it has been logged",
            ),
            Self::Problem(p, _) => (**p).clone(),
        }
    }
}
