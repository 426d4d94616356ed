//! Browser sessions: kept in memory, keyed by a random `HttpOnly; SameSite=Lax` cookie, so
//! tokens never reach the browser.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use openidconnect::core::{CoreIdToken, CoreTokenResponse};
use openidconnect::{
    AccessToken, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeVerifier, RefreshToken,
    TokenResponse,
};

const SESSION_COOKIE: &str = "web_app_session";

#[derive(Debug, Default)]
pub(crate) struct Session {
    /// Between `/login` and `/callback`.
    pub(crate) pending: Option<Pending>,
    /// After a successful callback.
    pub(crate) tokens: Option<Tokens>,
    /// The `state` sent to the end-session endpoint, checked when Tessera redirects back.
    pub(crate) logout_state: Option<String>,
}

/// What `/callback` checks the authorization response against.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) state: CsrfToken,
    pub(crate) nonce: Nonce,
    pub(crate) verifier: PkceCodeVerifier,
}

/// The signed-in user (from the verified ID token) and their tokens.
#[derive(Debug)]
pub(crate) struct Tokens {
    pub(crate) sub: String,
    pub(crate) name: Option<String>,
    pub(crate) preferred_username: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) id_token: CoreIdToken,
    pub(crate) access_token: AccessToken,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) scope: String,
    pub(crate) expires_at: Option<Instant>,
}

impl Tokens {
    /// Takes a token response's tokens; a refresh response may leave out the ID and refresh
    /// tokens, which are then kept.
    pub(crate) fn update(&mut self, response: &CoreTokenResponse) {
        self.access_token = response.access_token().clone();
        self.refresh_token = response
            .refresh_token()
            .cloned()
            .or(self.refresh_token.take());
        if let Some(id_token) = response.id_token() {
            self.id_token = id_token.clone();
        }
        let scopes = response.scopes().into_iter().flatten();
        self.scope = scopes.map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
        self.expires_at = response.expires_in().map(|d| Instant::now() + d);
    }
}

/// Stores `session` under a new random id and answers `then` with its cookie set.
pub(crate) fn new_session(
    sessions: &mut HashMap<String, Session>,
    session: Session,
    then: Redirect,
) -> Response {
    let id = CsrfToken::new_random().into_secret();
    // `HttpOnly`: scripts cannot read it. Served over HTTPS, it should be `Secure` too.
    let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
    sessions.insert(id, session);
    ([(header::SET_COOKIE, cookie)], then).into_response()
}

/// The session id from the request's `Cookie` header(s).
pub(crate) fn session_id(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok());
    values.find_map(|v| cookie_value(v, SESSION_COOKIE))
}

/// One cookie's value from a `Cookie` header (`a=1; b=2`).
fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    let mut pairs = header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='));
    pairs.find_map(|(k, v)| (k == name).then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let header = "a=1; web_app_session=xyz; b=2";
        assert_eq!(cookie_value(header, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie_value("web_app_session_x=1", SESSION_COOKIE), None);
        assert_eq!(cookie_value("", SESSION_COOKIE), None);
    }
}
