//! ID tokens say how and when the person signed in (OIDC Core §2, RFC 8176): `amr` is `["pwd"]`
//! and `acr` is `urn:tessera:acr:pwd` for a password sign-in, taken from the browser session, so
//! a silent sign-in carries the original method and time; a refresh keeps the original
//! `auth_time`; `acr_values` is voluntary, so a class Tessera cannot reach still signs in and the
//! ID token says the class reached (docs/flows/authorization-code.md).

use std::time::Duration;

use openidconnect::core::{CoreClaimName, CoreIdToken, CoreIdTokenClaims};
use openidconnect::{AuthenticationContextClass, AuthenticationMethodReference, Nonce};
use serde_json::Value;

use crate::code_flow_refusals::{VERIFIER, app_url, code_for, redeem_raw};
use crate::code_flow_support::{
    App, Browser, create_customer, create_user, default_id_token_verifier, discover, web_app,
};
use crate::id_token_alg::refresh;
use crate::support::{Backend, TestServer, postgres_url};

const PWD_ACR: &str = "urn:tessera:acr:pwd";

/// The ID token of `tokens`, verified as a default relying party does.
async fn id_claims(s: &TestServer, realm: char, app: &App, tokens: &Value) -> CoreIdTokenClaims {
    let md = discover(s, realm).await;
    let verifier = default_id_token_verifier(app, &md);
    let id_token: CoreIdToken = tokens["id_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no id_token: {tokens}"))
        .parse()
        .unwrap();
    id_token
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .expect("the ID token verifies")
        .clone()
}

async fn redeem(s: &TestServer, realm: char, app: &App, code: &str) -> Value {
    let (st, tokens) = redeem_raw(s, realm, app, code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    tokens
}

fn assert_password_context(c: &CoreIdTokenClaims, what: &str) {
    assert_eq!(
        c.auth_method_refs(),
        Some(&vec![AuthenticationMethodReference::new("pwd".to_owned())]),
        "{what}: amr"
    );
    assert_eq!(
        c.auth_context_ref(),
        Some(&AuthenticationContextClass::new(PWD_ACR.to_owned())),
        "{what}: acr"
    );
    assert!(c.auth_time().is_some(), "{what}: auth_time");
}

async fn run(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    create_customer(&s, "c7@acme.test", "Customer Seven").await;
    let app = web_app(&s, "Desk").await;
    for (realm, login) in [('U', "agent7"), ('C', "c7@acme.test")] {
        // Discovery lists the class and the claims.
        let md = discover(&s, realm).await;
        assert_eq!(
            md.acr_values_supported(),
            Some(&vec![AuthenticationContextClass::new(PWD_ACR.to_owned())]),
            "{realm}: acr_values_supported"
        );
        let claims = md.claims_supported().expect("claims_supported");
        for name in ["amr", "acr", "auth_time"] {
            assert!(
                claims.contains(&CoreClaimName::new(name.to_owned())),
                "{realm}: claims_supported lacks {name}"
            );
        }

        // A password sign-in asking for the class Tessera reaches.
        let browser = Browser::new();
        let code = code_for(
            &s,
            &browser,
            realm,
            &app,
            login,
            &[("acr_values", Some(PWD_ACR)), ("max_age", Some("600"))],
        )
        .await;
        let tokens = redeem(&s, realm, &app, &code).await;
        let first = id_claims(&s, realm, &app, &tokens).await;
        assert_password_context(&first, "sign-in");
        let auth_time = first.auth_time();

        // A refresh a second later: a new ID token, the original sign-in's time and method.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let refreshed = id_claims(
            &s,
            realm,
            &app,
            &refresh(&s, realm, &app, tokens["refresh_token"].as_str().unwrap()).await,
        )
        .await;
        assert_password_context(&refreshed, "refresh");
        assert_eq!(refreshed.auth_time(), auth_time, "{realm}: auth_time");
        assert!(refreshed.issue_time() > first.issue_time(), "{realm}: iat");

        // Single sign-on from the same session, asking for a class Tessera cannot reach:
        // acr_values is voluntary (OIDC Core §3.1.2.1), so the code is issued and the ID token
        // says what the session really reached.
        let cb = browser
            .authorize_silently(&app_url(
                &s,
                realm,
                &app,
                &[("acr_values", Some("urn:example:mfa urn:example:hwk"))],
            ))
            .await;
        let sso = id_claims(
            &s,
            realm,
            &app,
            &redeem(&s, realm, &app, cb.get("code")).await,
        )
        .await;
        assert_password_context(&sso, "single sign-on");
        assert_eq!(sso.auth_time(), auth_time, "{realm}: SSO auth_time");
    }
}

#[tokio::test]
async fn id_tokens_carry_amr_acr_and_the_original_auth_time_at_both_realms() {
    run(Backend::Sqlite).await;
}

#[tokio::test]
async fn id_tokens_carry_amr_acr_and_the_original_auth_time_at_both_realms_on_postgres() {
    if postgres_url().is_some() {
        run(Backend::Postgres).await;
    }
}
