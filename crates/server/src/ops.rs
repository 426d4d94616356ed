//! Operations endpoints: liveness, readiness, Prometheus metrics.

use std::sync::Arc;

use aws_lc_rs::digest;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use subtle::ConstantTimeEq as _;

use crate::state::AppState;

/// The metrics renderer and the bearer token `/metrics` requires, when one is configured
/// (`[metrics]` in the configuration).
#[derive(Clone)]
pub struct Metrics {
    handle: metrics_exporter_prometheus::PrometheusHandle,
    /// SHA-256 of the token: comparing digests takes the same time whatever the token's
    /// length, and the token itself is not kept in memory longer than needed.
    token_digest: Option<Arc<[u8]>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("token", &self.token_digest.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// Serves `handle`'s metrics, to holders of `token` only when one is given.
    #[must_use]
    pub fn new(handle: metrics_exporter_prometheus::PrometheusHandle, token: Option<&str>) -> Self {
        Self {
            handle,
            token_digest: token.map(|t| Arc::from(sha256(t.as_bytes()))),
        }
    }

    /// Whether the request may read the metrics: no token configured, or the right one sent
    /// as `Authorization: Bearer`, compared in constant time.
    fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.token_digest else {
            return true;
        };
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        sha256(sent.as_bytes()).ct_eq(expected).into()
    }
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, bytes).as_ref().to_vec()
}

/// `/healthz`, `/readyz`, and `/metrics` when the main listener serves it
/// ([`crate::config::MetricsConfig::on_main_listener`]).
pub fn router(metrics_here: bool) -> Router<AppState> {
    let r = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if metrics_here {
        r.merge(metrics_router())
    } else {
        r
    }
}

/// `/metrics` alone: the separate metrics listener's routes.
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the database answers; a load balancer then stops sending traffic while it is down.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match &state.metrics {
        Some(m) if m.allows(&headers) => {
            let mut resp = m.handle.render().into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            resp
        }
        Some(_) => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send the metrics token as Authorization: Bearer\n",
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            "metrics are not enabled in this process\n",
        )
            .into_response(),
    }
}
