//! RP-initiated logout signs out without asking only when the `id_token_hint` belongs to the
//! browser's live session (OpenID Connect RP-Initiated Logout 1.0 §2); any other valid hint —
//! another person's, or one from a session that has ended — names the client and its
//! post-logout address but leads to the confirmation page.

use crate::code_flow_refusals::{VERIFIER, app_url, code_for, redeem_raw};
use crate::code_flow_support::{App, Browser, WEB_POST_LOGOUT, create_user, web_app};
use crate::support::{Backend, TestServer};

/// Signs `login` in with `browser`; returns the ID token.
async fn id_token(s: &TestServer, browser: &Browser, app: &App, login: &str) -> String {
    let code = code_for(s, browser, 'U', app, login, &[]).await;
    let (st, tokens) = redeem_raw(s, 'U', app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    tokens["id_token"].as_str().unwrap().to_owned()
}

fn logout_url(s: &TestServer, hint: &str) -> String {
    url::Url::parse_with_params(
        &format!("{}/oauth2/logout", s.issuer('U')),
        &[
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
            ("state", "st"),
        ],
    )
    .unwrap()
    .to_string()
}

/// The logout answer must be the confirmation page, and `browser` still signed in.
async fn asks(s: &TestServer, browser: &Browser, app: &App, hint: &str, what: &str) {
    let page = browser.get(&logout_url(s, hint)).await;
    assert_eq!(page.status, 200, "{what}: {}", page.body);
    assert!(
        page.body.contains("confirm-sign-out"),
        "{what}: {}",
        page.body
    );
    assert!(
        page.body.contains(&app.id),
        "{what}: the hint still names the client"
    );
    browser.authorize_silently(&app_url(s, 'U', app, &[])).await;
}

#[tokio::test]
async fn a_hint_of_another_session_asks_first() {
    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    create_user(&s, "agent8", "a8@acme.test", "Agent Eight").await;
    let app = web_app(&s, "Agent desk").await;
    let mine = Browser::new();
    let theirs = Browser::new();
    let my_hint = id_token(&s, &mine, &app, "agent7").await;
    let their_hint = id_token(&s, &theirs, &app, "agent8").await;

    // Another person's hint: ask.
    asks(&s, &mine, &app, &their_hint, "another person's hint").await;
    // My hint in a browser that holds no session of mine (theirs): ask, and theirs lives on.
    asks(
        &s,
        &theirs,
        &app,
        &my_hint,
        "a hint of another browser's session",
    )
    .await;
    // A browser with no session at all: ask.
    let page = Browser::new().get(&logout_url(&s, &my_hint)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("confirm-sign-out"));

    // My own hint: signed out at once, back to the client with state.
    let page = mine.get(&logout_url(&s, &my_hint)).await;
    let cb = page.callback();
    assert_eq!(cb.base, WEB_POST_LOGOUT);
    assert_eq!(cb.get("state"), "st");
    assert!(
        mine.get(&app_url(&s, 'U', &app, &[]))
            .await
            .try_login_form()
            .is_some()
    );
    // A hint of that ended session, after signing in again: ask.
    let _fresh = id_token(&s, &mine, &app, "agent7").await;
    asks(&s, &mine, &app, &my_hint, "a hint of an ended session").await;
}

#[tokio::test]
async fn an_expired_hint_of_the_live_session_still_signs_out() {
    // ID tokens live as long as access tokens: one second here.
    let s = TestServer::start_with(Backend::Sqlite, |c| c.tokens.access_token_ttl = 1).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    create_user(&s, "agent8", "a8@acme.test", "Agent Eight").await;
    let app = web_app(&s, "Agent desk").await;
    let mine = Browser::new();
    let hint = id_token(&s, &mine, &app, "agent7").await;
    let theirs = Browser::new();
    let their_hint = id_token(&s, &theirs, &app, "agent8").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    asks(
        &s,
        &mine,
        &app,
        &their_hint,
        "another person's expired hint",
    )
    .await;
    let page = mine.get(&logout_url(&s, &hint)).await;
    assert_eq!(page.callback().base, WEB_POST_LOGOUT, "{}", page.body);
    assert!(
        mine.get(&app_url(&s, 'U', &app, &[]))
            .await
            .try_login_form()
            .is_some()
    );
}

#[tokio::test]
async fn a_client_id_that_is_not_the_hints_audience_is_refused() {
    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Desk").await;
    let other = web_app(&s, "Other desk").await;
    let browser = Browser::new();
    let hint = id_token(&s, &browser, &app, "agent7").await;
    // RP-Initiated Logout 1.0 §2: when both are sent, client_id must be the hint's audience.
    let url = url::Url::parse_with_params(
        &format!("{}/oauth2/logout", s.issuer('U')),
        &[
            ("id_token_hint", hint.as_str()),
            ("client_id", other.id.as_str()),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
        ],
    )
    .unwrap();
    let page = browser.get(url.as_str()).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.location().is_none(), "an error page, never a redirect");
    assert!(
        page.body.contains("does not match the audience"),
        "{}",
        page.body
    );
    // Nothing was signed out.
    browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await;
}
