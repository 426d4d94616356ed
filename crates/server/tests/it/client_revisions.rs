//! Conditional requests on client applications (RFC 9110 §8.8.3, §13.1.1): `GET` answers the
//! revision as a strong `ETag`; `PATCH` with `If-Match` changes only that revision and answers
//! 412 problem JSON, changing nothing, when the application changed meanwhile — the admin
//! API's side of the console's stale-form check (both call `admin_ops::clients::update`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestServer, postgres_url};

/// `method path` with the automation client's token and `If-Match: if_match`: status, ETag,
/// content type, body.
async fn conditional(
    s: &TestServer,
    method: Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (u16, Option<String>, String, Value) {
    let mut req = s
        .http
        .request(method, s.admin(path))
        .bearer_auth(s.admin_token().await);
    if let Some(m) = if_match {
        req = req.header("if-match", m);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, ctype) = (header("etag"), header("content-type").unwrap_or_default());
    let status = resp.status().as_u16();
    (
        status,
        etag,
        ctype,
        resp.json().await.unwrap_or(Value::Null),
    )
}

async fn stale_if_match_is_refused(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let (st, c) = s
        .admin_json(
            Method::POST,
            "/client-applications",
            Some(json!({"name":"Portal","platform":"web","redirect_urls":["https://app.example/cb"]})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let path = format!("/client-applications/{}", c["client_id"].as_str().unwrap());

    let (st, loaded, _, got) = conditional(&s, Method::GET, &path, None, None).await;
    assert_eq!(st, 200, "{got}");
    let loaded = loaded.expect("GET answers an ETag");
    assert!(
        loaded.starts_with('"') && loaded.ends_with('"') && !loaded.starts_with("W/"),
        "a strong entity tag: {loaded}"
    );
    let (_, again, _, _) = conditional(&s, Method::GET, &path, None, None).await;
    assert_eq!(
        again.as_deref(),
        Some(loaded.as_str()),
        "unchanged, same tag"
    );

    // Someone saves with the tag they loaded: accepted, and the answer carries the new tag.
    let (st, first, _, body) = conditional(
        &s,
        Method::PATCH,
        &path,
        Some(&loaded),
        Some(json!({"name":"Portal (first)"})),
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let first = first.expect("PATCH answers the new ETag");
    assert_ne!(first, loaded, "a change makes a new revision");
    let (_, now, _, _) = conditional(&s, Method::GET, &path, None, None).await;
    assert_eq!(
        now.as_deref(),
        Some(first.as_str()),
        "GET agrees with PATCH's tag"
    );

    // A second editor still holding the old tag is refused, and nothing changes.
    let (st, _, ctype, problem) = conditional(
        &s,
        Method::PATCH,
        &path,
        Some(&loaded),
        Some(json!({"name":"Portal (second)", "enabled": false})),
    )
    .await;
    assert_eq!(st, 412, "{problem}");
    assert_eq!(ctype, "application/problem+json");
    assert_eq!(problem["status"], 412);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("changed by someone else")),
        "{problem}"
    );
    let (_, _, _, after) = conditional(&s, Method::GET, &path, None, None).await;
    assert_eq!(
        (&after["name"], &after["enabled"]),
        (&json!("Portal (first)"), &json!(true)),
        "the stale change saved nothing"
    );

    // Assigning permissions changes the representation, so the tag too.
    let (st, p) = s
        .admin_json(
            Method::PUT,
            &format!("{path}/permissions"),
            Some(json!({"permissions":["app.core.usermgr.read"]})),
        )
        .await;
    assert_eq!(st, 200, "{p}");
    let (_, with_perms, _, _) = conditional(&s, Method::GET, &path, None, None).await;
    let with_perms = with_perms.unwrap();
    assert_ne!(with_perms, first, "permissions are part of the revision");
    let (st, _, _, _) = conditional(
        &s,
        Method::PATCH,
        &path,
        Some(&first),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(
        st, 412,
        "a tag from before the permissions changed is stale"
    );

    // A list matches if any strong tag in it does; a weak tag never matches (strong
    // comparison); `*` and no header at all set no condition; a malformed header is a 400.
    let listed = format!("\"nope\", {with_perms}");
    let (st, _, _, b) = conditional(
        &s,
        Method::PATCH,
        &path,
        Some(&listed),
        Some(json!({"obo_enabled": true})),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let (_, current, _, _) = conditional(&s, Method::GET, &path, None, None).await;
    let weak = format!("W/{}", current.unwrap());
    let (st, _, _, _) = conditional(
        &s,
        Method::PATCH,
        &path,
        Some(&weak),
        Some(json!({"obo_enabled": false})),
    )
    .await;
    assert_eq!(st, 412, "a weak tag never matches If-Match");
    let (st, _, _, _) = conditional(
        &s,
        Method::PATCH,
        &path,
        Some("*"),
        Some(json!({"obo_enabled": false})),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _, _, _) = conditional(
        &s,
        Method::PATCH,
        &path,
        None,
        Some(json!({"obo_enabled": true})),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _, ctype, p) = conditional(
        &s,
        Method::PATCH,
        &path,
        Some("no-quotes"),
        Some(json!({"obo_enabled": false})),
    )
    .await;
    assert_eq!(
        (st, ctype.as_str()),
        (400, "application/problem+json"),
        "{p}"
    );

    // A missing application is a 404 whatever the precondition (RFC 9110 §13.2.1).
    let (st, _, _, _) = conditional(
        &s,
        Method::PATCH,
        &format!("/client-applications/{}", uuid::Uuid::new_v4()),
        Some(&with_perms),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn a_stale_if_match_is_refused_with_412_and_changes_nothing() {
    stale_if_match_is_refused(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_stale_if_match_is_refused_with_412_and_changes_nothing_on_postgres() {
    if postgres_url().is_some() {
        stale_if_match_is_refused(Backend::Postgres).await;
    }
}
