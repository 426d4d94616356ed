//! Crash safety, on PostgreSQL and on SQLite: `kill -9` in the middle of a stream of admin
//! writes, client-credentials tokens and refresh requests. After a restart every admin change
//! that was acknowledged is there with its audit event (written in the change's own
//! transaction), nothing half-written is (every audited creation is a client, every client of
//! the stream audited once), the last refresh token handed out still works, and the
//! token-issuance audit events lost with the process — queued for the batched writer
//! (`audit_sink.rs`) but not yet written — stay within the writer's bound.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::cluster::{Cluster, PARTITION, status_json};
use super::tokens::{WebApp, code, create_user, redeem, refresh, web_app};
use crate::code_flow_support::{Browser, WEB_REDIRECT};

/// How long the writes run before the kill.
const STREAM: Duration = Duration::from_millis(2500);
/// Concurrent client-credentials requesters.
const TOKEN_WORKERS: usize = 3;
/// The most token-issuance audit events a crash can lose while the database answers: the
/// writer's queue (`CHANNEL_CAPACITY`, 8,192) plus the batch it is writing (`MAX_BATCH`, 1,000)
/// in `crates/server/src/audit_sink.rs`.
const LOSS_BOUND: usize = 8_192 + 1_000;
/// The writer flushes whenever it holds events (the 200 ms `FLUSH_EVERY` is only the wait
/// before retrying a failed write), so on a healthy database only events of the last moments
/// before the kill can be lost: none acknowledged longer ago than this.
const LOSS_WINDOW: Duration = Duration::from_millis(1000);
const PERMISSION: &str = "app.core.usermgr.read";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_a_kill_9() {
    let Some(c) = Cluster::start(1).await else {
        return;
    };
    survives_kill_9(c, "postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_a_kill_9_on_sqlite() {
    survives_kill_9(Cluster::start_sqlite().await, "sqlite").await;
}

async fn survives_kill_9(c: Cluster, store: &str) {
    create_user(&c, 0, "agent7").await;
    let app = web_app(&c, 0, "Agent desk").await;
    let code = code(&c, 0, &app, &Browser::new(), "agent7").await;
    let (st, tokens) = redeem(&c, 0, &app, &code).await;
    assert_eq!(st, 200, "{tokens}");
    let machine = c.web_client(0, "Machine", &[PERMISSION]).await;
    let token = c.admin_token(0).await;
    let admin_url = format!(
        "{}/admin/api/v1/partitions/{PARTITION}/client-applications",
        c.base(0)
    );

    let created: Arc<Mutex<Vec<String>>> = Arc::default();
    // When each client-credentials token was acknowledged (its complete answer received).
    let issued: Arc<Mutex<Vec<Instant>>> = Arc::default();
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
    let token_workers: Vec<_> = (0..TOKEN_WORKERS)
        .map(|_| {
            let (c, issued, machine) = (c.clone(), issued.clone(), machine.clone());
            tokio::spawn(async move {
                let c = c.read().await;
                let url = format!("{}/oauth2/token", c.issuer_at(0, 'U'));
                loop {
                    let Ok(resp) = c
                        .http
                        .post(&url)
                        .basic_auth(&machine.0, Some(&machine.1))
                        .form(&[("grant_type", "client_credentials"), ("scope", PERMISSION)])
                        .send()
                        .await
                    else {
                        return;
                    };
                    match status_json_or_none(resp).await {
                        Some((200, _)) => issued.lock().unwrap().push(Instant::now()),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    let in_flight = Arc::new(AtomicBool::new(false));
    let refresher = {
        let (c, last, in_flight) = (c.clone(), last_refresh.clone(), in_flight.clone());
        let app = WebApp {
            id: app.id.clone(),
            secret: app.secret.clone(),
        };
        tokio::spawn(async move {
            let c = c.read().await;
            loop {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let rt = last.lock().unwrap().clone();
                in_flight.store(true, Ordering::SeqCst);
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
                        in_flight.store(false, Ordering::SeqCst);
                    }
                    _ => return,
                }
            }
        })
    };
    tokio::time::sleep(STREAM).await;
    // SIGKILL while every stream is mid-flight; `Instance::kill` needs the cluster mutably,
    // so the pid is killed directly.
    let pid = c.read().await.pid(0);
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    let kill_time = Instant::now();
    assert!(killed.success());
    // A refresh in flight at the kill may have been rotated without its answer reaching us:
    // then the token we hold was used, and presenting it again is a reuse (RFC 9700 §4.14.2).
    let refresh_in_flight = in_flight.load(Ordering::SeqCst);
    writer.await.unwrap();
    refresher.await.unwrap();
    for w in token_workers {
        w.await.unwrap();
    }

    let mut c = Arc::into_inner(c).unwrap().into_inner();
    c.restart(0).await;
    let created = created.lock().unwrap().clone();
    assert!(
        created.len() > 5,
        "too few writes before the kill: {}",
        created.len()
    );
    let token = c.admin_token(0).await;
    let base = format!("{}/admin/api/v1/partitions/{PARTITION}", c.base(0));
    let mut missing = Vec::new();
    for id in &created {
        let (st, _) = status_json(
            c.http
                .get(format!("{base}/client-applications/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        if st != 200 {
            missing.push((id.clone(), st));
        }
    }
    // The audit log matches the changes: one creation event per client of the stream that
    // exists, none for a client that does not (a change is its row and its event, or neither).
    let events = all_pages(
        &c,
        &token,
        &format!("{base}/audit-events?action=client_application.create&limit=200"),
    )
    .await;
    let audited: Vec<String> = events
        .iter()
        .filter_map(|e| e["object_id"].as_str().map(str::to_owned))
        .collect();
    let clients = all_pages(&c, &token, &format!("{base}/client-applications?limit=200")).await;
    let stream_clients: Vec<String> = clients
        .iter()
        .filter(|a| a["name"].as_str().is_some_and(|n| n.starts_with("crash-")))
        .map(|a| a["client_id"].as_str().unwrap().to_owned())
        .collect();
    for id in &stream_clients {
        let n = audited.iter().filter(|a| *a == id).count();
        assert_eq!(n, 1, "client {id}: {n} creation events");
    }
    for id in &audited {
        assert!(
            clients.iter().any(|a| a["client_id"] == id.as_str()),
            "a creation event for client {id}, which does not exist"
        );
    }
    // At most the creation in flight at the kill committed without being acknowledged.
    assert!(
        stream_clients.len() == created.len() || stream_clients.len() == created.len() + 1,
        "{} acknowledged creations, {} clients of the stream after the restart",
        created.len(),
        stream_clients.len()
    );

    // Token issuance: the events still queued at the kill are lost, never more than the bound,
    // and none older than the loss window.
    let issue_events = all_pages(
        &c,
        &token,
        &format!(
            "{base}/audit-events?action=token.issue&actor_id={}&limit=200",
            machine.0
        ),
    )
    .await;
    let issued = issued.lock().unwrap().clone();
    let lost = issued.len().saturating_sub(issue_events.len());
    let recent = issued
        .iter()
        .filter(|t| kill_time.duration_since(**t) < LOSS_WINDOW)
        .count();

    let rt = last_refresh.lock().unwrap().clone();
    let (st, body) = refresh(&c, 0, &app, &rt).await;
    eprintln!(
        "crash ({store}): {} acknowledged client creations before kill -9, {} missing after restart, {} clients of the stream, {} creation events; {} client-credentials tokens acknowledged, {} token.issue events after restart: {lost} lost (bound {LOSS_BOUND}; {recent} acknowledged in the last {} ms); last refresh token after restart: {st} (a refresh in flight at the kill: {refresh_in_flight})",
        created.len(),
        missing.len(),
        stream_clients.len(),
        audited.len(),
        issued.len(),
        issue_events.len(),
        LOSS_WINDOW.as_millis(),
    );
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert!(
        issued.len() > 20,
        "too few tokens before the kill: {}",
        issued.len()
    );
    assert!(lost <= LOSS_BOUND, "{lost} token.issue events lost");
    assert!(
        lost <= recent,
        "{lost} token.issue events lost, but only {recent} tokens were acknowledged in the last {LOSS_WINDOW:?} before the kill"
    );
    if refresh_in_flight {
        assert!(
            st == 200 || body["error"] == "invalid_grant",
            "the last refresh token handed out: {body}"
        );
    } else {
        assert_eq!(st, 200, "the last refresh token handed out: {body}");
    }
}

/// Every item of a paginated admin API list, following `next_cursor`.
async fn all_pages(c: &Cluster, token: &str, url: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_url = match &cursor {
            Some(cur) => format!("{url}&cursor={cur}"),
            None => url.to_owned(),
        };
        let (st, page) = status_json(
            c.http
                .get(&page_url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 200, "{page_url}: {page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// The answer, or `None` when the connection broke before the body was complete.
async fn status_json_or_none(resp: reqwest::Response) -> Option<(u16, Value)> {
    let status = resp.status().as_u16();
    let text = resp.text().await.ok()?;
    Some((status, serde_json::from_str(&text).ok()?))
}
