//! `POST {api_url}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type=user|customer&tenantId={partition}`:
//! the on-behalf-of grant at the address the platform's SDKs use.

use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use tessera_domain::{PartitionId, Realm};

use super::query::{self, UserTypes};
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::realm_post::RealmPost;
use crate::oauth::token;
use crate::state::AppState;

/// Reads `user_type` and `tenantId` from the query, then serves the password (on-behalf-of) grant.
pub(super) async fn post(State(state): State<AppState>, post: RealmPost<Uri>) -> Response {
    match target(&post.at) {
        Ok((partition, realm)) => {
            let target = token::Target {
                partition,
                realm,
                ctx: None,
                endpoint: token::Endpoint::OnBehalfOf,
            };
            token::respond(&state, target, post.meta, &post.headers, &post.body).await
        }
        Err(e) => e.into_response(),
    }
}

fn target(uri: &Uri) -> Result<(PartitionId, Realm), OAuthError> {
    // Unknown parameters are ignored, repeated ones refused (RFC 6749 §3.1).
    let query = Params::from_query(uri)?;
    let realm = query::realm(
        &query,
        &UserTypes {
            accepted: &[("user", Realm::Users), ("customer", Realm::Customers)],
            missing: "the user_type query parameter is required (user or customer)",
            wrong: "user_type must be user or customer",
        },
    )?;
    let partition = query::partition(
        &query,
        "tenantId",
        "the tenantId query parameter is required (the partition id)",
    )?;
    Ok((partition, realm))
}
