//! Operations endpoints: liveness, readiness, Prometheus metrics.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// `/healthz`, `/readyz`, and `/metrics` when the main listener serves it
/// ([`crate::config::MetricsConfig::on_main_listener`]).
pub(crate) fn router(metrics_here: bool) -> Router<AppState> {
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
pub(crate) fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// How long the readiness check waits for the database: well under a load balancer's health
/// check timeout, so an unreachable database is reported rather than turned into a hung probe
/// (the pool itself would keep retrying for its whole acquire timeout).
const READY_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Ready when the database answers; a load balancer then stops sending traffic while it is down.
async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(READY_CHECK_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = READY_CHECK_TIMEOUT.as_millis(),
                "readiness check timed out"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match &state.metrics {
        Some(m) if m.allows(&headers) => {
            let mut resp = m.render().into_response();
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
