//! The Tessera authorization server as a library: [`router`] builds the whole HTTP surface from
//! an [`AppState`], so tests drive it in-process exactly as `tessera serve` does.

// What the `tessera` command (`main.rs`) and the integration tests (`tests/`) use is public;
// every other module is the crate's own, so the compiler reports what nothing uses.
pub mod admin_ops;
pub mod audit;
pub mod config;
pub mod crypto;
pub mod http_server;
pub mod login_backoff;
pub mod provision;
pub mod runtime;

pub(crate) mod admin_api;
pub(crate) mod audit_sink;
pub(crate) mod backchannel;
pub(crate) mod cache;
pub(crate) mod cidr;
pub(crate) mod compat;
pub(crate) mod console;
pub(crate) mod error_format;
pub(crate) mod forwarded;
pub(crate) mod jwt;
pub(crate) mod known_partitions;
pub(crate) mod metadata;
pub(crate) mod oauth;
pub(crate) mod ops;
pub(crate) mod outbound;
pub(crate) mod pages;
pub(crate) mod rate_limit;
pub(crate) mod rate_window;
pub(crate) mod request_meta;
pub(crate) mod state;
pub(crate) mod telemetry;
pub(crate) mod urls;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use console::builtin::ensure_all as ensure_console_clients;
pub use state::AppState;
/// The token endpoint's path below an issuer (`{issuer}/oauth2/token`).
pub use urls::TOKEN as TOKEN_ENDPOINT;

/// The complete router.
pub fn router(state: AppState) -> Router {
    let limit = state.config.http.body_limit_bytes;
    let timeout = Duration::from_secs(state.config.http.request_timeout_secs);
    let import_limit = state.config.http.import_limit_bytes;
    // Every route gets the small body limit except the OpenAPI import, whose documents are large.
    let small = Router::new()
        .merge(oauth::router(&state))
        .route("/static/{name}", axum::routing::get(pages::assets::serve))
        .merge(compat::router())
        .merge(ops::router(state.config.metrics.on_main_listener()))
        .merge(admin_api::router())
        .merge(console::router())
        .layer(RequestBodyLimitLayer::new(limit));
    let large = admin_api::import_router()
        .merge(console::import_router())
        .layer(RequestBodyLimitLayer::new(import_limit));
    Router::new()
        .merge(small)
        .merge(large)
        .fallback(not_found)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            // A panic is a bug; answer without details rather than dropping the connection.
            tracing::error!("a request handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error_format::layer,
        ))
        .layer(request_trace())
        .with_state(state)
}

/// The separate metrics listener (`[metrics] listen`): `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    ops::metrics_router()
        .fallback(not_found)
        .layer(request_trace())
        .with_state(state)
}

/// Request spans with the method and the path only: query strings carry credentials
/// (`id_token_hint` at logout, `code` at a client's callback, `login_hint`), and a span's fields
/// reach the log at `debug`.
fn request_trace() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&axum::http::Request<axum::body::Body>) -> tracing::Span + Clone,
> {
    TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<axum::body::Body>| {
        tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
    })
}

async fn not_found() -> impl IntoResponse {
    let problem = tessera_oauth_types::ProblemDetails::new(404, "Not Found", "no such endpoint");
    (
        StatusCode::NOT_FOUND,
        [(
            header::CONTENT_TYPE,
            tessera_oauth_types::ProblemDetails::CONTENT_TYPE,
        )],
        axum::Json(problem),
    )
}
