//! `signing-keys`: list (public halves), rotate, and withdraw a retired key (adapters over
//! [`crate::admin_ops::signing_keys`]).

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tessera_domain::Realm;
use tessera_domain::signing_key::SigningKey;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson};
use crate::admin_ops::signing_keys as ops;
use crate::state::AppState;

/// A list of keys (private keys are never returned).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct KeyList {
    /// Keys of both realms in creation order.
    pub items: Vec<SigningKey>,
    /// Pass as `cursor` to get the next page; `null` on the last page (and after a rotation,
    /// which answers every key).
    pub next_cursor: Option<String>,
}

/// The body of `POST signing-keys/rotate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rotate {
    /// Realm to rotate; both when absent.
    #[serde(default)]
    pub realm: Option<Realm>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/signing-keys", tag = "signing-keys",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = KeyList), (status = 400, body = ProblemDetails)))]
/// Lists signing keys with state and public JWK, a page at a time.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<KeyList>, ApiError> {
    let page = ops::list(&state, &caller, page).await?;
    Ok(Json(KeyList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/signing-keys/rotate", tag = "signing-keys",
    params(("partition" = String, Path)), request_body = Rotate,
    responses((status = 200, body = KeyList, description = "The keys after rotation"), (status = 422, body = ProblemDetails)))]
/// Rotates keys: next → active, active → retired (still published), new next key.
pub(crate) async fn rotate(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<Rotate>,
) -> Result<Json<KeyList>, ApiError> {
    Ok(every_key(ops::rotate(&state, &caller, body.realm).await?))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/signing-keys/{kid}/revoke", tag = "signing-keys",
    params(("partition" = String, Path), ("kid" = String, Path)),
    responses((status = 200, body = KeyList, description = "The keys after the withdrawal"),
        (status = 404, body = ProblemDetails),
        (status = 409, body = ProblemDetails, description = "The key is active or next: rotate first")))]
/// Withdraws a retired key at once (for a leaked key): it leaves the JWKS and tokens it signed
/// stop verifying. The active and next keys are refused: rotate first, then withdraw.
pub(crate) async fn revoke(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, kid)): Path<(String, String)>,
) -> Result<Json<KeyList>, ApiError> {
    Ok(every_key(ops::withdraw(&state, &caller, &kid).await?))
}

/// Every key of the partition, not a page: the answer to a change of keys.
fn every_key(items: Vec<SigningKey>) -> Json<KeyList> {
    Json(KeyList {
        items,
        next_cursor: None,
    })
}
