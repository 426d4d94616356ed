//! The client credentials grant through the `oauth2` crate, and its refusals.

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, RequestTokenError, Scope, TokenResponse as _, TokenUrl,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestServer, postgres_url};

/// The application permission most tests request.
const SCOPE: &str = "app.core.usermgr.read";

async fn run_grant(s: &TestServer, auth: AuthType) {
    let (id, secret) = s
        .web_client(
            &format!("Reporting job {auth:?}"),
            &[
                "app.core.usermgr.read",
                "app.knowledge.portalmgr.read",
                "knowledge.portalmgr.read",
            ],
        )
        .await;
    let client = BasicClient::new(ClientId::new(id.clone()))
        .set_client_secret(ClientSecret::new(secret))
        .set_auth_type(auth)
        .set_token_uri(TokenUrl::new(s.token_url()).unwrap());
    let http = s.http.clone();
    // Short form and full form may be mixed; the token carries the short form.
    let prefix = format!("{}/auth/", s.base);
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("app.core.usermgr.read".into()))
        .add_scope(Scope::new(format!("{prefix}app.knowledge.portalmgr.read")))
        .request_async(&http)
        .await
        .expect("token");
    assert_eq!(
        token
            .scopes()
            .unwrap()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        ["app.core.usermgr.read", "app.knowledge.portalmgr.read"]
    );
    assert_eq!(token.expires_in().unwrap().as_secs(), 3600);
    let claims = s.verify(token.access_token().secret(), 'U').await;
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["client_id"], id.as_str());
    assert_eq!(claims["actor"], "client");
    assert_eq!(claims["tenant"], "acme");
    assert_eq!(
        claims["scope"],
        "app.core.usermgr.read app.knowledge.portalmgr.read"
    );
    let aud: Vec<&str> = claims["aud"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        aud.iter().any(|a| a.ends_with("/knowledge/portalmgr/v4")),
        "{aud:?}"
    );
    assert!(aud.iter().any(|a| a.contains("/core/usermgr")), "{aud:?}");
    assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() == 3600);
    assert!(claims["jti"].as_str().unwrap().len() >= 32);

    // `.default` grants every assigned application permission and nothing else.
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new(".default".into()))
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(token.scopes().unwrap().len(), 2);
}

#[tokio::test]
async fn client_secret_basic_and_post_issue_verifiable_tokens() {
    let s = TestServer::start().await;
    run_grant(&s, AuthType::BasicAuth).await;
    run_grant(&s, AuthType::RequestBody).await;
}

#[tokio::test]
async fn client_credentials_on_postgres() {
    if postgres_url().is_none() {
        return;
    }
    let s = TestServer::start_on(Backend::Postgres).await;
    run_grant(&s, AuthType::BasicAuth).await;
}

type TokenClient = BasicClient<
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

async fn refusal(
    client: &TokenClient,
    http: &reqwest::Client,
    scopes: &[&str],
) -> (BasicErrorResponseType, String) {
    let mut req = client.exchange_client_credentials();
    for s in scopes {
        req = req.add_scope(Scope::new((*s).to_owned()));
    }
    match req.request_async(http).await {
        Err(RequestTokenError::ServerResponse(e)) => (
            e.error().clone(),
            e.error_description().cloned().unwrap_or_default(),
        ),
        other => panic!("expected an error response, got {other:?}"),
    }
}

#[tokio::test]
async fn scope_refusals_name_each_scope_and_reason() {
    let s = TestServer::start().await;
    let (id, secret) = s
        .web_client(
            "Scoped",
            &["app.core.usermgr.read", "knowledge.portalmgr.read"],
        )
        .await;
    let client = BasicClient::new(ClientId::new(id))
        .set_client_secret(ClientSecret::new(secret))
        .set_token_uri(TokenUrl::new(s.token_url()).unwrap());
    let (err, desc) = refusal(
        &client,
        &s.http,
        &[
            "knowledge.portalmgr.read",
            "app.core.casemgr.read",
            "no.such.scope",
        ],
    )
    .await;
    assert_eq!(err, BasicErrorResponseType::InvalidScope);
    assert!(desc.contains("'knowledge.portalmgr.read': a delegated permission cannot be granted by the client credentials flow"), "{desc}");
    assert!(
        desc.contains("'app.core.casemgr.read': not assigned"),
        "{desc}"
    );
    assert!(
        desc.contains("'no.such.scope': unknown permission"),
        "{desc}"
    );
    let (err, desc) = refusal(&client, &s.http, &[]).await;
    assert_eq!(err, BasicErrorResponseType::InvalidScope);
    assert!(desc.contains("scope parameter is required"), "{desc}");
}

#[tokio::test]
async fn wrong_secret_unknown_client_and_disabled_client_are_401() {
    let s = TestServer::start().await;
    let (id, secret) = s.web_client("Guarded", &["app.core.usermgr.read"]).await;
    let resp = s.client_credentials(&id, "wrong", SCOPE).await;
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    // client_secret_post failure: 401 without a Basic challenge.
    let resp = s
        .http
        .post(s.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
            ("client_id", id.as_str()),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("www-authenticate").is_none());
    for unknown in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"] {
        let resp = s.client_credentials(unknown, &secret, SCOPE).await;
        assert_eq!(resp.status(), 401);
    }
    // Disabling takes effect at once.
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(st, 200);
    let resp = s.client_credentials(&id, &secret, SCOPE).await;
    assert_eq!(resp.status(), 401);
    assert!(
        resp.json::<Value>().await.unwrap()["error_description"]
            .as_str()
            .unwrap()
            .contains("disabled")
    );
}

#[tokio::test]
async fn deleted_secret_and_deleted_client_stop_working_at_once() {
    let s = TestServer::start().await;
    let (id, secret) = s.web_client("Temp", &["app.core.usermgr.read"]).await;
    let ok = s.client_credentials(&id, &secret, SCOPE).await;
    assert_eq!(ok.status(), 200);
    let (_, list) = s
        .admin_json(
            Method::GET,
            &format!("/client-applications/{id}/secrets"),
            None,
        )
        .await;
    let sid = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (st, _) = s
        .admin_json(
            Method::DELETE,
            &format!("/client-applications/{id}/secrets/{sid}"),
            None,
        )
        .await;
    assert_eq!(st, 204);
    let resp = s.client_credentials(&id, &secret, SCOPE).await;
    assert_eq!(resp.status(), 401);
    let (st, _) = s
        .admin_json(Method::DELETE, &format!("/client-applications/{id}"), None)
        .await;
    assert_eq!(st, 204);
    let resp = s.client_credentials(&id, &secret, SCOPE).await;
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn malformed_requests_get_precise_400s() {
    let s = TestServer::start().await;
    let (id, secret) = s.web_client("Malformed", &["app.core.usermgr.read"]).await;
    let send = |body: Vec<u8>, ct: &'static str| {
        s.http
            .post(s.token_url())
            .basic_auth(&id, Some(&secret))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let cases: Vec<(Vec<u8>, &str, u16, &str, &str)> = vec![
        (
            b"grant_type=client_credentials&grant_type=client_credentials".to_vec(),
            "application/x-www-form-urlencoded",
            400,
            "invalid_request",
            "repeated",
        ),
        (
            b"grant_type=client_credentials&scope=%FF".to_vec(),
            "application/x-www-form-urlencoded",
            400,
            "invalid_request",
            "UTF-8",
        ),
        (
            b"{\"grant_type\":\"client_credentials\"}".to_vec(),
            "application/json",
            400,
            "invalid_request",
            "x-www-form-urlencoded",
        ),
        (
            b"scope=x".to_vec(),
            "application/x-www-form-urlencoded",
            400,
            "invalid_request",
            "grant_type parameter is required",
        ),
        (
            b"grant_type=magic".to_vec(),
            "application/x-www-form-urlencoded",
            400,
            "unsupported_grant_type",
            "unknown grant_type",
        ),
        (
            b"grant_type=client_credentials&scope=a%ZZ".to_vec(),
            "application/x-www-form-urlencoded",
            400,
            "invalid_request",
            "percent",
        ),
    ];
    for (body, ct, status, error, text) in cases {
        let resp = send(body.clone(), ct).await.unwrap();
        assert_eq!(
            resp.status().as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&body)
        );
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"], error, "{v}");
        assert!(
            v["error_description"].as_str().unwrap().contains(text),
            "{v}"
        );
    }
    // Oversized body.
    let resp = send(vec![b'a'; 200_000], "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn customer_realm_and_unknown_issuers_refuse() {
    let s = TestServer::start().await;
    let (id, secret) = s.web_client("Realms", &["app.core.usermgr.read"]).await;
    let resp = s
        .client_credentials_at(
            &format!("{}/oauth2/token", s.issuer('C')),
            &id,
            &secret,
            SCOPE,
        )
        .await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "unauthorized_client");
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("-U/oauth2/token")
    );
    for path in [
        "/system/auth/nobody-U/oauth2/token",
        "/system/auth/acme-X/oauth2/token",
        "/system/auth/acme/oauth2/token",
    ] {
        let resp = s
            .client_credentials_at(&format!("{}{path}", s.base), &id, &secret, SCOPE)
            .await;
        assert_eq!(resp.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn token_issuance_and_refusals_are_audited_without_secrets() {
    let s = TestServer::start().await;
    let (id, secret) = s.web_client("Audited", &["app.core.usermgr.read"]).await;
    let _ = s.client_credentials(&id, &secret, SCOPE).await;
    let _ = s.client_credentials(&id, "wrong-secret-value", SCOPE).await;
    // Audit events are written in batches off the request path.
    let mut found = (false, false);
    for _ in 0..50 {
        let (_, page) = s
            .admin_json(
                Method::GET,
                &format!("/audit-events?actor_id={id}&limit=200"),
                None,
            )
            .await;
        let items = page["items"].as_array().unwrap();
        found = (
            items
                .iter()
                .any(|e| e["action"] == "token.issue" && e["outcome"] == "success"),
            items
                .iter()
                .any(|e| e["action"] == "token.refuse" && e["outcome"] == "failure"),
        );
        let text = page.to_string();
        assert!(
            !text.contains(&secret) && !text.contains("wrong-secret-value"),
            "secrets must never reach the audit log"
        );
        if found == (true, true) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found, (true, true));
}

#[tokio::test]
async fn discovery_lists_what_is_implemented() {
    let s = TestServer::start().await;
    for url in [
        format!("{}/.well-known/openid-configuration", s.issuer('U')),
        format!(
            "{}/.well-known/oauth-authorization-server/system/auth/acme-U",
            s.base
        ),
    ] {
        let resp = s.http.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
        let d: Value = resp.json().await.unwrap();
        assert_eq!(d["issuer"], s.issuer('U'));
        assert_eq!(d["token_endpoint"], s.token_url());
        assert_eq!(
            d["grant_types_supported"],
            json!([
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ])
        );
        assert_eq!(
            d["token_endpoint_auth_methods_supported"],
            json!(["client_secret_basic", "client_secret_post", "none"])
        );
        assert!(
            d["scopes_supported"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == "app.core.admin.manage")
        );
    }
    let jwks: Value = s
        .http
        .get(format!("{}/oauth2/keys", s.issuer('C')))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    // The active and next key of each family: the default ES256 one and the RS256 one that ID
    // tokens use by default (docs/flows/authorization-code.md).
    assert_eq!(keys.len(), 4, "active and next keys are published");
    assert!(keys.iter().all(|k| k.get("d").is_none()));
    assert_eq!(
        keys.iter()
            .filter(|k| k["kty"] == "EC" && k["alg"] == "ES256")
            .count(),
        2
    );
    assert_eq!(
        keys.iter()
            .filter(|k| k["kty"] == "RSA" && k["alg"] == "RS256")
            .count(),
        2
    );
}

#[tokio::test]
async fn rs256_and_eddsa_keys_are_selectable() {
    for alg in [
        tessera_domain::signing_key::SigningAlg::RS256,
        tessera_domain::signing_key::SigningAlg::EdDSA,
    ] {
        let s = TestServer::start_with(Backend::Sqlite, |c| c.signing.algorithm = alg).await;
        let token = s.admin_token().await;
        assert_eq!(
            format!("{:?}", jsonwebtoken::decode_header(&token).unwrap().alg),
            alg.as_str()
        );
        let claims = s.verify(&token, 'U').await;
        assert_eq!(claims["scope"], "app.core.admin.manage");
    }
}
