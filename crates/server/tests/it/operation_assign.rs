//! `POST …/apis/{api_id}/operations/{operation_id}/assign` (the console's **Assign to a client
//! application**) and the audit log's `order=newest_first`, end to end on both stores.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Backend, TestServer, postgres_url};

const ASSIGN: &str = "/apis/knowledge-portalmgr-v4/operations/getAllPortals/assign";

async fn permissions_of(s: &TestServer, id: &str) -> Value {
    let (st, p) = s
        .admin_json(
            Method::GET,
            &format!("/client-applications/{id}/permissions"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{p}");
    p["permissions"].clone()
}

async fn assign_adds_exactly_the_operations_scopes(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let (web, _) = s.web_client("Assigned", &["app.core.usermgr.read"]).await;
    let (st, a) = s
        .admin_json(
            Method::POST,
            ASSIGN,
            Some(json!({"client_id": web, "scheme": "oAuthClient"})),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["required"], json!(["app.knowledge.portalmgr.read"]));
    assert_eq!(a["added"], json!(["app.knowledge.portalmgr.read"]));
    assert_eq!(a["already_assigned"], json!([]));
    assert_eq!(
        permissions_of(&s, &web).await,
        json!(["app.core.usermgr.read", "app.knowledge.portalmgr.read"]),
        "added, and the permission held before kept"
    );
    // Again: nothing to add, nothing written.
    let (st, again) = s
        .admin_json(
            Method::POST,
            ASSIGN,
            Some(json!({"client_id": web, "scheme": "oAuthClient"})),
        )
        .await;
    assert_eq!(st, 200, "{again}");
    assert_eq!(again["added"], json!([]));
    assert_eq!(
        again["already_assigned"],
        json!(["app.knowledge.portalmgr.read"])
    );
    let (_, events) = s
        .admin_json(
            Method::GET,
            &format!("/audit-events?action=client_application.permissions.replace&object_id={web}"),
            None,
        )
        .await;
    assert_eq!(
        events["items"].as_array().map(Vec::len),
        Some(2),
        "the first PUT and the one assignment that changed something: {events}"
    );
    // Another scheme of the same operation: the delegated scope.
    let (st, user) = s
        .admin_json(
            Method::POST,
            ASSIGN,
            Some(json!({"client_id": web, "scheme": "oAuthUser"})),
        )
        .await;
    assert_eq!(
        (st, &user["added"]),
        (200, &json!(["knowledge.portalmgr.read"]))
    );

    // A single-page application cannot hold an application permission: refused, unchanged.
    let (st, spa) = s
        .admin_json(
            Method::POST,
            "/client-applications",
            Some(
                json!({"name":"Spa","platform":"spa","redirect_urls":["http://localhost:3000/cb"]}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{spa}");
    let spa = spa["client_id"].as_str().unwrap().to_owned();
    let (st, p) = s
        .admin_json(
            Method::POST,
            ASSIGN,
            Some(json!({"client_id": spa, "scheme": "oAuthClient"})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "scheme");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("single-page application"),
        "{p}"
    );
    assert_eq!(permissions_of(&s, &spa).await, json!([]));

    // The operation does not accept the scheme; unknown operation, API, client; bad bodies.
    let (st, p) = s
        .admin_json(
            Method::POST,
            "/apis/knowledge-portalmgr-v4/operations/getMyPortals/assign",
            Some(json!({"client_id": web, "scheme": "oAuthClient"})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("oAuthUser"),
        "names the schemes it accepts: {p}"
    );
    for (path, body) in [
        (
            "/apis/knowledge-portalmgr-v4/operations/nope/assign",
            json!({"client_id": web, "scheme": "oAuthClient"}),
        ),
        (
            "/apis/nope/operations/getAllPortals/assign",
            json!({"client_id": web, "scheme": "oAuthClient"}),
        ),
        (
            ASSIGN,
            json!({"client_id": uuid::Uuid::new_v4(), "scheme": "oAuthClient"}),
        ),
    ] {
        let (st, p) = s.admin_json(Method::POST, path, Some(body)).await;
        assert_eq!(st, 404, "{path}: {p}");
    }
    for body in [
        json!({"client_id": web, "scheme": "oAuthNobody"}),
        json!({"client_id": web, "scheme": "oAuthClient", "extra": 1}),
        json!({"client_id": "not-a-uuid", "scheme": "oAuthClient"}),
    ] {
        let (st, p) = s.admin_json(Method::POST, ASSIGN, Some(body.clone())).await;
        assert!(st == 400 || st == 422, "{body}: {st} {p}");
    }
    // Another partition's client is not found from this one.
    let other = s.other_partition("globex").await;
    let (st, p) = s
        .admin_json(
            Method::POST,
            ASSIGN,
            Some(json!({"client_id": other.automation_client_id, "scheme": "oAuthClient"})),
        )
        .await;
    assert_eq!(st, 404, "{p}");
}

#[tokio::test]
async fn assign_adds_exactly_the_operations_scopes_on_sqlite() {
    assign_adds_exactly_the_operations_scopes(Backend::Sqlite).await;
}

#[tokio::test]
async fn assign_adds_exactly_the_operations_scopes_on_postgres() {
    if postgres_url().is_some() {
        assign_adds_exactly_the_operations_scopes(Backend::Postgres).await;
    }
}

async fn audit_events_newest_first(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    s.web_client("One", &[]).await;
    s.web_client("Two", &[]).await;
    let (st, oldest) = s
        .admin_json(Method::GET, "/audit-events?limit=200", None)
        .await;
    assert_eq!(st, 200, "{oldest}");
    let mut want: Vec<Value> = oldest["items"].as_array().unwrap().clone();
    want.reverse();
    // Pages of 3, newest first, followed to the end.
    let mut got: Vec<Value> = Vec::new();
    let mut cursor = String::new();
    loop {
        let (st, page) = s
            .admin_json(
                Method::GET,
                &format!("/audit-events?order=newest_first&limit=3{cursor}"),
                None,
            )
            .await;
        assert_eq!(st, 200, "{page}");
        got.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    // Events written meanwhile (the admin token requests) are newer than every one listed first.
    let got: Vec<Value> = got
        .into_iter()
        .skip_while(|e| !want.first().is_some_and(|w| w["id"] == e["id"]))
        .collect();
    assert_eq!(got, want, "the same events, newest first");
    let (st, p) = s
        .admin_json(Method::GET, "/audit-events?order=sideways", None)
        .await;
    assert_eq!(st, 400, "{p}");
}

#[tokio::test]
async fn audit_events_newest_first_on_sqlite() {
    audit_events_newest_first(Backend::Sqlite).await;
}

#[tokio::test]
async fn audit_events_newest_first_on_postgres() {
    if postgres_url().is_some() {
        audit_events_newest_first(Backend::Postgres).await;
    }
}
