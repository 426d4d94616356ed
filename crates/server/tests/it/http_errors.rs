//! Errors no handler wrote — the body limit, the router's 404 and 405 — answer in the format of
//! the endpoint they hit (RFC 6749 JSON at the OAuth endpoints, RFC 9457 problem JSON at the
//! admin API), and the cache headers those endpoints require are on every response.

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::TestServer;

/// More than the default 64 KiB body limit.
const TOO_BIG: usize = 100_000;

/// Checks an RFC 6749 error response: JSON, `invalid_request` (or the given code), no caching.
async fn assert_oauth_error(resp: reqwest::Response, status: u16, what: &str) -> Value {
    assert_eq!(resp.status(), status, "{what}");
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "application/json", "{what}");
    assert_eq!(h["cache-control"], "no-store", "{what}");
    assert_eq!(h["pragma"], "no-cache", "{what}");
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].is_string(), "{what}: {body}");
    assert!(body["error_description"].is_string(), "{what}: {body}");
    body
}

/// Checks an RFC 9457 problem response that must not be cached.
async fn assert_problem(resp: reqwest::Response, status: u16, what: &str) -> Value {
    assert_eq!(resp.status(), status, "{what}");
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "application/problem+json", "{what}");
    assert_eq!(h["cache-control"], "no-store", "{what}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], status, "{what}: {body}");
    body
}

/// POSTs `len` bytes with chunked transfer encoding (no `Content-Length`, so the limit is found
/// while reading) over a raw connection, with `headers` (each ending in CRLF); returns the
/// status and the whole response.
async fn post_chunked(base: &str, path: &str, headers: &str, len: usize) -> (u16, String) {
    let addr = base.strip_prefix("http://").unwrap();
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut req = head.into_bytes();
    for chunk in vec![b'a'; len].chunks(8192) {
        req.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend(chunk);
        req.extend(b"\r\n");
    }
    req.extend(b"0\r\n\r\n");
    // The server may answer and close before reading everything: a failed write is expected.
    let _ = conn.write_all(&req).await;
    let mut out = Vec::new();
    let _ = conn.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn oversized_bodies_are_json_in_the_endpoint_format() {
    let s = TestServer::start().await;
    let form = "application/x-www-form-urlencoded";
    let big = format!(
        "grant_type=client_credentials&scope={}",
        "a".repeat(TOO_BIG)
    );
    let oauth_endpoints = [
        format!("{}/oauth2/token", s.issuer('U')),
        format!("{}/oauth2/revoke", s.issuer('U')),
        format!("{}/oauth2/introspect", s.issuer('U')),
        format!("{}/oauth2/userinfo", s.issuer('U')),
        format!(
            "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=acme",
            s.base
        ),
        format!(
            "{}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type=user&tenantId=acme",
            s.base
        ),
    ];
    for url in &oauth_endpoints {
        let resp = s
            .http
            .post(url)
            .header("content-type", form)
            .body(big.clone())
            .send()
            .await
            .unwrap();
        let body = assert_oauth_error(resp, 413, url).await;
        assert_eq!(body["error"], "invalid_request", "{url}");
        if url.contains("/userinfo") {
            // Userinfo never reads its body: without a Content-Length there is nothing to refuse.
            continue;
        }
        let path = url.strip_prefix(&s.base).unwrap();
        let (status, text) =
            post_chunked(&s.base, path, &format!("Content-Type: {form}\r\n"), TOO_BIG).await;
        assert_eq!(status, 413, "chunked {url}: {text}");
        assert!(
            text.contains("\"error\":\"invalid_request\""),
            "chunked {url}: {text}"
        );
    }

    let token = s.admin_token().await;
    for (method, path) in [
        (Method::POST, "/client-applications"),
        (Method::POST, "/users"),
        (Method::DELETE, "/departments/Sales"),
    ] {
        let resp = s
            .http
            .request(method.clone(), s.admin(path))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(vec![b' '; TOO_BIG])
            .send()
            .await
            .unwrap();
        let p = assert_problem(resp, 413, path).await;
        assert!(p["detail"].as_str().unwrap().contains("65536"), "{p}");
    }
    let path = "/admin/api/v1/partitions/acme/client-applications";
    let (status, text) = post_chunked(
        &s.base,
        path,
        &format!("Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n"),
        TOO_BIG,
    )
    .await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
}

#[tokio::test]
async fn wrong_methods_and_unknown_paths_answer_json() {
    let s = TestServer::start().await;
    // OAuth endpoints: RFC 6749 JSON, with Allow on a 405.
    let resp = s.http.put(s.token_url()).send().await.unwrap();
    assert!(resp.headers().contains_key("allow"));
    assert_oauth_error(resp, 405, "PUT token").await;
    let resp = s
        .http
        .get(format!("{}/oauth2/introspect", s.issuer('U')))
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 405, "GET introspect").await;
    let resp = s
        .http
        .get(format!("{}/oauth2/nothing-here", s.issuer('U')))
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 404, "unknown oauth2 path").await;
    let resp = s
        .http
        .get(format!(
            "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token",
            s.base
        ))
        .send()
        .await
        .unwrap();
    assert_oauth_error(resp, 405, "GET compat token").await;

    // Admin API: problem JSON.
    let token = s.admin_token().await;
    let resp = s
        .http
        .put(s.admin("/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("allow"));
    assert_problem(resp, 405, "PUT users").await;
    let resp = s
        .http
        .get(s.admin("/no-such-resource"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "unknown admin path").await;
    let resp = s
        .http
        .get(format!("{}/admin/api/v2/anything", s.base))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "unknown admin version").await;
    let resp = s
        .http
        .post(s.admin("/users"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 415, "text body").await;
    let resp = s
        .http
        .post(s.admin("/users"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 400, "broken JSON").await;
}

#[tokio::test]
async fn admin_responses_are_never_cached() {
    let s = TestServer::start().await;
    let token = s.admin_token().await;
    let (id, _) = s
        .web_client("Cache test", &["app.knowledge.portalmgr.read"])
        .await;
    // A new secret's value is in this response: no cache may keep it.
    let resp = s
        .http
        .post(s.admin(&format!("/client-applications/{id}/secrets")))
        .bearer_auth(&token)
        .json(&json!({"name": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    for (what, req) in [
        ("list", s.http.get(s.admin("/users")).bearer_auth(&token)),
        (
            "get",
            s.http
                .get(s.admin(&format!("/client-applications/{id}")))
                .bearer_auth(&token),
        ),
        ("no token", s.http.get(s.admin("/users"))),
        (
            "not found",
            s.http
                .get(s.admin("/users/00000000-0000-0000-0000-000000000000"))
                .bearer_auth(&token),
        ),
        (
            "invalid",
            s.http
                .post(s.admin("/users"))
                .bearer_auth(&token)
                .json(&json!({"username": ""})),
        ),
    ] {
        let resp = req.send().await.unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-store", "{what}");
    }
}

#[tokio::test]
async fn token_responses_are_never_cached() {
    let s = TestServer::start().await;
    let c = &s.created;
    let anonymous = format!(
        "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=acme",
        s.base
    );
    for (what, resp, status) in [
        (
            "success",
            s.client_credentials(
                &c.automation_client_id,
                &c.automation_client_secret,
                "app.core.admin.manage",
            )
            .await,
            200,
        ),
        (
            "bad secret",
            s.client_credentials(&c.automation_client_id, "wrong", "app.core.admin.manage")
                .await,
            401,
        ),
        (
            "bad scope",
            s.client_credentials(
                &c.automation_client_id,
                &c.automation_client_secret,
                "no.such.scope",
            )
            .await,
            400,
        ),
        (
            "no grant type",
            s.http
                .post(s.token_url())
                .form(&[("scope", "x")])
                .send()
                .await
                .unwrap(),
            400,
        ),
        (
            "anonymous",
            s.http
                .post(&anonymous)
                .form(&[("grant_type", "client_credentials"), ("scope", "x")])
                .send()
                .await
                .unwrap(),
            400,
        ),
    ] {
        assert_eq!(resp.status(), status, "{what}");
        assert_eq!(resp.headers()["cache-control"], "no-store", "{what}");
        assert_eq!(resp.headers()["pragma"], "no-cache", "{what}");
    }
}
