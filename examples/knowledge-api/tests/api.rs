//! The sample API in-process: every operation with each kind of token the catalog admits, and
//! the refusals of those it does not.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a failed setup step should panic with its error"
)]

use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use knowledge_api::{BASE_PATH, Config, OBO_READ, READ};
use serde_json::{Value, json};
use tessera_guard::{Guard, JwkSet, StaticKeySource};
use tessera_oauth_types::Jwk;
use tower::ServiceExt as _;

struct Issuer {
    pkcs8: Vec<u8>,
    jwk: Jwk,
    config: Config,
}

impl Issuer {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = Jwk {
            kty: "EC".into(),
            kid: "k1".into(),
            use_: Some("sig".into()),
            alg: Some("ES256".into()),
            crv: Some("P-256".into()),
            x: Some(URL_SAFE_NO_PAD.encode(&point[1..33])),
            y: Some(URL_SAFE_NO_PAD.encode(&point[33..65])),
            n: None,
            e: None,
        };
        Self {
            pkcs8: pkcs8.as_ref().to_vec(),
            jwk,
            config: Config::new("http://127.0.0.1:8080", "demo"),
        }
    }

    fn app(&self) -> Router {
        let [users, customers] = self.config.issuers();
        let keys = StaticKeySource::shared(JwkSet {
            keys: vec![self.jwk.clone()],
        });
        let guard = Guard::builder()
            .issuer_with_key_source(users, keys.clone())
            .issuer_with_key_source(customers, keys)
            .audience(&self.config.audience)
            .tenant(&self.config.partition)
            .leeway(Duration::from_secs(30))
            .build()
            .unwrap();
        knowledge_api::app(&guard)
    }

    /// A token for `actor` with `scope`; `obo` adds `act`.
    fn token(&self, actor: &str, scope: &str, obo: bool) -> String {
        let [users, customers] = self.config.issuers();
        let iss = if actor.contains("customer") {
            customers
        } else {
            users
        };
        let now = jsonwebtoken::get_current_timestamp();
        let mut claims = json!({
            "iss": iss, "sub": "5d7c1a0e-1111-4222-8333-944455556666",
            "aud": [self.config.audience], "exp": now + 300, "iat": now, "nbf": now,
            "jti": "j", "client_id": "c0ffee00-0000-4000-8000-000000000000",
            "scope": scope, "tenant": "demo", "actor": actor,
        });
        if obo {
            claims["act"] = json!({"sub": "c0ffee00-0000-4000-8000-000000000000"});
        }
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some("k1".into());
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&self.pkcs8)).unwrap()
    }
}

async fn get(app: &Router, path: &str, token: &str) -> (StatusCode, Value) {
    let request = Request::get(format!("{BASE_PATH}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn ids(body: &Value) -> Vec<&str> {
    body["portal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect()
}

#[test]
fn defaults_match_tessera_serve_dev() {
    let c = Config::new("http://127.0.0.1:8080/", "demo");
    assert_eq!(c.audience, "http://127.0.0.1:8080/knowledge/portalmgr/v4");
    assert_eq!(
        c.issuers(),
        [
            "http://127.0.0.1:8080/system/auth/demo-U",
            "http://127.0.0.1:8080/system/auth/demo-C"
        ]
    );
    assert!(c.guard().is_ok());
}

#[tokio::test]
async fn portals_follow_the_catalog_alternatives() {
    let issuer = Issuer::new();
    let app = issuer.app();

    let (status, body) = get(&app, "/portals", &issuer.token("user", READ, false)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), ["PZ-1001", "PZ-1002", "PZ-1003"]);

    let (status, body) = get(&app, "/portals", &issuer.token("customer", READ, false)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), ["PZ-1002", "PZ-1003"]);

    let anonymous = issuer.token("anonymous_customer", READ, false);
    let (status, body) = get(&app, "/portals", &anonymous).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), ["PZ-1002"]);

    for actor in ["user", "customer"] {
        let (status, _) = get(&app, "/portals", &issuer.token(actor, OBO_READ, true)).await;
        assert_eq!(status, StatusCode::OK, "OBO {actor}");
    }

    // Application permissions do not open delegated operations.
    let client = issuer.token("client", "app.knowledge.portalmgr.read", false);
    let (status, body) = get(&app, "/portals", &client).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "403-112");

    // An OBO token carrying only the delegated scope lacks the OBO one.
    let (status, body) = get(&app, "/portals", &issuer.token("user", READ, true)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "403-197");
    assert!(
        body["developerMessage"]
            .as_str()
            .unwrap()
            .contains(OBO_READ)
    );
}

#[tokio::test]
async fn articles_are_visible_only_through_browsable_portals() {
    let issuer = Issuer::new();
    let app = issuer.app();
    let anonymous = issuer.token("anonymous_customer", READ, false);
    let (status, body) = get(&app, "/portals/PZ-1002/articles/PROD-2001", &anonymous).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "Resetting your password");

    let (status, body) = get(&app, "/portals/PZ-1001/articles/PROD-2002", &anonymous).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "404-101");
    let user = issuer.token("user", READ, false);
    let (status, _) = get(&app, "/portals/PZ-1001/articles/PROD-2002", &user).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(&app, "/portals/PZ-1001/articles/PROD-9999", &user).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn user_details_are_for_agents_only() {
    let issuer = Issuer::new();
    let app = issuer.app();
    let (status, body) = get(&app, "/users/me", &issuer.token("user", READ, false)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tenant"], "demo");
    assert_eq!(body["onBehalfOf"], Value::Null);

    let (status, body) = get(&app, "/users/me", &issuer.token("user", OBO_READ, true)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["onBehalfOf"], "c0ffee00-0000-4000-8000-000000000000");

    let (status, body) = get(&app, "/users/me", &issuer.token("customer", READ, false)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "403-112");
    assert!(
        body["developerMessage"]
            .as_str()
            .unwrap()
            .starts_with("Unauthorized URL access: customers are not allowed")
    );
}

#[tokio::test]
async fn editions_are_for_client_applications() {
    let issuer = Issuer::new();
    let app = issuer.app();
    let client = issuer.token("client", "app.knowledge.portalmgr.read", false);
    let (status, body) = get(&app, "/articles/PROD-2001/editions", &client).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["edition"].as_array().unwrap().len(), 2);

    let (status, body) = get(
        &app,
        "/articles/PROD-2001/editions",
        &issuer.token("user", READ, false),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "403-112");
}

#[tokio::test]
async fn tokens_for_another_api_and_missing_tokens_are_refused() {
    let issuer = Issuer::new();
    let app = issuer.app();
    let mut other = Issuer::new();
    other.config.audience = "http://127.0.0.1:8080/core/usermgr/v4".into();
    other.pkcs8.clone_from(&issuer.pkcs8);
    let (status, body) = get(&app, "/portals", &other.token("user", READ, false)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "401-101");

    let response = app
        .clone()
        .oneshot(
            Request::get(format!("{BASE_PATH}/portals"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}
