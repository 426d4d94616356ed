//! Facts about the request that audit events record.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The caller's source address, when the server knows it.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Peer IP address (not a client-supplied header, which could be forged).
    pub source_ip: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let source_ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Self { source_ip })
    }
}
