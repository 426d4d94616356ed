//! What can go wrong, each rendered as a page (or logged at start-up).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::html::{HOME_LINK, esc, page};

/// Everything that can go wrong, each rendered as a page (or logged at start-up).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("{0} is not set: copy the \"Demo Web App\" line printed by `tessera serve --dev`")]
    MissingEnv(&'static str),
    #[error("{0} is not valid: {1}")]
    InvalidEnv(&'static str, String),
    #[error("cannot start: {0}")]
    Startup(String),
    #[error("no sign-in is in progress in this browser (session cookie missing or unknown)")]
    NoPendingLogin,
    #[error("the state parameter does not match the one this sign-in sent")]
    StateMismatch,
    #[error("the response names issuer {0}, not the one this app signs in with")]
    IssuerMismatch(String),
    #[error("Tessera answered {0}: {1}")]
    Authorization(String, String),
    #[error("the callback carries neither `code` nor `error`")]
    MissingCode,
    #[error("token request failed: {0}")]
    Token(String),
    #[error("the ID token is not acceptable: {0}")]
    IdToken(String),
    #[error("you are not signed in")]
    NotSignedIn,
    #[error("userinfo request failed: {0}")]
    UserInfo(String),
    #[error("there is no refresh token (was offline_access granted?)")]
    NoRefreshToken,
}

impl Error {
    pub(crate) fn token(e: impl std::error::Error) -> Self {
        Self::Token(chain(&e))
    }
    pub(crate) fn id_token(e: impl std::error::Error) -> Self {
        Self::IdToken(chain(&e))
    }
    pub(crate) fn userinfo(e: impl std::error::Error) -> Self {
        Self::UserInfo(chain(&e))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = match self {
            Self::Token(_) | Self::IdToken(_) | Self::UserInfo(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            esc(&self.to_string())
        );
        (status, page("Error", &(body + HOME_LINK))).into_response()
    }
}

/// An error and its sources on one line: the crate's errors keep the useful part in `source()`.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out = format!("{out}: {cause}");
        next = cause.source();
    }
    out
}
