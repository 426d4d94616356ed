//! `POST {api_url}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint={partition}`:
//! anonymous-customer tokens, rate-limited per source address because they need no credentials.

use std::net::IpAddr;
use std::time::Instant;

use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use tessera_domain::{PartitionId, Realm};

use super::query::{self, UserTypes};
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::realm_post::RealmPost;
use crate::oauth::token;
use crate::rate_limit::client_block;
use crate::rate_window::Quota;
use crate::state::AppState;

/// Checks the query and the rate limit, then serves the anonymous client-credentials grant.
pub(super) async fn post(State(state): State<AppState>, post: RealmPost<Uri>) -> Response {
    let partition = match target(&post.at) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Some(ip) = post.meta.ip
        && let Err(e) = limit(&state, ip)
    {
        return e.into_response();
    }
    let target = token::Target {
        partition,
        realm: Realm::Customers,
        ctx: None,
        endpoint: token::Endpoint::Anonymous,
    };
    token::respond(&state, target, post.meta, &post.headers, &post.body).await
}

/// The per-address limits: this instance's token bucket (bursts), then the per-minute window
/// every instance shares (docs/operations.md#abuse-limits). Its `X-RateLimit-Limit` is the
/// window's: `requests_per_minute`, or `burst` when that is larger.
fn limit(state: &AppState, ip: IpAddr) -> Result<(), OAuthError> {
    let cfg = &state.config.anonymous;
    let per_window = cfg.requests_per_minute.max(cfg.burst);
    let now = state.clock.now();
    let refused = |quota: Quota| {
        let secs = quota.retry_after(now);
        OAuthError::too_many_requests(
            format!("too many anonymous token requests from this address; retry in {secs} s"),
            quota,
            now,
        )
    };
    if let Err(wait) = state.anonymous_limiter.check(ip, Instant::now()) {
        return Err(refused(Quota {
            limit: per_window,
            remaining: 0,
            reset: now + wait,
        }));
    }
    let key = format!("x|{}", client_block(ip));
    state
        .rate_counters
        .check(&key, per_window, now)
        .map(|_| ())
        .map_err(refused)
}

fn target(uri: &Uri) -> Result<PartitionId, OAuthError> {
    // Unknown parameters are ignored, repeated ones refused (RFC 6749 §3.1).
    let query = Params::from_query(uri)?;
    query::realm(
        &query,
        &UserTypes {
            accepted: &[("customer", Realm::Customers)],
            missing: "the user_type=customer query parameter is required",
            wrong: "user_type must be customer: anonymous tokens are for customers",
        },
    )?;
    query::partition(
        &query,
        "domain_hint",
        "the domain_hint query parameter is required (the partition id, without -U or -C)",
    )
}
