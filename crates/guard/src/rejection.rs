//! Why a request was refused, and the response that says so: RFC 6750 §3 `WWW-Authenticate`
//! challenges and an RFC 9457 problem body carrying the platform's `code`
//! (docs/product.md#resource-servers).

use bytes::Bytes;
use http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use tessera_oauth_types::{ErrorCode, ProblemDetails};

/// A refused request. Each variant maps to one status, one platform code and one challenge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// No `Authorization` header: 401, a bare `Bearer` challenge (RFC 6750 §3.1: no error code
    /// when the request carries no authentication information), code `401-104`.
    #[error("the request carries no bearer token")]
    MissingToken,
    /// An `Authorization` header that is not `Bearer <token>`: 401 `invalid_request`, code
    /// `401-104`.
    #[error("malformed Authorization header: {0}")]
    MalformedHeader(&'static str),
    /// A token that is malformed, forged, expired, not yet valid, for another audience or from an
    /// issuer we do not trust: 401 `invalid_token`, code `401-101`.
    #[error("invalid token: {0}")]
    InvalidToken(String),
    /// A valid token whose kind of actor no alternative admits: 403, code `403-112`.
    #[error("{message}")]
    ActorNotAllowed {
        /// The developer message.
        message: String,
    },
    /// A token of an admitted kind that lacks required scopes: 403 `insufficient_scope`, code
    /// `403-197`.
    #[error("{message}")]
    InsufficientScope {
        /// The scopes the challenge names (RFC 6750 §3 `scope` attribute).
        required: Vec<String>,
        /// The developer message.
        message: String,
    },
    /// The issuer's keys could not be fetched, so the token can be neither accepted nor refused:
    /// 503 with `Retry-After`.
    #[error("the token issuer's keys are unavailable")]
    KeysUnavailable {
        /// Seconds until the guard will try the issuer again.
        retry_after_secs: u64,
    },
    /// A handler asked for the caller's claims on a route the guard does not protect: a wiring
    /// bug, answered 500 rather than served unauthenticated.
    #[error("this route is not protected by the guard")]
    NotGuarded,
}

impl Rejection {
    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            // RFC 6750 §3.1 pairs `invalid_request` with 400; the platform answers a malformed
            // header 401-104 (docs/product.md#resource-servers), which is also what makes clients
            // fetch a new token.
            Self::MissingToken | Self::MalformedHeader(_) | Self::InvalidToken(_) => {
                StatusCode::UNAUTHORIZED
            }
            Self::ActorNotAllowed { .. } | Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            Self::KeysUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotGuarded => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The platform's error code (`401-101`, ...).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingToken | Self::MalformedHeader(_) => "401-104",
            Self::InvalidToken(_) => "401-101",
            Self::ActorNotAllowed { .. } => "403-112",
            Self::InsufficientScope { .. } => "403-197",
            Self::KeysUnavailable { .. } => "503-100",
            Self::NotGuarded => "500-100",
        }
    }

    /// The RFC 6750 error code, where one applies.
    #[must_use]
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            Self::MalformedHeader(_) => Some(ErrorCode::InvalidRequest),
            Self::InvalidToken(_) => Some(ErrorCode::InvalidToken),
            Self::InsufficientScope { .. } => Some(ErrorCode::InsufficientScope),
            _ => None,
        }
    }

    /// The `WWW-Authenticate` challenge, where the response carries one.
    #[must_use]
    pub fn challenge(&self) -> Option<String> {
        match self {
            Self::MissingToken => Some("Bearer".to_owned()),
            Self::MalformedHeader(why) => Some(format!(
                "Bearer error=\"invalid_request\", error_description=\"{}\"",
                quoted_safe(why)
            )),
            Self::InvalidToken(why) => Some(format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                quoted_safe(why)
            )),
            Self::InsufficientScope { required, .. } => Some(format!(
                "Bearer error=\"insufficient_scope\", scope=\"{}\"",
                quoted_safe(&required.join(" "))
            )),
            Self::ActorNotAllowed { .. } | Self::KeysUnavailable { .. } | Self::NotGuarded => None,
        }
    }

    /// The problem body.
    #[must_use]
    pub fn problem(&self) -> ProblemDetails {
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let detail = match self {
            Self::MissingToken => {
                "Invalid or missing authorization header value: send Authorization: Bearer <access token>"
                    .to_owned()
            }
            Self::MalformedHeader(why) => {
                format!("Invalid or missing authorization header value: {why}")
            }
            Self::InvalidToken(why) => {
                format!("Invalid or expired Authorization header: {why}; obtain a new access token")
            }
            Self::ActorNotAllowed { message } | Self::InsufficientScope { message, .. } => {
                message.clone()
            }
            Self::KeysUnavailable { .. } => {
                "The token issuer's signing keys could not be fetched; try again shortly".to_owned()
            }
            Self::NotGuarded => "Internal server error".to_owned(),
        };
        ProblemDetails::new(status.as_u16(), title, detail).with_code(self.code())
    }

    /// The whole HTTP response, with any body type that can be built from bytes.
    #[must_use]
    pub fn to_response<B: From<Bytes>>(&self) -> Response<B> {
        // Serializing a struct of strings cannot fail; fall back to an empty object regardless.
        let body = serde_json::to_vec(&self.problem()).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = Response::new(B::from(Bytes::from(body)));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(ProblemDetails::CONTENT_TYPE),
        );
        if let Some(challenge) = self
            .challenge()
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        if let Self::KeysUnavailable { retry_after_secs } = self {
            headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        response
    }
}

impl axum::response::IntoResponse for Rejection {
    fn into_response(self) -> axum::response::Response {
        self.to_response()
    }
}

/// Keeps a value inside an RFC 6750 §3 quoted attribute: `error_description` and `scope` allow
/// printable ASCII except `"` and `\`.
fn quoted_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_follow_rfc_6750() {
        assert_eq!(Rejection::MissingToken.challenge().unwrap(), "Bearer");
        let r = Rejection::InvalidToken("bad \"sig\"\u{e9}".to_owned());
        assert_eq!(
            r.challenge().unwrap(),
            "Bearer error=\"invalid_token\", error_description=\"bad 'sig'?\""
        );
        let r = Rejection::InsufficientScope {
            required: vec!["a.read".to_owned(), "b.read".to_owned()],
            message: "m".to_owned(),
        };
        assert_eq!(
            r.challenge().unwrap(),
            "Bearer error=\"insufficient_scope\", scope=\"a.read b.read\""
        );
        assert!(
            Rejection::ActorNotAllowed {
                message: "m".to_owned()
            }
            .challenge()
            .is_none()
        );
    }

    #[test]
    fn problem_carries_code_and_developer_message() {
        let p = Rejection::InvalidToken("expired".to_owned()).problem();
        assert_eq!(p.status, 401);
        assert_eq!(p.code.as_deref(), Some("401-101"));
        assert_eq!(p.developer_message, p.detail);
        let response: Response<Bytes> = Rejection::KeysUnavailable {
            retry_after_secs: 10,
        }
        .to_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "10");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/problem+json");
    }
}
