//! An admin change made through one instance is in force at another within 1 s
//! (docs/product.md#storage-and-deployment). Each change is made through instance A after
//! instance B has the old state cached (it just served a request that needed it); B is then
//! polled every 20 ms from the moment A acknowledged, and the delay until B honours the change is
//! measured and printed.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::cluster::{Cluster, status_json};
use super::tokens::{active_at, code, create_user, redeem, refresh, web_app};
use crate::code_flow_support::Browser;

/// The product's promise.
const BOUND: Duration = Duration::from_secs(1);
const POLL: Duration = Duration::from_millis(20);
/// Polling gives up here (a missed bound is reported with its figure, not as a hang).
const GIVE_UP: Duration = Duration::from_secs(10);
const A: usize = 0;
const B: usize = 1;
const APP_PERMISSION: &str = "app.core.usermgr.read";
const OTHER_APP_PERMISSION: &str = "app.knowledge.portalmgr.read";

/// Polls `in_force` every [`POLL`] until it holds; returns the time since `acked`.
async fn delay(what: &str, acked: Instant, mut in_force: impl AsyncFnMut() -> bool) -> Duration {
    loop {
        if in_force().await {
            let d = acked.elapsed();
            eprintln!("propagation: {what}: {} ms", d.as_millis());
            return d;
        }
        assert!(
            acked.elapsed() < GIVE_UP,
            "{what}: not in force at the other instance after {GIVE_UP:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn users_key(keys: &Value, state: &str) -> String {
    keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["realm"] == "users" && k["state"] == state)
        .unwrap_or_else(|| panic!("no {state} users key: {keys}"))["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn published_at(c: &Cluster, i: usize) -> Vec<String> {
    let resp = c
        .http
        .get(format!("{}/oauth2/keys", c.issuer_at(i, 'U')))
        .send()
        .await
        .unwrap();
    let (_, jwks) = status_json(resp).await;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// Whether the admin API at `i` accepts `token`.
async fn admin_accepts(c: &Cluster, i: usize, token: &str) -> bool {
    let resp = c
        .http
        .get(format!(
            "{}/admin/api/v1/partitions/{}/signing-keys",
            c.base(i),
            super::cluster::PARTITION
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    resp.status() == 200
}

#[tokio::test]
async fn an_admin_change_at_one_instance_holds_at_another_within_one_second() {
    let Some(c) = Cluster::start(2).await else {
        return;
    };
    let mut figures: Vec<(&str, Duration)> = Vec::new();

    // A disabled client: B stops minting for it.
    let (id, secret) = c.web_client(A, "Disabled", &[APP_PERMISSION]).await;
    assert_eq!(
        c.client_credentials(B, &id, &secret, APP_PERMISSION)
            .await
            .0,
        200
    );
    c.admin_ok(
        A,
        Method::PATCH,
        &format!("/client-applications/{id}"),
        Some(json!({"enabled": false})),
    )
    .await;
    let acked = Instant::now();
    figures.push((
        "client disabled",
        delay("client disabled", acked, async || {
            c.client_credentials(B, &id, &secret, APP_PERMISSION)
                .await
                .0
                == 401
        })
        .await,
    ));

    // A deleted secret: B refuses it, and still takes the other one.
    let (id, old) = c.web_client(A, "Rotated secret", &[APP_PERMISSION]).await;
    let list = c
        .admin_ok(
            A,
            Method::GET,
            &format!("/client-applications/{id}/secrets"),
            None,
        )
        .await;
    let old_id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, new) = c.new_secret(A, &id).await;
    assert_eq!(
        c.client_credentials(B, &id, &old, APP_PERMISSION).await.0,
        200
    );
    c.admin_ok(
        A,
        Method::DELETE,
        &format!("/client-applications/{id}/secrets/{old_id}"),
        None,
    )
    .await;
    let acked = Instant::now();
    figures.push((
        "secret deleted",
        delay("secret deleted", acked, async || {
            c.client_credentials(B, &id, &old, APP_PERMISSION).await.0 == 401
        })
        .await,
    ));
    assert_eq!(
        c.client_credentials(B, &id, &new, APP_PERMISSION).await.0,
        200
    );

    // A withdrawn permission: B no longer grants it.
    let (id, secret) = c
        .web_client(A, "Narrowed", &[APP_PERMISSION, OTHER_APP_PERMISSION])
        .await;
    assert_eq!(
        c.client_credentials(B, &id, &secret, OTHER_APP_PERMISSION)
            .await
            .0,
        200
    );
    c.admin_ok(
        A,
        Method::PUT,
        &format!("/client-applications/{id}/permissions"),
        Some(json!({"permissions": [APP_PERMISSION]})),
    )
    .await;
    let acked = Instant::now();
    figures.push((
        "permission withdrawn",
        delay("permission withdrawn", acked, async || {
            c.client_credentials(B, &id, &secret, OTHER_APP_PERMISSION)
                .await
                .0
                == 400
        })
        .await,
    ));

    // A disabled user: B's introspection calls their token inactive and refresh refuses.
    create_user(&c, A, "agent7").await;
    let app = web_app(&c, A, "Agent desk").await;
    let browser = Browser::new();
    let code = code(&c, A, &app, &browser, "agent7").await;
    let (st, tokens) = redeem(&c, B, &app, &code).await;
    assert_eq!(st, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert!(active_at(&c, B, &app, &access).await);
    let users = c.admin_ok(A, Method::GET, "/users", None).await;
    let user_id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "agent7")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.admin_ok(
        A,
        Method::PATCH,
        &format!("/users/{user_id}"),
        Some(json!({"enabled": false})),
    )
    .await;
    let acked = Instant::now();
    figures.push((
        "user disabled",
        delay("user disabled", acked, async || {
            !active_at(&c, B, &app, &access).await
        })
        .await,
    ));
    assert_eq!(refresh(&c, B, &app, &rt).await.0, 400);

    // A rotation: B signs with the new active key.
    let before = c.admin_token(B).await;
    let rotated = c
        .admin_ok(
            A,
            Method::POST,
            "/signing-keys/rotate",
            Some(json!({"realm": "users"})),
        )
        .await;
    let acked = Instant::now();
    let active = users_key(&rotated, "active");
    assert_ne!(kid(&before), active);
    figures.push((
        "key rotated",
        delay("key rotated", acked, async || {
            kid(&c.admin_token(B).await) == active
        })
        .await,
    ));

    // A withdrawal of the retired key: gone from B's JWKS, and B's introspection and admin API
    // refuse a token it signed.
    let leaked = kid(&before);
    assert!(published_at(&c, B).await.contains(&leaked));
    assert!(admin_accepts(&c, B, &before).await);
    c.admin_ok(
        A,
        Method::POST,
        &format!("/signing-keys/{leaked}/revoke"),
        None,
    )
    .await;
    let acked = Instant::now();
    figures.push((
        "key withdrawn: JWKS",
        delay("key withdrawn: JWKS", acked, async || {
            !published_at(&c, B).await.contains(&leaked)
        })
        .await,
    ));
    figures.push((
        "key withdrawn: admin API",
        delay("key withdrawn: admin API", acked, async || {
            !admin_accepts(&c, B, &before).await
        })
        .await,
    ));

    let worst = figures.iter().map(|(_, d)| *d).max().unwrap();
    eprintln!(
        "propagation: worst {} ms of {} changes",
        worst.as_millis(),
        figures.len()
    );
    for (what, d) in &figures {
        assert!(
            *d <= BOUND,
            "{what}: in force at the other instance after {d:?}"
        );
    }
}
