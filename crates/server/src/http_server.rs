//! Accepting and serving HTTP connections, with the limits a public listener needs against slow
//! and hostile clients (docs/security.md, "Slow and hostile clients"):
//!
//! - **Header read timeout.** A client must send a request's headers within
//!   `http.header_read_timeout_secs` of the connection opening or of the previous response (the
//!   same clock closes idle keep-alive connections). Without it a slowloris client holds a
//!   connection forever by sending one header byte at a time; `axum::serve` sets no timer, so
//!   hyper's own header timeout never runs there.
//! - **Connection cap.** At most `http.max_connections` connections are served at once. At the
//!   cap the loop stops accepting, so further clients wait in the kernel's backlog instead of
//!   costing memory and a task each; every closed connection lets one more in.
//! - Body reads and handlers are bounded by the router's request timeout (408) and body limits
//!   (413), which apply per request.
//!
//! Both the `serve` command and the tests' in-process servers use [`serve`], so the tests
//! exercise these limits.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Per-listener limits (from `[http]` in the configuration).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time allowed for a request's headers, and for an idle keep-alive connection.
    pub header_read_timeout: Duration,
    /// Connections served at once; more wait in the backlog.
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The limits `[http]` configures.
    #[must_use]
    pub fn from_config(http: &crate::config::HttpConfig) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(http.header_read_timeout_secs),
            max_connections: http.max_connections,
        }
    }
}

/// How long open connections may take to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// How long to pause after a failed `accept` (the process is out of file descriptors, say):
/// retrying at once would spin a core.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their requests for up to 10 seconds. Handlers see the peer's address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    // HTTP/1.1 only, as before this loop: Tessera sits behind a TLS-terminating proxy, and
    // cleartext HTTP/2 would only add attack surface.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A slot first: at the cap, connections stay in the backlog until one closes.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small responses (tokens) go out at once instead of waiting for Nagle's timer.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // Timeouts, resets and malformed requests end here; none is the server's fault.
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open {} s after shutdown began were closed",
            DRAIN.as_secs()
        );
    }
}
