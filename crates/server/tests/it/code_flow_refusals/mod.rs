//! Refusals of the interactive flows, end to end. Which cause refuses a request is decided in
//! `tessera_domain` (`authorization_request`, `grant::redeem`, `grant::refresh`), whose unit
//! tests cover every cause; these tests prove each shape a refusal takes on the wire and what
//! only the running server shows:
//! - `pages`: refusals shown as an HTML page, never redirected (an untrusted redirect URI, an
//!   unknown client), and the login page's own (wrong password, unknown or disabled account,
//!   CSRF, lockout, framing);
//! - `redirects`: refusals sent back to the client's redirect URI, and when a session answers
//!   (`max_age`, `prompt`, single sign-on per realm, a posted request);
//! - `token`: JSON errors of the token endpoint (PKCE, replay, another client, realm or
//!   partition, a wider scope on refresh);
//! - `endpoints`: CORS, discovery and logout.
//!
//! The helpers here (`setup`, `code_for`, `redeem_raw`, …) serve the other flow tests too.

mod endpoints;
mod pages;
mod redirects;
mod token;

use openidconnect::{PkceCodeChallenge, PkceCodeVerifier};
use serde_json::Value;

use crate::code_flow_support::{
    App, Browser, Callback, PASSWORD, create_user, token_request, web_app,
};
use crate::support::TestServer;

/// Changes to the default authorization parameters: `Some` sets one, `None` removes it.
type Changes<'a> = Vec<(&'a str, Option<&'a str>)>;

/// The PKCE verifier of every raw authorization request here.
pub const VERIFIER: &str = "tessera-test-verifier-0123456789-abcdefghijklmnop";

pub fn challenge() -> String {
    PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(VERIFIER.into()))
        .as_str()
        .to_owned()
}

/// An authorization URL at `realm` for `client_id`: `response_type=code`, `scope=openid
/// offline_access`, `state=st-1`, an S256 challenge of [`VERIFIER`], changed by `changes`
/// (`Some` sets a parameter, `None` removes it).
pub fn auth_url(
    s: &TestServer,
    realm: char,
    client_id: &str,
    redirect: &str,
    changes: &[(&str, Option<&str>)],
) -> String {
    let challenge = challenge();
    let mut params: Vec<(String, String)> = [
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("response_type", "code"),
        ("scope", "openid offline_access"),
        ("state", "st-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in changes {
        params.retain(|(name, _)| name != k);
        if let Some(v) = v {
            params.push(((*k).to_owned(), (*v).to_owned()));
        }
    }
    url::Url::parse_with_params(&format!("{}/oauth2/authorize", s.issuer(realm)), &params)
        .unwrap()
        .to_string()
}

/// The app's authorization URL with the defaults and `changes`.
pub fn app_url(s: &TestServer, realm: char, app: &App, changes: &[(&str, Option<&str>)]) -> String {
    auth_url(s, realm, &app.id, &app.redirect, changes)
}

/// Redeems `code` for `app` at `realm` with [`VERIFIER`] (unless `verifier` says otherwise).
pub async fn redeem_raw(
    s: &TestServer,
    realm: char,
    app: &App,
    code: &str,
    verifier: Option<&str>,
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", app.redirect.as_str()),
    ];
    if app.secret.is_none() {
        form.push(("client_id", app.id.as_str()));
    }
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    token_request(s, realm, app, &form).await
}

/// A server with a user `agent7` and the usual Web app.
pub async fn setup() -> (TestServer, String, App) {
    let s = TestServer::start().await;
    let id = create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Agent desk").await;
    (s, id, app)
}

/// Signs `login` in at `realm` for `app` in `browser`; returns the code.
pub async fn code_for(
    s: &TestServer,
    browser: &Browser,
    realm: char,
    app: &App,
    login: &str,
    changes: &[(&str, Option<&str>)],
) -> String {
    let cb = browser
        .sign_in(&app_url(s, realm, app, changes), login, PASSWORD)
        .await;
    cb.get("code").to_owned()
}

/// An error redirect to `app`: checks the address, `state` and `iss`; returns it.
pub fn error_redirect(
    s: &TestServer,
    realm: char,
    app: &App,
    page: &crate::code_flow_support::Page,
) -> Callback {
    let cb = page.callback();
    assert_eq!(cb.base, app.redirect);
    assert_eq!(cb.get("state"), "st-1");
    assert_eq!(cb.get("iss"), s.issuer(realm));
    assert!(!cb.params.contains_key("code"));
    cb
}

/// A refusal shown as a page: status 400, HTML, no `Location`.
pub fn assert_refusal_page(page: &crate::code_flow_support::Page, what: &str, needle: &str) {
    assert_eq!(page.status, 400, "{what}: {}", page.body);
    assert!(page.location().is_none(), "{what}: must not redirect");
    assert!(
        page.header("content-type").starts_with("text/html"),
        "{what}"
    );
    let alert = page.alert().unwrap_or_default();
    assert!(alert.contains(needle), "{what}: {alert}");
}
