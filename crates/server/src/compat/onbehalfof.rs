//! `POST {api_url}/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type=user|customer&tenantId={partition}`:
//! the on-behalf-of grant at the address the platform's SDKs use.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use tessera_domain::{PartitionId, Realm};

use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::token;
use crate::request_meta::RequestMeta;
use crate::state::AppState;

/// Reads `user_type` and `tenantId` from the query, then serves the password (on-behalf-of) grant.
pub(super) async fn post(
    State(state): State<AppState>,
    uri: Uri,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match target(&uri) {
        Ok((partition, realm)) => {
            token::respond(
                &state,
                partition,
                realm,
                meta,
                &headers,
                &body,
                token::Endpoint::OnBehalfOf,
            )
            .await
        }
        Err(e) => e.into_response(),
    }
}

fn target(uri: &Uri) -> Result<(PartitionId, Realm), OAuthError> {
    // Unknown parameters are ignored, repeated ones refused (RFC 6749 §3.1).
    let query = Params::from_query(uri)?;
    let realm = match query.get("user_type") {
        Some("user") => Realm::Users,
        Some("customer") => Realm::Customers,
        Some(_) => {
            return Err(OAuthError::invalid_request(
                "user_type must be user or customer",
            ));
        }
        None => {
            return Err(OAuthError::invalid_request(
                "the user_type query parameter is required (user or customer)",
            ));
        }
    };
    let tenant = query.get("tenantId").ok_or_else(|| {
        OAuthError::invalid_request("the tenantId query parameter is required (the partition id)")
    })?;
    let partition = PartitionId::parse(tenant).map_err(|_| OAuthError::unknown_issuer())?;
    Ok((partition, realm))
}
