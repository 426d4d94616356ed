//! `/metrics` is off unless configured; on a separate listener it leaves the main one; behind a
//! bearer token it answers only to that token.

use crate::support::{Backend, TestServer};

const TOKEN: &str = "metrics-token-0123456789abcdefghijklmnop";

/// Writes the token file into a directory that outlives the server.
fn token_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.token");
    std::fs::write(&path, format!("{TOKEN}\n")).unwrap();
    (dir, path)
}

async fn get(s: &TestServer, url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = s.http.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let s = TestServer::start().await;
    let (status, _) = get(&s, &format!("{}/metrics", s.base), None).await;
    assert_eq!(status, 404);
    assert!(!s.state.serves_metrics());
}

#[tokio::test]
async fn a_bearer_token_guards_metrics_on_the_main_listener() {
    let (_dir, file) = token_file();
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.metrics.bearer_token_file = Some(file.clone());
    })
    .await;
    let url = format!("{}/metrics", s.base);
    assert_eq!(get(&s, &url, None).await.0, 401);
    assert_eq!(get(&s, &url, Some("wrong")).await.0, 401);
    assert_eq!(get(&s, &url, Some(&TOKEN[..TOKEN.len() - 1])).await.0, 401);
    let resp = s.http.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
}

#[tokio::test]
async fn a_separate_listener_takes_metrics_off_the_main_one() {
    let (_dir, file) = token_file();
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.metrics.listen = Some("127.0.0.1:0".into());
        c.metrics.bearer_token_file = Some(file.clone());
    })
    .await;
    let metrics = s.metrics_base.clone().unwrap();
    assert_eq!(
        get(&s, &format!("{}/metrics", s.base), Some(TOKEN)).await.0,
        404,
        "not on the main listener"
    );
    assert_eq!(get(&s, &format!("{metrics}/metrics"), None).await.0, 401);
    assert_eq!(
        get(&s, &format!("{metrics}/metrics"), Some(TOKEN)).await.0,
        200
    );
    assert_eq!(
        get(&s, &format!("{metrics}/healthz"), None).await.0,
        404,
        "the metrics listener serves nothing else"
    );
    assert_eq!(get(&s, &format!("{}/healthz", s.base), None).await.0, 200);

    // A listener alone needs no token: it is meant for an internal address.
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.metrics.listen = Some("127.0.0.1:0".into());
    })
    .await;
    let metrics = s.metrics_base.clone().unwrap();
    assert_eq!(get(&s, &format!("{metrics}/metrics"), None).await.0, 200);
    assert_eq!(get(&s, &format!("{}/metrics", s.base), None).await.0, 404);
}

#[tokio::test]
async fn a_short_or_missing_token_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "too-short").unwrap();
    for path in [short, dir.path().join("missing")] {
        let config = tessera_server::config::Config {
            metrics: tessera_server::config::MetricsConfig {
                listen: None,
                bearer_token_file: Some(path.clone()),
            },
            ..Default::default()
        };
        let err = tessera_server::runtime::metrics(&config, || None).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(!msg.contains("too-short"), "the token never appears: {msg}");
    }
}
