//! The login back-off end to end: an attempt is counted before its password is checked, so
//! parallel guesses get no more checks than sequential ones, and an account's username and email
//! spend one budget, the same budget a name without an account has.

use futures::future::join_all;
use tessera_server::login_backoff::ACCOUNT_FREE;

use crate::code_flow_support::{Browser, LoginForm, PASSWORD, create_user, web_app};
use crate::support::TestServer;

/// The login form for a Web app at the users realm, opened in `browser`.
pub async fn login_form(s: &TestServer, browser: &Browser) -> LoginForm {
    let app = web_app(s, "Agent desk").await;
    let url = url::Url::parse_with_params(
        &format!("{}/oauth2/authorize", s.issuer('U')),
        &[
            ("client_id", app.id.as_str()),
            ("redirect_uri", app.redirect.as_str()),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "st-1"),
        ],
    )
    .unwrap();
    let page = browser.get(url.as_str()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.login_form()
}

/// Submits `form` with these credentials and extra request headers; returns the status.
pub async fn attempt(
    browser: &Browser,
    form: &LoginForm,
    login: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> u16 {
    let mut req = browser.http.post(&form.action).form(&[
        ("request", form.request.as_str()),
        ("csrf", form.csrf.as_str()),
        ("username", login),
        ("password", password),
    ]);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn parallel_guesses_get_only_the_free_attempts() {
    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let browser = Browser::new();
    let form = login_form(&s, &browser).await;
    // A name with an account and one without: the same number of checks, so the back-off does
    // not tell them apart.
    for login in ["agent7", "nobody"] {
        let statuses =
            join_all((0..40).map(|_| attempt(&browser, &form, login, "wrong", &[]))).await;
        let checked = statuses.iter().filter(|st| **st == 401).count();
        assert_eq!(checked, ACCOUNT_FREE as usize, "{login}: {statuses:?}");
        assert!(
            statuses.iter().all(|st| matches!(st, 401 | 429)),
            "{login}: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn username_and_email_of_one_account_share_one_budget() {
    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let browser = Browser::new();
    let form = login_form(&s, &browser).await;
    for i in 0..ACCOUNT_FREE {
        let login = if i % 2 == 0 { "agent7" } else { "A7@acme.test" };
        assert_eq!(
            attempt(&browser, &form, login, "wrong", &[]).await,
            401,
            "{login}"
        );
    }
    // Locked under either name, even with the right password.
    for login in ["a7@acme.test", "agent7", "AGENT7"] {
        assert_eq!(
            attempt(&browser, &form, login, PASSWORD, &[]).await,
            429,
            "{login}"
        );
    }
}
