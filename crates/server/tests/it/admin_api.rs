//! The admin REST API end to end: resources, problem JSON, pagination, authorisation.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestServer, postgres_url};

#[tokio::test]
async fn client_application_lifecycle() {
    let s = TestServer::start().await;
    let (st, c) = s
        .admin_json(
            Method::POST,
            "/client-applications",
            Some(json!({"name":"Portal","platform":"web","resource_type":"global","redirect_urls":["https://app.example/cb"],
                "post_logout_redirect_urls":[],"obo_enabled":false,"token_exchange_enabled":true,"access_token_ttl":1800})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let id = c["client_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    assert_eq!(c["access_token_ttl"], 1800);
    assert!(c["created_at"].as_str().unwrap().ends_with('Z'));
    let (st, got) = s
        .admin_json(Method::GET, &format!("/client-applications/{id}"), None)
        .await;
    assert_eq!((st, &got["name"]), (200, &json!("Portal")));
    let (st, upd) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{id}"),
            Some(json!({"name":"Portal 2"})),
        )
        .await;
    assert_eq!(
        (st, &upd["name"], &upd["token_exchange_enabled"]),
        (200, &json!("Portal 2"), &json!(true))
    );
    // Duplicate name → 409.
    let (st, p) = s.admin_json(Method::POST, "/client-applications", Some(json!({"name":"Portal 2","platform":"spa","redirect_urls":["http://localhost:3000/cb"]}))).await;
    assert_eq!(st, 409, "{p}");
    // Secrets: value once, hint, at most two.
    let (st, sec) = s
        .admin_json(
            Method::POST,
            &format!("/client-applications/{id}/secrets"),
            Some(json!({"name":"ci","expires_in_days":90})),
        )
        .await;
    assert_eq!(st, 201, "{sec}");
    let value = sec["value"].as_str().unwrap();
    assert_eq!(value.len(), 43);
    assert_eq!(sec["hint"].as_str().unwrap(), format!("…{}", &value[39..]));
    let (st, _) = s
        .admin_json(
            Method::POST,
            &format!("/client-applications/{id}/secrets"),
            Some(json!({"name":"never","expires_in_days":null})),
        )
        .await;
    assert_eq!(st, 201);
    let (st, p) = s
        .admin_json(
            Method::POST,
            &format!("/client-applications/{id}/secrets"),
            Some(json!({"name":"third"})),
        )
        .await;
    assert_eq!(st, 409, "{p}");
    let (st, p) = s
        .admin_json(
            Method::POST,
            &format!("/client-applications/{id}/secrets"),
            Some(json!({"name":"bad","expires_in_days":45})),
        )
        .await;
    assert_eq!(st, 422);
    assert_eq!(p["errors"][0]["field"], "expires_in_days");
    let (_, list) = s
        .admin_json(
            Method::GET,
            &format!("/client-applications/{id}/secrets"),
            None,
        )
        .await;
    assert!(
        !list.to_string().contains(value),
        "secret values are never listed"
    );
    // Permissions: full and short forms, unknown refused per field.
    let full = format!("{}/auth/knowledge.portalmgr.read", s.base);
    let (st, p) = s
        .admin_json(
            Method::PUT,
            &format!("/client-applications/{id}/permissions"),
            Some(json!({"permissions":[full, "app.core.usermgr.read"]})),
        )
        .await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(
        p["permissions"],
        json!(["app.core.usermgr.read", "knowledge.portalmgr.read"])
    );
    let (st, p) = s
        .admin_json(
            Method::PUT,
            &format!("/client-applications/{id}/permissions"),
            Some(json!({"permissions":["knowledge.portalmgr.read","bogus.perm"]})),
        )
        .await;
    assert_eq!(st, 422);
    assert_eq!(p["errors"][0]["field"], "permissions[1]");
    // Metadata.
    let (st, m) = s
        .admin_json(
            Method::GET,
            &format!("/client-applications/{id}/metadata"),
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(m["access_token_url"], s.token_url());
    assert_eq!(m["api_permission_prefix"], format!("{}/auth/", s.base));
    assert_eq!(m["schemes"].as_array().unwrap().len(), 6);
    // Delete.
    let (st, _) = s
        .admin_json(Method::DELETE, &format!("/client-applications/{id}"), None)
        .await;
    assert_eq!(st, 204);
    let (st, p) = s
        .admin_json(Method::GET, &format!("/client-applications/{id}"), None)
        .await;
    assert_eq!(st, 404);
    assert_eq!(p["status"], 404);
}

#[tokio::test]
async fn validation_errors_are_per_field_problem_json() {
    let s = TestServer::start().await;
    let token = s.admin_token().await;
    let post = |body: &'static str, ct: &'static str| {
        s.http
            .post(s.admin("/client-applications"))
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let resp = post(r#"{"name":"","platform":"spa","redirect_urls":["http://evil.example/cb","https://a.example/#x"],"obo_enabled":true,"access_token_ttl":5}"#, "application/json").await.unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let p: Value = resp.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "redirect_urls[0]",
            "redirect_urls[1]",
            "obo_enabled",
            "access_token_ttl"
        ]
    );
    // Unknown field, wrong type, broken JSON, wrong media type, non-UTF-8.
    let resp = post(
        r#"{"name":"x","platform":"web","colour":"red"}"#,
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(
        resp.json::<Value>().await.unwrap()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`")
    );
    let resp = post(
        r#"{"name":"x","platform":"web","redirect_urls":[1]}"#,
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["errors"][0]["field"],
        "redirect_urls[0]"
    );
    let resp = post(r#"{"name":"x","platform":"desktop"}"#, "application/json")
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let resp = post(r#"{"name":"#, "application/json").await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = post("name=x", "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let resp = s
        .http
        .post(s.admin("/client-applications"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, b'}'])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = s
        .http
        .post(s.admin("/client-applications"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 100_000])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    // Nothing half-written: no client exists.
    let (_, list) = s
        .admin_json(Method::GET, "/client-applications", None)
        .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Tessera automation", "Administration Console"],
        "only the built-in console client and the automation client: {list}"
    );
}

#[tokio::test]
async fn authorisation_is_required_and_partition_scoped() {
    let s = TestServer::start().await;
    let url = s.admin("/client-applications");
    let resp = s.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "401-104");
    let resp = s
        .http
        .get(&url)
        .bearer_auth("not.a.jwt")
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
    // A tampered token.
    let token = s.admin_token().await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    let resp = s
        .http
        .get(&url)
        .bearer_auth(parts.join("."))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // A valid token for another API (not the admin API's audience) → 401 invalid_token.
    let (id, secret) = s.web_client("No admin", &["app.core.usermgr.read"]).await;
    let t: Value = s
        .client_credentials(&id, &secret, "app.core.usermgr.read")
        .await
        .json()
        .await
        .unwrap();
    let resp = s
        .http
        .get(&url)
        .bearer_auth(t["access_token"].as_str().unwrap())
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
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "401-101");
    // Another partition's admin API with this partition's token → 401/404, never data.
    let resp = s
        .http
        .get(format!(
            "{}/admin/api/v1/partitions/other/client-applications",
            s.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(resp.status().as_u16(), 401 | 404),
        "{}",
        resp.status()
    );
}

#[tokio::test]
async fn lists_paginate_with_cursors() {
    let s = TestServer::start().await;
    for i in 0..5 {
        let (st, _) = s
            .admin_json(
                Method::POST,
                "/departments",
                Some(json!({"name": format!("Dept {i}")})),
            )
            .await;
        assert_eq!(st, 201);
        let (st, b) = s.admin_json(Method::POST, "/customers", Some(json!({"email": format!("c{i}@example.test"), "display_name": format!("C {i}"), "password": "long-enough-pw"}))).await;
        assert_eq!(st, 201, "{b}");
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/customers?limit=2&cursor={c}"),
            None => "/customers?limit=2".to_owned(),
        };
        let (st, page) = s.admin_json(Method::GET, &path, None).await;
        assert_eq!(st, 200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["email"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..5)
            .map(|i| format!("c{i}@example.test"))
            .collect::<Vec<_>>()
    );
    let (st, _) = s.admin_json(Method::GET, "/customers?limit=0", None).await;
    assert_eq!(st, 400);
    let (st, _) = s
        .admin_json(Method::GET, "/customers?cursor=garbage", None)
        .await;
    assert_eq!(st, 400);
    let (st, _) = s
        .admin_json(Method::GET, "/customers?limit=2&limit=3", None)
        .await;
    assert_eq!(st, 400);
}

#[tokio::test]
async fn users_identity_providers_and_audit() {
    let s = TestServer::start().await;
    let (st, u) = s
        .admin_json(Method::POST, "/users", Some(json!({"username":"agent1","email":"a1@acme.test","display_name":"Agent One","password":"a-long-password","department":"Service","partition_admin":false})))
        .await;
    assert_eq!(st, 201, "{u}");
    assert!(u.get("password").is_none() && !u.to_string().contains("argon2"));
    let (st, _) = s.admin_json(Method::POST, "/users", Some(json!({"username":"AGENT1","email":"x@acme.test","display_name":"Dup","password":"a-long-password"}))).await;
    assert_eq!(st, 409, "usernames are unique case-insensitively");
    let (st, p) = s.admin_json(Method::POST, "/users", Some(json!({"username":"agent2","email":"x@acme.test","display_name":"D","password":"a-long-password","department":"Nowhere"}))).await;
    assert_eq!(st, 422, "{p}");
    let (st, idp) = s
        .admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Okta","issuer":"https://idp.example","jwks_uri":"https://idp.example/jwks","audiences":["api://tessera"],"realm":"users","match_claim":"email","match_attribute":"email"})))
        .await;
    assert_eq!(st, 201, "{idp}");
    let (st, p) = s.admin_json(Method::POST, "/identity-providers", Some(json!({"name":"Bad","issuer":"https://x","jwks_uri":"http://idp.example/jwks","audiences":[]}))).await;
    assert_eq!(st, 422, "{p}");
    let (_, events) = s
        .admin_json(Method::GET, "/audit-events?action=user.create", None)
        .await;
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{events}");
    assert_eq!(items[0]["actor_kind"], "client");
    assert_eq!(items[0]["object_id"], u["id"]);
    assert!(!events.to_string().contains("a-long-password"));
}

#[tokio::test]
async fn openapi_document_is_served_and_lists_every_resource() {
    let s = TestServer::start().await;
    let doc: Value = s
        .http
        .get(format!("{}/admin/api/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "client-applications",
        "secrets",
        "permissions",
        "metadata",
        "apis",
        "users",
        "customers",
        "departments",
        "identity-providers",
        "signing-keys",
        "audit-events",
    ] {
        assert!(paths.keys().any(|k| k.contains(p)), "{p} missing");
    }
}

#[tokio::test]
async fn permission_catalog_is_grouped_by_hub_and_kind() {
    let s = TestServer::start().await;
    let (st, c) = s.admin_json(Method::GET, "/permissions", None).await;
    assert_eq!(st, 200);
    let items = c["items"].as_array().unwrap();
    for hub in ["core", "conversation", "knowledge"] {
        assert!(items.iter().any(|p| p["hub"] == hub), "{hub}");
    }
    for kind in ["delegated", "delegated_obo", "application"] {
        assert!(items.iter().any(|p| p["kind"] == kind), "{kind}");
    }
    let p = items
        .iter()
        .find(|p| p["name"] == "knowledge.portalmgr.read")
        .unwrap();
    assert_eq!(
        p["full_name"],
        format!("{}/auth/knowledge.portalmgr.read", s.base)
    );
}

#[tokio::test]
async fn another_partitions_objects_are_not_found() {
    let s = TestServer::start().await;
    let beta = s.other_partition("beta").await;
    // A client registered in beta, through beta's own admin API.
    let beta_token: Value = s
        .client_credentials_at(
            &format!("{}/system/auth/beta-U/oauth2/token", s.base),
            &beta.automation_client_id,
            &beta.automation_client_secret,
            "app.core.admin.manage",
        )
        .await
        .json()
        .await
        .unwrap();
    let beta_token = beta_token["access_token"].as_str().unwrap();
    let c: Value = s
        .http
        .post(format!(
            "{}/admin/api/v1/partitions/beta/client-applications",
            s.base
        ))
        .bearer_auth(beta_token)
        .json(&json!({"name":"Beta app","platform":"web"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let beta_client = c["client_id"].as_str().unwrap();
    // acme's administrator cannot see, change or delete it, and gets the same 404 as for a
    // client that does not exist anywhere.
    for (method, path, body) in [
        (
            Method::GET,
            format!("/client-applications/{beta_client}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/client-applications/{beta_client}"),
            Some(json!({"name":"stolen"})),
        ),
        (
            Method::DELETE,
            format!("/client-applications/{beta_client}"),
            None,
        ),
        (
            Method::GET,
            format!("/client-applications/{beta_client}/secrets"),
            None,
        ),
        (
            Method::POST,
            format!("/client-applications/{beta_client}/secrets"),
            Some(json!({"name":"x"})),
        ),
        (
            Method::PUT,
            format!("/client-applications/{beta_client}/permissions"),
            Some(json!({"permissions":[]})),
        ),
    ] {
        let (st, p) = s.admin_json(method.clone(), &path, body).await;
        assert_eq!(st, 404, "{method} {path}: {p}");
    }
    // beta's token on acme's admin API is refused without confirming anything.
    let resp = s
        .http
        .get(s.admin("/client-applications"))
        .bearer_auth(beta_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // beta's automation client cannot get tokens from acme's realm.
    let resp = s
        .client_credentials(
            &beta.automation_client_id,
            &beta.automation_client_secret,
            "app.core.admin.manage",
        )
        .await;
    assert_eq!(resp.status(), 401);
    // And beta's object is intact.
    let resp = s
        .http
        .get(format!(
            "{}/admin/api/v1/partitions/beta/client-applications/{beta_client}",
            s.base
        ))
        .bearer_auth(beta_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap()["name"], "Beta app");
}

#[tokio::test]
async fn openapi_import_of_a_real_sized_document() {
    let s = TestServer::start().await;
    let doc = include_str!("../../../catalog/fixtures/knowledge-portalmgr-v4.openapi.yaml");
    let token = s.admin_token().await;
    let resp = s
        .http
        .post(s.admin("/apis/import?api_id=kpm-imported"))
        .bearer_auth(&token)
        .header("content-type", "application/yaml")
        .body(doc)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let imported: Value = resp.json().await.unwrap();
    assert_eq!(imported["apis"][0]["id"], "kpm-imported");
    assert!(imported["apis"][0]["operation_count"].as_u64().unwrap() >= 60);
    let (st, api) = s.admin_json(Method::GET, "/apis/kpm-imported", None).await;
    assert_eq!(st, 200);
    let ops = api["operations"].as_array().unwrap();
    let schemes: std::collections::BTreeSet<&str> = ops
        .iter()
        .flat_map(|o| {
            o["security"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["scheme"].as_str().unwrap())
        })
        .collect();
    assert_eq!(schemes.len(), 6, "{schemes:?}");
    // The imported permissions are now grantable.
    let (_, catalog) = s.admin_json(Method::GET, "/permissions", None).await;
    assert!(
        catalog["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "knowledge.portalmgr.onbehalfof.read")
    );
    // A broken document: 422 with per-field problems, and nothing imported.
    let resp = s
        .http
        .post(s.admin("/apis/import?api_id=broken"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"security":[{"oAuthNope":["x.y.read"]}]}}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let p: Value = resp.json().await.unwrap();
    assert!(!p["errors"].as_array().unwrap().is_empty(), "{p}");
    let (st, _) = s.admin_json(Method::GET, "/apis/broken", None).await;
    assert_eq!(st, 404);
}

/// Walks every page of `path` with `limit`; returns the items in order.
async fn all_pages(s: &TestServer, path: &str, limit: u32) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..500 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let (st, page) = s.admin_json(Method::GET, &url, None).await;
        assert_eq!(st, 200, "{url}: {page}");
        let got = page["items"].as_array().unwrap();
        assert!(
            got.len() <= limit as usize,
            "{url}: a page holds at most limit items"
        );
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
    panic!("{path}: pagination never ended");
}

#[tokio::test]
async fn signing_keys_apis_permissions_secrets_and_departments_page_like_every_list() {
    every_list_pages(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_list_pages_on_postgres() {
    if postgres_url().is_some() {
        every_list_pages(Backend::Postgres).await;
    }
}

async fn every_list_pages(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let (id, _) = s
        .web_client("Paged", &["app.knowledge.portalmgr.read"])
        .await;
    let (st, _) = s
        .admin_json(
            Method::POST,
            &format!("/client-applications/{id}/secrets"),
            Some(json!({"name": "second"})),
        )
        .await;
    assert_eq!(st, 201);
    let (st, _) = s
        .admin_json(Method::POST, "/departments", Some(json!({"name": "Paged"})))
        .await;
    assert_eq!(st, 201);
    let secrets = format!("/client-applications/{id}/secrets");
    for path in [
        "/signing-keys",
        "/apis",
        "/permissions",
        secrets.as_str(),
        "/departments",
    ] {
        let whole = all_pages(&s, path, 200).await;
        assert!(whole.len() >= 2, "{path}: {whole:?}");
        assert_eq!(all_pages(&s, path, 1).await, whole, "{path} one at a time");
        let (st, first) = s
            .admin_json(Method::GET, &format!("{path}?limit=1"), None)
            .await;
        assert_eq!(st, 200);
        assert_eq!(first["items"].as_array().unwrap().len(), 1, "{path}");
        assert!(first["next_cursor"].is_string(), "{path}: {first}");
        // The default page is at most 50 items.
        let (_, default) = s.admin_json(Method::GET, path, None).await;
        assert!(default["items"].as_array().unwrap().len() <= 50, "{path}");
        for (query, param) in [
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=ten", "limit"),
            ("cursor=garbage", "cursor"),
            ("colour=red", "colour"),
        ] {
            let (st, p) = s
                .admin_json(Method::GET, &format!("{path}?{query}"), None)
                .await;
            assert_eq!(st, 400, "{path}?{query}: {p}");
            assert!(
                p["detail"].as_str().unwrap().contains(param),
                "{path}?{query} names {param}: {p}"
            );
        }
    }
    // Secrets in creation order: the one web_client made, then "second".
    let names: Vec<String> = all_pages(&s, &secrets, 1)
        .await
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["test", "second"]);
    // The whole catalog is reachable: the shipped one has more than a default page.
    let all = all_pages(&s, "/permissions", 200).await;
    assert!(
        all.iter().any(|p| p["name"] == "knowledge.portalmgr.read"),
        "{all:?}"
    );
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named() {
    let s = TestServer::start().await;
    let field = |body: &Value| body["errors"][0]["field"].as_str().unwrap().to_owned();
    for (path, body, want) in [
        ("/client-applications", json!({"platform": "web"}), "name"),
        (
            "/users",
            json!({"username": "u1", "email": "u1@acme.test", "display_name": "U"}),
            "password",
        ),
        ("/departments", json!({}), "name"),
        (
            "/client-applications",
            json!({"name": 5, "platform": "web"}),
            "name",
        ),
        (
            "/client-applications",
            json!({"name": "x", "platform": "web", "obo_enabled": "yes"}),
            "obo_enabled",
        ),
    ] {
        let (st, p) = s.admin_json(Method::POST, path, Some(body.clone())).await;
        assert_eq!(st, 422, "{path} {body}: {p}");
        assert_eq!(field(&p), want, "{path} {body}: {p}");
    }
}

#[tokio::test]
async fn the_admin_guard_judges_expiry_on_the_servers_clock() {
    use std::sync::Arc;
    use tessera_domain::Clock as _;
    use tessera_domain::clock::{MockClock, SystemClock};

    let clock = Arc::new(MockClock::new(SystemClock.now()));
    let s = TestServer::start_with_clock(Backend::Sqlite, clock.clone(), |_| {}).await;
    let token = s.admin_token().await;
    let get = || {
        s.http
            .get(s.admin("/client-applications"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 200);
    // A day later on the server's clock the token has expired (at most 86400 s plus the
    // leeway), though the wall clock has not moved: the guard must judge by the server's clock.
    clock.advance(time::Duration::seconds(86_400 + 120));
    let resp = get().await.unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()[reqwest::header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");
}
