//! The limit on concurrent password hashing: with every slot taken, the login page and the
//! admin API answer 503 with `Retry-After` at once instead of queueing, and the refused sign-ins
//! cost the account nothing.

use reqwest::Method;
use serde_json::{Value, json};
use tessera_server::login_backoff::ACCOUNT_FREE;

use crate::code_flow_support::{Browser, PASSWORD, create_user};
use crate::login_backoff::login_form;
use crate::support::{Backend, TestServer};

async fn admin_raw(s: &TestServer, method: Method, path: &str, body: Value) -> reqwest::Response {
    s.http
        .request(method, s.admin(path))
        .bearer_auth(s.admin_token().await)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> u64 {
    headers["retry-after"].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_full_hashing_limit_answers_503_with_retry_after() {
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.password_concurrency.limit = Some(1);
        c.password_concurrency.wait_ms = 0;
    })
    .await;
    let id = create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let browser = Browser::new();
    let form = login_form(&s, &browser).await;

    let held = s.state.passwords().gate().enter().await.unwrap();
    // The login page: the form again, a message saying to retry, 503 + Retry-After.
    for _ in 0..=ACCOUNT_FREE {
        let page = browser.submit(&form, "agent7", "wrong").await;
        assert_eq!(page.status, 503, "{:?}", page.alert());
        assert!(retry_after(&page.headers) >= 1);
        let alert = page.alert().unwrap();
        assert!(alert.contains("try again"), "{alert}");
        assert!(page.try_login_form().is_some(), "the form again");
    }
    // The admin API: creating a user and changing a password, as problem JSON.
    let new_user = json!({"username": "agent8", "email": "a8@acme.test",
        "display_name": "Agent Eight", "password": PASSWORD});
    let change = json!({"password": "another-long-password"});
    for resp in [
        admin_raw(&s, Method::POST, "/users", new_user.clone()).await,
        admin_raw(&s, Method::PATCH, &format!("/users/{id}"), change).await,
    ] {
        assert_eq!(resp.status(), 503);
        assert!(retry_after(resp.headers()) >= 1);
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["status"], 503, "{problem}");
    }

    drop(held);
    // The refused sign-ins spent none of the account's attempts.
    let page = browser.submit(&form, "agent7", PASSWORD).await;
    assert_eq!(page.status, 303, "{:?}", page.alert());
    let resp = admin_raw(&s, Method::POST, "/users", new_user).await;
    assert_eq!(resp.status(), 201);
}
