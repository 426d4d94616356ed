//! The sample Knowledge API, protected by the guard crate, fetching the real server's JWKS over
//! HTTP and checking tokens the real server issued.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestServer;

async fn start_api(s: &TestServer) -> String {
    let config = knowledge_api::Config::new(&s.base, "acme");
    let guard = config.guard().unwrap();
    let app = knowledge_api::app(&guard);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/knowledge/portalmgr/v4")
}

async fn token(s: &TestServer, id: &str, secret: &str, scope: &str) -> String {
    let v: Value = s
        .client_credentials(id, secret, scope)
        .await
        .json()
        .await
        .unwrap();
    v["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_owned()
}

#[tokio::test]
async fn guarded_api_accepts_right_tokens_and_refuses_the_rest() {
    let s = TestServer::start().await;
    let api = start_api(&s).await;
    let (id, secret) = s
        .web_client("Knowledge sync", &["app.knowledge.portalmgr.read"])
        .await;
    let t = token(&s, &id, &secret, ".default").await;

    // Client-only operation: oAuthClient with `.default`.
    let resp = s
        .http
        .get(format!("{api}/articles/PROD-2001/editions"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    // A client token on a user/customer operation: actor not allowed.
    let resp = s
        .http
        .get(format!("{api}/portals"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["code"], "403-112");

    // No token, a malformed header, a tampered token, a token for another audience.
    let resp = s.http.get(format!("{api}/portals")).send().await.unwrap();
    assert_eq!(
        (
            resp.status().as_u16(),
            resp.json::<Value>().await.unwrap()["code"].clone()
        ),
        (401, json!("401-104"))
    );
    let resp = s
        .http
        .get(format!("{api}/portals"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let mut tampered: Vec<String> = t.split('.').map(str::to_owned).collect();
    tampered[2] = tampered[2].chars().rev().collect();
    let resp = s
        .http
        .get(format!("{api}/articles/PROD-2001/editions"))
        .bearer_auth(tampered.join("."))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    let admin = s.admin_token().await;
    let resp = s
        .http
        .get(format!("{api}/articles/PROD-2001/editions"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        401,
        "a token for the admin API is not for this API"
    );

    // Rotation: the old token keeps working, and tokens from the new key are accepted.
    let (st, _) = s
        .admin_json(Method::POST, "/signing-keys/rotate", Some(json!({})))
        .await;
    assert_eq!(st, 200);
    let resp = s
        .http
        .get(format!("{api}/articles/PROD-2001/editions"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let t2 = token(&s, &id, &secret, ".default").await;
    assert_ne!(
        jsonwebtoken::decode_header(&t).unwrap().kid,
        jsonwebtoken::decode_header(&t2).unwrap().kid
    );
    let resp = s
        .http
        .get(format!("{api}/articles/PROD-2001/editions"))
        .bearer_auth(&t2)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
