//! Tokens and codes across instances: what one instance issued, another introspects, refreshes
//! and revokes; an authorization code is redeemed once whichever instances it is sent to; two
//! instances refreshing one refresh token at the same moment give exactly one winner, and the
//! loser's attempt counts as reuse, which ends the sign-in (RFC 9700 §4.14.2).

use reqwest::Method;
use serde_json::{Value, json};

use super::cluster::{Cluster, status_json};
use crate::code_flow_refusals::{VERIFIER, challenge};
use crate::code_flow_support::{Browser, DELEGATED, PASSWORD, WEB_REDIRECT};

/// Races of one refresh token between two instances.
const REFRESH_RACES: usize = 50;
/// Codes each sent to three instances at once.
const CODE_RACES: usize = 10;

/// A Web app registered for the code flow: (client_id, secret).
pub struct WebApp {
    pub id: String,
    pub secret: String,
}

/// An enabled user `username` created through instance `i`; returns its id.
pub async fn create_user(c: &Cluster, i: usize, username: &str) -> String {
    let u = c
        .admin_ok(
            i,
            Method::POST,
            "/users",
            Some(
                json!({"username": username, "email": format!("{username}@acme.test"),
                "display_name": username, "password": PASSWORD}),
            ),
        )
        .await;
    u["id"].as_str().unwrap().to_owned()
}

/// A Web app with the delegated permission, registered through instance `i`.
pub async fn web_app(c: &Cluster, i: usize, name: &str) -> WebApp {
    let (id, secret) = c.web_client(i, name, &[DELEGATED]).await;
    WebApp { id, secret }
}

/// The authorization URL at instance `i` (`openid offline_access` and the delegated
/// permission, S256 over [`VERIFIER`]).
pub fn auth_url(c: &Cluster, i: usize, app: &WebApp) -> String {
    url::Url::parse_with_params(
        &format!("{}/oauth2/authorize", c.issuer_at(i, 'U')),
        &[
            ("client_id", app.id.as_str()),
            ("redirect_uri", WEB_REDIRECT),
            ("response_type", "code"),
            ("scope", &format!("openid offline_access {DELEGATED}")),
            ("state", "st-1"),
            ("code_challenge", &challenge()),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap()
    .to_string()
}

/// A token-endpoint request at instance `i` as `app`: (status, body).
pub async fn token(c: &Cluster, i: usize, app: &WebApp, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = c
        .http
        .post(format!("{}/oauth2/token", c.issuer_at(i, 'U')))
        .basic_auth(&app.id, Some(&app.secret))
        .form(form)
        .send()
        .await
        .unwrap();
    status_json(resp).await
}

pub async fn redeem(c: &Cluster, i: usize, app: &WebApp, code: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", WEB_REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    token(c, i, app, &form).await
}

pub async fn refresh(c: &Cluster, i: usize, app: &WebApp, rt: &str) -> (u16, Value) {
    token(
        c,
        i,
        app,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
}

/// Whether instance `i`'s introspection calls `token` active.
pub async fn active_at(c: &Cluster, i: usize, app: &WebApp, token: &str) -> bool {
    let resp = c
        .http
        .post(format!("{}/oauth2/introspect", c.issuer_at(i, 'U')))
        .basic_auth(&app.id, Some(&app.secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    let (st, body) = status_json(resp).await;
    assert_eq!(st, 200, "introspection at {i}: {body}");
    body["active"].as_bool().unwrap()
}

/// A code for `app` from the browser's session at instance `i` (signing in when it has none).
pub async fn code(c: &Cluster, i: usize, app: &WebApp, browser: &Browser, user: &str) -> String {
    let url = auth_url(c, i, app);
    let page = browser.get(&url).await;
    let cb = if page.status == 200 {
        browser.sign_in(&url, user, PASSWORD).await
    } else {
        page.callback()
    };
    cb.get("code").to_owned()
}

fn str_of<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field}: {v}"))
}

#[tokio::test]
async fn tokens_issued_by_one_instance_are_honoured_by_every_other() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    create_user(&c, 0, "agent7").await;
    let app = web_app(&c, 1, "Agent desk").await;
    let browser = Browser::new();
    let code = code(&c, 2, &app, &browser, "agent7").await;
    let (st, tokens) = redeem(&c, 0, &app, &code).await;
    assert_eq!(st, 200, "{tokens}");
    let access = str_of(&tokens, "access_token").to_owned();
    // Issued by instance 0: active at 1 and 2.
    assert!(active_at(&c, 1, &app, &access).await);
    assert!(active_at(&c, 2, &app, &access).await);
    // Refreshed at 1; the new access token is active at 2 and 0.
    let (st, refreshed) = refresh(&c, 1, &app, str_of(&tokens, "refresh_token")).await;
    assert_eq!(st, 200, "{refreshed}");
    let rt = str_of(&refreshed, "refresh_token").to_owned();
    let access2 = str_of(&refreshed, "access_token").to_owned();
    assert!(active_at(&c, 2, &app, &access2).await);
    assert!(active_at(&c, 0, &app, &access2).await);
    // Revoked at 2 (RFC 7009): the refresh token is refused at 0 and 1, and the sign-in's
    // access tokens are inactive there.
    let resp = c
        .http
        .post(format!("{}/oauth2/revoke", c.issuer_at(2, 'U')))
        .basic_auth(&app.id, Some(&app.secret))
        .form(&[("token", rt.as_str()), ("token_type_hint", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for i in [0, 1] {
        let (st, body) = refresh(&c, i, &app, &rt).await;
        assert_eq!(
            (st, str_of(&body, "error")),
            (400, "invalid_grant"),
            "at {i}"
        );
        assert!(!active_at(&c, i, &app, &access2).await, "at {i}");
    }
    // An access token revoked at 0 is inactive at 1 and 2.
    let code2 = self::code(&c, 0, &app, &browser, "agent7").await;
    let (st, t3) = redeem(&c, 1, &app, &code2).await;
    assert_eq!(st, 200, "{t3}");
    let access3 = str_of(&t3, "access_token");
    let resp = c
        .http
        .post(format!("{}/oauth2/revoke", c.issuer_at(0, 'U')))
        .basic_auth(&app.id, Some(&app.secret))
        .form(&[("token", access3)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for i in [1, 2] {
        assert!(!active_at(&c, i, &app, access3).await, "at {i}");
    }
}

#[tokio::test]
async fn a_code_is_redeemed_once_whichever_instances_it_reaches() {
    let Some(c) = Cluster::start(3).await else {
        return;
    };
    create_user(&c, 0, "agent7").await;
    let app = web_app(&c, 0, "Agent desk").await;
    let browser = Browser::new();
    for round in 0..CODE_RACES {
        let code = code(&c, round % 3, &app, &browser, "agent7").await;
        let (a, b, d) = tokio::join!(
            redeem(&c, 0, &app, &code),
            redeem(&c, 1, &app, &code),
            redeem(&c, 2, &app, &code)
        );
        let answers = [a, b, d];
        let won = answers.iter().filter(|(st, _)| *st == 200).count();
        assert_eq!(won, 1, "round {round}: {answers:?}");
        for (st, body) in answers.iter().filter(|(st, _)| *st != 200) {
            assert_eq!((*st, str_of(body, "error")), (400, "invalid_grant"));
        }
    }
}

#[tokio::test]
async fn one_refresh_token_raced_at_two_instances_has_one_winner() {
    let Some(c) = Cluster::start(2).await else {
        return;
    };
    create_user(&c, 0, "agent7").await;
    let app = web_app(&c, 1, "Agent desk").await;
    let browser = Browser::new();
    for round in 0..REFRESH_RACES {
        let code = code(&c, round % 2, &app, &browser, "agent7").await;
        let (st, tokens) = redeem(&c, round % 2, &app, &code).await;
        assert_eq!(st, 200, "{tokens}");
        let rt = str_of(&tokens, "refresh_token");
        let (a, b) = tokio::join!(refresh(&c, 0, &app, rt), refresh(&c, 1, &app, rt));
        let answers = [a, b];
        let winners: Vec<&Value> = answers
            .iter()
            .filter(|(st, _)| *st == 200)
            .map(|(_, body)| body)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {answers:?}");
        let (st, loser) = answers.iter().find(|(st, _)| *st != 200).unwrap();
        assert_eq!((*st, str_of(loser, "error")), (400, "invalid_grant"));
        // The loser's attempt was a reuse: the winner's new refresh token is refused too.
        let (st, after) = refresh(&c, round % 2, &app, str_of(winners[0], "refresh_token")).await;
        assert_eq!(
            (st, str_of(&after, "error")),
            (400, "invalid_grant"),
            "round {round}"
        );
    }
    eprintln!("refresh races: {REFRESH_RACES} rounds at two instances, one winner each");
}
