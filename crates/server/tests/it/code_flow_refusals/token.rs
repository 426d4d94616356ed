//! JSON errors of the token endpoint (RFC 6749 §5.2) for the interactive grants: PKCE, a
//! replayed code, another client, realm or partition, a wider scope on refresh.

use reqwest::Method;
use serde_json::{Value, json};

use super::{VERIFIER, app_url, code_for, redeem_raw, setup};
use crate::code_flow_support::{
    App, Browser, DELEGATED, PASSWORD, WEB_REDIRECT, admin_json_in, create_customer,
    introspect_raw, jwt_claims, token_request, userinfo_raw, web_app,
};

#[tokio::test]
async fn pkce_is_enforced_at_the_token_endpoint() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    // One sign-in; every further code comes by single sign-on.
    let first = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let sso = |changes: Vec<(&'static str, Option<&'static str>)>| {
        let url = app_url(&s, 'U', &app, &changes);
        let browser = &browser;
        async move {
            browser
                .authorize_silently(&url)
                .await
                .get("code")
                .to_owned()
        }
    };

    let (st, body) = redeem_raw(&s, 'U', &app, &first, None).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "no verifier: {body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier is required")
    );

    // A wrong or malformed verifier, and a wrong redirect URI, are `tessera_domain::grant::redeem`
    // unit tests, and `code_binding` presents them end to end.
    // A Web app may skip PKCE, but then a verifier is a downgrade attempt.
    let no_pkce = [("code_challenge", None), ("code_challenge_method", None)];
    let code = sso(no_pkce.to_vec()).await;
    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "unexpected verifier: {body}"
    );
    let code = sso(no_pkce.to_vec()).await;
    let (st, body) = redeem_raw(&s, 'U', &app, &code, None).await;
    assert_eq!(st, 200, "a Web app without PKCE: {body}");

    // And the right verifier works.
    let code = sso(vec![]).await;
    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{body}");
}

#[tokio::test]
async fn a_replayed_code_revokes_what_the_first_redemption_issued() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(introspect_raw(&s, 'U', &app, access).await["active"], true);
    assert_eq!(userinfo_raw(&s, 'U', access).await.0, 200);

    let (st, body) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        introspect_raw(&s, 'U', &app, access).await["active"],
        false,
        "the first redemption's access token is revoked"
    );
    let (st, body) = userinfo_raw(&s, 'U', access).await;
    assert_eq!(st, 401, "{body}");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_realm() {
    let (s, _, app) = setup().await;
    let other = web_app(&s, "Other app").await;
    let browser = Browser::new();

    // Another client's presentation and the other realm's are `tessera_domain::grant::redeem`
    // unit tests; `code_binding` presents another client's end to end. An unknown code:
    let (st, body) = redeem_raw(&s, 'U', &app, "no-such-code", Some(VERIFIER)).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // A Web app must authenticate: client_id alone (as a SPA would send it) or a wrong secret
    // is refused before the code is looked at.
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WEB_REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let public = App {
        secret: None,
        ..app.clone()
    };
    let mut with_id = form.to_vec();
    with_id.push(("client_id", app.id.as_str()));
    let (st, body) = token_request(&s, 'U', &public, &with_id).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let wrong = App {
        secret: Some("not-the-secret".into()),
        ..app.clone()
    };
    let (st, body) = token_request(&s, 'U', &wrong, &form).await;
    assert_eq!(
        (st, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    // The code survived both: the client redeems it.
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");

    // Another client can neither use, introspect nor revoke A's refresh token.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    // Nor can A use it at the other realm.
    let (st, body) = token_request(
        &s,
        'C',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "refresh at the other realm: {body}"
    );
    let (st, body) = token_request(
        &s,
        'U',
        &other,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        introspect_raw(&s, 'U', &other, refresh).await,
        json!({"active": false})
    );
    let resp = s
        .http
        .post(format!("{}/oauth2/revoke", s.issuer('U')))
        .basic_auth(&other.id, other.secret.as_deref())
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "RFC 7009: the same answer as a success");
    let access = tokens["access_token"].as_str().unwrap();
    let resp = s
        .http
        .post(format!("{}/oauth2/revoke", s.issuer('U')))
        .basic_auth(&other.id, other.secret.as_deref())
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(introspect_raw(&s, 'U', &app, access).await["active"], true);
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(st, 200, "A's refresh token still works: {body}");
}

#[tokio::test]
async fn tokens_of_another_partition_or_realm_are_not_valid_here() {
    let (s, _, app) = setup().await;
    create_customer(&s, "c7@example.test", "Cleo Seven").await;

    // A user of another partition signs in to that partition's own app.
    let other = s.other_partition("globex").await;
    let call = |method: Method, path: &'static str, body: Value| {
        let other = &other;
        let s = &s;
        async move { admin_json_in(s, "globex", other, method, path, body).await }
    };
    let (st, u) = call(Method::POST, "/users", json!({"username": "agent7", "email": "a7@globex.test", "display_name": "Globex Agent", "password": PASSWORD})).await;
    assert_eq!(st, 201, "{u}");
    let (st, c) = call(
        Method::POST,
        "/client-applications",
        json!({"name": "Globex desk", "platform": "web", "redirect_urls": [WEB_REDIRECT]}),
    )
    .await;
    assert_eq!(st, 201, "{c}");
    let globex_id = c["client_id"].as_str().unwrap().to_owned();
    let (st, sec) = admin_json_in(
        &s,
        "globex",
        &other,
        Method::POST,
        &format!("/client-applications/{globex_id}/secrets"),
        json!({"name": "t"}),
    )
    .await;
    assert_eq!(st, 201, "{sec}");
    let globex_app = App {
        id: globex_id.clone(),
        secret: Some(sec["value"].as_str().unwrap().to_owned()),
        redirect: WEB_REDIRECT.to_owned(),
    };
    let globex_iss = format!("{}/system/auth/globex-U", s.base);
    let url = {
        let mut u = url::Url::parse(&app_url(&s, 'U', &globex_app, &[])).unwrap();
        u.set_path("/system/auth/globex-U/oauth2/authorize");
        u.to_string()
    };
    let browser = Browser::new();
    let cb = browser.sign_in(&url, "agent7", PASSWORD).await;
    assert_eq!(cb.get("iss"), globex_iss);
    let resp = s
        .http
        .post(format!("{globex_iss}/oauth2/token"))
        .basic_auth(&globex_app.id, globex_app.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", cb.get("code")),
            ("redirect_uri", WEB_REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let globex: Value = resp.json().await.unwrap();
    let globex_access = globex["access_token"].as_str().unwrap();
    assert_eq!(jwt_claims(globex_access)["iss"], globex_iss.as_str());

    // Presented at acme (same user name, same client redirect): inactive, refused.
    assert_eq!(
        introspect_raw(&s, 'U', &app, globex_access).await,
        json!({"active": false})
    );
    assert_eq!(userinfo_raw(&s, 'U', globex_access).await.0, 401);
    // The refresh token of another partition is unknown here.
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", globex["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // The other realm of the same partition.
    let customer_code = code_for(&s, &Browser::new(), 'C', &app, "c7@example.test", &[]).await;
    let (st, customer) = redeem_raw(&s, 'C', &app, &customer_code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{customer}");
    let customer_access = customer["access_token"].as_str().unwrap();
    assert_eq!(
        introspect_raw(&s, 'C', &app, customer_access).await["active"],
        true
    );
    assert_eq!(userinfo_raw(&s, 'C', customer_access).await.0, 200);
    assert_eq!(
        introspect_raw(&s, 'U', &app, customer_access).await["active"],
        false
    );
    assert_eq!(userinfo_raw(&s, 'U', customer_access).await.0, 401);
    let user_code = code_for(&s, &Browser::new(), 'U', &app, "agent7", &[]).await;
    let (st, user) = redeem_raw(&s, 'U', &app, &user_code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{user}");
    let user_access = user["access_token"].as_str().unwrap();
    assert_eq!(
        introspect_raw(&s, 'C', &app, user_access).await["active"],
        false
    );
    assert_eq!(userinfo_raw(&s, 'C', user_access).await.0, 401);
    // An ID token is not an access token.
    let id_token = user["id_token"].as_str().unwrap();
    assert_eq!(
        introspect_raw(&s, 'U', &app, id_token).await["active"],
        false
    );
    assert_eq!(userinfo_raw(&s, 'U', id_token).await.0, 401);
}

#[tokio::test]
async fn a_refresh_cannot_widen_the_scope() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    // The sign-in grants only openid and offline_access.
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200);
    assert_eq!(tokens["scope"], "offline_access openid");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let wider = format!("openid offline_access {DELEGATED}");
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("scope", &wider),
        ],
    )
    .await;
    assert_eq!(
        (st, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(DELEGATED)
    );
    // The refused request did not use the token up; a narrower scope works.
    let (st, body) = token_request(
        &s,
        'U',
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("scope", "openid"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["scope"], "openid");
}
