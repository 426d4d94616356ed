//! Withdrawing a retired signing key (a leaked one): it leaves the JWKS, and tokens it signed are
//! refused by introspection, userinfo, the admin API and the guard crate — with a fresh key
//! cache and with one that held the key before. The active and next keys are refused.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use reqwest::Method;
use serde_json::Value;
use tessera_guard::{Guard, SecurityRequirement, SecurityScheme};

use crate::code_flow_refusals::{VERIFIER, code_for, redeem_raw, setup};
use crate::code_flow_support::{Browser, introspect_raw, userinfo_raw};
use crate::support::TestServer;

fn guard(s: &TestServer) -> Guard {
    Guard::builder()
        .issuer(s.issuer('U'))
        .audience(format!("{}/admin/api", s.base))
        .min_refresh_interval(Duration::from_millis(50))
        .max_key_age(Duration::from_millis(300))
        .build()
        .unwrap()
}

async fn guard_accepts(g: &Guard, token: &str) -> bool {
    let mut h = HeaderMap::new();
    h.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let need = SecurityRequirement::new(SecurityScheme::OAuthClient, ["app.core.admin.manage"]);
    g.authorize(&h, &[need]).await.is_ok()
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn published(s: &TestServer) -> Vec<String> {
    let jwks: Value = s
        .http
        .get(format!("{}/oauth2/keys", s.issuer('U')))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_withdrawn_key_stops_verifying_everywhere() {
    let (s, _, app) = setup().await;
    // Tokens signed by the key about to be retired: a user's and the admin client's.
    let code = code_for(&s, &Browser::new(), 'U', &app, "agent7", &[]).await;
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    let user_token = tokens["access_token"].as_str().unwrap().to_owned();
    let admin_token = s.admin_token().await;
    let leaked = kid(&admin_token);
    assert_eq!(kid(&user_token), leaked);
    // A guard that has cached the key.
    let warm = guard(&s);
    assert!(guard_accepts(&warm, &admin_token).await);

    // The active key is refused (rotate first), the next one too, an unknown one is 404.
    let (st, keys) = s.admin_json(Method::GET, "/signing-keys", None).await;
    assert_eq!(st, 200);
    let next = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["realm"] == "users" && k["state"] == "next")
        .unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    for (kid, status) in [
        (leaked.as_str(), 409),
        (next.as_str(), 409),
        ("no-such-kid", 404),
    ] {
        let (st, body) = s
            .admin_json(Method::POST, &format!("/signing-keys/{kid}/revoke"), None)
            .await;
        assert_eq!(st, status, "{kid}: {body}");
        assert!(body["detail"].is_string(), "problem JSON: {body}");
    }
    let (_, body) = s
        .admin_json(
            Method::POST,
            &format!("/signing-keys/{leaked}/revoke"),
            None,
        )
        .await;
    assert!(
        body["detail"].as_str().unwrap().contains("rotate first"),
        "{body}"
    );
    assert!(published(&s).await.contains(&leaked));

    // Rotate, then withdraw the now retired key.
    let (st, body) = s
        .admin_json(
            Method::POST,
            "/signing-keys/rotate",
            Some(serde_json::json!({"realm": "users"})),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        introspect_raw(&s, 'U', &app, &user_token).await["active"],
        true
    );
    let (st, keys) = s
        .admin_json(
            Method::POST,
            &format!("/signing-keys/{leaked}/revoke"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{keys}");
    assert!(
        keys["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["kid"] != leaked.as_str()),
        "{keys}"
    );

    // At once on this instance: JWKS, introspection, userinfo.
    assert!(!published(&s).await.contains(&leaked));
    assert_eq!(
        introspect_raw(&s, 'U', &app, &user_token).await["active"],
        false
    );
    assert_eq!(userinfo_raw(&s, 'U', &user_token).await.0, 401);
    // A guard with a fresh cache never learns the key.
    assert!(!guard_accepts(&guard(&s), &admin_token).await);
    // One whose cache held it drops it once its keys are older than max_key_age.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!guard_accepts(&warm, &admin_token).await);
    // The admin API (guarded the same way, keys read from storage) refuses it within seconds.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let resp = s
        .http
        .get(s.admin("/signing-keys"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // The withdrawal is in the audit log.
    let (st, events) = s
        .admin_json(Method::GET, "/audit-events?object_type=signing_key", None)
        .await;
    assert_eq!(st, 200, "{events}");
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "signing_key.revoke" && e["object_id"] == leaked.as_str()),
        "{events}"
    );
}
