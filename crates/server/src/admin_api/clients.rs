//! `client-applications`: list, create, get, update, delete (adapters over
//! [`crate::admin_ops::clients`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tessera_domain::client::{ClientApplication, ClientChanges};
use tessera_domain::page::Page;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::conditional::{IfMatch, etag};
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::admin_ops::Resource;
use crate::admin_ops::clients::{self as ops, NewClientApplication};
use crate::state::AppState;

/// The client id in a path; a malformed one is not found.
pub(super) fn client_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    path_id(raw, Resource::ClientApplication)
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications", tag = "client-applications",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "A page of client applications"), (status = 401, body = ProblemDetails)))]
/// Lists client applications in creation order.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<ClientApplication>>, ApiError> {
    Ok(Json(ops::list(&state, &caller, page).await?))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/client-applications", tag = "client-applications",
    params(("partition" = String, Path)), request_body = NewClientApplication,
    responses((status = 201, body = ClientApplication), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Registers a client application; the Client ID is generated.
pub(crate) async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<NewClientApplication>,
) -> Result<(StatusCode, Json<ClientApplication>), ApiError> {
    let client = ops::create(&state, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(client)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)),
    responses((status = 200, body = ClientApplication, headers(("ETag" = String, description = "The revision, for If-Match on PATCH (RFC 9110)"))), (status = 404, body = ProblemDetails)))]
/// One client application, with its revision as a strong `ETag`.
pub(crate) async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let client = ops::get(&state, &caller, client_id(&id)?).await?;
    Ok((etag(&client.revision()), Json(client)))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path),
        ("If-Match" = Option<String>, Header, description = "Change only this revision (the ETag of a GET); 412 if the application changed since")),
    request_body = ClientChanges,
    responses((status = 200, body = ClientApplication, headers(("ETag" = String, description = "The new revision"))), (status = 400, body = ProblemDetails), (status = 404, body = ProblemDetails), (status = 409, body = ProblemDetails), (status = 412, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes fields of a client application (platform and Client ID are immutable). With
/// `If-Match`, only the revision named: a change made meanwhile answers 412 and nothing is
/// saved.
pub(crate) async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    if_match: IfMatch,
    StrictJson(changes): StrictJson<ClientChanges>,
) -> Result<impl IntoResponse, ApiError> {
    let client = ops::update(
        &state,
        &caller,
        client_id(&id)?,
        changes,
        if_match.revisions(),
    )
    .await?;
    Ok((etag(&client.revision()), Json(client)))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)),
    responses((status = 204, description = "Deleted with its secrets and permissions"), (status = 404, body = ProblemDetails)))]
/// Deletes a client application with its secrets and permission assignments.
pub(crate) async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    ops::delete(&state, &caller, client_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
