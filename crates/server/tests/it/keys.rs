//! Key rotation never breaks a token that is still valid.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestServer;

#[tokio::test]
async fn rotation_keeps_old_tokens_verifiable_and_signs_with_the_announced_key() {
    let s = TestServer::start().await;
    let before = s.admin_token().await;
    let jwks: Value = s
        .http
        .get(format!("{}/oauth2/keys", s.issuer('U')))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The access-token family (ES256); the RS256 family beside it rotates the same way.
    let kids_before: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["alg"] == "ES256")
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    let old_kid = jsonwebtoken::decode_header(&before).unwrap().kid.unwrap();
    let announced: Vec<&String> = kids_before.iter().filter(|k| **k != old_kid).collect();
    assert_eq!(announced.len(), 1, "one next key is published ahead of use");

    let (st, keys) = s
        .admin_json(
            Method::POST,
            "/signing-keys/rotate",
            Some(json!({"realm": "users"})),
        )
        .await;
    assert_eq!(st, 200, "{keys}");
    let states: Vec<(String, String)> = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["realm"] == "users" && k["alg"] == "ES256")
        .map(|k| {
            (
                k["kid"].as_str().unwrap().to_owned(),
                k["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        states.contains(&(old_kid.clone(), "retired".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&(announced[0].clone(), "active".into())),
        "{states:?}"
    );
    assert_eq!(states.iter().filter(|(_, st)| st == "next").count(), 1);
    assert!(
        !keys.to_string().contains("private"),
        "private keys are never returned"
    );

    // The token signed before rotation still verifies against the published set.
    let claims = s.verify(&before, 'U').await;
    assert_eq!(claims["actor"], "client");
    // New tokens use the key that was announced as next.
    let after = s.admin_token().await;
    assert_eq!(
        jsonwebtoken::decode_header(&after).unwrap().kid.as_ref(),
        Some(announced[0])
    );
    s.verify(&after, 'U').await;
    // The customers realm was not touched.
    let c: Value = s
        .http
        .get(format!("{}/oauth2/keys", s.issuer('C')))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["keys"].as_array().unwrap().len(), 4);
}
