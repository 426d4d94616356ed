//! A password change made through the admin API signs the account out everywhere: its browser
//! sessions end, its refresh tokens stop, and the access tokens issued from its grants turn
//! inactive at introspection and userinfo.

use reqwest::Method;
use serde_json::json;

use crate::code_flow_refusals::{VERIFIER, app_url, code_for, redeem_raw};
use crate::code_flow_support::{
    Browser, create_customer, create_user, introspect_raw, token_request, userinfo_raw, web_app,
};
use crate::support::{Backend, TestServer, postgres_url};

async fn run(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let id = create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let cid = create_customer(&s, "c7@example.test", "Cleo Seven").await;
    let app = web_app(&s, "Agent desk").await;
    for (realm, login, path) in [
        ('U', "agent7", format!("/users/{id}")),
        ('C', "c7@example.test", format!("/customers/{cid}")),
    ] {
        let browser = Browser::new();
        let code = code_for(&s, &browser, realm, &app, login, &[]).await;
        let (st, tokens) = redeem_raw(&s, realm, &app, &code, Some(VERIFIER)).await;
        assert_eq!(st, 200, "{tokens}");
        let access = tokens["access_token"].as_str().unwrap();
        let refresh = tokens["refresh_token"].as_str().unwrap();

        // A change without a password signs nobody out.
        let (st, body) = s
            .admin_json(
                Method::PATCH,
                &path,
                Some(json!({"display_name": "Renamed"})),
            )
            .await;
        assert_eq!(st, 200, "{body}");
        assert_eq!(
            introspect_raw(&s, realm, &app, access).await["active"],
            true
        );

        let (st, body) = s
            .admin_json(
                Method::PATCH,
                &path,
                Some(json!({"password": "a-brand-new-password-42"})),
            )
            .await;
        assert_eq!(st, 200, "{body}");

        assert_eq!(
            introspect_raw(&s, realm, &app, access).await["active"],
            false,
            "{realm}: the access token is inactive"
        );
        assert_eq!(userinfo_raw(&s, realm, access).await.0, 401, "{realm}");
        let (st, body) = token_request(
            &s,
            realm,
            &app,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
        assert_eq!(
            (st, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{realm}: the refresh token stops: {body}"
        );
        let page = browser.get(&app_url(&s, realm, &app, &[])).await;
        assert!(
            page.try_login_form().is_some(),
            "{realm}: the browser session ended, so the login page is shown: {}",
            page.status
        );
    }
}

#[tokio::test]
async fn a_password_change_signs_the_account_out() {
    run(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_password_change_signs_the_account_out_pg() {
    if postgres_url().is_some() {
        run(Backend::Postgres).await;
    }
}
