//! The permission catalog (`permissions`) and a client's assigned permissions
//! (`client-applications/{client_id}/permissions`).

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tessera_domain::client::Platform;
use tessera_domain::permission::{Hub, PermissionKind, short_form};
use tessera_domain::validation::FieldErrors;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::clients::load;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson};
use crate::state::AppState;

/// A catalog permission as listed (docs/product.md#admin-api).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionItem {
    /// Short name.
    pub name: String,
    /// Prefix + name.
    pub full_name: String,
    /// Hub.
    pub hub: Hub,
    /// Kind.
    pub kind: PermissionKind,
    /// Description.
    pub description: String,
    /// May be granted to anonymous customers.
    pub anonymous: bool,
}

/// `GET permissions`: a page of the catalog.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionCatalog {
    /// Permissions in creation order (an import that updates one keeps its place).
    pub items: Vec<PermissionItem>,
    /// The API permission prefix of the full forms.
    pub api_permission_prefix: String,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A client's assigned permissions.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assigned {
    /// Permission names, short or full form on input; short form on output.
    pub permissions: Vec<String>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/permissions", tag = "permissions",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = PermissionCatalog), (status = 400, body = ProblemDetails)))]
/// The partition's permission catalog, a page at a time.
pub async fn catalog(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<PermissionCatalog>, ApiError> {
    let ctx = state
        .partition(&caller.partition)
        .await?
        .ok_or(ApiError::NotFound("partition"))?;
    let page = state
        .store
        .page_permissions(&caller.partition, page)
        .await
        .map_err(|e| ApiError::store("permission", e))?;
    Ok(Json(PermissionCatalog {
        items: page
            .items
            .into_iter()
            .map(|p| PermissionItem {
                full_name: p.full_name(&ctx.prefix),
                name: p.name,
                hub: p.hub,
                kind: p.kind,
                description: p.description,
                anonymous: p.anonymous,
            })
            .collect(),
        api_permission_prefix: ctx.prefix.clone(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/permissions", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), responses((status = 200, body = Assigned), (status = 404, body = ProblemDetails)))]
/// A client's assigned permissions.
pub async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Assigned>, ApiError> {
    let client = load(&state, &caller, &id).await?;
    Ok(Json(Assigned {
        permissions: client.permissions,
    }))
}

#[utoipa::path(put, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/permissions", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), request_body = Assigned,
    responses((status = 200, body = Assigned), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Replaces a client's assigned permissions. A SPA may hold only delegated permissions (it has no
/// flow that could use the others).
pub async fn put(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(body): StrictJson<Assigned>,
) -> Result<Json<Assigned>, ApiError> {
    let client = load(&state, &caller, &id).await?;
    super::clients::refuse_builtin(client.client_id)?;
    let ctx = state
        .partition(&caller.partition)
        .await?
        .ok_or(ApiError::NotFound("partition"))?;
    let mut e = FieldErrors::default();
    let mut names: Vec<String> = Vec::new();
    for (i, raw) in body.permissions.iter().enumerate() {
        let name = short_form(raw, &ctx.prefix);
        match ctx.catalog.permissions.get(name) {
            None => e.add(format!("permissions[{i}]"), format!("unknown permission {:?}", raw.chars().take(200).collect::<String>())),
            Some(p) if client.platform == Platform::Spa && p.kind != PermissionKind::Delegated => e.add(
                format!("permissions[{i}]"),
                format!("{} is a {} permission; a single-page application can only use delegated permissions", p.name, p.kind.as_str()),
            ),
            Some(p) => {
                if !names.contains(&p.name) {
                    names.push(p.name.clone());
                }
            }
        }
    }
    e.into_result()?;
    names.sort();
    let audit = caller.event(
        &state,
        "client_application.permissions.replace",
        "client_application",
        client.client_id.to_string(),
        Some(names.join(" ")),
    );
    state
        .store
        .set_client_permissions(&caller.partition, client.client_id, &names, &audit)
        .await
        .map_err(|e| ApiError::store("client application", e))?;
    state.invalidate_client(&caller.partition, client.client_id);
    Ok(Json(Assigned { permissions: names }))
}
