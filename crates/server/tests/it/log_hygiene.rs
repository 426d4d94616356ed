//! Secrets, passwords and tokens never reach the logs: a real `tessera serve --dev` process at
//! `debug` level runs every flow with known credentials — client credentials (right and wrong
//! secret), sign-in (right and wrong password), code redemption, logout with an `id_token_hint`
//! in the query string, refresh, userinfo,
//! introspection, revocation, on-behalf-of, anonymous customer, and admin calls that create a
//! secret and set passwords — and none of those values appears in what it logged.

use reqwest::Method;
use serde_json::{Value, json};

use crate::code_flow_support::Browser;
use crate::dev_server::DevServer;

const REDIRECT: &str = "http://127.0.0.1:8081/callback";

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .to_owned()
}

#[tokio::test]
async fn no_secret_password_or_token_reaches_the_logs() {
    let server = DevServer::start_with_env(&[("TESSERA_LOG", "debug")]).await;
    let issuer = server.str("/user_issuer");
    let customers = server.str("/customer_issuer");
    let web_id = server.str("/demo/web_client_id");
    let web_secret = server.str("/demo/web_client_secret");
    let agent_password = server.str("/demo/agent/1");
    let http = reqwest::Client::new();
    // Every value that must never be logged.
    let mut secrets = vec![
        ("web client secret", web_secret.clone()),
        ("agent password", agent_password.clone()),
        ("customer password", server.str("/demo/customer/1")),
        (
            "automation client secret",
            server.str("/automation_client_secret"),
        ),
    ];
    let token = |form: Vec<(&'static str, String)>, basic: bool| {
        let mut req = http.post(format!("{issuer}/oauth2/token")).form(&form);
        if basic {
            req = req.basic_auth(&web_id, Some(&web_secret));
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };

    // Client credentials, with the right secret and with a wrong one.
    let (st, cc) = token(
        vec![
            ("grant_type", "client_credentials".into()),
            ("scope", ".default".into()),
        ],
        true,
    )
    .await;
    assert_eq!(st, 200, "{cc}");
    secrets.push(("client-credentials token", s(&cc, "access_token")));
    let wrong_secret = "wrong-secret-0123456789abcdef".to_owned();
    let resp = http
        .post(format!("{issuer}/oauth2/token"))
        .basic_auth(&web_id, Some(&wrong_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    secrets.push(("wrong secret", wrong_secret));

    // Sign-in: a wrong password first, then the right one; the code is redeemed.
    let auth_url = format!(
        "{issuer}/oauth2/authorize?response_type=code&client_id={web_id}\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A8081%2Fcallback\
         &scope=openid%20profile%20offline_access%20knowledge.portalmgr.read&state=st&nonce=nn"
    );
    let browser = Browser::new();
    let page = browser.get(&auth_url).await;
    let wrong_password = "wrong-password-0123456789".to_owned();
    let refused = browser
        .submit(&page.login_form(), "agent1", &wrong_password)
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    secrets.push(("wrong password", wrong_password));
    let callback = browser.sign_in(&auth_url, "agent1", &agent_password).await;
    let code = callback.get("code").to_owned();
    let (st, tokens) = token(
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT.into()),
        ],
        true,
    )
    .await;
    assert_eq!(st, 200, "{tokens}");
    secrets.push(("authorization code", code));
    for k in ["access_token", "refresh_token", "id_token"] {
        secrets.push((k, s(&tokens, k)));
    }

    // A logout request carries the ID token in its query string. It ends the browser's session;
    // refresh tokens outlive it, and nothing below needs the session.
    let logout = browser
        .get(&format!(
            "{issuer}/oauth2/logout?id_token_hint={}&client_id={web_id}",
            s(&tokens, "id_token")
        ))
        .await;
    assert!(logout.status < 500, "{}", logout.body);

    // Refresh, userinfo, introspection, revocation.
    let (st, refreshed) = token(
        vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", s(&tokens, "refresh_token")),
        ],
        true,
    )
    .await;
    assert_eq!(st, 200, "{refreshed}");
    for k in ["access_token", "refresh_token", "id_token"] {
        secrets.push((k, s(&refreshed, k)));
    }
    let resp = http
        .get(format!("{issuer}/oauth2/userinfo"))
        .bearer_auth(s(&refreshed, "access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for (endpoint, t) in [
        ("introspect", s(&refreshed, "access_token")),
        ("introspect", s(&refreshed, "refresh_token")),
        ("revoke", s(&refreshed, "refresh_token")),
    ] {
        let resp = http
            .post(format!("{issuer}/oauth2/{endpoint}"))
            .basic_auth(&web_id, Some(&web_secret))
            .form(&[("token", t)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{endpoint}");
    }

    // On-behalf-of and the anonymous customer.
    let (st, obo) = token(
        vec![
            ("grant_type", "password".into()),
            ("subject_username", "agent1".into()),
            ("scope", "knowledge.portalmgr.onbehalfof.read".into()),
        ],
        true,
    )
    .await;
    assert_eq!(st, 200, "{obo}");
    secrets.push(("on-behalf-of token", s(&obo, "access_token")));
    let resp = http
        .post(format!(
            "{}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint=demo",
            server.base
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "knowledge.portalmgr.read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    secrets.push((
        "anonymous token",
        s(&resp.json::<Value>().await.unwrap(), "access_token"),
    ));
    assert!(customers.ends_with("-C"));

    // Admin calls that carry secrets and passwords.
    let created = server
        .admin(
            Method::POST,
            &format!("/client-applications/{web_id}/secrets"),
            Some(json!({"name": "second"})),
        )
        .await;
    secrets.push(("new client secret", s(&created, "value")));
    let user_password = "new-user-password-0123456789".to_owned();
    let user = server
        .admin(
            Method::POST,
            "/users",
            Some(json!({"username": "agent9", "email": "agent9@demo.example",
                "display_name": "Agent Nine", "password": user_password,
                "department": "Service", "partition_admin": false})),
        )
        .await;
    secrets.push(("new user password", user_password));
    let changed_password = "changed-user-password-0123456789".to_owned();
    server
        .admin(
            Method::PATCH,
            &format!("/users/{}", s(&user, "id")),
            Some(json!({"password": changed_password})),
        )
        .await;
    secrets.push(("changed password", changed_password));

    // Let the batched audit writer and the log flush.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let log = server.log_text();
    assert!(
        log.lines().count() > 20,
        "the server logged too little for this test to mean anything:\n{log}"
    );
    for (what, secret) in &secrets {
        assert!(secret.len() >= 12, "the {what} is too short to search for");
        // The whole value and its last 12 characters (a JWT's signature part, a secret's random
        // tail) must both be absent: a log line may truncate or split a value.
        assert!(
            !log.contains(secret.as_str()) && !log.contains(&secret[secret.len() - 12..]),
            "the {what} reached the log: {}",
            log.lines()
                .find(|l| l.contains(&secret[secret.len() - 12..]))
                .unwrap_or_default()
        );
    }
}
