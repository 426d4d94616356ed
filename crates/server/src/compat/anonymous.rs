//! `POST {api_url}/core/authmgr/v3/oauth2/v2.0/anonymous/token?user_type=customer&domain_hint={partition}`:
//! anonymous-customer tokens, rate-limited per source address because they need no credentials.

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::ErrorCode;

use super::query::{self, UserTypes};
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::realm_post::RealmPost;
use crate::oauth::token;
use crate::state::AppState;

/// Checks the query and the rate limit, then serves the anonymous client-credentials grant.
pub(super) async fn post(State(state): State<AppState>, post: RealmPost<Uri>) -> Response {
    let partition = match target(&post.at) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Some(ip) = post.meta.ip
        && let Err(wait) = state.anonymous_limiter.check(ip, Instant::now())
    {
        let secs = wait.as_secs().max(1);
        let mut resp = OAuthError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: ErrorCode::TemporarilyUnavailable,
            description: format!(
                "too many anonymous token requests from this address; retry in {secs} s"
            ),
            basic_challenge: false,
        }
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    let target = token::Target {
        partition,
        realm: Realm::Customers,
        ctx: None,
        endpoint: token::Endpoint::Anonymous,
    };
    token::respond(&state, target, post.meta, &post.headers, &post.body).await
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
