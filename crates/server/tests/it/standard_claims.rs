//! OpenID Connect standard claims (OIDC Core §5.1, §5.4) and the userinfo endpoint by GET and
//! POST (§5.3, RFC 6750 §2): the admin API stores them with per-field checks, the `profile`,
//! `email`, `address` and `phone` scopes release exactly the claims that have a value, the ID
//! token stays small, and the token is accepted one way only.

use reqwest::Method;
use serde_json::{Value, json};

use crate::code_flow_refusals::{code_for, redeem_raw};
use crate::code_flow_support::{
    App, Browser, DELEGATED, SPA_ORIGIN, SPA_REDIRECT, interactive_client, jwt_claims, web_app,
};
use crate::support::{Backend, TestServer, postgres_url};

const EVERY_SCOPE: &str = "openid profile email address phone";

fn address() -> Value {
    json!({"formatted": "1 Main Street\nSpringfield", "street_address": "1 Main Street",
        "locality": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"})
}

/// Signs `login` in for `app` with `scope`; returns the token response.
async fn tokens(s: &TestServer, app: &App, login: &str, scope: &str) -> Value {
    let browser = Browser::new();
    let code = code_for(s, &browser, 'U', app, login, &[("scope", Some(scope))]).await;
    let (st, body) = redeem_raw(
        s,
        'U',
        app,
        &code,
        Some(crate::code_flow_refusals::VERIFIER),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    body
}

async fn userinfo_get(s: &TestServer, token: &str) -> Value {
    let resp = s
        .http
        .get(format!("{}/oauth2/userinfo", s.issuer('U')))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn run_claims(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let (st, created) = s
        .admin_json(
            Method::POST,
            "/users",
            Some(
                json!({"username": "ada", "email": "ada@acme.test", "display_name": "Ada L",
                "password": crate::code_flow_support::PASSWORD, "given_name": "Ada",
                "family_name": "Lovelace", "locale": "en-GB", "zoneinfo": "Europe/London",
                "email_verified": true, "phone_number": "+442071234567",
                "phone_number_verified": true, "address": address()}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (st, got) = s
        .admin_json(Method::GET, &format!("/users/{id}"), None)
        .await;
    assert_eq!(st, 200);
    let without_times = |v: &Value| {
        let mut v = v.clone();
        let m = v.as_object_mut().unwrap();
        m.remove("created_at");
        m.remove("updated_at");
        v
    };
    assert_eq!(
        without_times(&got),
        without_times(&created),
        "the admin API returns what it stored"
    );
    assert_eq!(got["address"], address());
    let app = web_app(&s, "Claims app").await;

    // Every scope: exactly every claim.
    let t = tokens(&s, &app, "ada", EVERY_SCOPE).await;
    let access = t["access_token"].as_str().unwrap();
    let mut info = userinfo_get(&s, access).await;
    let updated = time::OffsetDateTime::parse(
        created["updated_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(info["updated_at"], updated.unix_timestamp(), "{info}");
    info.as_object_mut().unwrap().remove("updated_at");
    assert_eq!(
        info,
        json!({"sub": id, "name": "Ada L", "given_name": "Ada", "family_name": "Lovelace",
            "preferred_username": "ada", "locale": "en-GB", "zoneinfo": "Europe/London",
            "email": "ada@acme.test", "email_verified": true, "phone_number": "+442071234567",
            "phone_number_verified": true, "address": address()})
    );
    // The ID token keeps to the few claims it carried, plus email_verified with email.
    let id_token = jwt_claims(t["id_token"].as_str().unwrap());
    assert_eq!(id_token["sub"], id.as_str(), "sub as at userinfo");
    assert_eq!(id_token["email_verified"], true);
    for absent in ["given_name", "address", "phone_number", "locale"] {
        assert!(id_token.get(absent).is_none(), "{absent} in {id_token}");
    }

    // Without address and phone, those claims are absent.
    let t = tokens(&s, &app, "ada", "openid profile email").await;
    let info = userinfo_get(&s, t["access_token"].as_str().unwrap()).await;
    for absent in ["address", "phone_number", "phone_number_verified"] {
        assert!(info.get(absent).is_none(), "{absent} in {info}");
    }
    assert_eq!(info["given_name"], "Ada");

    // A plain account: unverified email, and address/phone scopes release nothing.
    let (st, plain) = s
        .admin_json(
            Method::POST,
            "/users",
            Some(
                json!({"username": "bob", "email": "bob@acme.test", "display_name": "Bob",
                "password": crate::code_flow_support::PASSWORD}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{plain}");
    assert_eq!(plain["email_verified"], false);
    let bob = plain["id"].as_str().unwrap().to_owned();
    let t = tokens(&s, &app, "bob", EVERY_SCOPE).await;
    let access = t["access_token"].as_str().unwrap().to_owned();
    let mut info = userinfo_get(&s, &access).await;
    info.as_object_mut().unwrap().remove("updated_at");
    assert_eq!(
        info,
        json!({"sub": bob, "name": "Bob", "preferred_username": "bob",
            "email": "bob@acme.test", "email_verified": false})
    );
    // An administrator verifies the address: userinfo says so at once.
    let (st, b) = s
        .admin_json(
            Method::PATCH,
            &format!("/users/{bob}"),
            Some(json!({"email_verified": true})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(userinfo_get(&s, &access).await["email_verified"], true);
    // Changing the address withdraws the verification.
    let (st, b) = s
        .admin_json(
            Method::PATCH,
            &format!("/users/{bob}"),
            Some(json!({"email": "robert@acme.test"})),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["email_verified"], false);
}

#[tokio::test]
async fn userinfo_answers_the_standard_claims_of_the_granted_scopes() {
    run_claims(Backend::Sqlite).await;
}

#[tokio::test]
async fn userinfo_answers_the_standard_claims_of_the_granted_scopes_pg() {
    if postgres_url().is_some() {
        run_claims(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn the_admin_api_checks_each_standard_claim() {
    let s = TestServer::start().await;
    let (st, p) = s
        .admin_json(
            Method::POST,
            "/customers",
            Some(json!({"email": "c@acme.test", "display_name": "C",
                "password": crate::code_flow_support::PASSWORD, "given_name": "",
                "locale": "English", "zoneinfo": "Mars time", "phone_number": "0612345678",
                "address": {"country": "x".repeat(201)}})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "given_name",
            "locale",
            "zoneinfo",
            "phone_number",
            "address.country"
        ]
    );
    // Unknown fields are still refused, beside the flattened claims and inside the address.
    for body in [
        json!({"email": "c@acme.test", "display_name": "C",
            "password": crate::code_flow_support::PASSWORD, "nickname": "x"}),
        json!({"email": "c@acme.test", "display_name": "C",
            "password": crate::code_flow_support::PASSWORD, "address": {"planet": "Mars"}}),
    ] {
        let (st, p) = s.admin_json(Method::POST, "/customers", Some(body)).await;
        assert_eq!(st, 422, "{p}");
    }
    // A customer's claims round-trip, and null removes one.
    let (st, c) = s
        .admin_json(
            Method::POST,
            "/customers",
            Some(json!({"email": "c@acme.test", "display_name": "C",
                "password": crate::code_flow_support::PASSWORD, "phone_number": "+15551234567",
                "phone_number_verified": true, "locale": "fr"})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let id = c["id"].as_str().unwrap();
    let (st, c) = s
        .admin_json(
            Method::PATCH,
            &format!("/customers/{id}"),
            Some(json!({"locale": null, "phone_number": "+15550000000"})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["locale"], Value::Null);
    assert_eq!(
        c["phone_number_verified"], false,
        "a new number is unverified"
    );
    // The OpenAPI document describes them.
    let doc: Value = s
        .http
        .get(format!("{}/admin/api/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    for name in ["StandardClaims", "StandardClaimsChanges"] {
        for field in [
            "given_name",
            "locale",
            "zoneinfo",
            "phone_number",
            "address",
            "email_verified",
        ] {
            assert!(
                schemas[name]["properties"].get(field).is_some(),
                "{name}.{field}: {}",
                schemas[name]
            );
        }
    }
    assert!(
        schemas["PostalAddress"]["properties"]
            .get("postal_code")
            .is_some()
    );
    for user in [
        "User",
        "Customer",
        "NewUser",
        "NewCustomer",
        "UserChanges",
        "CustomerChanges",
    ] {
        assert!(
            schemas[user]
                .to_string()
                .contains("#/components/schemas/StandardClaims"),
            "{user}: {}",
            schemas[user]
        );
    }
}

#[tokio::test]
async fn userinfo_takes_the_token_by_post_one_way_only() {
    let s = TestServer::start().await;
    crate::code_flow_support::create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    interactive_client(&s, "SPA", "spa", SPA_REDIRECT, &[], &[DELEGATED]).await;
    let app = web_app(&s, "Web").await;
    let t = tokens(&s, &app, "agent7", "openid email").await;
    let access = t["access_token"].as_str().unwrap();
    let url = format!("{}/oauth2/userinfo", s.issuer('U'));
    let by_get = userinfo_get(&s, access).await;

    // RFC 6750 §2.2: the form body, from a SPA origin too.
    let resp = s
        .http
        .post(&url)
        .header("origin", SPA_ORIGIN)
        .form(&[("access_token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some(SPA_ORIGIN)
    );
    assert_eq!(resp.json::<Value>().await.unwrap(), by_get);
    // POST with the header works as before.
    let resp = s.http.post(&url).bearer_auth(access).send().await.unwrap();
    assert_eq!(resp.status(), 200);

    // Both ways, twice in the body, twice in the header, a non-form body, a body with GET.
    let both = s
        .http
        .post(&url)
        .bearer_auth(access)
        .form(&[("access_token", access)]);
    let twice = s
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("access_token={access}&access_token={access}"));
    let two_headers = s
        .http
        .post(&url)
        .header("authorization", format!("Bearer {access}"))
        .header("authorization", format!("Bearer {access}"));
    let json_body = s.http.post(&url).json(&json!({"access_token": access}));
    let get_body = s
        .http
        .get(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("access_token={access}"));
    for (what, req) in [
        ("both", both),
        ("twice", twice),
        ("two headers", two_headers),
        ("json", json_body),
        ("get body", get_body),
    ] {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 400, "{what}");
        assert!(
            resp.headers().contains_key("www-authenticate"),
            "{what}: {resp:?}"
        );
        let challenge = resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_request\""),
            "{what}: {challenge}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{what}");
        assert!(
            !body.to_string().contains(access),
            "{what}: the token is not echoed"
        );
    }

    // A bad token in the body is invalid_token, 401; an empty POST asks for a token.
    let resp = s
        .http
        .post(&url)
        .form(&[("access_token", "nope")])
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
    let resp = s.http.post(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn userinfo_needs_the_openid_scope() {
    let s = TestServer::start().await;
    crate::code_flow_support::create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Web").await;
    // A valid access token of the realm, granted no `openid`: 403 insufficient_scope (RFC 6750
    // §3.1, OpenID Connect Core §5.3).
    let t = tokens(&s, &app, "agent7", DELEGATED).await;
    let resp = s
        .http
        .get(format!("{}/oauth2/userinfo", s.issuer('U')))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let challenge = resp.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
}
