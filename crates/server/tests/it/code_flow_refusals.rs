//! Every refusal of the interactive flows, each in its own test: redirect URI and client checks
//! that must never redirect, authorization errors that go back to the client, PKCE and code
//! binding at the token endpoint, code replay, tokens of another partition or realm, the login
//! page's failures (wrong password, unknown or disabled account, CSRF, lockout, framing), scope
//! widening on refresh, CORS, discovery and logout.

use openidconnect::{PkceCodeChallenge, PkceCodeVerifier};
use reqwest::Method;
use serde_json::{Value, json};

use crate::code_flow_support::{
    App, Browser, Callback, DELEGATED, PASSWORD, SPA_ORIGIN, SPA_REDIRECT, WEB_POST_LOGOUT,
    WEB_REDIRECT, admin_json_in, create_customer, create_user, create_user_with,
    interactive_client, introspect_raw, jwt_claims, token_request, userinfo_raw, web_app,
};
use crate::support::{PARTITION, TestServer};

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
fn error_redirect(
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
fn assert_refusal_page(page: &crate::code_flow_support::Page, what: &str, needle: &str) {
    assert_eq!(page.status, 400, "{what}: {}", page.body);
    assert!(page.location().is_none(), "{what}: must not redirect");
    assert!(
        page.header("content-type").starts_with("text/html"),
        "{what}"
    );
    let alert = page.alert().unwrap_or_default();
    assert!(alert.contains(needle), "{what}: {alert}");
}

#[tokio::test]
async fn a_redirect_uri_that_is_not_registered_exactly_is_never_redirected_to() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    for bad in [
        "http://127.0.0.1:8081/callback/extra",
        "http://127.0.0.1:8082/callback",
        "http://127.0.0.1:8081@evil.example/callback",
        "http://127.0.0.1:8081/Callback",
        "HTTP://127.0.0.1:8081/callback",
        "http://127.0.0.1:8081/callback/",
        "http://127.0.0.1:8081/callback?x=1",
        "http://127.0.0.1:8081/callback#frag",
        "http://localhost:8081/callback",
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
    for (what, id) in [
        ("unknown client_id", random.as_str()),
        ("malformed client_id", "not-a-uuid"),
    ] {
        let page = browser.get(&auth_url(&s, 'U', id, WEB_REDIRECT, &[])).await;
        assert_refusal_page(&page, what, "unknown or disabled");
    }
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
            "challenge without method (plain by default)",
            vec![("code_challenge_method", None)],
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
            "hybrid flow",
            vec![("response_type", Some("code id_token"))],
            "unsupported_response_type",
            "response_type",
        ),
        (
            "no response_type",
            vec![("response_type", None)],
            "invalid_request",
            "response_type",
        ),
        (
            "application permission",
            vec![("scope", Some("openid app.core.usermgr.read"))],
            "invalid_scope",
            "app.core.usermgr.read",
        ),
        (
            "unknown permission",
            vec![("scope", Some("openid no.such.permission"))],
            "invalid_scope",
            "no.such.permission",
        ),
        (
            "fragment response mode",
            vec![("response_mode", Some("fragment"))],
            "invalid_request",
            "response_mode",
        ),
        (
            "bad prompt",
            vec![("prompt", Some("none login"))],
            "invalid_request",
            "prompt",
        ),
        (
            "request object (OpenID Connect Core §6)",
            vec![("request", Some("eyJhbGciOiJub25lIn0.e30."))],
            "request_not_supported",
            "request",
        ),
        (
            "request_uri (OpenID Connect Core §6)",
            vec![("request_uri", Some("https://app.example/request.jwt"))],
            "request_uri_not_supported",
            "request_uri",
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
async fn pkce_is_enforced_at_the_token_endpoint() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    // One sign-in; every further code comes by single sign-on.
    let first = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let sso = |changes: Vec<(&'static str, Option<&'static str>)>| {
        let url = app_url(&s, 'U', &app, &changes);
        let browser = &browser;
        async move {
            browser
                .authorize_silently(&url)
                .await
                .get("code")
                .to_owned()
        }
    };

    let (st, body) = redeem_raw(&s, 'U', &app, &first, None).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "no verifier: {body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier is required")
    );

    let code = sso(vec![]).await;
    let wrong = "another-verifier-0123456789-abcdefghijklmnopqrs";
    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some(wrong)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "wrong verifier: {body}"
    );

    let code = sso(vec![]).await;
    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some("short")).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "malformed: {body}"
    );

    // A Web app may skip PKCE, but then a verifier is a downgrade attempt.
    let no_pkce = [("code_challenge", None), ("code_challenge_method", None)];
    let code = sso(no_pkce.to_vec()).await;
    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "unexpected verifier: {body}"
    );
    let code = sso(no_pkce.to_vec()).await;
    let (st, body) = redeem_raw(&s, 'U', &app, &code, None).await;
    assert_eq!(st, 200, "a Web app without PKCE: {body}");

    // The redirect_uri must be the authorization request's.
    let code = sso(vec![]).await;
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8081/other"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // And the right verifier works.
    let code = sso(vec![]).await;
    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");
}

#[tokio::test]
async fn a_replayed_code_revokes_what_the_first_redemption_issued() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(introspect_raw(&s, 'U', &app, access).await["active"], true);
    assert_eq!(userinfo_raw(&s, 'U', access).await.0, 200);

    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        introspect_raw(&s, 'U', &app, access).await["active"],
        false,
        "the first redemption's access token is revoked"
    );
    let (st, body) = userinfo_raw(&s, 'U', access).await;
    assert_eq!(st, 401, "{body}");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_realm() {
    let (s, _, app) = setup().await;
    let other = web_app(&s, "Other app").await;
    let browser = Browser::new();

    // Client B presents A's code (with A's redirect URI and verifier).
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (st, body) = token_request(
        &s,
        'U',
        &other,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", WEB_REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // A code of -U presented at -C (same client, same partition).
    let code = browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await
        .get("code")
        .to_owned();
    let (st, body) = redeem_raw(&s, 'C', &app, &code, Some(VERIFIER)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // Garbage.
    let (st, body) = redeem_raw(&s, 'U', &app, "no-such-code", Some(VERIFIER)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // A Web app must authenticate: client_id alone (as a SPA would send it) or a wrong secret
    // is refused before the code is looked at.
    let code = browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await
        .get("code")
        .to_owned();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WEB_REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let public = App {
        secret: None,
        ..app.clone()
    };
    let mut with_id = form.to_vec();
    with_id.push(("client_id", app.id.as_str()));
    let (st, body) = token_request(&s, 'U', &public, &with_id).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let wrong = App {
        secret: Some("not-the-secret".into()),
        ..app.clone()
    };
    let (st, body) = token_request(&s, 'U', &wrong, &form).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    // The code survived both: the client redeems it.
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");

    // Another client can neither use, introspect nor revoke A's refresh token.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    // Nor can A use it at the other realm.
    let (st, body) = token_request(
        &s,
        'C',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "refresh at the other realm: {body}"
    );
    let (st, body) = token_request(
        &s,
        'U',
        &other,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        introspect_raw(&s, 'U', &other, refresh).await,
        json!({"active": false})
    );
    let resp = s
        .http
        .post(format!("{}/oauth2/revoke", s.issuer('U')))
        .basic_auth(&other.id, other.secret.as_deref())
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "RFC 7009: the same answer as a success");
    let access = tokens["access_token"].as_str().unwrap();
    let resp = s
        .http
        .post(format!("{}/oauth2/revoke", s.issuer('U')))
        .basic_auth(&other.id, other.secret.as_deref())
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(introspect_raw(&s, 'U', &app, access).await["active"], true);
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(st, 200, "A's refresh token still works: {body}");
}

#[tokio::test]
async fn tokens_of_another_partition_or_realm_are_not_valid_here() {
    let (s, _, app) = setup().await;
    create_customer(&s, "c7@example.test", "Cleo Seven").await;

    // A user of another partition signs in to that partition's own app.
    let other = s.other_partition("globex").await;
    let call = |method: Method, path: &'static str, body: Value| {
        let other = &other;
        let s = &s;
        async move { admin_json_in(s, "globex", other, method, path, body).await }
    };
    let (st, u) = call(Method::POST, "/users", json!({"username": "agent7", "email": "a7@globex.test", "display_name": "Globex Agent", "password": PASSWORD})).await;
    assert_eq!(st, 201, "{u}");
    let (st, c) = call(
        Method::POST,
        "/client-applications",
        json!({"name": "Globex desk", "platform": "web", "redirect_urls": [WEB_REDIRECT]}),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    let globex_id = c["client_id"].as_str().unwrap().to_owned();
    let (st, sec) = admin_json_in(
        &s,
        "globex",
        &other,
        Method::POST,
        &format!("/client-applications/{globex_id}/secrets"),
        json!({"name": "t"}),
    )
    .await;
    assert_eq!(st, 201, "{sec}");
    let globex_app = App {
        id: globex_id.clone(),
        secret: Some(sec["value"].as_str().unwrap().to_owned()),
        redirect: WEB_REDIRECT.to_owned(),
    };
    let globex_iss = format!("{}/system/auth/globex-U", s.base);
    let url = {
        let mut u = url::Url::parse(&app_url(&s, 'U', &globex_app, &[])).unwrap();
        u.set_path("/system/auth/globex-U/oauth2/authorize");
        u.to_string()
    };
    let browser = Browser::new();
    let cb = browser.sign_in(&url, "agent7", PASSWORD).await;
    assert_eq!(cb.get("iss"), globex_iss);
    let resp = s
        .http
        .post(format!("{globex_iss}/oauth2/token"))
        .basic_auth(&globex_app.id, globex_app.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", cb.get("code")),
            ("redirect_uri", WEB_REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let globex: Value = resp.json().await.unwrap();
    let globex_access = globex["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(globex_access)["iss"], globex_iss.as_str());

    // Presented at acme (same user name, same client redirect): inactive, refused.
    assert_eq!(
        introspect_raw(&s, 'U', &app, globex_access).await,
        json!({"active": false})
    );
    assert_eq!(userinfo_raw(&s, 'U', globex_access).await.0, 401);
    // The refresh token of another partition is unknown here.
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", globex["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // The other realm of the same partition.
    let customer_code = code_for(&s, &Browser::new(), 'C', &app, "c7@example.test", &[]).await;
    let (st, customer) = redeem_raw(&s, 'C', &app, &customer_code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{customer}");
    let customer_access = customer["access_token"].as_str().unwrap();
    assert_eq!(
        introspect_raw(&s, 'C', &app, customer_access).await["active"],
        true
    );
    assert_eq!(userinfo_raw(&s, 'C', customer_access).await.0, 200);
    assert_eq!(
        introspect_raw(&s, 'U', &app, customer_access).await["active"],
        false
    );
    assert_eq!(userinfo_raw(&s, 'U', customer_access).await.0, 401);
    let user_code = code_for(&s, &Browser::new(), 'U', &app, "agent7", &[]).await;
    let (st, user) = redeem_raw(&s, 'U', &app, &user_code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{user}");
    let user_access = user["access_token"].as_str().unwrap();
    assert_eq!(
        introspect_raw(&s, 'C', &app, user_access).await["active"],
        false
    );
    assert_eq!(userinfo_raw(&s, 'C', user_access).await.0, 401);
    // An ID token is not an access token.
    let id_token = user["id_token"].as_str().unwrap();
    assert_eq!(
        introspect_raw(&s, 'U', &app, id_token).await["active"],
        false
    );
    assert_eq!(userinfo_raw(&s, 'U', id_token).await.0, 401);
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

#[tokio::test]
async fn a_refresh_cannot_widen_the_scope() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    // The sign-in grants only openid and offline_access.
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200);
    assert_eq!(tokens["scope"], "offline_access openid");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let wider = format!("openid offline_access {DELEGATED}");
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("scope", &wider),
        ],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(DELEGATED)
    );
    // The refused request did not use the token up; a narrower scope works.
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("scope", "openid"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["scope"], "openid");
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
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    // 1.3 s after signing in, more than max_age=1 has elapsed: OIDC Core §3.1.2.1 requires a
    // new sign-in ("if the elapsed time is greater than this value").
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
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
async fn cors_is_only_for_the_spa_origins() {
    let s = TestServer::start().await;
    interactive_client(&s, "SPA", "spa", SPA_REDIRECT, &[], &[DELEGATED]).await;
    web_app(&s, "Web").await;
    // No wait: creating a client refreshes the partition's SPA origins on this instance at once.
    for endpoint in ["token", "userinfo", "revoke"] {
        let url = format!("{}/oauth2/{endpoint}", s.issuer('U'));
        let preflight = |origin: &'static str| {
            s.http
                .request(Method::OPTIONS, &url)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send()
        };
        let resp = preflight(SPA_ORIGIN).await.unwrap();
        assert!(resp.status().is_success(), "{endpoint}");
        assert_eq!(
            resp.headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap()),
            Some(SPA_ORIGIN),
            "{endpoint}"
        );
        for origin in ["https://evil.example", "http://127.0.0.1:8081", "null"] {
            let resp = preflight(origin).await.unwrap();
            assert!(
                resp.headers().get("access-control-allow-origin").is_none(),
                "{endpoint} from {origin}"
            );
        }
    }
    // On the real request too.
    let url = format!("{}/oauth2/token", s.issuer('U'));
    for (origin, allowed) in [(SPA_ORIGIN, true), ("https://evil.example", false)] {
        let resp = s
            .http
            .post(&url)
            .header("origin", origin)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers().get("access-control-allow-origin").is_some(),
            allowed,
            "{origin}"
        );
    }
    // Introspection is for servers: no CORS.
    let resp = s
        .http
        .request(
            Method::OPTIONS,
            format!("{}/oauth2/introspect", s.issuer('U')),
        )
        .header("origin", SPA_ORIGIN)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn discovery_lists_the_interactive_endpoints() {
    let s = TestServer::start().await;
    for realm in ['U', 'C'] {
        let iss = s.issuer(realm);
        let d: Value = s
            .http
            .get(format!("{iss}/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["issuer"], iss.as_str());
        for (field, path) in [
            ("authorization_endpoint", "oauth2/authorize"),
            ("token_endpoint", "oauth2/token"),
            ("userinfo_endpoint", "oauth2/userinfo"),
            ("revocation_endpoint", "oauth2/revoke"),
            ("introspection_endpoint", "oauth2/introspect"),
            ("end_session_endpoint", "oauth2/logout"),
            ("jwks_uri", "oauth2/keys"),
        ] {
            assert_eq!(d[field], format!("{iss}/{path}"), "{realm} {field}");
        }
        assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(d["authorization_response_iss_parameter_supported"], true);
        assert_eq!(d["response_types_supported"], json!(["code"]));
        assert_eq!(d["response_modes_supported"], json!(["query"]));
        assert_eq!(d["subject_types_supported"], json!(["public"]));
        // Discovery §3: request_uri_parameter_supported defaults to true, so it must be said.
        assert_eq!(d["request_parameter_supported"], false);
        assert_eq!(d["request_uri_parameter_supported"], false);
        assert_eq!(
            d["token_endpoint_auth_methods_supported"],
            json!(["client_secret_basic", "client_secret_post", "none"])
        );
        let grants = d["grant_types_supported"].as_array().unwrap();
        for g in ["authorization_code", "refresh_token"] {
            assert!(grants.iter().any(|x| x == g), "{g}");
        }
        let scopes = d["scopes_supported"].as_array().unwrap();
        for sc in [
            "openid",
            "profile",
            "email",
            "address",
            "phone",
            "offline_access",
        ] {
            assert!(scopes.iter().any(|x| x == sc), "{sc}");
        }
        let claims = d["claims_supported"].as_array().unwrap();
        for c in [
            "given_name",
            "family_name",
            "locale",
            "zoneinfo",
            "updated_at",
            "email_verified",
            "address",
            "phone_number",
            "phone_number_verified",
        ] {
            assert!(claims.iter().any(|x| x == c), "{c}");
        }
        assert!(
            !d["id_token_signing_alg_values_supported"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // RFC 8414 address of the same document.
        let rfc8414: Value = s
            .http
            .get(format!(
                "{}/.well-known/oauth-authorization-server/system/auth/{PARTITION}-{realm}",
                s.base
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(rfc8414, d);
    }
}

#[tokio::test]
async fn logout_refuses_unregistered_destinations_and_asks_without_a_hint() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (_, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let logout = format!("{}/oauth2/logout", s.issuer('U'));
    let with = |params: &[(&str, &str)]| {
        url::Url::parse_with_params(&logout, params)
            .unwrap()
            .to_string()
    };

    // An unregistered post-logout address: a page, no redirect, still signed in.
    for bad in [
        "https://evil.example/",
        "http://127.0.0.1:8081/other",
        "http://127.0.0.1:8081",
    ] {
        let page = browser
            .get(&with(&[
                ("id_token_hint", id_token),
                ("post_logout_redirect_uri", bad),
                ("state", "s"),
            ]))
            .await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.location().is_none(), "{bad}");
    }
    // A forged hint.
    let mut forged = id_token.to_owned();
    forged.push('x');
    let page = browser
        .get(&with(&[
            ("id_token_hint", &forged),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
        ]))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location().is_none());
    // Without a hint: a confirmation page, and the session lives on.
    let page = browser
        .get(&with(&[
            ("client_id", &app.id),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
        ]))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("confirm-sign-out"), "{}", page.body);
    browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await;
    // Confirming it (the form's CSRF token and this browser's cookie) signs out and redirects.
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let page = browser
        .post_form(
            &logout,
            &[
                ("client_id", &app.id),
                ("post_logout_redirect_uri", WEB_POST_LOGOUT),
                ("state", "s2"),
                ("csrf", &csrf),
            ],
        )
        .await;
    let cb = page.callback();
    assert_eq!(cb.base, WEB_POST_LOGOUT);
    assert_eq!(cb.get("state"), "s2");
    let page = browser.get(&app_url(&s, 'U', &app, &[])).await;
    assert!(page.try_login_form().is_some(), "signed out");
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
