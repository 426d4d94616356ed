//! Refusals shown as an HTML page and never redirected: before the client and its exact
//! redirect URI are known (RFC 9700 §4.1), and on the login page itself.

use reqwest::Method;
use serde_json::json;

use super::{VERIFIER, app_url, assert_refusal_page, auth_url, code_for, redeem_raw, setup};
use crate::code_flow_support::{
    Browser, PASSWORD, WEB_REDIRECT, create_customer, create_user_with, token_request, userinfo_raw,
};

#[tokio::test]
async fn a_redirect_uri_that_is_not_registered_exactly_is_never_redirected_to() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    // Exact matching is `tessera_domain::authorization_request`'s rule, tested there with every
    // near miss; here, that a refused address is answered with a page.
    for bad in [
        "http://127.0.0.1:8081/callback/extra",
        "http://127.0.0.1:8081@evil.example/callback",
        "https://evil.example/callback",
    ] {
        let page = browser.get(&auth_url(&s, 'U', &app.id, bad, &[])).await;
        assert_refusal_page(&page, bad, "redirect_uri is not registered");
    }
    // Missing altogether.
    let page = browser
        .get(&app_url(&s, 'U', &app, &[("redirect_uri", None)]))
        .await;
    assert_refusal_page(&page, "no redirect_uri", "redirect_uri");
    // Repeated (RFC 6749 §3.1): the registered one and another.
    let twice = format!(
        "{}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        app_url(&s, 'U', &app, &[])
    );
    let page = browser.get(&twice).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.location().is_none(), "repeated redirect_uri");
    // Even errors that would otherwise go back to the client stay on the page.
    let page = browser
        .get(&auth_url(
            &s,
            'U',
            &app.id,
            "https://evil.example/cb",
            &[("response_type", Some("token"))],
        ))
        .await;
    assert_refusal_page(&page, "bad redirect and response_type", "redirect_uri");

    // The login form re-checks the request it carries: a tampered one is refused the same way.
    let page = browser.get(&app_url(&s, 'U', &app, &[])).await;
    let mut form = page.login_form();
    form.request = form.request.replace(
        &url::form_urlencoded::byte_serialize(WEB_REDIRECT.as_bytes()).collect::<String>(),
        &url::form_urlencoded::byte_serialize(b"https://evil.example/cb").collect::<String>(),
    );
    assert!(form.request.contains("evil.example"), "{}", form.request);
    let page = browser.submit(&form, "agent7", PASSWORD).await;
    assert_refusal_page(
        &page,
        "tampered login form",
        "redirect_uri is not registered",
    );
}

#[tokio::test]
async fn an_unknown_client_is_a_page() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let random = uuid::Uuid::new_v4().to_string();
    let page = browser
        .get(&auth_url(&s, 'U', &random, WEB_REDIRECT, &[]))
        .await;
    assert_refusal_page(&page, "unknown client_id", "unknown or disabled");
    let page = browser
        .get(&app_url(&s, 'U', &app, &[("client_id", None)]))
        .await;
    assert_refusal_page(&page, "no client_id", "client_id");
    // A disabled client is unknown too.
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{}", app.id),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(st, 200);
    let page = browser.get(&app_url(&s, 'U', &app, &[])).await;
    assert_refusal_page(&page, "disabled client", "unknown or disabled");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_look_the_same() {
    let (s, _, app) = setup().await;
    create_customer(&s, "c7@example.test", "Cleo Seven").await;
    let browser = Browser::new();
    let url = app_url(&s, 'U', &app, &[]);
    let form = browser.get(&url).await.login_form();
    assert_eq!(form.action, format!("{}/oauth2/login", s.issuer('U')));
    let wrong = browser.submit(&form, "agent7", "not-the-password").await;
    let unknown = browser.submit(&form, "nobody", "not-the-password").await;
    for (what, page) in [("wrong password", &wrong), ("unknown user", &unknown)] {
        assert_eq!(page.status, 401, "{what}");
        assert!(page.location().is_none());
        assert_eq!(
            page.alert().as_deref(),
            Some("Incorrect username or password."),
            "{what}"
        );
        assert!(page.try_login_form().is_some(), "{what}: the form again");
    }
    assert!(wrong.body.contains("value=\"agent7\""), "the name is kept");

    let form = browser.get(&app_url(&s, 'C', &app, &[])).await.login_form();
    assert_eq!(form.action, format!("{}/oauth2/login", s.issuer('C')));
    for (login, password) in [
        ("c7@example.test", "not-the-password"),
        ("nobody@example.test", PASSWORD),
    ] {
        let page = browser.submit(&form, login, password).await;
        assert_eq!(page.status, 401);
        assert_eq!(
            page.alert().as_deref(),
            Some("Incorrect email or password.")
        );
    }
    // A user is not a customer: the agent's credentials do not work at -C.
    let page = browser.submit(&form, "a7@acme.test", PASSWORD).await;
    assert_eq!(page.status, 401);
    // Empty fields.
    let page = browser.submit(&form, "", "").await;
    assert_eq!(page.status, 400);
    assert!(page.alert().is_some());
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in() {
    let (s, id, app) = setup().await;
    create_user_with(&s, "sleeper", "z@acme.test", "Sleeper", false).await;
    let browser = Browser::new();
    let form = browser.get(&app_url(&s, 'U', &app, &[])).await.login_form();
    let page = browser.submit(&form, "sleeper", PASSWORD).await;
    assert_ne!(page.status, 303);
    assert!(page.location().is_none());
    assert!(
        page.alert().unwrap().contains("disabled"),
        "{:?}",
        page.alert()
    );

    // Disabling a signed-in user ends their single sign-on and their refresh tokens.
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200);
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(st, 200);
    let page = browser.get(&app_url(&s, 'U', &app, &[])).await;
    assert_eq!(page.status, 200, "the login page, not a code");
    assert!(page.try_login_form().is_some());
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        userinfo_raw(&s, 'U', tokens["access_token"].as_str().unwrap())
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn the_login_form_needs_the_csrf_cookie_and_field() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let page = browser.get(&app_url(&s, 'U', &app, &[])).await;
    let form = page.login_form();
    // The CSRF cookie: HttpOnly, SameSite=Lax, scoped to the realm (http here, so not Secure).
    let set = page.header("set-cookie");
    assert!(set.starts_with("tessera_csrf="), "{set}");
    for attr in [
        "; HttpOnly",
        "; SameSite=Lax",
        "; Path=/system/auth/acme-U/",
    ] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(!set.contains("Secure"), "{set}");

    // Without the field.
    let page = browser
        .post_form(
            &form.action,
            &[
                ("request", form.request.as_str()),
                ("username", "agent7"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location().is_none());
    assert!(
        page.alert().unwrap().contains("expired"),
        "{:?}",
        page.alert()
    );
    assert!(page.try_login_form().is_some(), "the form again");

    // A wrong field.
    let mut forged = form.clone();
    forged.csrf = "A".repeat(43);
    let page = browser.submit(&forged, "agent7", PASSWORD).await;
    assert_eq!(page.status, 400);

    // The field without the cookie (another browser: a cross-site post).
    let page = Browser::new().submit(&form, "agent7", PASSWORD).await;
    assert_eq!(page.status, 400);
    assert!(page.location().is_none());
    assert!(page.try_login_form().is_some());

    // Both: signed in.
    let page = browser.submit(&form, "agent7", PASSWORD).await;
    assert_eq!(page.status, 303, "{:?}", page.alert());
    let set = page.header("set-cookie");
    assert!(set.starts_with("tessera_session="), "{set}");
    for attr in [
        "; HttpOnly",
        "; SameSite=Lax",
        "; Path=/system/auth/acme-U/",
    ] {
        assert!(set.contains(attr), "{set}");
    }
    assert_eq!(page.header("cache-control"), "no-store");
}

#[tokio::test]
async fn repeated_failures_lock_the_account() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let form = browser.get(&app_url(&s, 'U', &app, &[])).await.login_form();
    for i in 0..tessera_server::login_backoff::ACCOUNT_FREE {
        let page = browser.submit(&form, "agent7", "not-the-password").await;
        assert_eq!(page.status, 401, "attempt {i}");
    }
    // Even the right password waits now.
    let page = browser.submit(&form, "agent7", PASSWORD).await;
    assert_eq!(page.status, 429, "{:?}", page.alert());
    assert!(
        page.alert().unwrap().contains("Too many failed"),
        "{:?}",
        page.alert()
    );
    assert!(page.location().is_none());
    // The lock is per account (names are compared case-insensitively).
    let page = browser.submit(&form, "AGENT7", PASSWORD).await;
    assert_eq!(page.status, 429);
}

#[tokio::test]
async fn the_login_page_cannot_be_framed_or_cached() {
    let (s, _, app) = setup().await;
    let page = Browser::new().get(&app_url(&s, 'U', &app, &[])).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    let csp = page.header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    // The form posts to Tessera, whose redirect leads to the client's origin.
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:8081"),
        "{csp}"
    );
    assert!(page.header("cache-control").contains("no-store"));
    assert!(
        page.body
            .contains("<button id=\"sign-in\" type=\"submit\">")
    );
    // login_hint pre-fills the name, escaped.
    let page = Browser::new()
        .get(&app_url(
            &s,
            'U',
            &app,
            &[("login_hint", Some("\"><script>alert(1)</script>"))],
        ))
        .await;
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(
        page.body.contains("value=\"&quot;&gt;&lt;script&gt;"),
        "{}",
        page.body
    );
    // The error pages too.
    let page = Browser::new()
        .get(&auth_url(&s, 'U', &app.id, "https://evil.example/cb", &[]))
        .await;
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert!(
        page.header("content-security-policy")
            .contains("frame-ancestors 'none'")
    );
}
