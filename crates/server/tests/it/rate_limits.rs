//! The abuse limits' answers in one process (SQLite, counts in memory): a client past its token
//! requests a minute, an address past the anonymous-token limit and a locked login all answer
//! 429 with `Retry-After` and `X-RateLimit-Limit` / `-Remaining` / `-Reset`, the reset an RFC 3339
//! UTC date-time (docs/operations.md#abuse-limits). Across instances: `scale_out::limits`.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::code_flow_support::{Browser, create_user};
use crate::login_backoff::{attempt, login_form};
use crate::support::{Backend, TestServer};

/// The time now, as the server's `SystemClock` reads it.
pub fn wall_clock() -> OffsetDateTime {
    tessera_domain::Clock::now(&tessera_domain::clock::SystemClock)
}

/// Waits for the next UTC minute unless at least `need` of the current one is left, so the
/// requests of a test fall in one rate window.
pub async fn within_one_window(need: Duration) {
    let now = wall_clock();
    let into = Duration::from_secs(u64::from(now.second()))
        + Duration::from_nanos(u64::from(now.nanosecond()));
    let left = Duration::from_secs(60).saturating_sub(into);
    if left < need {
        tokio::time::sleep(left + Duration::from_millis(200)).await;
    }
}

/// Checks a refusal's headers: `Retry-After` seconds until the reset, the limit, nothing
/// remaining, and the reset time; returns the reset.
pub fn assert_refusal_headers(h: &HeaderMap, limit: u32) -> OffsetDateTime {
    let header = |name: &str| {
        h.get(name)
            .unwrap_or_else(|| panic!("no {name} in {h:?}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("x-ratelimit-limit"), limit.to_string());
    assert_eq!(header("x-ratelimit-remaining"), "0");
    let reset = OffsetDateTime::parse(&header("x-ratelimit-reset"), &Rfc3339).unwrap();
    assert!(header("x-ratelimit-reset").ends_with('Z'), "UTC");
    let retry: i64 = header("retry-after").parse().unwrap();
    let until = (reset - wall_clock()).whole_seconds();
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    assert!(
        (until - retry).abs() <= 2,
        "retry-after {retry} s, reset in {until} s"
    );
    reset
}

#[tokio::test]
async fn rate_limits_a_client_past_its_token_requests_a_minute() {
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        // Above the automation client's six admin tokens of the set-up below.
        c.clients.token_requests_per_minute = 10;
    })
    .await;
    let scope = "app.core.usermgr.read";
    let (id, secret) = s.web_client("Busy job", &[scope]).await;
    let (other, other_secret) = s.web_client("Quiet job", &[scope]).await;
    within_one_window(Duration::from_secs(10)).await;
    // Admitted answers carry the allowance too.
    for left in (0..10).rev() {
        let resp = s.client_credentials(&id, &secret, scope).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "10");
        assert_eq!(
            resp.headers()["x-ratelimit-remaining"],
            left.to_string().as_str()
        );
        assert!(resp.headers().contains_key("x-ratelimit-reset"));
    }
    let resp = s.client_credentials(&id, &secret, scope).await;
    assert_eq!(resp.status(), 429);
    let reset = assert_refusal_headers(resp.headers(), 10);
    assert_eq!(
        (reset.second(), reset.nanosecond()),
        (0, 0),
        "a minute boundary"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");
    // Another client has its own allowance; a wrong secret spends none of this one's.
    assert_eq!(
        s.client_credentials(&other, &other_secret, scope)
            .await
            .status(),
        200
    );
    assert_eq!(
        s.client_credentials(&other, "wrong", scope).await.status(),
        401
    );
}

#[tokio::test]
async fn rate_limits_the_anonymous_endpoint_with_headers() {
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.anonymous.requests_per_minute = 6;
        c.anonymous.burst = 3;
    })
    .await;
    let url = format!(
        "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=acme",
        s.base
    );
    let send = || {
        s.http
            .post(&url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "knowledge.portalmgr.read"),
            ])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(send().await.unwrap().status(), 200);
    }
    let resp = send().await.unwrap();
    assert_eq!(resp.status(), 429);
    // The burst is spent: one more every 10 s (60 s / 6).
    let reset = assert_refusal_headers(resp.headers(), 6);
    let until = reset - wall_clock();
    assert!(until <= time::Duration::seconds(11), "{until}");
}

#[tokio::test]
async fn rate_limits_a_locked_login_with_headers() {
    let s = TestServer::start().await;
    create_user(&s, "agent9", "a9@acme.test", "Agent Nine").await;
    let browser = Browser::new();
    let form = login_form(&s, &browser).await;
    for _ in 0..tessera_server::login_backoff::ACCOUNT_FREE {
        assert_eq!(attempt(&browser, &form, "agent9", "wrong", &[]).await, 401);
    }
    let resp = browser
        .http
        .post(&form.action)
        .form(&[
            ("request", form.request.as_str()),
            ("csrf", form.csrf.as_str()),
            ("username", "agent9"),
            ("password", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_refusal_headers(resp.headers(), tessera_server::login_backoff::ACCOUNT_FREE);
}
