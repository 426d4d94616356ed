//! The tower [`Layer`] and [`Service`] that put the guard in front of a route.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Request, Response};
use tower::{Layer, Service};

use crate::extract::Authenticated;
use crate::guard::Guard;
use crate::requirement::Policy;

/// Protects the wrapped service with a route's security requirements. Made by
/// [`Guard::require`] or [`Guard::authenticate`]; apply with axum's `route_layer` (or any
/// tower stack).
#[derive(Debug, Clone)]
pub struct RequireLayer {
    guard: Guard,
    policy: Arc<Policy>,
}

impl RequireLayer {
    pub(crate) fn new(guard: Guard, policy: Policy) -> Self {
        Self {
            guard,
            policy: Arc::new(policy),
        }
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireService {
            inner,
            guard: self.guard.clone(),
            policy: Arc::clone(&self.policy),
        }
    }
}

/// The service [`RequireLayer`] produces. Admitted requests reach the inner service with an
/// [`Authenticated`] extension; refused ones are answered here with a
/// [`Rejection`](crate::Rejection) response and never reach it.
#[derive(Debug, Clone)]
pub struct RequireService<S> {
    inner: S,
    guard: Guard,
    policy: Arc<Policy>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: From<Bytes> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The clone is not necessarily ready; keep the one `poll_ready` readied (tower's
        // documented pattern for services that call their inner service from a future).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            match guard.authorize_with(request.headers(), &policy).await {
                Ok(claims) => {
                    request.extensions_mut().insert(Authenticated(claims));
                    inner.call(request).await
                }
                Err(rejection) => Ok(rejection.to_response()),
            }
        })
    }
}
