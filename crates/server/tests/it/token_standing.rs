//! Every consumer of Tessera's own access tokens honours what happened since the token was
//! signed: the admin API refuses a token that was revoked (RFC 7009), whose client was disabled,
//! deleted or lost the admin permission, whose sign-in was revoked by refresh-token reuse, or
//! whose user was disabled or is no longer a Partition Administrator — on SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{Value, json};

use crate::code_flow_support::{App, Browser, interactive_client, token_request};
use crate::support::{ADMIN_PASSWORD, Backend, TestServer, postgres_url};

/// The admin API's answer to a harmless read with `token`.
async fn admin_status(s: &TestServer, token: &str) -> u16 {
    s.http
        .get(s.admin("/client-applications"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A Web client with the admin application permission, its secret and a fresh token.
async fn automation(s: &TestServer, name: &str) -> (String, String, String) {
    let (id, secret) = s.web_client(name, &["app.core.admin.manage"]).await;
    let resp = s
        .client_credentials(&id, &secret, "app.core.admin.manage")
        .await;
    assert_eq!(resp.status(), 200);
    let token = resp.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(admin_status(s, &token).await, 200, "a fresh token works");
    (id, secret, token)
}

async fn revoked_disabled_deleted_and_withdrawn_clients(backend: Backend) {
    let s = TestServer::start_on(backend).await;

    // Revoked (RFC 7009) by its own client.
    let (id, secret, token) = automation(&s, "revoked").await;
    let resp = s
        .http
        .post(format!("{}/oauth2/revoke", s.issuer('U')))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = s
        .http
        .get(s.admin("/client-applications"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );

    // Disabled.
    let (id, _, token) = automation(&s, "disabled").await;
    let (st, b) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(admin_status(&s, &token).await, 401);

    // Deleted: its token must not create a Partition Administrator.
    let (id, _, token) = automation(&s, "deleted").await;
    let (st, _) = s
        .admin_json(Method::DELETE, &format!("/client-applications/{id}"), None)
        .await;
    assert_eq!(st, 204);
    let resp = s
        .http
        .post(s.admin("/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "intruder", "email": "i@acme.test",
            "display_name": "Intruder", "password": "a-long-password",
            "department": "Service", "partition_admin": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let (_, users) = s.admin_json(Method::GET, "/users", None).await;
    assert!(
        !users["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "intruder"),
        "{users}"
    );

    // The admin permission withdrawn.
    let (id, secret, token) = automation(&s, "withdrawn").await;
    let (st, b) = s
        .admin_json(
            Method::PUT,
            &format!("/client-applications/{id}/permissions"),
            Some(json!({"permissions": []})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(admin_status(&s, &token).await, 403);
    // Introspection agrees: a token is not active for a permission its client no longer has.
    let app = App {
        id,
        secret: Some(secret),
        redirect: String::new(),
    };
    assert_eq!(
        crate::code_flow_support::introspect_raw(&s, 'U', &app, &token).await["active"],
        false
    );
}

const ADMIN_REDIRECT: &str = "http://127.0.0.1:8082/callback";

/// The Partition Administrator `pa` signs in to `app` with `core.admin.manage` and
/// `offline_access`; returns the token response.
async fn admin_sign_in(s: &TestServer, app: &App) -> Value {
    let browser = Browser::new();
    let url = format!(
        "{}/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}\
         &scope=openid%20offline_access%20core.admin.manage&state=s",
        s.issuer('U'),
        app.id,
        urlencoding(ADMIN_REDIRECT),
    );
    let callback = browser.sign_in(&url, "pa", ADMIN_PASSWORD).await;
    let (st, tokens) = token_request(
        s,
        'U',
        app,
        &[
            ("grant_type", "authorization_code"),
            ("code", callback.get("code")),
            ("redirect_uri", ADMIN_REDIRECT),
        ],
    )
    .await;
    assert_eq!(st, 200, "{tokens}");
    tokens
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap()
}

async fn revoked_sign_ins_and_demoted_administrators(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let app = interactive_client(
        &s,
        "Admin tool",
        "web",
        ADMIN_REDIRECT,
        &[],
        &["core.admin.manage"],
    )
    .await;

    // Refresh-token reuse revokes the sign-in, and with it every access token it produced.
    let first = admin_sign_in(&s, &app).await;
    let access1 = field(&first, "access_token");
    assert_eq!(admin_status(&s, access1).await, 200);
    let refresh1 = field(&first, "refresh_token");
    let (st, second) = token_request(
        &s,
        'U',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh1)],
    )
    .await;
    assert_eq!(st, 200, "{second}");
    let access2 = field(&second, "access_token");
    assert_eq!(admin_status(&s, access2).await, 200);
    let (st, reuse) = token_request(
        &s,
        'U',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh1)],
    )
    .await;
    assert_eq!(st, 400, "{reuse}");
    assert_eq!(admin_status(&s, access1).await, 401);
    assert_eq!(admin_status(&s, access2).await, 401);

    // No longer a Partition Administrator.
    let tokens = admin_sign_in(&s, &app).await;
    let access = field(&tokens, "access_token");
    assert_eq!(admin_status(&s, access).await, 200);
    let (_, users) = s.admin_json(Method::GET, "/users", None).await;
    let pa = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "pa")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, b) = s
        .admin_json(
            Method::PATCH,
            &format!("/users/{pa}"),
            Some(json!({"partition_admin": false})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(admin_status(&s, access).await, 403);

    // Disabled (an administrator again, so only `enabled` decides).
    let (st, b) = s
        .admin_json(
            Method::PATCH,
            &format!("/users/{pa}"),
            Some(json!({"partition_admin": true, "enabled": false})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(admin_status(&s, access).await, 401);
    // Userinfo and introspection agree: the account's tokens, its refresh token included, are
    // no longer honoured anywhere.
    let (st, _) = crate::code_flow_support::userinfo_raw(&s, 'U', access).await;
    assert_eq!(st, 401);
    let refresh = field(&tokens, "refresh_token");
    assert_eq!(
        crate::code_flow_support::introspect_raw(&s, 'U', &app, refresh).await["active"],
        false
    );
}

#[tokio::test]
async fn admin_api_refuses_revoked_and_orphaned_client_tokens() {
    revoked_disabled_deleted_and_withdrawn_clients(Backend::Sqlite).await;
}

#[tokio::test]
async fn admin_api_refuses_revoked_and_orphaned_client_tokens_pg() {
    if postgres_url().is_some() {
        revoked_disabled_deleted_and_withdrawn_clients(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn admin_api_refuses_revoked_sign_ins_and_demoted_administrators() {
    revoked_sign_ins_and_demoted_administrators(Backend::Sqlite).await;
}

#[tokio::test]
async fn admin_api_refuses_revoked_sign_ins_and_demoted_administrators_pg() {
    if postgres_url().is_some() {
        revoked_sign_ins_and_demoted_administrators(Backend::Postgres).await;
    }
}
