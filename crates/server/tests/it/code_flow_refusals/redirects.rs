//! Refusals sent back to the client's redirect URI (RFC 6749 §4.1.2.1), and when a session
//! answers a request without a page (`max_age`, `prompt`, single sign-on per realm).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tessera_domain::Clock as _;
use tessera_domain::clock::{MockClock, SystemClock};

use super::{Changes, VERIFIER, app_url, code_for, error_redirect, redeem_raw, setup};
use crate::code_flow_support::{
    Browser, DELEGATED, PASSWORD, SPA_REDIRECT, WEB_POST_LOGOUT, WEB_REDIRECT, create_customer,
    create_user, interactive_client, web_app,
};
use crate::support::{Backend, TestServer};

#[tokio::test]
async fn authorization_errors_go_back_to_the_client() {
    let (s, _, app) = setup().await;
    let (st, _) = s
        .admin_json(
            Method::PUT,
            &format!("/client-applications/{}/permissions", app.id),
            Some(json!({"permissions": [DELEGATED, "app.core.usermgr.read"]})),
        )
        .await;
    assert_eq!(st, 200);
    let browser = Browser::new();
    // Each cause has a unit test in `tessera_domain::authorization_request` and its error code
    // one in `oauth::refusals`; here, one of each kind travels back to the client.
    let cases: Vec<(&str, Changes, &str, &str)> = vec![
        (
            "plain PKCE",
            vec![
                ("code_challenge", Some(VERIFIER)),
                ("code_challenge_method", Some("plain")),
            ],
            "invalid_request",
            "S256",
        ),
        (
            "implicit flow",
            vec![("response_type", Some("token"))],
            "unsupported_response_type",
            "response_type",
        ),
        (
            "application permission",
            vec![("scope", Some("openid app.core.usermgr.read"))],
            "invalid_scope",
            "app.core.usermgr.read",
        ),
        (
            "request object (OpenID Connect Core §6)",
            vec![("request", Some("eyJhbGciOiJub25lIn0.e30."))],
            "request_not_supported",
            "request",
        ),
    ];
    for (what, changes, error, needle) in cases {
        let page = browser.get(&app_url(&s, 'U', &app, &changes)).await;
        assert_eq!(page.status, 303, "{what}: {}", page.body);
        let cb = error_redirect(&s, 'U', &app, &page);
        assert_eq!(cb.get("error"), error, "{what}");
        assert!(
            cb.get("error_description").contains(needle),
            "{what}: {}",
            cb.get("error_description")
        );
    }
    // prompt=none without a session.
    let page = browser
        .get(&app_url(&s, 'U', &app, &[("prompt", Some("none"))]))
        .await;
    assert_eq!(
        error_redirect(&s, 'U', &app, &page).get("error"),
        "login_required"
    );
}

#[tokio::test]
async fn a_spa_must_use_pkce_and_cannot_introspect() {
    let s = TestServer::start().await;
    create_user(&s, "agent8", "a8@acme.test", "Agent Eight").await;
    let spa = interactive_client(&s, "SPA", "spa", SPA_REDIRECT, &[], &[DELEGATED]).await;
    let browser = Browser::new();
    let page = browser
        .get(&app_url(
            &s,
            'U',
            &spa,
            &[("code_challenge", None), ("code_challenge_method", None)],
        ))
        .await;
    let cb = error_redirect(&s, 'U', &spa, &page);
    assert_eq!(cb.get("error"), "invalid_request");

    // A SPA has no secret, so it cannot introspect.
    let browser = Browser::new();
    let code = code_for(&s, &browser, 'U', &spa, "agent8", &[]).await;
    let (st, tokens) = redeem_raw(&s, 'U', &spa, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    let resp = s
        .http
        .post(format!("{}/oauth2/introspect", s.issuer('U')))
        .form(&[
            ("client_id", spa.id.as_str()),
            ("token", tokens["access_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn max_age_zero_requires_a_new_sign_in() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    // A generous max_age uses the session.
    browser
        .authorize_silently(&app_url(&s, 'U', &app, &[("max_age", Some("3600"))]))
        .await;
    // OIDC Core §3.1.2.1: "max_age=0 is equivalent to prompt=login".
    let page = browser
        .get(&app_url(&s, 'U', &app, &[("max_age", Some("0"))]))
        .await;
    assert_eq!(
        page.status,
        200,
        "max_age=0 right after signing in must show the login page, got {} {:?}",
        page.status,
        page.location()
    );
    assert!(page.try_login_form().is_some());
    // With prompt=none the required new sign-in cannot happen: login_required, not a code.
    let page = browser
        .get(&app_url(
            &s,
            'U',
            &app,
            &[("max_age", Some("0")), ("prompt", Some("none"))],
        ))
        .await;
    assert_eq!(
        error_redirect(&s, 'U', &app, &page).get("error"),
        "login_required",
        "max_age=0 with prompt=none and a live session"
    );
}

#[tokio::test]
async fn max_age_counts_fractions_of_a_second() {
    // The rule has its unit test (`tessera_domain::authorization_request`); here, that the
    // authorization endpoint applies it to the session, on the server's clock.
    let clock = Arc::new(MockClock::new(SystemClock.now()));
    let s = TestServer::start_with_clock(Backend::Sqlite, clock.clone(), |_| {}).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Agent desk").await;
    let browser = Browser::new();
    code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    browser
        .authorize_silently(&app_url(&s, 'U', &app, &[("max_age", Some("1"))]))
        .await;
    // 1.3 s after signing in, more than max_age=1 has elapsed: OIDC Core §3.1.2.1 requires a
    // new sign-in ("if the elapsed time is greater than this value").
    clock.advance(time::Duration::milliseconds(1300));
    let page = browser
        .get(&app_url(&s, 'U', &app, &[("max_age", Some("1"))]))
        .await;
    assert_eq!(
        page.status,
        200,
        "1.3 s after signing in, max_age=1 must show the login page, got {} {:?}",
        page.status,
        page.location()
    );
    assert!(page.try_login_form().is_some());
}

#[tokio::test]
async fn the_authorization_request_may_be_posted() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let url = url::Url::parse(&app_url(&s, 'U', &app, &[])).unwrap();
    let fields: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let resp = browser
        .http
        .post(format!("{}/oauth2/authorize", s.issuer('U')))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page = crate::code_flow_support::Page {
        status: 200,
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    };
    let done = browser.submit(&page.login_form(), "agent7", PASSWORD).await;
    let cb = done.callback();
    assert_eq!(cb.base, WEB_REDIRECT);
    assert_eq!(cb.get("state"), "st-1");
    let (st, body) = redeem_raw(&s, 'U', &app, cb.get("code"), Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");
}

#[tokio::test]
async fn single_sign_on_is_per_realm() {
    let (s, _, app) = setup().await;
    create_customer(&s, "c7@example.test", "Cleo Seven").await;
    let browser = Browser::new();
    code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await;
    // The agent's session does not sign anyone in at the customers realm.
    let page = browser.get(&app_url(&s, 'C', &app, &[])).await;
    assert_eq!(page.status, 200);
    assert!(page.try_login_form().is_some());
    let page = browser
        .get(&app_url(&s, 'C', &app, &[("prompt", Some("none"))]))
        .await;
    assert_eq!(page.callback().get("error"), "login_required");
    // Both realms may be signed in side by side, and signing out of one keeps the other.
    code_for(&s, &browser, 'C', &app, "c7@example.test", &[]).await;
    let (_, tokens) = {
        let code = browser
            .authorize_silently(&app_url(&s, 'C', &app, &[]))
            .await
            .get("code")
            .to_owned();
        redeem_raw(&s, 'C', &app, &code, Some(VERIFIER)).await
    };
    let logout = url::Url::parse_with_params(
        &format!("{}/oauth2/logout", s.issuer('C')),
        &[
            ("id_token_hint", tokens["id_token"].as_str().unwrap()),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
        ],
    )
    .unwrap();
    assert_eq!(browser.get(logout.as_str()).await.status, 303);
    assert!(
        browser
            .get(&app_url(&s, 'C', &app, &[]))
            .await
            .try_login_form()
            .is_some()
    );
    browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await;
}
