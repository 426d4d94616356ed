//! `departments` (adapters over [`crate::admin_ops::departments`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tessera_domain::department::Department;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson};
use crate::admin_ops::departments as ops;
use crate::state::AppState;

/// The body of `POST departments`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewDepartment {
    /// Unique name.
    pub name: String,
}

/// The body of `PATCH departments/{name}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DepartmentChanges {
    /// The new name, unique in the partition; the department's users move with it.
    pub name: String,
}

/// The list response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DepartmentList {
    /// Departments in creation order.
    pub items: Vec<Department>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/departments", tag = "departments",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = DepartmentList), (status = 400, body = ProblemDetails)))]
/// Lists departments, a page at a time.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<DepartmentList>, ApiError> {
    let page = ops::list(&state, &caller, page).await?;
    Ok(Json(DepartmentList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/departments", tag = "departments",
    params(("partition" = String, Path)), request_body = NewDepartment,
    responses((status = 201, body = Department), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Adds a department.
pub(crate) async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<NewDepartment>,
) -> Result<(StatusCode, Json<Department>), ApiError> {
    let d = ops::create(&state, &caller, body.name).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/departments/{name}", tag = "departments",
    params(("partition" = String, Path), ("name" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails), (status = 409, body = ProblemDetails)))]
/// Removes a department that no user belongs to.
pub(crate) async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    ops::delete(&state, &caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/departments/{name}", tag = "departments",
    params(("partition" = String, Path), ("name" = String, Path)), request_body = DepartmentChanges,
    responses((status = 200, body = Department), (status = 404, body = ProblemDetails), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Renames a department; its users move with it.
pub(crate) async fn rename(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, name)): Path<(String, String)>,
    StrictJson(body): StrictJson<DepartmentChanges>,
) -> Result<Json<Department>, ApiError> {
    Ok(Json(ops::rename(&state, &caller, &name, body.name).await?))
}
