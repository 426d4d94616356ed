//! An issuer path segment naming no realm of this deployment — a partition that does not exist,
//! a realm suffix other than `-U`/`-C`, no suffix — is answered as each surface answers errors:
//! JSON `invalid_request` 404 at the machine endpoints, a 404 page at the browser-facing ones.

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::support::TestServer;

const SEGMENTS: [&str; 3] = ["nobody-U", "acme-X", "acme"];

#[tokio::test]
async fn json_endpoints_answer_unknown_issuer() {
    let s = TestServer::start().await;
    for segment in SEGMENTS {
        for (method, path) in [
            (Method::POST, format!("/system/auth/{segment}/oauth2/token")),
            (
                Method::GET,
                format!("/system/auth/{segment}/oauth2/userinfo"),
            ),
            (
                Method::POST,
                format!("/system/auth/{segment}/oauth2/revoke"),
            ),
            (
                Method::POST,
                format!("/system/auth/{segment}/oauth2/introspect"),
            ),
            (Method::GET, format!("/system/auth/{segment}/oauth2/keys")),
            (
                Method::GET,
                format!("/system/auth/{segment}/.well-known/openid-configuration"),
            ),
            (
                Method::GET,
                format!("/.well-known/oauth-authorization-server/system/auth/{segment}"),
            ),
        ] {
            let resp = s
                .http
                .request(method, format!("{}{path}", s.base))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials&token=x")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 404, "{path}");
            let v: Value = resp.json().await.unwrap();
            assert_eq!(v["error"], "invalid_request", "{path}: {v}");
            assert!(
                v["error_description"]
                    .as_str()
                    .unwrap()
                    .starts_with("no such issuer"),
                "{path}: {v}"
            );
        }
    }
}

#[tokio::test]
async fn browser_endpoints_answer_a_page() {
    let s = TestServer::start().await;
    for segment in SEGMENTS {
        for (method, path) in [
            (
                Method::GET,
                format!("/system/auth/{segment}/oauth2/authorize"),
            ),
            (
                Method::POST,
                format!("/system/auth/{segment}/oauth2/authorize"),
            ),
            (Method::POST, format!("/system/auth/{segment}/oauth2/login")),
            (Method::GET, format!("/system/auth/{segment}/oauth2/logout")),
            (
                Method::POST,
                format!("/system/auth/{segment}/oauth2/logout"),
            ),
        ] {
            let resp = s
                .http
                .request(method, format!("{}{path}", s.base))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body("client_id=x")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 404, "{path}");
            let html = resp.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html");
            assert!(html, "{path}: {:?}", resp.headers());
            let body = resp.text().await.unwrap();
            assert!(body.contains("There is no such sign-in address"), "{path}");
        }
    }
}
