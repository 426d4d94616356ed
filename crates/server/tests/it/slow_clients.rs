//! Slow and hostile clients against the listener's limits (`http_server.rs`): a slowloris client
//! is cut off at the header read timeout, idle keep-alive connections close, connections beyond
//! the cap wait in the backlog until one closes, a body sent too slowly ends in 408, and too many
//! header lines in 431. Each test speaks raw HTTP/1.1 over TCP, because no client library sends
//! a request this badly.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Backend, TestServer};

async fn connect(s: &TestServer) -> TcpStream {
    let addr = s.base.trim_start_matches("http://");
    TcpStream::connect(addr).await.unwrap()
}

/// Reads until the server closes the connection or `limit` passes; returns what was read and
/// whether the connection was closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

/// Reads one response head (up to the blank line), or `None` if none arrives within `limit`.
async fn response_head(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + limit;
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&got).into_owned())
}

#[tokio::test]
async fn a_slowloris_client_is_cut_off_at_the_header_read_timeout() {
    let s = TestServer::start_with(Backend::Sqlite, |c| c.http.header_read_timeout_secs = 1).await;
    let mut stream = connect(&s).await;
    let started = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One header byte every 200 ms: each arrives well within any per-read timeout, yet the
    // headers never end.
    let trickle = async {
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if stream.write_all(b"X").await.is_err() {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), trickle)
        .await
        .unwrap();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(closed, "the connection was still open");
    let waited = started.elapsed();
    // The trickle stops writing once the server has closed; it ran 8 s if it never did.
    assert!(
        waited < Duration::from_secs(5),
        "cut off after {waited:?}, expected about 1 s"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let s = TestServer::start_with(Backend::Sqlite, |c| c.http.header_read_timeout_secs = 1).await;
    let mut stream = connect(&s).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let head = response_head(&mut stream, Duration::from_secs(5))
        .await
        .expect("a response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed, "an idle connection stayed open 5 s");
    assert!(started.elapsed() >= Duration::from_millis(800));
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.http.max_connections = 2;
        c.http.header_read_timeout_secs = 30;
    })
    .await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut first = connect(&s).await;
    first.write_all(request).await.unwrap();
    assert!(
        response_head(&mut first, Duration::from_secs(5))
            .await
            .is_some()
    );
    let mut second = connect(&s).await;
    second.write_all(request).await.unwrap();
    assert!(
        response_head(&mut second, Duration::from_secs(5))
            .await
            .is_some()
    );
    // Both slots are held by open keep-alive connections: the third is in the backlog.
    let mut third = connect(&s).await;
    third.write_all(request).await.unwrap();
    assert!(
        response_head(&mut third, Duration::from_millis(1500))
            .await
            .is_none(),
        "a third connection was served beyond max_connections = 2"
    );
    drop(first);
    let head = response_head(&mut third, Duration::from_secs(5))
        .await
        .expect("served once a slot was free");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    drop(second);
}

#[tokio::test]
async fn a_body_sent_too_slowly_ends_in_408() {
    let s = TestServer::start_with(Backend::Sqlite, |c| c.http.request_timeout_secs = 1).await;
    let mut stream = connect(&s).await;
    let path = format!("/system/auth/{}-U/oauth2/token", crate::support::PARTITION);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let head = response_head(&mut stream, Duration::from_secs(5))
        .await
        .expect("an answer while the body is still missing");
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn too_many_header_lines_are_refused_with_431() {
    let s = TestServer::start().await;
    let mut stream = connect(&s).await;
    let mut request = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for i in 0..200 {
        request.push_str(&format!("X-Filler-{i}: {i}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let head = response_head(&mut stream, Duration::from_secs(5))
        .await
        .expect("an answer");
    assert!(head.starts_with("HTTP/1.1 431"), "{head}");
}
