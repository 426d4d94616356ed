//! No unauthenticated request can grow the server's memory: tens of thousands of junk bearer
//! tokens naming invented issuers at the admin API, and requests to invented partitions at the
//! OAuth endpoints, leave the resident memory of a real `tessera serve` process flat (the guard
//! caches keys only of partitions that exist and hold keys; unknown partition ids cost no cache
//! entry).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::task::JoinSet;

use crate::dev_server::DevServer;

/// Concurrent requests in flight.
const CONCURRENCY: usize = 16;

/// Resident memory of `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A signed-looking access token from an issuer nobody registered.
fn junk_token(base: &str, n: usize) -> String {
    let partition = format!("junk{n:08}{}", uuid::Uuid::new_v4().simple());
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"iss":"{base}/system/auth/{partition}-U","tenant":"{partition}","sub":"x"}}"#
    ));
    let signature = URL_SAFE_NO_PAD.encode([7u8; 64]);
    format!("{header}.{claims}.{signature}")
}

/// Sends `count` junk requests, `CONCURRENCY` at a time: junk admin tokens (refused 401) and
/// token requests at invented partitions (refused 404). Returns how many got each status.
async fn flood(base: &str, from: usize, count: usize) -> (usize, usize) {
    let http = reqwest::Client::new();
    let mut unauthorized = 0;
    let mut not_found = 0;
    let mut tasks = JoinSet::new();
    for n in from..from + count {
        if tasks.len() >= CONCURRENCY
            && let Some(done) = tasks.join_next().await
        {
            tally(done.unwrap(), &mut unauthorized, &mut not_found);
        }
        let http = http.clone();
        let base = base.to_owned();
        tasks.spawn(async move {
            let resp = if n % 4 == 3 {
                let partition = format!("nowhere{n}");
                http.post(format!("{base}/system/auth/{partition}-U/oauth2/token"))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
            } else {
                http.get(format!(
                    "{base}/admin/api/v1/partitions/demo/client-applications"
                ))
                .bearer_auth(junk_token(&base, n))
                .send()
                .await
            };
            resp.unwrap().status().as_u16()
        });
    }
    while let Some(done) = tasks.join_next().await {
        tally(done.unwrap(), &mut unauthorized, &mut not_found);
    }
    (unauthorized, not_found)
}

/// Counts one answer; junk gets nothing but 401 (admin API) or 404 (unknown partition).
fn tally(status: u16, unauthorized: &mut usize, not_found: &mut usize) {
    match status {
        401 => *unauthorized += 1,
        404 => *not_found += 1,
        other => panic!("junk request answered {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_tokens_and_invented_partitions_leave_memory_flat() {
    // One malloc arena: fewer, steadier pages, so what the measure sees is the program's own
    // growth rather than how glibc spreads allocations over threads.
    let server = DevServer::start_with_env(&[("MALLOC_ARENA_MAX", "1")]).await;
    let pid = server.child.id();
    // Warm up: connection pools, allocator arenas, lazily built caches.
    flood(&server.base, 0, 16_000).await;
    let before = rss_kib(pid);
    let (unauthorized, not_found) = flood(&server.base, 16_000, 96_000).await;
    let after = rss_kib(pid);
    assert_eq!(unauthorized, 72_000);
    assert_eq!(not_found, 24_000);
    // Before the fix each junk issuer kept a key cache entry forever: 72,000 of them grew the
    // process by about 8 MiB. Allow allocator noise (up to 1.5 MiB seen), nothing proportional.
    let grown = after.saturating_sub(before);
    eprintln!("resident memory {before} KiB -> {after} KiB over 96,000 junk requests");
    assert!(
        grown < 3 * 1024,
        "resident memory grew by {grown} KiB over 96,000 junk requests ({before} -> {after} KiB)"
    );
}
