//! Key rotation under load: signing keys are rotated through the admin API while
//! client-credentials tokens are issued in a tight loop and each is validated at once by the
//! guard crate, whose key cache fetches the server's JWKS over loopback HTTP with its default
//! settings. No valid token may fail validation: the next key is published ahead of use, the
//! retired key stays published, and a guard that meets an unknown `kid` fetches the JWKS again
//! (at most once per `min_refresh_interval`, 10 s by default). Run on SQLite (one instance) and
//! on PostgreSQL (two instances, a guard fetching from each, rotations through either).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use reqwest::Method;
use serde_json::json;
use tessera_guard::{CacheSettings, Guard, HttpKeySource, SecurityRequirement, SecurityScheme};

use super::cluster::Cluster;

/// Concurrent issue-and-validate loops.
const WORKERS: usize = 3;
/// Rotations during the load.
const ROTATIONS: usize = 3;
/// Load before the first rotation and after the last.
const SETTLE: Duration = Duration::from_secs(2);
const PERMISSION: &str = "app.core.usermgr.read";

/// The time between two rotations: just over the guard's default `min_refresh_interval`. A
/// guard that fetched the JWKS just before a rotation learns the key published by it only
/// when a token names it, and may refetch no sooner than that interval after its last fetch;
/// rotating again sooner would make that key sign before such a guard may learn it
/// (docs/operations.md#key-rotation).
fn spacing() -> Duration {
    CacheSettings::default().min_refresh_interval + Duration::from_secs(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotated_under_load_fail_no_valid_token_on_sqlite() {
    rotate_under_load(Cluster::start_sqlite().await, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotated_under_load_fail_no_valid_token_on_two_instances() {
    let Some(c) = Cluster::start(2).await else {
        return;
    };
    rotate_under_load(c, "postgres, 2 instances").await;
}

/// A guard trusting the public issuer, fetching its keys from instance `i`'s JWKS.
fn guard(c: &Cluster, i: usize) -> Guard {
    let source = HttpKeySource::new(&format!("{}/oauth2/keys", c.issuer_at(i, 'U'))).unwrap();
    Guard::builder()
        .issuer_with_key_source(c.issuer_at(0, 'U'), Arc::new(source))
        .build()
        .unwrap()
}

#[derive(Default)]
struct Counts {
    issued: AtomicUsize,
    validated: AtomicUsize,
    issue_failures: Mutex<Vec<String>>,
    validation_failures: Mutex<Vec<String>>,
    kids: Mutex<BTreeSet<String>>,
}

async fn rotate_under_load(c: Cluster, store: &str) {
    let n = c.instances.len();
    let client = c.web_client(0, "Load", &[PERMISSION]).await;
    let guards: Vec<Guard> = (0..n).map(|i| guard(&c, i)).collect();
    let c = Arc::new(c);
    let counts = Arc::new(Counts::default());
    let running = Arc::new(AtomicBool::new(true));
    let need = [SecurityRequirement::new(
        SecurityScheme::OAuthClient,
        [PERMISSION],
    )];
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (c, counts, running, client) =
                (c.clone(), counts.clone(), running.clone(), client.clone());
            let (guards, need) = (guards.clone(), need.clone());
            tokio::spawn(async move {
                let mut k = w;
                while running.load(Ordering::Relaxed) {
                    k += 1;
                    let i = k % n;
                    let (st, body) = c
                        .client_credentials(i, &client.0, &client.1, PERMISSION)
                        .await;
                    if st != 200 {
                        counts
                            .issue_failures
                            .lock()
                            .unwrap()
                            .push(format!("{st} {body}"));
                        continue;
                    }
                    counts.issued.fetch_add(1, Ordering::Relaxed);
                    let token = body["access_token"].as_str().unwrap().to_owned();
                    let kid = jsonwebtoken::decode_header(&token)
                        .ok()
                        .and_then(|h| h.kid)
                        .unwrap_or_default();
                    let mut h = HeaderMap::new();
                    h.insert(
                        header::AUTHORIZATION,
                        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
                    );
                    // Validated by the guard of the other instance when there are two.
                    match guards[(i + 1) % n].authorize(&h, &need).await {
                        Ok(_) => {
                            counts.validated.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => counts
                            .validation_failures
                            .lock()
                            .unwrap()
                            .push(format!("kid {kid}: {e:?}")),
                    }
                    counts.kids.lock().unwrap().insert(kid);
                }
            })
        })
        .collect();

    let started = Instant::now();
    tokio::time::sleep(SETTLE).await;
    let mut rotation_times = Vec::new();
    for r in 0..ROTATIONS {
        if r > 0 {
            tokio::time::sleep(spacing()).await;
        }
        let at = Instant::now();
        let (st, body) = c
            .admin(
                r % n,
                Method::POST,
                "/signing-keys/rotate",
                Some(json!({"realm": "users"})),
            )
            .await;
        assert_eq!(st, 200, "rotation {r}: {body}");
        rotation_times.push(at.elapsed());
    }
    tokio::time::sleep(SETTLE).await;
    running.store(false, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let took = started.elapsed();

    let issued = counts.issued.load(Ordering::Relaxed);
    let validated = counts.validated.load(Ordering::Relaxed);
    let failures = counts.validation_failures.lock().unwrap().clone();
    let issue_failures = counts.issue_failures.lock().unwrap().clone();
    let kids = counts.kids.lock().unwrap().len();
    eprintln!(
        "rotation ({store}): {issued} tokens issued and {validated} validated by the guard in {} ms, {} failed validations, {} failed issuances; {ROTATIONS} rotations {} s apart (each took {:?}); {kids} signing keys seen",
        took.as_millis(),
        failures.len(),
        issue_failures.len(),
        spacing().as_secs(),
        rotation_times
            .iter()
            .map(|d| format!("{} ms", d.as_millis()))
            .collect::<Vec<_>>(),
    );
    assert!(
        failures.is_empty(),
        "{} of {issued} valid tokens refused by the guard, first: {:?}",
        failures.len(),
        failures.first()
    );
    assert!(
        issue_failures.is_empty(),
        "token requests failed during rotation: {:?}",
        issue_failures.first()
    );
    // Every rotation's key signed tokens that were validated.
    assert!(
        kids > ROTATIONS,
        "only {kids} signing keys seen over {ROTATIONS} rotations"
    );
    assert!(issued > 100, "too little load: {issued} tokens");
}
