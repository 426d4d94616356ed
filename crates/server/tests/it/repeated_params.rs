//! Every OAuth endpoint and compatibility address refuses a repeated parameter (RFC 6749 §3.1:
//! "Request and response parameters MUST NOT be included more than once"), through the one
//! strict parser (`oauth/form.rs`): `invalid_request` in JSON where the endpoint answers JSON, a
//! 400 page that sends the browser nowhere where it answers browsers (RFC 6749 §4.1.2.1: a
//! request whose redirect URI cannot be trusted is not redirected).

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::support::TestServer;

const FORM: &str = "application/x-www-form-urlencoded";

/// Asserts a JSON `invalid_request` naming the repetition.
async fn assert_invalid_request(resp: reqwest::Response, surface: &str) {
    assert_eq!(resp.status(), 400, "{surface}");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request", "{surface}: {v}");
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("repeated"),
        "{surface}: {v}"
    );
}

/// Asserts the HTML refusal page naming the repetition, with no redirect.
async fn assert_refusal_page(resp: reqwest::Response, surface: &str) {
    assert_eq!(resp.status(), 400, "{surface}");
    assert!(resp.headers().get("location").is_none(), "{surface}");
    let html = resp.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html");
    assert!(html, "{surface}: {:?}", resp.headers());
    let body = resp.text().await.unwrap();
    assert!(body.contains("repeated"), "{surface}: {body}");
}

async fn post_form(s: &TestServer, url: &str, body: &str) -> reqwest::Response {
    s.http
        .post(url)
        .header(CONTENT_TYPE, FORM)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn token_endpoint_refuses_a_repeated_parameter() {
    let s = TestServer::start().await;
    let resp = post_form(
        &s,
        &s.token_url(),
        "grant_type=client_credentials&scope=a&scope=b",
    )
    .await;
    assert_invalid_request(resp, "token").await;
}

#[tokio::test]
async fn anonymous_address_refuses_a_repeated_query_parameter() {
    let s = TestServer::start().await;
    let address = format!("{}/core/authmgr/v3/oauth2/v2.0/anonymous/token", s.base);
    for query in [
        "user_type=customer&domain_hint=acme&domain_hint=acme",
        // Parameters the address does not read are ignored, but not when repeated.
        "user_type=customer&domain_hint=acme&extra=1&extra=2",
    ] {
        let resp = post_form(
            &s,
            &format!("{address}?{query}"),
            "grant_type=client_credentials&scope=knowledge.portalmgr.read",
        )
        .await;
        assert_invalid_request(resp, query).await;
    }
    let resp = post_form(
        &s,
        &format!("{address}?user_type=customer&domain_hint=acme"),
        "grant_type=client_credentials&grant_type=client_credentials",
    )
    .await;
    assert_invalid_request(resp, "anonymous body").await;
}

#[tokio::test]
async fn on_behalf_of_address_refuses_a_repeated_query_parameter() {
    let s = TestServer::start().await;
    let address = format!("{}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token", s.base);
    for query in [
        "user_type=user&user_type=customer&tenantId=acme",
        "user_type=user&tenantId=acme&extra=1&extra=1",
    ] {
        let resp = post_form(
            &s,
            &format!("{address}?{query}"),
            "grant_type=password&subject_username=agent7",
        )
        .await;
        assert_invalid_request(resp, query).await;
    }
    let resp = post_form(
        &s,
        &format!("{address}?user_type=user&tenantId=acme"),
        "grant_type=password&grant_type=password",
    )
    .await;
    assert_invalid_request(resp, "on-behalf-of body").await;
}

#[tokio::test]
async fn revocation_and_introspection_refuse_a_repeated_parameter() {
    let s = TestServer::start().await;
    for endpoint in ["revoke", "introspect"] {
        let resp = post_form(
            &s,
            &format!("{}/oauth2/{endpoint}", s.issuer('U')),
            "token=a&token=b",
        )
        .await;
        assert_invalid_request(resp, endpoint).await;
    }
}

#[tokio::test]
async fn userinfo_refuses_a_repeated_parameter() {
    let s = TestServer::start().await;
    let resp = post_form(
        &s,
        &format!("{}/oauth2/userinfo", s.issuer('U')),
        "access_token=a&access_token=b",
    )
    .await;
    // RFC 6750 §3.1: invalid_request, with the challenge.
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_invalid_request(resp, "userinfo").await;
}

#[tokio::test]
async fn authorization_and_login_pages_refuse_a_repeated_parameter() {
    let s = TestServer::start().await;
    let authorize = format!("{}/oauth2/authorize", s.issuer('U'));
    let request = "response_type=code&client_id=x&redirect_uri=https%3A%2F%2Fa.example%2Fcb\
                   &redirect_uri=https%3A%2F%2Fevil.example%2Fcb";
    let resp = s
        .http
        .get(format!("{authorize}?{request}"))
        .send()
        .await
        .unwrap();
    assert_refusal_page(resp, "authorize GET").await;
    let resp = post_form(&s, &authorize, request).await;
    assert_refusal_page(resp, "authorize POST").await;
    let resp = post_form(
        &s,
        &format!("{}/oauth2/login", s.issuer('U')),
        "username=a&username=b&password=x&request=",
    )
    .await;
    assert_refusal_page(resp, "login form").await;
}

#[tokio::test]
async fn logout_refuses_a_repeated_parameter() {
    let s = TestServer::start().await;
    let logout = format!("{}/oauth2/logout", s.issuer('U'));
    let request = "client_id=x&client_id=y";
    let resp = s
        .http
        .get(format!("{logout}?{request}"))
        .send()
        .await
        .unwrap();
    assert_refusal_page(resp, "logout GET").await;
    let resp = post_form(&s, &logout, request).await;
    assert_refusal_page(resp, "logout POST").await;
}
