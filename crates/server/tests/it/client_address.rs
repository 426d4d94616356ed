//! Whose address a request is counted under. Behind a trusted proxy (the test server's peer is
//! always 127.0.0.1, so the tests trust 127.0.0.1/32) each client named by `X-Forwarded-For`
//! gets its own login back-off and anonymous-token budget; from any other peer the header is
//! the client's own claim and is ignored, so forging it resets nothing.

use tessera_server::login_backoff::ADDRESS_FREE;

use crate::code_flow_support::{Browser, PASSWORD, create_user};
use crate::login_backoff::{attempt, login_form};
use crate::support::{Backend, TestServer};

const CLIENT_A: &str = "198.51.100.1";
const CLIENT_B: &str = "198.51.100.2";

async fn behind_proxy(tweak: impl FnOnce(&mut tessera_server::config::Config)) -> TestServer {
    TestServer::start_with(Backend::Sqlite, |c| {
        c.proxy.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        tweak(c);
    })
    .await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_login_budget() {
    let s = behind_proxy(|_| {}).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let browser = Browser::new();
    let form = login_form(&s, &browser).await;
    let from = |ip: &'static str| [("x-forwarded-for", ip)];
    // Client A sprays wrong passwords over many names until its address is locked.
    for i in 0..ADDRESS_FREE {
        let st = attempt(
            &browser,
            &form,
            &format!("nobody{i}"),
            "wrong",
            &from(CLIENT_A),
        )
        .await;
        assert_eq!(st, 401, "attempt {i}");
    }
    assert_eq!(
        attempt(&browser, &form, "someone", "wrong", &from(CLIENT_A)).await,
        429
    );
    // A cannot get out by claiming another address left of what the proxy appended.
    let claim = [("x-forwarded-for", "203.0.113.9, 198.51.100.1")];
    assert_eq!(
        attempt(&browser, &form, "someone", "wrong", &claim).await,
        429
    );
    // Client B, behind the same proxy, is not locked out.
    assert_eq!(
        attempt(&browser, &form, "agent7", PASSWORD, &from(CLIENT_B)).await,
        303
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_forged_headers_reset_nothing() {
    let s = TestServer::start().await;
    let browser = Browser::new();
    let form = login_form(&s, &browser).await;
    for i in 0..ADDRESS_FREE {
        let forged = format!("203.0.113.{i}");
        let headers = [
            ("x-forwarded-for", forged.as_str()),
            ("forwarded", &format!("for={forged}")),
        ];
        let st = attempt(&browser, &form, &format!("nobody{i}"), "wrong", &headers).await;
        assert_eq!(st, 401, "attempt {i}");
    }
    let headers = [
        ("x-forwarded-for", CLIENT_B),
        ("forwarded", "for=198.51.100.2"),
    ];
    assert_eq!(
        attempt(&browser, &form, "someone", "wrong", &headers).await,
        429
    );
}

async fn anonymous(s: &TestServer, headers: &[(&str, &str)]) -> u16 {
    let mut req = s
        .http
        .post(format!(
            "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=acme",
            s.base
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "knowledge.portalmgr.read"),
        ]);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_anonymous_token_limit_is_per_client_behind_a_trusted_proxy_only() {
    let limited = |c: &mut tessera_server::config::Config| {
        c.anonymous.requests_per_minute = 1;
        c.anonymous.burst = 2;
    };
    let s = behind_proxy(limited).await;
    for _ in 0..2 {
        assert_eq!(anonymous(&s, &[("x-forwarded-for", CLIENT_A)]).await, 200);
    }
    assert_eq!(anonymous(&s, &[("x-forwarded-for", CLIENT_A)]).await, 429);
    assert_eq!(anonymous(&s, &[("x-forwarded-for", CLIENT_B)]).await, 200);

    // Directly connected clients cannot buy themselves a fresh bucket with the header.
    let s = TestServer::start_with(Backend::Sqlite, limited).await;
    for _ in 0..2 {
        assert_eq!(anonymous(&s, &[("x-forwarded-for", CLIENT_A)]).await, 200);
    }
    assert_eq!(anonymous(&s, &[("x-forwarded-for", CLIENT_B)]).await, 429);
}
