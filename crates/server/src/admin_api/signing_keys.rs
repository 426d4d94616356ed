//! `signing-keys`: list (public halves), rotate, and withdraw a retired key.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tessera_domain::signing_key::SigningKey;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson};
use crate::provision::ProvisionError;
use crate::state::AppState;

/// A list of keys (private keys are never returned).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    /// Keys of both realms in creation order.
    pub items: Vec<SigningKey>,
    /// Pass as `cursor` to get the next page; `null` on the last page (and after a rotation,
    /// which answers every key).
    pub next_cursor: Option<String>,
}

/// The body of `POST signing-keys/rotate`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// Realm to rotate; both when absent.
    #[serde(default)]
    pub realm: Option<Realm>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/signing-keys", tag = "signing-keys",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = KeyList), (status = 400, body = ProblemDetails)))]
/// Lists signing keys with state and public JWK, a page at a time.
pub async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<KeyList>, ApiError> {
    let page = state
        .store
        .page_signing_keys(&caller.partition, page)
        .await
        .map_err(|e| ApiError::store("signing key", e))?;
    Ok(Json(KeyList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/signing-keys/rotate", tag = "signing-keys",
    params(("partition" = String, Path)), request_body = Rotate,
    responses((status = 200, body = KeyList, description = "The keys after rotation"), (status = 422, body = ProblemDetails)))]
/// Rotates keys: next → active, active → retired (still published), new next key.
pub async fn rotate(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<Rotate>,
) -> Result<Json<KeyList>, ApiError> {
    let realms = body.realm.map_or_else(|| Realm::ALL.to_vec(), |r| vec![r]);
    for realm in realms {
        state
            .provisioner()
            .rotate_keys(&*state.store, &caller.partition, realm, &caller.audit)
            .await
            .map_err(|e| match e {
                ProvisionError::Store(s) => ApiError::store("partition", s),
                other => {
                    tracing::error!(error = %other, "key rotation failed");
                    ApiError::Internal
                }
            })?;
    }
    every_key(&state, &caller.partition).await
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/signing-keys/{kid}/revoke", tag = "signing-keys",
    params(("partition" = String, Path), ("kid" = String, Path)),
    responses((status = 200, body = KeyList, description = "The keys after the withdrawal"),
        (status = 404, body = ProblemDetails),
        (status = 409, body = ProblemDetails, description = "The key is active or next: rotate first")))]
/// Withdraws a retired key at once (for a leaked key): it leaves the JWKS and tokens it signed
/// stop verifying. The active and next keys are refused: rotate first, then withdraw.
pub async fn revoke(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, kid)): Path<(String, String)>,
) -> Result<Json<KeyList>, ApiError> {
    state
        .provisioner()
        .withdraw_key(&*state.store, &caller.partition, &kid, &caller.audit)
        .await
        .map_err(|e| match e {
            ProvisionError::Store(s) => ApiError::store("signing key", s),
            in_use @ ProvisionError::KeyInUse { .. } => ApiError::Conflict(in_use.to_string()),
            other => {
                tracing::error!(error = %other, "key withdrawal failed");
                ApiError::Internal
            }
        })?;
    every_key(&state, &caller.partition).await
}

/// Every key of the partition, not a page: the answer to a change of keys. A partition holds
/// its active and next keys per realm plus the retired ones still published, so it stays small.
async fn every_key(state: &AppState, partition: &PartitionId) -> Result<Json<KeyList>, ApiError> {
    state.invalidate_partition(partition);
    let items = state
        .store
        .list_signing_keys(partition)
        .await
        .map_err(|e| ApiError::store("signing key", e))?;
    Ok(Json(KeyList {
        items,
        next_cursor: None,
    }))
}
