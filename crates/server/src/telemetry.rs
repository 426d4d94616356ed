//! Who may read the Prometheus metrics, and their renderer: held by the application state and
//! served by the operations endpoints (`ops.rs`), on the main listener or on their own.

use std::sync::Arc;

use aws_lc_rs::digest;
use axum::http::{HeaderMap, header};
use subtle::ConstantTimeEq as _;

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

    /// The metrics in the Prometheus text format.
    #[must_use]
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Whether the request may read the metrics: no token configured, or the right one sent
    /// as `Authorization: Bearer`, compared in constant time.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
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
