//! Identity providers' JWKS fetches reach public addresses only: registration refuses the
//! others, the fetch refuses them again (for registrations made before, or under the
//! development switch) before any connection is attempted — a host name resolving to loopback
//! included — and a failed fetch answers one fixed text, the detail going to the audit trail.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{Value, json};
use tessera_domain::PartitionId;
use tessera_domain::Realm;
use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::identity_provider::{IdentityProvider, MatchAttribute};
use tessera_server::audit::AuditContext;

use crate::support::{Backend, PARTITION, TestServer};
use crate::token_exchange::{AUD, ISS, claims, exchange, idp, start_allowing_loopback};

const FIXED: &str = "the identity provider's signing keys could not be fetched";

/// A loopback listener that counts the connections it accepts and answers none of them.
async fn counting_listener() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
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

/// Stores a registration directly, as one made before addresses were checked (or while the
/// development switch was on) would be.
async fn stored_provider(s: &TestServer, name: &str, jwks_uri: &str) -> String {
    let now = s.state.clock().now();
    let p = PartitionId::parse(PARTITION).unwrap();
    let idp = IdentityProvider {
        id: s.state.rng().uuid(),
        partition: p.clone(),
        name: name.to_owned(),
        issuer: ISS.to_owned(),
        jwks_uri: Some(jwks_uri.to_owned()),
        jwks: None,
        audiences: vec![AUD.to_owned()],
        realm: Realm::Users,
        match_claim: "email".to_owned(),
        match_attribute: MatchAttribute::Email,
        require_email_verified: true,
        enabled: true,
        created_at: now,
        updated_at: now,
    };
    let event = AuditContext::system(Some(p)).event(
        &s.state,
        Action::IdentityProviderCreate,
        ObjectType::IdentityProvider,
        Some(idp.id.to_string()),
        Outcome::Success,
        None,
    );
    s.state
        .store()
        .create_identity_provider(&idp, 25, &event)
        .await
        .unwrap();
    idp.id.to_string()
}

/// The audit details of failed key fetches, once `n` have been written (the writer batches).
async fn fetch_failures(s: &TestServer, n: usize) -> Vec<Value> {
    for _ in 0..50 {
        let (_, page) = s
            .admin_json(
                Method::GET,
                "/audit-events?action=identity_provider.keys_unavailable&limit=200",
                None,
            )
            .await;
        let items = page["items"].as_array().unwrap().clone();
        if items.len() >= n {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("fewer than {n} key-fetch failures were audited");
}

#[tokio::test]
async fn registration_refuses_addresses_that_are_not_public() {
    let s = TestServer::start().await;
    let (addr, _) = counting_listener().await;
    let port = addr.port();
    for uri in [
        "https://10.0.0.1/jwks".to_owned(),
        "https://169.254.169.254/latest/meta-data/jwks".to_owned(),
        "https://[::1]/jwks".to_owned(),
        format!("http://127.0.0.1:{port}/jwks"),
        format!("https://localhost:{port}/jwks"),
        "https://[::ffff:10.0.0.1]/jwks".to_owned(),
        "https://0.0.0.0/jwks".to_owned(),
        "https://100.64.0.1/jwks".to_owned(),
        "https://[fc00::1]/jwks".to_owned(),
        "https://[fe80::1]/jwks".to_owned(),
        "https://224.0.0.1/jwks".to_owned(),
        "https://255.255.255.255/jwks".to_owned(),
        "https://192.0.2.1/jwks".to_owned(),
        "https://2130706433/jwks".to_owned(),
    ] {
        let (st, p) = s
            .admin_json(
                Method::POST,
                "/identity-providers",
                Some(json!({"name":"Internal","issuer":ISS,"jwks_uri":uri,"audiences":[AUD]})),
            )
            .await;
        assert_eq!(st, 422, "{uri}: {p}");
        let errors = p["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == "jwks_uri"
                    && e["message"].as_str().unwrap().contains("public")),
            "{uri}: {p}"
        );
    }
    let (st, reg) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Public","issuer":ISS,"jwks_uri":"https://idp.example/jwks","audiences":[AUD]})))
        .await;
    assert_eq!(st, 201, "{reg}");
    // A change is held to the same rule.
    let (st, p) = s
        .admin_json(
            Method::PATCH,
            &format!("/identity-providers/{}", reg["id"].as_str().unwrap()),
            Some(json!({"jwks_uri": "https://10.1.2.3/jwks"})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    // The development switch opens loopback, plain http included, and nothing else.
    let dev = start_allowing_loopback(Backend::Sqlite).await;
    for uri in [
        format!("http://127.0.0.1:{port}/jwks"),
        format!("http://localhost:{port}/jwks"),
        format!("http://[::1]:{port}/jwks"),
    ] {
        let (st, p) = dev
            .admin_json(
                Method::POST,
                "/identity-providers",
                Some(json!({"name":uri,"issuer":ISS,"jwks_uri":uri,"audiences":[AUD]})),
            )
            .await;
        assert_eq!(st, 201, "{uri}: {p}");
    }
    let (st, p) = dev
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Private","issuer":ISS,"jwks_uri":"https://10.0.0.1/jwks","audiences":[AUD]})))
        .await;
    assert_eq!(st, 422, "{p}");
}

#[tokio::test]
async fn fetches_never_connect_to_refused_addresses() {
    let s = TestServer::start().await;
    let (addr, accepted) = counting_listener().await;
    let port = addr.port();
    let (id, secret) = s
        .token_exchange_client("SSO bridge", &["knowledge.portalmgr.read"])
        .await;
    let provider = idp().await;
    let token = provider.key.sign(&claims("sso1@acme.test")).unwrap();
    let uris = [
        format!("http://127.0.0.1:{port}/jwks"),
        // Host names go through the resolver, which drops loopback answers.
        format!("https://localhost:{port}/jwks"),
        format!("http://localhost:{port}/jwks"),
        format!("https://[::1]:{port}/jwks"),
        format!("https://[::ffff:127.0.0.1]:{port}/jwks"),
        "https://10.0.0.1/jwks".to_owned(),
        "http://169.254.169.254/latest/meta-data/jwks".to_owned(),
        "https://100.64.0.1/jwks".to_owned(),
        "https://[fd00::1]/jwks".to_owned(),
        "https://0.0.0.0/jwks".to_owned(),
    ];
    for (i, uri) in uris.iter().enumerate() {
        let reg = stored_provider(&s, &format!("Stored {i}"), uri).await;
        let (st, v) = exchange(&s, &s.token_url(), &id, &secret, &token, &reg).await;
        assert_eq!(
            (st, v["error"].as_str(), v["error_description"].as_str()),
            (503, Some("temporarily_unavailable"), Some(FIXED)),
            "{uri}: {v}"
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");
    // The reason is in the audit trail: refused before any connection.
    let failures = fetch_failures(&s, uris.len()).await;
    for f in &failures {
        assert_eq!(f["outcome"], "failure");
        let detail = f["detail"].as_str().unwrap();
        assert!(detail.contains("refused before connecting"), "{detail}");
    }
    assert!(
        failures.iter().any(|f| f["detail"]
            .as_str()
            .unwrap()
            .contains("localhost resolves to no allowed address")),
        "{failures:?}"
    );
}

#[tokio::test]
async fn a_failed_fetch_tells_the_caller_nothing_about_the_endpoint() {
    let s = start_allowing_loopback(Backend::Sqlite).await;
    let (id, secret) = s
        .token_exchange_client("SSO bridge", &["knowledge.portalmgr.read"])
        .await;
    // An endpoint answering an error page with internal content, and a closed port.
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(|| async {
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "db password hunter2 at 10.9.8.7",
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let talking = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let provider = idp().await;
    let token = provider.key.sign(&claims("sso1@acme.test")).unwrap();
    for (n, (uri, in_detail)) in [
        (format!("http://{talking}/jwks"), "HTTP 500"),
        (format!("http://{closed}/jwks"), "error sending request"),
    ]
    .into_iter()
    .enumerate()
    {
        let (st, reg) = s
            .admin_json(
                Method::POST,
                "/identity-providers",
                Some(json!({"name":uri,"issuer":ISS,"jwks_uri":uri,"audiences":[AUD]})),
            )
            .await;
        assert_eq!(st, 201, "{reg}");
        let (st, v) = exchange(
            &s,
            &s.token_url(),
            &id,
            &secret,
            &token,
            reg["id"].as_str().unwrap(),
        )
        .await;
        assert_eq!(
            (st, v["error_description"].as_str()),
            (503, Some(FIXED)),
            "{uri}: {v}"
        );
        let failures = fetch_failures(&s, n + 1).await;
        assert!(
            failures.iter().any(|f| f["object_id"] == reg["id"]
                && f["detail"].as_str().unwrap().contains(in_detail)),
            "{in_detail}: {failures:?}"
        );
    }
}
