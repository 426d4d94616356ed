//! OpenID Connect Back-Channel Logout 1.0 and Front-Channel Logout 1.0: when a session ends —
//! RP-initiated logout, an administrator signing an account out, a new password, disabling —
//! every application holding a grant made in it and registering a logout URI is told. A relying
//! party on loopback (an axum server in the test, with `[logout] allow_loopback`) receives the
//! logout token, which is checked as a relying party would: signature against the realm's JWKS
//! with the client's ID token algorithm, `typ`, every claim, no `nonce`, `sid` and `sub` those of
//! the ID token. The signed-out page frames each front-channel URI with `iss` and `sid`, its
//! CSP allowing exactly those origins.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use serde_json::{Value, json};

use crate::code_flow_refusals::{VERIFIER, app_url, code_for, redeem_raw};
use crate::code_flow_support::{
    App, Browser, WEB_POST_LOGOUT, create_customer, create_user, interactive_client, jwt_claims,
    token_request, web_app,
};
use crate::support::{Backend, TestServer, postgres_url};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// What the relying party received: the request's content type and its `logout_token`.
#[derive(Debug, Clone)]
struct Received {
    content_type: String,
    token: String,
}

/// A relying party's back-channel logout endpoint on loopback, answering the statuses it is
/// given in turn (then 200).
#[derive(Clone)]
struct Rp {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    hits: Arc<AtomicUsize>,
}

impl Rp {
    async fn start(statuses: &[u16]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let hits = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(Mutex::new(
            statuses.iter().copied().collect::<VecDeque<_>>(),
        ));
        let (rec, count) = (received.clone(), hits.clone());
        let app = axum::Router::new().route(
            "/bc",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (rec, count, script) = (rec.clone(), count.clone(), script.clone());
                async move {
                    count.fetch_add(1, Ordering::SeqCst);
                    let status = script.lock().unwrap().pop_front().unwrap_or(200);
                    if status == 200 {
                        let token = url::form_urlencoded::parse(body.as_bytes())
                            .find(|(k, _)| k == "logout_token")
                            .map(|(_, v)| v.into_owned())
                            .unwrap_or_default();
                        rec.lock().unwrap().push(Received {
                            content_type: headers
                                .get("content-type")
                                .map(|v| v.to_str().unwrap().to_owned())
                                .unwrap_or_default(),
                            token,
                        });
                    }
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            addr,
            received,
            hits,
        }
    }

    fn uri(&self) -> String {
        format!("http://{}/bc", self.addr)
    }

    /// Waits (with a deadline) until `n` tokens have been accepted; returns them.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the relying party received {} of {n} logout tokens",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn start(backend: Backend) -> TestServer {
    TestServer::start_with(backend, |c| {
        c.logout.allow_loopback = true;
        c.logout.retry_backoff_ms = 100;
    })
    .await
}

/// Sets logout metadata (and anything else) on a client; returns the client as the API shows it.
async fn patch_client(s: &TestServer, app: &App, changes: Value) -> Value {
    let (st, c) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{}", app.id),
            Some(changes),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    c
}

/// Signs `login` in with `browser` (or reuses its session) and redeems the code; returns the
/// token response.
async fn tokens(s: &TestServer, browser: &Browser, realm: char, app: &App, login: &str) -> Value {
    let (st, tokens) = redeem_raw(
        s,
        realm,
        app,
        &sign_in(s, browser, realm, app, login).await,
        Some(VERIFIER),
    )
    .await;
    assert_eq!(st, 200, "{tokens}");
    tokens
}

/// A code for `app`: through the login page the first time, silently once the browser has a session.
async fn sign_in(s: &TestServer, browser: &Browser, realm: char, app: &App, login: &str) -> String {
    let page = browser.get(&app_url(s, realm, app, &[])).await;
    if page.try_login_form().is_some() {
        code_for(s, browser, realm, app, login, &[]).await
    } else {
        page.callback().get("code").to_owned()
    }
}

fn logout_url(s: &TestServer, realm: char, hint: &str, post_logout: Option<&str>) -> String {
    let mut params = vec![("id_token_hint", hint), ("state", "st")];
    if let Some(p) = post_logout {
        params.push(("post_logout_redirect_uri", p));
    }
    url::Url::parse_with_params(&format!("{}/oauth2/logout", s.issuer(realm)), &params)
        .unwrap()
        .to_string()
}

/// Checks a logout token as a relying party would (Back-Channel Logout 1.0 §2.6) against the ID
/// token of the same session; returns its claims.
async fn check_logout_token(
    s: &TestServer,
    realm: char,
    app: &App,
    alg: jsonwebtoken::Algorithm,
    token: &str,
    id_token: &str,
) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    assert_eq!(
        header.alg, alg,
        "signed with the client's ID token algorithm"
    );
    let jwks: jsonwebtoken::jwk::JwkSet = s
        .http
        .get(format!("{}/oauth2/keys", s.issuer(realm)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(
        jwks.find(header.kid.as_deref().unwrap())
            .expect("the kid is published"),
    )
    .unwrap();
    // Only the client's algorithm is accepted, as its ID tokens are.
    let mut v = jsonwebtoken::Validation::new(alg);
    v.set_issuer(&[s.issuer(realm)]);
    v.set_audience(&[&app.id]);
    v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &v)
        .expect("the signature verifies against the realm's JWKS")
        .claims;
    let id = jwt_claims(id_token);
    assert_eq!(claims["iss"], s.issuer(realm));
    assert_eq!(claims["aud"], app.id.as_str());
    assert_eq!(claims["sub"], id["sub"], "sub is the ID token's");
    assert_eq!(claims["sid"], id["sid"], "sid is the ID token's");
    assert_eq!(claims["events"], json!({ EVENT: {} }));
    assert!(claims.get("nonce").is_none(), "§2.4: no nonce");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    let now = s.state.clock().now().unix_timestamp();
    assert!((now - 60..=now + 5).contains(&iat), "iat {iat} now {now}");
    assert_eq!(exp - iat, 120, "short-lived");
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["aud", "events", "exp", "iat", "iss", "jti", "sid", "sub"]
    );
    claims
}

/// Audit events of back-channel deliveries, once `n` have been written (the writer batches).
async fn deliveries(s: &TestServer, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (st, page) = s
            .admin_json(
                Method::GET,
                "/audit-events?action=backchannel_logout&limit=200",
                None,
            )
            .await;
        assert_eq!(st, 200, "{page}");
        let items = page["items"].as_array().unwrap().clone();
        if items.len() >= n {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {n} deliveries audited",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn run_rp_initiated(backend: Backend) {
    let s = start(backend).await;
    let rp = Rp::start(&[]).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let rs = web_app(&s, "Desk").await;
    let es = web_app(&s, "Console").await;
    let quiet = web_app(&s, "No logout URI").await;
    let shown = patch_client(&s, &rs, json!({"backchannel_logout_uri": rp.uri()})).await;
    assert_eq!(shown["backchannel_logout_uri"], rp.uri().as_str());
    assert_eq!(shown["backchannel_logout_session_required"], true);
    patch_client(
        &s,
        &es,
        json!({"backchannel_logout_uri": rp.uri(), "id_token_signed_response_alg": "ES256",
               "backchannel_logout_session_required": false}),
    )
    .await;

    let browser = Browser::new();
    let rs_tokens = tokens(&s, &browser, 'U', &rs, "agent7").await;
    let es_tokens = tokens(&s, &browser, 'U', &es, "agent7").await;
    let _ = tokens(&s, &browser, 'U', &quiet, "agent7").await;
    let rs_id = rs_tokens["id_token"].as_str().unwrap();
    let es_id = es_tokens["id_token"].as_str().unwrap();
    assert_eq!(
        jwt_claims(rs_id)["sid"],
        jwt_claims(es_id)["sid"],
        "one session"
    );

    // Without front-channel URIs the browser goes straight back.
    let page = browser
        .get(&logout_url(&s, 'U', rs_id, Some(WEB_POST_LOGOUT)))
        .await;
    assert_eq!(page.callback().base, WEB_POST_LOGOUT);

    let got = rp.wait_for(2).await;
    let mut by_aud = std::collections::HashMap::new();
    for r in &got {
        assert_eq!(r.content_type, "application/x-www-form-urlencoded");
        by_aud.insert(
            jwt_claims(&r.token)["aud"].as_str().unwrap().to_owned(),
            r.token.clone(),
        );
    }
    check_logout_token(
        &s,
        'U',
        &rs,
        jsonwebtoken::Algorithm::RS256,
        &by_aud[&rs.id],
        rs_id,
    )
    .await;
    // `sid` is sent even when the client did not require it.
    check_logout_token(
        &s,
        'U',
        &es,
        jsonwebtoken::Algorithm::ES256,
        &by_aud[&es.id],
        es_id,
    )
    .await;
    assert!(!by_aud.contains_key(&quiet.id));
    let audited = deliveries(&s, 2).await;
    for e in &audited {
        assert_eq!(e["outcome"], "success", "{e}");
        let shown = e.to_string();
        assert!(
            !shown.contains(&by_aud[&rs.id]) && !shown.contains(&by_aud[&es.id]),
            "no token in the audit trail"
        );
    }
    // Nothing more is sent (one token per client and session).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rp.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn rp_initiated_logout_sends_logout_tokens() {
    run_rp_initiated(Backend::Sqlite).await;
}

#[tokio::test]
async fn rp_initiated_logout_sends_logout_tokens_pg() {
    if postgres_url().is_some() {
        run_rp_initiated(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn a_failed_delivery_is_retried() {
    let s = start(Backend::Sqlite).await;
    let rp = Rp::start(&[500, 503]).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Desk").await;
    patch_client(&s, &app, json!({"backchannel_logout_uri": rp.uri()})).await;
    let browser = Browser::new();
    let id = tokens(&s, &browser, 'U', &app, "agent7").await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.get(&logout_url(&s, 'U', &id, None)).await;
    let got = rp.wait_for(1).await;
    check_logout_token(
        &s,
        'U',
        &app,
        jsonwebtoken::Algorithm::RS256,
        &got[0].token,
        &id,
    )
    .await;
    assert_eq!(
        rp.hits.load(Ordering::SeqCst),
        3,
        "two failures, then success"
    );
    let audited = deliveries(&s, 1).await;
    assert_eq!(audited[0]["outcome"], "success");
    assert_eq!(audited[0]["object_id"], app.id.as_str());
    assert!(
        audited[0]["detail"].as_str().unwrap().contains("attempt 3"),
        "{}",
        audited[0]
    );

    // A relying party that never answers 200 is given up on after the configured attempts.
    let down = Rp::start(&[500, 500, 500, 500]).await;
    let other = web_app(&s, "Other").await;
    patch_client(&s, &other, json!({"backchannel_logout_uri": down.uri()})).await;
    let browser = Browser::new();
    let id = tokens(&s, &browser, 'U', &other, "agent7").await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.get(&logout_url(&s, 'U', &id, None)).await;
    let audited = deliveries(&s, 2).await;
    let failed = audited
        .iter()
        .find(|e| e["object_id"] == other.id.as_str())
        .unwrap();
    assert_eq!(failed["outcome"], "failure");
    assert!(
        failed["detail"].as_str().unwrap().contains("500"),
        "{failed}"
    );
    assert_eq!(
        down.hits.load(Ordering::SeqCst),
        3,
        "three attempts by default"
    );

    // A relying party that refuses the token (§2.8: 400) would refuse it again: one attempt.
    let refusing = Rp::start(&[400, 400, 400]).await;
    let third = web_app(&s, "Refusing").await;
    patch_client(
        &s,
        &third,
        json!({"backchannel_logout_uri": refusing.uri()}),
    )
    .await;
    let browser = Browser::new();
    let id = tokens(&s, &browser, 'U', &third, "agent7").await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.get(&logout_url(&s, 'U', &id, None)).await;
    let audited = deliveries(&s, 3).await;
    let refused = audited
        .iter()
        .find(|e| e["object_id"] == third.id.as_str())
        .unwrap();
    assert_eq!(refused["outcome"], "failure");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("not tried again"),
        "{refused}"
    );
    assert_eq!(
        refusing.hits.load(Ordering::SeqCst),
        1,
        "a 400 is not retried"
    );
}

async fn run_admin_sign_out(backend: Backend) {
    let s = start(backend).await;
    let rp = Rp::start(&[]).await;
    let uid = create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let cid = create_customer(&s, "c7@example.test", "Cleo Seven").await;
    let app = web_app(&s, "Desk").await;
    patch_client(&s, &app, json!({"backchannel_logout_uri": rp.uri()})).await;
    let mut expected = 0;
    for (realm, login, path) in [
        ('U', "agent7", format!("/users/{uid}")),
        ('C', "c7@example.test", format!("/customers/{cid}")),
    ] {
        let browser = Browser::new();
        let t = tokens(&s, &browser, realm, &app, login).await;
        let refresh = t["refresh_token"].as_str().unwrap();
        let (st, body) = s
            .admin_json(Method::DELETE, &format!("{path}/sessions"), None)
            .await;
        assert_eq!(st, 204, "{body}");
        expected += 1;
        let got = rp.wait_for(expected).await;
        check_logout_token(
            &s,
            realm,
            &app,
            jsonwebtoken::Algorithm::RS256,
            &got[expected - 1].token,
            t["id_token"].as_str().unwrap(),
        )
        .await;
        // The grants made in the session are revoked: its refresh token stops.
        let (st, body) = token_request(
            &s,
            realm,
            &app,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
        assert_eq!(
            (st, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
        let page = browser.get(&app_url(&s, realm, &app, &[])).await;
        assert!(
            page.try_login_form().is_some(),
            "{realm}: the session ended"
        );
        // Again: no live session, still 204, nobody told twice.
        let (st, _) = s
            .admin_json(Method::DELETE, &format!("{path}/sessions"), None)
            .await;
        assert_eq!(st, 204);
    }
    let (st, audit) = s
        .admin_json(Method::GET, "/audit-events?action=user.sessions.end", None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(audit["items"][0]["object_id"], uid.as_str(), "{audit}");
    // Unknown or malformed accounts are 404, as for the account itself.
    for path in [
        format!("/users/{}/sessions", uuid::Uuid::new_v4()),
        format!("/customers/{}/sessions", uuid::Uuid::new_v4()),
        format!("/users/{cid}/sessions"),
        "/users/not-an-id/sessions".to_owned(),
    ] {
        let (st, body) = s.admin_json(Method::DELETE, &path, None).await;
        assert_eq!(st, 404, "{path}: {body}");
        assert_eq!(body["status"], 404);
    }
    // Without the admin token: 401.
    let resp = s
        .http
        .delete(s.admin(&format!("/users/{uid}/sessions")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rp.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_administrator_signs_an_account_out() {
    run_admin_sign_out(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_administrator_signs_an_account_out_pg() {
    if postgres_url().is_some() {
        run_admin_sign_out(Backend::Postgres).await;
    }
}

async fn run_account_changes(backend: Backend) {
    let s = start(backend).await;
    let rp = Rp::start(&[]).await;
    let a = create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let b = create_user(&s, "agent8", "a8@acme.test", "Agent Eight").await;
    let app = web_app(&s, "Desk").await;
    patch_client(&s, &app, json!({"backchannel_logout_uri": rp.uri()})).await;
    let mut n = 0;
    for (id, login, change) in [
        (&a, "agent7", json!({"password": "a-brand-new-password-42"})),
        (&b, "agent8", json!({"enabled": false})),
    ] {
        let browser = Browser::new();
        let t = tokens(&s, &browser, 'U', &app, login).await;
        // A change that ends nothing tells nobody.
        let (st, body) = s
            .admin_json(
                Method::PATCH,
                &format!("/users/{id}"),
                Some(json!({"display_name": "Renamed"})),
            )
            .await;
        assert_eq!(st, 200, "{body}");
        let (st, body) = s
            .admin_json(Method::PATCH, &format!("/users/{id}"), Some(change))
            .await;
        assert_eq!(st, 200, "{body}");
        n += 1;
        let got = rp.wait_for(n).await;
        check_logout_token(
            &s,
            'U',
            &app,
            jsonwebtoken::Algorithm::RS256,
            &got[n - 1].token,
            t["id_token"].as_str().unwrap(),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rp.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_new_password_or_disabling_sends_logout_tokens() {
    run_account_changes(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_new_password_or_disabling_sends_logout_tokens_pg() {
    if postgres_url().is_some() {
        run_account_changes(Backend::Postgres).await;
    }
}

/// A loopback listener that counts the connections it accepts and answers none.
async fn counting_listener() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    (addr, accepted)
}

#[tokio::test]
async fn addresses_that_are_not_allowed_are_refused_before_connecting() {
    // Loopback is refused unless [logout] allow_loopback is set (it is not here).
    let s = TestServer::start().await;
    let (addr, accepted) = counting_listener().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let cases = [
        (format!("http://{addr}/bc"), "loopback"),
        (format!("https://localhost:{}/bc", addr.port()), "loopback"),
        // Private, link-local: refused by address, so nothing off this machine is contacted.
        (
            "https://10.0.0.1/bc".to_owned(),
            "10.0.0.1 is a private address",
        ),
        (
            "https://169.254.169.254/latest/meta-data".to_owned(),
            "link-local",
        ),
    ];
    for (i, (uri, _)) in cases.iter().enumerate() {
        let app = web_app(&s, &format!("App {i}")).await;
        patch_client(&s, &app, json!({"backchannel_logout_uri": uri})).await;
        let browser = Browser::new();
        let id = tokens(&s, &browser, 'U', &app, "agent7").await["id_token"]
            .as_str()
            .unwrap()
            .to_owned();
        browser.get(&logout_url(&s, 'U', &id, None)).await;
    }
    let audited = deliveries(&s, cases.len()).await;
    for e in &audited {
        assert_eq!(e["outcome"], "failure", "{e}");
        let detail = e["detail"].as_str().unwrap();
        assert!(detail.contains("refused before connecting"), "{detail}");
    }
    for (_, why) in &cases {
        assert!(
            audited
                .iter()
                .any(|e| e["detail"].as_str().unwrap().contains(why)),
            "{why}: {audited:?}"
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");

    // With loopback allowed, private addresses are still refused.
    let s = start(Backend::Sqlite).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Private").await;
    patch_client(
        &s,
        &app,
        json!({"backchannel_logout_uri": "https://10.0.0.1/bc"}),
    )
    .await;
    let browser = Browser::new();
    let id = tokens(&s, &browser, 'U', &app, "agent7").await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.get(&logout_url(&s, 'U', &id, None)).await;
    let audited = deliveries(&s, 1).await;
    assert!(
        audited[0]["detail"]
            .as_str()
            .unwrap()
            .contains("refused before connecting: 10.0.0.1 is a private address"),
        "{}",
        audited[0]
    );
}

#[tokio::test]
async fn logout_uris_are_validated() {
    let s = TestServer::start().await;
    let create = |extra: Value| {
        let mut body = json!({"name": format!("App {}", uuid::Uuid::new_v4()), "platform": "web",
            "redirect_urls": ["https://app.example/cb"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for (extra, field) in [
        (
            json!({"backchannel_logout_uri": "http://rp.example/bc"}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_uri": "https://rp.example/bc#x"}),
            "backchannel_logout_uri",
        ),
        (
            json!({"backchannel_logout_uri": "/bc"}),
            "backchannel_logout_uri",
        ),
        (
            json!({"frontchannel_logout_uri": "https://app.example/fc#x"}),
            "frontchannel_logout_uri",
        ),
        // Front-Channel Logout 1.0 §2: the origin of a redirect URL.
        (
            json!({"frontchannel_logout_uri": "https://other.example/fc"}),
            "frontchannel_logout_uri",
        ),
    ] {
        let (st, p) = s
            .admin_json(
                Method::POST,
                "/client-applications",
                Some(create(extra.clone())),
            )
            .await;
        assert_eq!(st, 422, "{extra}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    let (st, c) = s
        .admin_json(
            Method::POST,
            "/client-applications",
            Some(create(
                json!({"backchannel_logout_uri": "https://rp.example/bc",
                "frontchannel_logout_uri": "https://app.example/fc",
                "frontchannel_logout_session_required": false}),
            )),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["frontchannel_logout_session_required"], false);
    let id = c["client_id"].as_str().unwrap();
    let (st, p) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"backchannel_logout_uri": "ftp://rp.example/bc"})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "backchannel_logout_uri");
    // `null` removes a URI; the API shows what is stored.
    let (st, c) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"backchannel_logout_uri": null})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let (_, got) = s
        .admin_json(Method::GET, &format!("/client-applications/{id}"), None)
        .await;
    assert_eq!(got["backchannel_logout_uri"], Value::Null);
    assert_eq!(got["frontchannel_logout_uri"], "https://app.example/fc");
    // A SPA may register both.
    let (st, c) = s
        .admin_json(
            Method::POST,
            "/client-applications",
            Some(json!({"name": "Spa", "platform": "spa", "redirect_urls": ["https://spa.example/cb"],
                "frontchannel_logout_uri": "https://spa.example/logout",
                "backchannel_logout_uri": "https://api.example/bc"})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    // The OpenAPI document names the fields and the sign-out endpoints.
    let doc: Value = s
        .http
        .get(format!("{}/admin/api/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = doc.to_string();
    for name in [
        "backchannel_logout_uri",
        "frontchannel_logout_session_required",
        "/admin/api/v1/partitions/{partition}/users/{user_id}/sessions",
        "/admin/api/v1/partitions/{partition}/customers/{customer_id}/sessions",
    ] {
        assert!(text.contains(name), "{name}");
    }
}

#[tokio::test]
async fn the_signed_out_page_frames_front_channel_uris() {
    let s = start(Backend::Sqlite).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let with_sid = web_app(&s, "Desk").await;
    patch_client(
        &s,
        &with_sid,
        json!({"frontchannel_logout_uri": "http://127.0.0.1:8081/fc?x=1"}),
    )
    .await;
    let other = interactive_client(
        &s,
        "Console",
        "web",
        "http://localhost:8082/cb",
        &[],
        &["knowledge.portalmgr.read"],
    )
    .await;
    let c = patch_client(
        &s,
        &other,
        json!({"frontchannel_logout_uri": "http://localhost:8082/fc",
               "frontchannel_logout_session_required": false}),
    )
    .await;
    assert_eq!(c["frontchannel_logout_session_required"], false);

    let browser = Browser::new();
    let id = tokens(&s, &browser, 'U', &with_sid, "agent7").await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let _ = tokens(&s, &browser, 'U', &other, "agent7").await;
    let sid = jwt_claims(&id)["sid"].as_str().unwrap().to_owned();

    let page = browser
        .get(&logout_url(&s, 'U', &id, Some(WEB_POST_LOGOUT)))
        .await;
    assert_eq!(
        page.status, 200,
        "the page is shown before the redirect: {}",
        page.body
    );
    let srcs: Vec<String> = page
        .body
        .split("<iframe ")
        .skip(1)
        .map(|t| {
            let start = t.find("src=\"").unwrap() + 5;
            let len = t[start..].find('"').unwrap();
            crate::code_flow_support::unescape(&t[start..start + len])
        })
        .collect();
    assert_eq!(srcs.len(), 2, "{}", page.body);
    let first = url::Url::parse(&srcs[0]).unwrap();
    let second = url::Url::parse(&srcs[1]).unwrap();
    let (framed, plain) = if first.port() == Some(8081) {
        (first, second)
    } else {
        (second, first)
    };
    let q: std::collections::HashMap<_, _> = framed.query_pairs().into_owned().collect();
    assert_eq!(q["x"], "1");
    assert_eq!(q["iss"], s.issuer('U'));
    assert_eq!(q["sid"], sid);
    assert_eq!(
        plain.as_str(),
        "http://localhost:8082/fc",
        "no iss/sid when not required"
    );
    let csp = page.header("content-security-policy");
    let frame_src = csp
        .split("; ")
        .find(|d| d.starts_with("frame-src "))
        .unwrap_or_else(|| panic!("{csp}"));
    let mut origins: Vec<&str> = frame_src["frame-src ".len()..].split(' ').collect();
    origins.sort_unstable();
    assert_eq!(origins, ["http://127.0.0.1:8081", "http://localhost:8082"]);
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    // Then on to the application, with state: a refresh and a link (no script).
    let next = format!("{WEB_POST_LOGOUT}?state=st");
    assert!(
        page.body
            .contains(&format!("http-equiv=\"refresh\" content=\"2;url={next}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("id=\"continue\" class=\"button\" href=\"{next}\""))
    );
    assert!(
        browser
            .get(&app_url(&s, 'U', &with_sid, &[]))
            .await
            .try_login_form()
            .is_some()
    );

    // Without a post-logout redirect: the signed-out page, with the frames.
    let browser = Browser::new();
    let id = tokens(&s, &browser, 'U', &with_sid, "agent7").await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = browser.get(&logout_url(&s, 'U', &id, None)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"signed-out\""));
    assert_eq!(
        page.body.matches("<iframe ").count(),
        1,
        "only the client of this session"
    );
    assert!(!page.body.contains("refresh"));
    assert!(
        page.header("content-security-policy")
            .ends_with("frame-src http://127.0.0.1:8081")
    );
}

#[tokio::test]
async fn discovery_announces_both_logout_channels() {
    let s = TestServer::start().await;
    for realm in ['U', 'C'] {
        let md: Value = s
            .http
            .get(format!(
                "{}/.well-known/openid-configuration",
                s.issuer(realm)
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for flag in [
            "backchannel_logout_supported",
            "backchannel_logout_session_supported",
            "frontchannel_logout_supported",
            "frontchannel_logout_session_supported",
        ] {
            assert_eq!(md[flag], true, "{realm} {flag}");
        }
    }
}
