//! The abuse limits hold across instances (docs/operations.md#abuse-limits): two `tessera
//! serve` processes on one PostgreSQL database, requests alternating between them.
//!
//! - A client's token requests a minute: the instances admit at most the limit plus the
//!   documented overshoot (what the other instance admits within one reconciliation interval),
//!   then both refuse with 429 and the four headers. Counted per instance, they would admit
//!   twice the limit.
//! - The anonymous-token limit per address, likewise.
//! - The login back-off: failures at one instance lock the account at the other, and guesses
//!   raced at both get exactly the free attempts between them.

use std::time::{Duration, Instant};

use futures::future::join_all;
use tessera_server::login_backoff::ACCOUNT_FREE;

use super::cluster::Cluster;
use super::tokens::{auth_url, create_user, web_app};
use crate::code_flow_support::{Browser, LoginForm, PASSWORD};
use crate::rate_limits::{assert_refusal_headers, within_one_window};

/// Pause between two requests of the alternating sequences: each instance then sees one
/// request of the key every 2 × PACE.
const PACE: Duration = Duration::from_millis(20);
/// The most the instances may admit past a limit with [`PACE`]: the other instance's requests
/// during one reconciliation interval (150 ms) and one round trip to the database, with room
/// for a loaded machine.
const OVERSHOOT: usize = 8;

/// Sends `n` requests alternating between instances 0 and 1, `PACE` apart; returns the statuses
/// and the last refusal's headers at each instance.
async fn alternate<F, Fut>(n: usize, send: F) -> (Vec<u16>, [Option<reqwest::header::HeaderMap>; 2])
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let mut statuses = Vec::with_capacity(n);
    let mut refused: [Option<reqwest::header::HeaderMap>; 2] = [None, None];
    for i in 0..n {
        let resp = send(i % 2).await.unwrap();
        let st = resp.status().as_u16();
        if st == 429 {
            refused[i % 2] = Some(resp.headers().clone());
        }
        let body = resp.text().await.unwrap();
        assert!(matches!(st, 200 | 429), "request {i}: {st} {body}");
        statuses.push(st);
        tokio::time::sleep(PACE).await;
    }
    (statuses, refused)
}

fn report(what: &str, limit: usize, statuses: &[u16]) -> usize {
    let admitted = statuses.iter().filter(|s| **s == 200).count();
    let last_admitted = statuses.iter().rposition(|s| *s == 200).unwrap_or(0);
    eprintln!(
        "{what}: limit {limit}/min, 2 instances, {} requests {PACE:?} apart: {admitted} admitted, \
         the last at request {last_admitted}",
        statuses.len()
    );
    admitted
}

#[tokio::test]
async fn a_clients_token_limit_holds_across_instances() {
    const LIMIT: usize = 40;
    let Some(c) =
        Cluster::start_with_env(2, &[("TESSERA_CLIENTS__TOKEN_REQUESTS_PER_MINUTE", "40")]).await
    else {
        return;
    };
    let scope = "app.core.usermgr.read";
    let (id, secret) = c.web_client(0, "Busy job", &[scope]).await;
    within_one_window(Duration::from_secs(20)).await;
    let started = Instant::now();
    let (statuses, refused) = alternate(2 * LIMIT, |i| {
        c.http
            .post(format!("{}/oauth2/token", c.issuer_at(i, 'U')))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
    })
    .await;
    let admitted = report("client token limit", LIMIT, &statuses);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the sequence fits in one window"
    );
    assert!(
        (LIMIT..=LIMIT + OVERSHOOT).contains(&admitted),
        "{admitted} admitted for a limit of {LIMIT}: {statuses:?}"
    );
    // Once refused, refused at both instances, with the headers.
    assert!(
        statuses[statuses.len() - 10..].iter().all(|s| *s == 429),
        "{statuses:?}"
    );
    for (i, h) in refused.iter().enumerate() {
        let h = h
            .as_ref()
            .unwrap_or_else(|| panic!("no refusal at instance {i}"));
        assert_refusal_headers(h, 40);
    }
    // Another client is not affected.
    let (other, other_secret) = c.web_client(1, "Quiet job", &[scope]).await;
    let (st, body) = c.client_credentials(0, &other, &other_secret, scope).await;
    assert_eq!(st, 200, "{body}");
}

#[tokio::test]
async fn the_anonymous_token_limit_holds_across_instances() {
    const LIMIT: usize = 20;
    // A burst as large as the limit: each instance alone would admit 20 at once, so what
    // stops the sequence is the shared window.
    let Some(c) = Cluster::start_with_env(
        2,
        &[
            ("TESSERA_ANONYMOUS__REQUESTS_PER_MINUTE", "20"),
            ("TESSERA_ANONYMOUS__BURST", "20"),
        ],
    )
    .await
    else {
        return;
    };
    within_one_window(Duration::from_secs(20)).await;
    let (statuses, refused) = alternate(3 * LIMIT, |i| {
        c.http
            .post(format!(
                "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=acme",
                c.base(i)
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "knowledge.portalmgr.read"),
            ])
            .send()
    })
    .await;
    let admitted = report("anonymous-token limit", LIMIT, &statuses);
    assert!(
        (LIMIT..=LIMIT + OVERSHOOT).contains(&admitted),
        "{admitted} admitted for a limit of {LIMIT}: {statuses:?}"
    );
    for (i, h) in refused.iter().enumerate() {
        let h = h
            .as_ref()
            .unwrap_or_else(|| panic!("no refusal at instance {i}"));
        assert_refusal_headers(h, 20);
    }
}

/// The login form of `app`'s authorization request, as `browser` opened it at instance 0, and
/// the same form's address at instance 1.
async fn login_forms(c: &Cluster, browser: &Browser) -> [LoginForm; 2] {
    let app = web_app(c, 0, "Agent desk").await;
    let page = browser.get(&auth_url(c, 0, &app)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let at0 = page.login_form();
    let path = at0
        .action
        .strip_prefix(&c.public_url)
        .unwrap_or(&at0.action)
        .to_owned();
    let at1 = LoginForm {
        action: format!("{}{path}", c.base(1)),
        request: at0.request.clone(),
        csrf: at0.csrf.clone(),
    };
    [at0, at1]
}

async fn submit(
    browser: &Browser,
    form: &LoginForm,
    login: &str,
    password: &str,
) -> reqwest::Response {
    browser
        .http
        .post(&form.action)
        .form(&[
            ("request", form.request.as_str()),
            ("csrf", form.csrf.as_str()),
            ("username", login),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_login_backoff_holds_across_instances() {
    let Some(c) = Cluster::start(2).await else {
        return;
    };
    create_user(&c, 0, "agent7").await;
    let browser = Browser::new();
    let forms = login_forms(&c, &browser).await;

    // Guesses raced at both instances at once: the free attempts between them, no more.
    let (b, f) = (&browser, &forms);
    let raced = join_all((0..40).map(|i| async move {
        let resp = submit(b, &f[i % 2], "nobody", "wrong").await;
        resp.status().as_u16()
    }))
    .await;
    let checked = raced.iter().filter(|s| **s == 401).count();
    eprintln!("login back-off: 40 guesses raced at 2 instances, {checked} checked");
    assert_eq!(checked, ACCOUNT_FREE as usize, "{raced:?}");
    assert!(raced.iter().all(|s| matches!(s, 401 | 429)), "{raced:?}");

    // Failures at instance 0, waiting out each lock, until the lock lasts 8 s …
    let mut failed = 0;
    while failed < ACCOUNT_FREE + 3 {
        let resp = submit(&browser, &forms[0], "agent7", "wrong").await;
        match resp.status().as_u16() {
            401 => failed += 1,
            429 => {
                let secs: u64 = resp.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                tokio::time::sleep(Duration::from_secs(secs) + Duration::from_millis(100)).await;
            }
            other => panic!("{other}: {}", resp.text().await.unwrap()),
        }
    }
    // … lock the account at instance 1, even for the right password.
    let resp = submit(&browser, &forms[1], "agent7", PASSWORD).await;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap();
    assert_eq!(status, 429, "{body}");
    assert_refusal_headers(&headers, ACCOUNT_FREE);
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (5..=8).contains(&retry),
        "the 8 s lock set at instance 0: {retry}"
    );
}
