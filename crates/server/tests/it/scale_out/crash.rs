//! Crash safety on PostgreSQL: `kill -9` in the middle of a stream of admin writes and refresh
//! requests. After a restart every admin change that was acknowledged is there with its audit
//! event (written in the change's own transaction), and the last refresh token handed out still
//! works — nothing acknowledged is lost.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::cluster::{Cluster, PARTITION, status_json};
use super::tokens::{code, create_user, redeem, refresh, web_app};
use crate::code_flow_support::{Browser, WEB_REDIRECT};

/// How long the writes run before the kill.
const STREAM: Duration = Duration::from_millis(1500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_a_kill_9() {
    let Some(c) = Cluster::start(1).await else {
        return;
    };
    create_user(&c, 0, "agent7").await;
    let app = web_app(&c, 0, "Agent desk").await;
    let code = code(&c, 0, &app, &Browser::new(), "agent7").await;
    let (st, tokens) = redeem(&c, 0, &app, &code).await;
    assert_eq!(st, 200, "{tokens}");
    let token = c.admin_token(0).await;
    let admin_url = format!(
        "{}/admin/api/v1/partitions/{PARTITION}/client-applications",
        c.base(0)
    );

    let created: Arc<Mutex<Vec<String>>> = Arc::default();
    let last_refresh = Arc::new(Mutex::new(
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    ));
    let c = Arc::new(tokio::sync::RwLock::new(c));
    let writer = {
        let (c, created, token, url) = (c.clone(), created.clone(), token.clone(), admin_url);
        tokio::spawn(async move {
            let c = c.read().await;
            for n in 0.. {
                let body = json!({"name": format!("crash-{n}"), "platform": "web",
                    "redirect_urls": [WEB_REDIRECT]});
                let Ok(resp) = c
                    .http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                else {
                    return;
                };
                // Only a complete answer is an acknowledgement.
                let (st, v) = status_json_or_none(resp).await.unwrap_or((0, json!(null)));
                if st != 201 {
                    return;
                }
                created
                    .lock()
                    .unwrap()
                    .push(v["client_id"].as_str().unwrap().to_owned());
            }
        })
    };
    let in_flight = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let refresher = {
        let (c, last, in_flight) = (c.clone(), last_refresh.clone(), in_flight.clone());
        let app = super::tokens::WebApp {
            id: app.id.clone(),
            secret: app.secret.clone(),
        };
        tokio::spawn(async move {
            let c = c.read().await;
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let rt = last.lock().unwrap().clone();
                in_flight.store(true, std::sync::atomic::Ordering::SeqCst);
                let resp = c
                    .http
                    .post(format!("{}/oauth2/token", c.issuer_at(0, 'U')))
                    .basic_auth(&app.id, Some(&app.secret))
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", &rt)])
                    .send()
                    .await;
                let Ok(resp) = resp else { return };
                match status_json_or_none(resp).await {
                    Some((200, v)) => {
                        *last.lock().unwrap() = v["refresh_token"].as_str().unwrap().to_owned();
                        in_flight.store(false, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ => return,
                }
            }
        })
    };
    tokio::time::sleep(STREAM).await;
    // SIGKILL while both streams are mid-flight; `Instance::kill` needs the cluster mutably,
    // so the pid is killed directly.
    let pid = c.read().await.pid(0);
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // A refresh in flight at the kill may have been rotated without its answer reaching us:
    // then the token we hold was used, and presenting it again is a reuse (RFC 9700 §4.14.2).
    let refresh_in_flight = in_flight.load(std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    refresher.await.unwrap();

    let mut c = Arc::into_inner(c).unwrap().into_inner();
    c.restart(0).await;
    let created = created.lock().unwrap().clone();
    assert!(
        created.len() > 5,
        "too few writes before the kill: {}",
        created.len()
    );
    let token = c.admin_token(0).await;
    let mut missing = Vec::new();
    for id in &created {
        let base = format!("{}/admin/api/v1/partitions/{PARTITION}", c.base(0));
        let (st, _) = status_json(
            c.http
                .get(format!("{base}/client-applications/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let (_, events) = status_json(
            c.http
                .get(format!(
                    "{base}/audit-events?action=client_application.create&object_id={id}"
                ))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let audited = events["items"].as_array().is_some_and(|a| a.len() == 1);
        if st != 200 || !audited {
            missing.push((id.clone(), st, audited));
        }
    }
    let rt = last_refresh.lock().unwrap().clone();
    let (st, body) = refresh(&c, 0, &app, &rt).await;
    eprintln!(
        "crash: {} acknowledged client creations before kill -9, {} missing after restart; last refresh token after restart: {st} (a refresh in flight at the kill: {refresh_in_flight})",
        created.len(),
        missing.len()
    );
    assert!(missing.is_empty(), "lost: {missing:?}");
    if refresh_in_flight {
        assert!(
            st == 200 || body["error"] == "invalid_grant",
            "the last refresh token handed out: {body}"
        );
    } else {
        assert_eq!(st, 200, "the last refresh token handed out: {body}");
    }
}

/// The answer, or `None` when the connection broke before the body was complete.
async fn status_json_or_none(resp: reqwest::Response) -> Option<(u16, serde_json::Value)> {
    let status = resp.status().as_u16();
    let text = resp.text().await.ok()?;
    Some((status, serde_json::from_str(&text).ok()?))
}
