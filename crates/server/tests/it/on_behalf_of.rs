//! On-behalf-of (`grant_type=password` with a subject, no user password) at both realms and at
//! the v4 compatibility address, tenant metadata, and every refusal.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestServer, postgres_url};

const OBO: &str = "knowledge.portalmgr.onbehalfof.read";

/// A refusal case: token URL, extra form fields, status, error code, text in the description.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, u16, &'a str, &'a str);

/// A Web client with OBO enabled and an OBO permission, a user and a customer.
async fn setup(s: &TestServer) -> (String, String, Value, Value) {
    let (id, secret) = s
        .web_client("Agent assist", &[OBO, "knowledge.portalmgr.read"])
        .await;
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"obo_enabled": true})),
        )
        .await;
    assert_eq!(st, 200);
    let (st, user) = s
        .admin_json(Method::POST, "/users", Some(json!({"username":"Agent7","email":"a7@acme.test","display_name":"Agent Seven","password":"a-long-password"})))
        .await;
    assert_eq!(st, 201);
    let (st, customer) = s.admin_json(Method::POST, "/customers", Some(json!({"email":"c7@example.test","display_name":"C Seven","password":"a-long-password"}))).await;
    assert_eq!(st, 201);
    (id, secret, user, customer)
}

async fn obo(
    s: &TestServer,
    url: &str,
    id: &str,
    secret: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![("grant_type", "password"), ("scope", OBO)];
    form.extend_from_slice(extra);
    let resp = s
        .http
        .post(url)
        .basic_auth(id, Some(secret))
        .form(&form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn on_behalf_of_users_and_customers() {
    run_on_behalf_of(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_behalf_of_on_postgres() {
    if postgres_url().is_some() {
        run_on_behalf_of(Backend::Postgres).await;
    }
}

async fn run_on_behalf_of(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let (id, secret, user, customer) = setup(&s).await;
    let user_id = user["id"].as_str().unwrap();
    // By username (case-insensitive) and by id, at the users realm.
    for extra in [
        [("subject_username", "agent7")],
        [("subject_userid", user_id)],
    ] {
        let (st, t) = obo(&s, &s.token_url(), &id, &secret, &extra).await;
        assert_eq!(st, 200, "{t}");
        let claims = s.verify(t["access_token"].as_str().unwrap(), 'U').await;
        assert_eq!(claims["sub"], user_id);
        assert_eq!(claims["actor"], "user");
        assert_eq!(claims["act"], json!({"sub": id}));
        assert_eq!(claims["client_id"], id.as_str());
        assert_eq!(claims["scope"], OBO);
    }
    // A customer at the customers realm.
    let (st, t) = obo(
        &s,
        &format!("{}/oauth2/token", s.issuer('C')),
        &id,
        &secret,
        &[("subject_email", "C7@example.test")],
    )
    .await;
    assert_eq!(st, 200, "{t}");
    let claims = s.verify(t["access_token"].as_str().unwrap(), 'C').await;
    assert_eq!(
        (claims["sub"].as_str(), claims["actor"].as_str()),
        (customer["id"].as_str(), Some("customer"))
    );
    // The v4 compatibility address.
    let url = format!(
        "{}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type=user&tenantId=acme",
        s.base
    );
    let (st, t) = obo(&s, &url, &id, &secret, &[("subject_username", "Agent7")]).await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(
        s.verify(t["access_token"].as_str().unwrap(), 'U').await["act"]["sub"],
        id.as_str()
    );
}

#[tokio::test]
async fn on_behalf_of_refusals() {
    let s = TestServer::start().await;
    let (id, secret, user, _) = setup(&s).await;
    let u = s.token_url();
    let c = format!("{}/oauth2/token", s.issuer('C'));
    let cases: Vec<Case<'_>> = vec![
        (
            u.clone(),
            vec![("username", "agent7"), ("password", "a-long-password")],
            400,
            "unsupported_grant_type",
            "not supported",
        ),
        (
            u.clone(),
            vec![("subject_username", "nobody")],
            400,
            "invalid_grant",
            "no enabled user",
        ),
        (
            u.clone(),
            vec![("subject_userid", "not-a-uuid")],
            400,
            "invalid_grant",
            "no enabled user",
        ),
        (
            u.clone(),
            vec![],
            400,
            "invalid_request",
            "subject_username or subject_userid",
        ),
        (
            u.clone(),
            vec![
                ("subject_username", "agent7"),
                ("subject_userid", user["id"].as_str().unwrap()),
            ],
            400,
            "invalid_request",
            "not both",
        ),
        (
            u.clone(),
            vec![("subject_email", "c7@example.test")],
            400,
            "invalid_request",
            "customers realm",
        ),
        (
            c.clone(),
            vec![("subject_username", "agent7")],
            400,
            "invalid_request",
            "users realm",
        ),
        (
            c.clone(),
            vec![("subject_email", "nobody@example.test")],
            400,
            "invalid_grant",
            "no enabled customer",
        ),
    ];
    for (url, extra, status, error, text) in cases {
        let (st, v) = obo(&s, &url, &id, &secret, &extra).await;
        assert_eq!(
            (st, v["error"].as_str()),
            (status, Some(error)),
            "{extra:?}: {v}"
        );
        assert!(
            v["error_description"].as_str().unwrap().contains(text),
            "{extra:?}: {v}"
        );
    }
    // Wrong kind of scope.
    let resp = s
        .http
        .post(&u)
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("grant_type", "password"),
            ("scope", "knowledge.portalmgr.read"),
            ("subject_username", "agent7"),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "invalid_scope");
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("use the authorization code"),
        "{v}"
    );
    // A disabled user.
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/users/{}", user["id"].as_str().unwrap()),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(st, 200);
    let (st, v) = obo(&s, &u, &id, &secret, &[("subject_username", "agent7")]).await;
    assert_eq!((st, v["error"].as_str()), (400, Some("invalid_grant")));
    // A single-page application (public: no secret) cannot act on behalf of anyone.
    let (st, spa) = s
        .admin_json(Method::POST, "/client-applications", Some(json!({"name":"Portal SPA","platform":"spa","redirect_urls":["http://localhost:5173/cb"]})))
        .await;
    assert_eq!(st, 201, "{spa}");
    let resp = s
        .http
        .post(&u)
        .form(&[
            ("grant_type", "password"),
            ("client_id", spa["client_id"].as_str().unwrap()),
            ("subject_username", "agent7"),
            ("scope", OBO),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "unauthorized_client", "{v}");
    // OBO switched off.
    let (st, _) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"obo_enabled": false})),
        )
        .await;
    assert_eq!(st, 200);
    let (st, v) = obo(
        &s,
        &c,
        &id,
        &secret,
        &[("subject_email", "c7@example.test")],
    )
    .await;
    assert_eq!(
        (st, v["error"].as_str()),
        (400, Some("unauthorized_client")),
        "{v}"
    );
    // The compatibility address validates its query, and serves only this grant.
    for q in [
        "user_type=agent&tenantId=acme",
        "tenantId=acme",
        "user_type=user",
    ] {
        let url = format!(
            "{}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?{q}",
            s.base
        );
        let (st, v) = obo(&s, &url, &id, &secret, &[("subject_username", "agent7")]).await;
        assert_eq!(
            (st, v["error"].as_str()),
            (400, Some("invalid_request")),
            "{q}: {v}"
        );
    }
    let url = format!(
        "{}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type=user&tenantId=nobody",
        s.base
    );
    let (st, _) = obo(&s, &url, &id, &secret, &[("subject_username", "agent7")]).await;
    assert_eq!(st, 404);
    let url = format!(
        "{}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type=user&tenantId=acme",
        s.base
    );
    let resp = s
        .client_credentials_at(&url, &id, &secret, "app.core.usermgr.read")
        .await;
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn tenant_metadata_lists_every_scheme() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .get(format!("{}/core/authmgr/v3/metadata/tenant/acme", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let m: Value = resp.json().await.unwrap();
    let d = &m["authenticationDetails"];
    assert_eq!(d["apiPermissionPrefix"], format!("{}/auth/", s.base));
    assert_eq!(
        d["oAuthUser"][0]["authURL"],
        format!("{}/oauth2/authorize", s.issuer('U'))
    );
    assert_eq!(
        d["oAuthCustomer"][0]["accessTokenURL"],
        format!("{}/oauth2/token", s.issuer('C'))
    );
    assert_eq!(d["oAuthClient"][0]["accessTokenURL"], s.token_url());
    assert!(d["oAuthClient"][0].get("authURL").is_none());
    assert_eq!(
        d["oAuthAnonymousCustomer"][0]["accessTokenURL"],
        format!(
            "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=acme",
            s.base
        )
    );
    assert_eq!(d["oAuthOnBehalfOfCustomer"][0]["flow"], "password");
    assert_eq!(m["apiDomain"], s.base);
    let resp = s
        .http
        .get(format!("{}/core/authmgr/v3/metadata/tenant/nobody", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
