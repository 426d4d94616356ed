//! CORS for the endpoints a single-page application calls from the browser: token, userinfo and
//! revocation (docs/product.md#cors). Only the origins of the partition's SPA clients' redirect
//! URLs are allowed; any other origin gets no CORS headers, so its scripts cannot read the answers.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tessera_domain::Realm;

use crate::state::AppState;

/// Whether `origin` may call the browser-facing endpoints of the issuer whose path segment is
/// `segment` (`acme-U`).
async fn allowed(state: &AppState, segment: &str, origin: &str) -> bool {
    let Some((partition, _)) = Realm::split_issuer_segment(segment) else {
        return false;
    };
    matches!(state.partition(&partition).await, Ok(Some(ctx)) if ctx.spa_origins.contains(origin))
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// Answers preflights and adds `Access-Control-Allow-Origin` for allowed origins.
pub(crate) async fn layer(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    req: Request,
    next: Next,
) -> Response {
    let segment = params
        .iter()
        .find(|(k, _)| k == super::realm_issuer::PARAM)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let origin = req.headers().get(header::ORIGIN).cloned();
    let ok = match origin.as_ref().and_then(|o| o.to_str().ok()) {
        Some(o) => allowed(&state, &segment, o).await,
        None => false,
    };
    if req.method() == Method::OPTIONS {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        if let (true, Some(o)) = (ok, origin) {
            let h = resp.headers_mut();
            allow(h, o);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        return resp;
    }
    let mut resp = next.run(req).await;
    if let (true, Some(o)) = (ok, origin) {
        allow(resp.headers_mut(), o);
    }
    resp
}
