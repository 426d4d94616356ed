//! The permission catalog (`permissions`) and a client's assigned permissions
//! (`client-applications/{client_id}/permissions`): adapters over
//! [`crate::admin_ops::catalog::permissions`] and [`crate::admin_ops::clients`].

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::clients::client_id;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson};
use crate::admin_ops::catalog::{self, PermissionCatalog};
use crate::admin_ops::clients;
use crate::state::AppState;

/// A client's assigned permissions.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Assigned {
    /// Permission names, short or full form on input; short form on output.
    pub permissions: Vec<String>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/permissions", tag = "permissions",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = PermissionCatalog), (status = 400, body = ProblemDetails)))]
/// The partition's permission catalog, a page at a time.
pub(crate) async fn catalog(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<PermissionCatalog>, ApiError> {
    Ok(Json(catalog::permissions(&state, &caller, page).await?))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/permissions", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), responses((status = 200, body = Assigned), (status = 404, body = ProblemDetails)))]
/// A client's assigned permissions.
pub(crate) async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Assigned>, ApiError> {
    let client = clients::get(&state, &caller, client_id(&id)?).await?;
    Ok(Json(Assigned {
        permissions: client.permissions,
    }))
}

#[utoipa::path(put, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/permissions", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), request_body = Assigned,
    responses((status = 200, body = Assigned), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Replaces a client's assigned permissions. A SPA may hold only delegated permissions (it has no
/// flow that could use the others).
pub(crate) async fn put(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(body): StrictJson<Assigned>,
) -> Result<Json<Assigned>, ApiError> {
    let permissions =
        clients::replace_permissions(&state, &caller, client_id(&id)?, &body.permissions).await?;
    Ok(Json(Assigned { permissions }))
}
