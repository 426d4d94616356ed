//! The `claims` request parameter (OIDC Core §5.5) and `id_token_hint` at the authorization
//! endpoint (§3.1.2.1): claims asked for by name reach the ID token (of the code and of every
//! refresh) and userinfo beside the scope's, kept with the grant on both stores; a malformed
//! parameter, an essential `acr` Tessera cannot reach and a `sub` of another account are
//! refused; a hint naming another account than the signed-in one is not answered silently.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tessera_domain::Clock as _;
use tessera_domain::clock::{MockClock, SystemClock};

use crate::code_flow_refusals::{VERIFIER, app_url, redeem_raw};
use crate::code_flow_support::{
    App, Browser, Callback, PASSWORD, create_user, jwt_claims, web_app,
};
use crate::id_token_alg::refresh;
use crate::support::{Backend, TestServer, postgres_url};

/// The example of the brief: with scope `openid` alone, two claims in the ID token and one at
/// userinfo.
const EXAMPLE: &str = r#"{"id_token":{"email":null,"given_name":{"essential":true},"auth_time":{"essential":true}},"userinfo":{"phone_number":null}}"#;

/// Creates `ada` with standard claims beyond name and email; returns her id.
async fn create_ada(s: &TestServer) -> String {
    let (st, created) = s
        .admin_json(
            Method::POST,
            "/users",
            Some(
                json!({"username": "ada", "email": "ada@acme.test", "display_name": "Ada L",
                "password": PASSWORD, "given_name": "Ada", "family_name": "Lovelace",
                "phone_number": "+442071234567", "phone_number_verified": true}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// Redeems `code`; returns the token response.
async fn redeem(s: &TestServer, app: &App, code: &str) -> Value {
    let (st, tokens) = redeem_raw(s, 'U', app, code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    tokens
}

async fn userinfo(s: &TestServer, token: &str) -> Value {
    let resp = s
        .http
        .get(format!("{}/oauth2/userinfo", s.issuer('U')))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The claims of the response's ID token that a scope or claims request may release (the
/// protocol's own claims left out).
fn released(tokens: &Value) -> Value {
    let mut c = jwt_claims(tokens["id_token"].as_str().expect("an id_token"));
    let m = c.as_object_mut().unwrap();
    for k in [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "amr",
        "acr",
        "at_hash",
        "sid",
        "tenant",
        "actor",
        "nonce",
    ] {
        m.remove(k);
    }
    c
}

/// An error redirect back to `app` (with `state` and `iss`, no code); returns it.
fn refused(
    s: &TestServer,
    app: &App,
    page: &crate::code_flow_support::Page,
    what: &str,
) -> Callback {
    let cb = page.callback();
    assert_eq!(cb.base, app.redirect, "{what}");
    assert_eq!(cb.get("state"), "st-1", "{what}");
    assert_eq!(cb.get("iss"), s.issuer('U'), "{what}");
    assert!(!cb.params.contains_key("code"), "{what}");
    cb
}

async fn run_stored(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let id = create_ada(&s).await;
    let app = web_app(&s, "Claims app").await;

    // Discovery says the parameter is understood (OIDC Discovery §3).
    let md: Value = s
        .http
        .get(format!(
            "{}/.well-known/openid-configuration",
            s.issuer('U')
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(md["claims_parameter_supported"], true, "{md}");

    // Scope `openid` (and offline_access) only: the claims come from the request alone.
    let browser = Browser::new();
    let cb = browser
        .sign_in(
            &app_url(&s, 'U', &app, &[("claims", Some(EXAMPLE))]),
            "ada",
            PASSWORD,
        )
        .await;
    let tokens = redeem(&s, &app, cb.get("code")).await;
    assert_eq!(
        released(&tokens),
        json!({"email": "ada@acme.test", "given_name": "Ada"}),
        "exactly the id_token claims asked for"
    );
    let id_token = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert!(id_token["auth_time"].is_i64(), "essential auth_time");
    assert_eq!(id_token["sub"], id.as_str());
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        userinfo(&s, access).await,
        json!({"sub": id, "phone_number": "+442071234567"}),
        "exactly the userinfo claims asked for"
    );

    // A refresh keeps them: they are stored with the grant.
    let refreshed = refresh(&s, 'U', &app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        released(&refreshed),
        json!({"email": "ada@acme.test", "given_name": "Ada"}),
        "after a refresh"
    );
    assert_eq!(
        userinfo(&s, refreshed["access_token"].as_str().unwrap()).await,
        json!({"sub": id, "phone_number": "+442071234567"}),
        "userinfo with the refreshed token"
    );

    // Single sign-on without the parameter: nothing beyond the scope.
    let cb = browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await;
    let plain = redeem(&s, &app, cb.get("code")).await;
    assert_eq!(released(&plain), json!({}), "no claims request");
    assert_eq!(
        userinfo(&s, plain["access_token"].as_str().unwrap()).await,
        json!({"sub": id})
    );

    // With scopes: the request adds to them. Claims the account has no value for, claims
    // Tessera does not know and unknown members are left out, not refused (§5.5).
    let cb = browser
        .authorize_silently(&app_url(
            &s,
            'U',
            &app,
            &[
                ("scope", Some("openid email offline_access")),
                (
                    "claims",
                    Some(
                        r#"{"id_token":{"family_name":null,"locale":{"essential":true},"picture":null,
                        "http://example.info/claims/groups":null},"userinfo":{"address":null,
                        "phone_number_verified":{"value":true}},"verified_claims":{}}"#,
                    ),
                ),
            ],
        ))
        .await;
    let scoped = redeem(&s, &app, cb.get("code")).await;
    assert_eq!(
        released(&scoped),
        json!({"email": "ada@acme.test", "email_verified": false, "family_name": "Lovelace"})
    );
    assert_eq!(
        userinfo(&s, scoped["access_token"].as_str().unwrap()).await,
        json!({"sub": id, "email": "ada@acme.test", "email_verified": false,
            "phone_number_verified": true})
    );
}

#[tokio::test]
async fn requested_claims_reach_the_id_token_and_userinfo_and_survive_refresh() {
    run_stored(Backend::Sqlite).await;
}

#[tokio::test]
async fn requested_claims_reach_the_id_token_and_userinfo_and_survive_refresh_pg() {
    if postgres_url().is_some() {
        run_stored(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn malformed_claims_are_refused_to_the_client() {
    let s = TestServer::start().await;
    create_ada(&s).await;
    let app = web_app(&s, "Claims app").await;
    let browser = Browser::new();
    let too_long = format!(
        r#"{{"userinfo":{{"email":{{"value":"{}"}}}}}}"#,
        "a".repeat(5000)
    );
    let cases: Vec<(&str, &str, &str)> = vec![
        ("not JSON", "{\"id_token\":", "not valid JSON"),
        ("an array", r#"["email"]"#, "must be a JSON object"),
        (
            "a non-object member",
            r#"{"userinfo":["email"]}"#,
            "claims.userinfo must be",
        ),
        (
            "a non-object claim",
            r#"{"id_token":{"email":1}}"#,
            "claims.id_token.email must be null or an object",
        ),
        (
            "essential not a boolean",
            r#"{"id_token":{"email":{"essential":"yes"}}}"#,
            "essential must be true or false",
        ),
        (
            "value not a scalar",
            r#"{"userinfo":{"email":{"value":{"a":1}}}}"#,
            "value must be",
        ),
        (
            "values not an array",
            r#"{"id_token":{"acr":{"values":"urn:x"}}}"#,
            "values must be a non-empty array",
        ),
        (
            "sub not a string",
            r#"{"id_token":{"sub":{"value":7}}}"#,
            "values must be strings",
        ),
        ("too long", &too_long, "longer than 4096"),
    ];
    for (what, claims, needle) in cases {
        let page = browser
            .get(&app_url(&s, 'U', &app, &[("claims", Some(claims))]))
            .await;
        let cb = refused(&s, &app, &page, what);
        assert_eq!(cb.get("error"), "invalid_request", "{what}");
        assert!(
            cb.get("error_description").contains(needle),
            "{what}: {}",
            cb.get("error_description")
        );
    }
}

#[tokio::test]
async fn an_essential_acr_tessera_cannot_reach_fails_and_a_voluntary_one_does_not() {
    let s = TestServer::start().await;
    create_ada(&s).await;
    let app = web_app(&s, "Claims app").await;
    let browser = Browser::new();
    let page = browser
        .get(&app_url(
            &s,
            'U',
            &app,
            &[(
                "claims",
                Some(r#"{"id_token":{"acr":{"essential":true,"values":["urn:example:mfa"]}}}"#),
            )],
        ))
        .await;
    let cb = refused(&s, &app, &page, "essential acr");
    assert_eq!(cb.get("error"), "unmet_authentication_requirements");
    assert!(cb.get("error_description").contains("urn:tessera:acr:pwd"));

    // Voluntary (§5.5.1.1: best effort): the sign-in goes on and says what it reached.
    let cb = browser
        .sign_in(
            &app_url(
                &s,
                'U',
                &app,
                &[(
                    "claims",
                    Some(r#"{"id_token":{"acr":{"values":["urn:example:mfa"]}}}"#),
                )],
            ),
            "ada",
            PASSWORD,
        )
        .await;
    let tokens = redeem(&s, &app, cb.get("code")).await;
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["acr"],
        "urn:tessera:acr:pwd"
    );
    // Essential and reachable: granted.
    let cb = browser
        .authorize_silently(&app_url(
            &s,
            'U',
            &app,
            &[(
                "claims",
                Some(r#"{"id_token":{"acr":{"essential":true,"values":["urn:example:mfa","urn:tessera:acr:pwd"]}}}"#),
            )],
        ))
        .await;
    let tokens = redeem(&s, &app, cb.get("code")).await;
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["acr"],
        "urn:tessera:acr:pwd"
    );
}

/// `claims` asking for the ID token's `sub` to be `sub`.
fn sub_claims(sub: &str) -> String {
    json!({"id_token": {"sub": {"value": sub}}}).to_string()
}

#[tokio::test]
async fn a_sub_value_of_another_account_is_never_answered() {
    let s = TestServer::start().await;
    let ada = create_ada(&s).await;
    let bob = create_user(&s, "bob", "bob@acme.test", "Bob").await;
    let app = web_app(&s, "Claims app").await;
    let browser = Browser::new();
    browser
        .sign_in(&app_url(&s, 'U', &app, &[]), "ada", PASSWORD)
        .await;

    // Ada's session, Bob asked for, silently: login_required.
    let bobs = sub_claims(&bob);
    let page = browser
        .get(&app_url(
            &s,
            'U',
            &app,
            &[("claims", Some(&bobs)), ("prompt", Some("none"))],
        ))
        .await;
    assert_eq!(
        refused(&s, &app, &page, "prompt=none").get("error"),
        "login_required"
    );

    // Interactively: Ada's session does not count, the login page is shown; Ada signing in is
    // refused (access_denied), and her session is left as it was.
    let page = browser
        .get(&app_url(&s, 'U', &app, &[("claims", Some(&bobs))]))
        .await;
    let form = page.login_form();
    let done = browser.submit(&form, "ada", PASSWORD).await;
    let cb = refused(&s, &app, &done, "ada signs in for bob");
    assert_eq!(cb.get("error"), "access_denied");
    assert!(cb.get("error_description").contains("sub"));
    let cb = browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await;
    let tokens = redeem(&s, &app, cb.get("code")).await;
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["sub"],
        ada.as_str()
    );

    // Bob signing in is answered, for Bob.
    let page = browser
        .get(&app_url(&s, 'U', &app, &[("claims", Some(&bobs))]))
        .await;
    let done = browser.submit(&page.login_form(), "bob", PASSWORD).await;
    let tokens = redeem(&s, &app, done.callback().get("code")).await;
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["sub"],
        bob.as_str()
    );

    // The signed-in account's own sub: answered silently.
    let cb = browser
        .authorize_silently(&app_url(
            &s,
            'U',
            &app,
            &[("claims", Some(&bobs)), ("prompt", Some("none"))],
        ))
        .await;
    assert!(!cb.get("code").is_empty());
}

#[tokio::test]
async fn id_token_hint_must_name_the_signed_in_account() {
    let s = TestServer::start().await;
    create_ada(&s).await;
    let bob = create_user(&s, "bob", "bob@acme.test", "Bob").await;
    let app = web_app(&s, "Claims app").await;
    let ada_browser = Browser::new();
    let bob_browser = Browser::new();
    let ada_tokens = {
        let cb = ada_browser
            .sign_in(&app_url(&s, 'U', &app, &[]), "ada", PASSWORD)
            .await;
        redeem(&s, &app, cb.get("code")).await
    };
    let ada_hint = ada_tokens["id_token"].as_str().unwrap();
    let bob_hint = {
        let cb = bob_browser
            .sign_in(&app_url(&s, 'U', &app, &[]), "bob", PASSWORD)
            .await;
        redeem(&s, &app, cb.get("code")).await["id_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let silent = |hint: &str| {
        app_url(
            &s,
            'U',
            &app,
            &[("id_token_hint", Some(hint)), ("prompt", Some("none"))],
        )
    };

    // Another account's hint, silently: login_required.
    let page = ada_browser.get(&silent(&bob_hint)).await;
    let cb = refused(&s, &app, &page, "another account's hint");
    assert_eq!(cb.get("error"), "login_required");
    assert!(cb.get("error_description").contains("id_token_hint"));

    // Her own hint: a code, as without one.
    let cb = ada_browser.authorize_silently(&silent(ada_hint)).await;
    let tokens = redeem(&s, &app, cb.get("code")).await;
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["sub"],
        jwt_claims(ada_hint)["sub"]
    );

    // Garbage, an access token, or a hint of the other realm: invalid_request.
    for (what, hint) in [
        ("garbage", "not-a-jwt"),
        (
            "an access token",
            ada_tokens["access_token"].as_str().unwrap(),
        ),
    ] {
        let page = ada_browser.get(&silent(hint)).await;
        let cb = refused(&s, &app, &page, what);
        assert_eq!(cb.get("error"), "invalid_request", "{what}");
        assert!(
            cb.get("error_description").contains("id_token_hint"),
            "{what}"
        );
    }

    // Interactively, Bob's hint in Ada's browser: the login page; Ada signing in is refused,
    // Bob signing in gets the code.
    let interactive = app_url(&s, 'U', &app, &[("id_token_hint", Some(&bob_hint))]);
    let page = ada_browser.get(&interactive).await;
    let done = ada_browser
        .submit(&page.login_form(), "ada", PASSWORD)
        .await;
    assert_eq!(
        refused(&s, &app, &done, "ada for bob's hint").get("error"),
        "login_required"
    );
    let page = ada_browser.get(&interactive).await;
    let done = ada_browser
        .submit(&page.login_form(), "bob", PASSWORD)
        .await;
    let tokens = redeem(&s, &app, done.callback().get("code")).await;
    assert_eq!(
        jwt_claims(tokens["id_token"].as_str().unwrap())["sub"],
        bob.as_str()
    );
}

#[tokio::test]
async fn an_expired_id_token_hint_still_names_its_account() {
    // §3.1.2.1 asks only that the OP issued the hint; like logout, Tessera takes an expired
    // one. The server's clock moves; the session (10 h) outlives the ID token (1 h).
    let clock = Arc::new(MockClock::new(SystemClock.now()));
    let s = TestServer::start_with_clock(Backend::Sqlite, clock.clone(), |_| {}).await;
    create_ada(&s).await;
    create_user(&s, "bob", "bob@acme.test", "Bob").await;
    let app = web_app(&s, "Claims app").await;
    let ada_browser = Browser::new();
    let cb = ada_browser
        .sign_in(&app_url(&s, 'U', &app, &[]), "ada", PASSWORD)
        .await;
    let ada_hint = redeem(&s, &app, cb.get("code")).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob_browser = Browser::new();
    let cb = bob_browser
        .sign_in(&app_url(&s, 'U', &app, &[]), "bob", PASSWORD)
        .await;
    let bob_hint = redeem(&s, &app, cb.get("code")).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    clock.advance(time::Duration::hours(2));
    let server_now = clock.now().unix_timestamp();
    assert!(
        jwt_claims(&ada_hint)["exp"].as_i64().unwrap() < server_now,
        "the hint has expired"
    );

    let silent = |hint: &str| {
        app_url(
            &s,
            'U',
            &app,
            &[("id_token_hint", Some(hint)), ("prompt", Some("none"))],
        )
    };
    let cb = ada_browser.authorize_silently(&silent(&ada_hint)).await;
    assert!(!cb.get("code").is_empty());
    let page = ada_browser.get(&silent(&bob_hint)).await;
    assert_eq!(
        refused(&s, &app, &page, "bob's expired hint").get("error"),
        "login_required"
    );
}
