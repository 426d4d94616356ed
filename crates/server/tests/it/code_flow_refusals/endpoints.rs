//! The endpoints around the interactive flows: CORS only for SPA origins, discovery of the
//! interactive endpoints, and logout's refusals of unregistered destinations.

use reqwest::Method;
use serde_json::{Value, json};

use super::{VERIFIER, app_url, code_for, redeem_raw, setup};
use crate::code_flow_support::{
    Browser, DELEGATED, SPA_ORIGIN, SPA_REDIRECT, WEB_POST_LOGOUT, interactive_client, web_app,
};
use crate::support::{PARTITION, TestServer};

#[tokio::test]
async fn cors_is_only_for_the_spa_origins() {
    let s = TestServer::start().await;
    interactive_client(&s, "SPA", "spa", SPA_REDIRECT, &[], &[DELEGATED]).await;
    web_app(&s, "Web").await;
    // No wait: creating a client refreshes the partition's SPA origins on this instance at once.
    for endpoint in ["token", "userinfo", "revoke"] {
        let url = format!("{}/oauth2/{endpoint}", s.issuer('U'));
        let preflight = |origin: &'static str| {
            s.http
                .request(Method::OPTIONS, &url)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type")
                .send()
        };
        let resp = preflight(SPA_ORIGIN).await.unwrap();
        assert!(resp.status().is_success(), "{endpoint}");
        assert_eq!(
            resp.headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap()),
            Some(SPA_ORIGIN),
            "{endpoint}"
        );
        for origin in ["https://evil.example", "http://127.0.0.1:8081", "null"] {
            let resp = preflight(origin).await.unwrap();
            assert!(
                resp.headers().get("access-control-allow-origin").is_none(),
                "{endpoint} from {origin}"
            );
        }
    }
    // On the real request too.
    let url = format!("{}/oauth2/token", s.issuer('U'));
    for (origin, allowed) in [(SPA_ORIGIN, true), ("https://evil.example", false)] {
        let resp = s
            .http
            .post(&url)
            .header("origin", origin)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers().get("access-control-allow-origin").is_some(),
            allowed,
            "{origin}"
        );
    }
    // Introspection is for servers: no CORS.
    let resp = s
        .http
        .request(
            Method::OPTIONS,
            format!("{}/oauth2/introspect", s.issuer('U')),
        )
        .header("origin", SPA_ORIGIN)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn discovery_lists_the_interactive_endpoints() {
    let s = TestServer::start().await;
    for realm in ['U', 'C'] {
        let iss = s.issuer(realm);
        let d: Value = s
            .http
            .get(format!("{iss}/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["issuer"], iss.as_str());
        for (field, path) in [
            ("authorization_endpoint", "oauth2/authorize"),
            ("token_endpoint", "oauth2/token"),
            ("userinfo_endpoint", "oauth2/userinfo"),
            ("revocation_endpoint", "oauth2/revoke"),
            ("introspection_endpoint", "oauth2/introspect"),
            ("end_session_endpoint", "oauth2/logout"),
            ("jwks_uri", "oauth2/keys"),
        ] {
            assert_eq!(d[field], format!("{iss}/{path}"), "{realm} {field}");
        }
        assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(d["authorization_response_iss_parameter_supported"], true);
        assert_eq!(d["response_types_supported"], json!(["code"]));
        assert_eq!(d["response_modes_supported"], json!(["query"]));
        assert_eq!(d["subject_types_supported"], json!(["public"]));
        // Discovery §3: request_uri_parameter_supported defaults to true, so it must be said.
        assert_eq!(d["request_parameter_supported"], false);
        assert_eq!(d["request_uri_parameter_supported"], false);
        assert_eq!(
            d["token_endpoint_auth_methods_supported"],
            json!(["client_secret_basic", "client_secret_post", "none"])
        );
        let grants = d["grant_types_supported"].as_array().unwrap();
        for g in ["authorization_code", "refresh_token"] {
            assert!(grants.iter().any(|x| x == g), "{g}");
        }
        let scopes = d["scopes_supported"].as_array().unwrap();
        for sc in [
            "openid",
            "profile",
            "email",
            "address",
            "phone",
            "offline_access",
        ] {
            assert!(scopes.iter().any(|x| x == sc), "{sc}");
        }
        let claims = d["claims_supported"].as_array().unwrap();
        for c in [
            "given_name",
            "family_name",
            "locale",
            "zoneinfo",
            "updated_at",
            "email_verified",
            "address",
            "phone_number",
            "phone_number_verified",
        ] {
            assert!(claims.iter().any(|x| x == c), "{c}");
        }
        assert!(
            !d["id_token_signing_alg_values_supported"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        // RFC 8414 address of the same document.
        let rfc8414: Value = s
            .http
            .get(format!(
                "{}/.well-known/oauth-authorization-server/system/auth/{PARTITION}-{realm}",
                s.base
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(rfc8414, d);
    }
}

#[tokio::test]
async fn logout_refuses_unregistered_destinations_and_asks_without_a_hint() {
    let (s, _, app) = setup().await;
    let browser = Browser::new();
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let (_, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let logout = format!("{}/oauth2/logout", s.issuer('U'));
    let with = |params: &[(&str, &str)]| {
        url::Url::parse_with_params(&logout, params)
            .unwrap()
            .to_string()
    };

    // An unregistered post-logout address: a page, no redirect, still signed in.
    for bad in [
        "https://evil.example/",
        "http://127.0.0.1:8081/other",
        "http://127.0.0.1:8081",
    ] {
        let page = browser
            .get(&with(&[
                ("id_token_hint", id_token),
                ("post_logout_redirect_uri", bad),
                ("state", "s"),
            ]))
            .await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.location().is_none(), "{bad}");
    }
    // A forged hint.
    let mut forged = id_token.to_owned();
    forged.push('x');
    let page = browser
        .get(&with(&[
            ("id_token_hint", &forged),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
        ]))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location().is_none());
    // Without a hint: a confirmation page, and the session lives on.
    let page = browser
        .get(&with(&[
            ("client_id", &app.id),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
        ]))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("confirm-sign-out"), "{}", page.body);
    browser
        .authorize_silently(&app_url(&s, 'U', &app, &[]))
        .await;
    // Confirming it (the form's CSRF token and this browser's cookie) signs out and redirects.
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let page = browser
        .post_form(
            &logout,
            &[
                ("client_id", &app.id),
                ("post_logout_redirect_uri", WEB_POST_LOGOUT),
                ("state", "s2"),
                ("csrf", &csrf),
            ],
        )
        .await;
    let cb = page.callback();
    assert_eq!(cb.base, WEB_POST_LOGOUT);
    assert_eq!(cb.get("state"), "s2");
    let page = browser.get(&app_url(&s, 'U', &app, &[])).await;
    assert!(page.try_login_form().is_some(), "signed out");
}
