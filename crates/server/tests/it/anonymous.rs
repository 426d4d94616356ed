//! Anonymous-customer tokens at the compatibility address: dummy credentials ignored, only
//! anonymous delegated permissions, customers realm issuer, fresh subject, rate limit.

use serde_json::Value;

use crate::support::{Backend, TestServer, postgres_url};

fn url(s: &TestServer, query: &str) -> String {
    format!(
        "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?{query}",
        s.base
    )
}

async fn anon(s: &TestServer, query: &str, scope: &str) -> (u16, Value) {
    let resp = s
        .http
        .post(url(s, query))
        .header("accept", "application/json")
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            ("client_id", "DUMMY_VALUE_NEEDED"),
            ("client_secret", "clientSecret"),
        ])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn anonymous_customer_tokens() {
    run_anonymous(Backend::Sqlite).await;
}

#[tokio::test]
async fn anonymous_customer_on_postgres() {
    if postgres_url().is_some() {
        run_anonymous(Backend::Postgres).await;
    }
}

async fn run_anonymous(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let q = "user_type=customer&domain_hint=acme";
    let full = format!("{}/auth/knowledge.portalmgr.read", s.base);
    let (st, t) = anon(&s, q, &full).await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["scope"], "knowledge.portalmgr.read");
    let claims = s.verify(t["access_token"].as_str().unwrap(), 'C').await;
    assert_eq!(claims["actor"], "anonymous_customer");
    assert_eq!(claims["client_id"], "anonymous");
    assert!(uuid::Uuid::parse_str(claims["sub"].as_str().unwrap()).is_ok());
    let (_, t2) = anon(&s, q, "knowledge.portalmgr.read").await;
    let sub2 = s.verify(t2["access_token"].as_str().unwrap(), 'C').await["sub"].clone();
    assert_ne!(
        claims["sub"], sub2,
        "each anonymous token has a fresh subject"
    );
    // `.default` grants every anonymous permission and nothing else.
    let (st, t) = anon(&s, q, ".default").await;
    assert_eq!(st, 200);
    assert!(
        t["scope"]
            .as_str()
            .unwrap()
            .split(' ')
            .all(|p| !p.starts_with("app.") && !p.contains(".onbehalfof.")),
        "{t}"
    );

    // Refusals.
    let (st, v) = anon(&s, q, "knowledge.contentmgr.manage").await;
    assert_eq!((st, v["error"].as_str()), (400, Some("invalid_scope")));
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("not available to anonymous customers"),
        "{v}"
    );
    let (st, v) = anon(&s, q, "app.knowledge.portalmgr.read").await;
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("invalid_scope")),
        "{v}"
    );
    for (query, status) in [
        ("user_type=user&domain_hint=acme", 400),
        ("domain_hint=acme", 400),
        ("user_type=customer", 400),
        ("user_type=customer&domain_hint=nobody", 404),
    ] {
        let (st, v) = anon(&s, query, "knowledge.portalmgr.read").await;
        assert_eq!(st, status, "{query}: {v}");
    }
    let resp = s
        .http
        .post(url(&s, q))
        .form(&[
            ("grant_type", "password"),
            ("scope", "knowledge.portalmgr.read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn anonymous_endpoint_is_rate_limited_per_address() {
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.anonymous.requests_per_minute = 6;
        c.anonymous.burst = 3;
    })
    .await;
    let q = "user_type=customer&domain_hint=acme";
    for _ in 0..3 {
        assert_eq!(anon(&s, q, "knowledge.portalmgr.read").await.0, 200);
    }
    let resp = s
        .http
        .post(url(&s, q))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "knowledge.portalmgr.read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert!(
        resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "temporarily_unavailable"
    );
}
