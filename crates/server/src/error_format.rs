//! Every error of the admin API and of the OAuth JSON endpoints in that family's own format,
//! including the ones no handler wrote: the body limit's 413 (answered before the handler runs
//! when `Content-Length` is too large, or by the `Bytes` extractor while reading), the router's
//! 404 and 405, the timeout's 408 and the panic guard's 500 are plain text or empty by default.
//! This layer rewrites those into RFC 9457 problem JSON under `/admin/api/` and RFC 6749 error
//! JSON (§5.2) at the OAuth endpoints, keeping the status and headers such as `Allow`.
//!
//! It also sets the cache headers each family needs on every response, errors included:
//! `Cache-Control: no-store` on the admin API (a new client secret's value is in a response
//! body), and `Cache-Control: no-store` with `Pragma: no-cache` at the token endpoints
//! (RFC 6749 §5.1).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tessera_oauth_types::{ErrorCode, ProblemDetails};

use crate::oauth::error::OAuthError;
use crate::state::AppState;
use crate::urls;

/// Which error format a path's responses use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `/admin/api/...`: problem JSON, never cached.
    Admin {
        /// The OpenAPI import, whose body limit is the import limit.
        import: bool,
    },
    /// The realm's `/oauth2/` endpoints that answer JSON, and the compatibility token endpoints.
    OAuth {
        /// A token endpoint: every response carries `Pragma: no-cache` too.
        token: bool,
    },
    /// Everything else (browser pages, discovery, operations): left as the handler wrote it.
    Other,
}

impl Family {
    /// The family of a request path.
    #[must_use]
    pub(crate) fn of(path: &str) -> Self {
        if path == "/admin/api" || path.starts_with("/admin/api/") {
            return Self::Admin {
                import: path.ends_with("/apis/import"),
            };
        }
        if let Some(rest) = path
            .strip_prefix(urls::ISSUERS)
            .and_then(|r| r.strip_prefix('/'))
        {
            // What follows the issuer segment: `/oauth2/token`, `/.well-known/...`.
            let endpoint = rest.find('/').map(|i| &rest[i..]);
            return match endpoint {
                // The authorization endpoint, the login form and logout answer browsers with
                // HTML pages (docs/architecture.md, "A browser sign-in").
                Some(urls::AUTHORIZE | urls::LOGIN | urls::LOGOUT) | None => Self::Other,
                Some(e) if e.starts_with(urls::OAUTH2) => Self::OAuth {
                    token: e == urls::TOKEN,
                },
                Some(_) => Self::Other,
            };
        }
        if path.starts_with("/core/authmgr/") && path.ends_with("/token") {
            return Self::OAuth { token: true };
        }
        Self::Other
    }
}

/// The middleware: see the module documentation.
pub(crate) async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let family = Family::of(req.uri().path());
    let mut resp = next.run(req).await;
    match family {
        Family::Admin { import } => {
            if is_error(&resp) && content_type(resp.headers()) != ProblemDetails::CONTENT_TYPE {
                let limit = if import {
                    state.config.http.import_limit_bytes
                } else {
                    state.config.http.body_limit_bytes
                };
                resp = rewrite(resp, |status| admin_problem(status, limit));
            }
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        Family::OAuth { token } => {
            if is_error(&resp) && content_type(resp.headers()) != "application/json" {
                let limit = state.config.http.body_limit_bytes;
                resp = rewrite(resp, |status| oauth_error(status, limit));
            }
            if token {
                let h = resp.headers_mut();
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            }
        }
        Family::Other => {}
    }
    resp
}

fn is_error(resp: &Response) -> bool {
    resp.status().is_client_error() || resp.status().is_server_error()
}

/// The media type without parameters, lower-case.
fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Replaces the body of `resp` with `render(status)`'s, keeping the status and every header
/// except those describing the old body.
fn rewrite(resp: Response, render: impl FnOnce(StatusCode) -> Response) -> Response {
    let (mut parts, _old_body) = resp.into_parts();
    let (fresh, body) = render(parts.status).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &fresh.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

/// What a framework rejection of `status` means, for a person reading the error.
fn detail(status: StatusCode, limit: usize) -> String {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is larger than the {limit} bytes this endpoint accepts")
        }
        StatusCode::NOT_FOUND => "no such endpoint".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            "this endpoint does not accept that method; the Allow header lists those it does"
                .to_owned()
        }
        StatusCode::REQUEST_TIMEOUT => "the request took too long and was abandoned".to_owned(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "the request body has a media type this endpoint does not accept".to_owned()
        }
        s if s.is_server_error() => {
            "the server hit an unexpected condition; the request can be retried".to_owned()
        }
        _ => "the request could not be read".to_owned(),
    }
}

fn admin_problem(status: StatusCode, limit: usize) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let problem = ProblemDetails::new(status.as_u16(), title, detail(status, limit));
    let mut resp = (status, axum::Json(problem)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ProblemDetails::CONTENT_TYPE),
    );
    resp
}

fn oauth_error(status: StatusCode, limit: usize) -> Response {
    let code = if status.is_server_error() {
        ErrorCode::ServerError
    } else {
        ErrorCode::InvalidRequest
    };
    OAuthError {
        status,
        code,
        description: detail(status, limit),
        basic_challenge: false,
        limited: None,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_family() {
        let admin = Family::Admin { import: false };
        assert_eq!(Family::of("/admin/api/v1/partitions/a/users"), admin);
        assert_eq!(Family::of("/admin/api/nope"), admin);
        assert_eq!(
            Family::of("/admin/api/v1/partitions/a/apis/import"),
            Family::Admin { import: true }
        );
        assert_eq!(
            Family::of("/system/auth/a-U/oauth2/token"),
            Family::OAuth { token: true }
        );
        for p in ["revoke", "introspect", "userinfo", "keys", "nope"] {
            assert_eq!(
                Family::of(&format!("/system/auth/a-U/oauth2/{p}")),
                Family::OAuth { token: false },
                "{p}"
            );
        }
        for p in ["authorize", "login", "logout"] {
            assert_eq!(
                Family::of(&format!("/system/auth/a-U/oauth2/{p}")),
                Family::Other
            );
        }
        assert_eq!(
            Family::of("/core/authmgr/v3/oauth2/v2.0/anonymous/token"),
            Family::OAuth { token: true }
        );
        assert_eq!(
            Family::of("/system/auth/a-U/.well-known/openid-configuration"),
            Family::Other
        );
        assert_eq!(Family::of("/healthz"), Family::Other);
    }
}
