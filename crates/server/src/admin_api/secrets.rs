//! `client-applications/{client_id}/secrets`: list (no values), create (value shown once), delete
//! (adapters over [`crate::admin_ops::secrets`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use tessera_domain::secret::ClientSecret;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::clients::client_id;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson};
use crate::admin_ops::secrets::{self as ops, CreatedSecret, NewSecret};
use crate::state::AppState;

/// The list response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SecretList {
    /// Secrets, without values, in creation order.
    pub items: Vec<ClientSecret>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/secrets", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = SecretList), (status = 400, body = ProblemDetails), (status = 404, body = ProblemDetails)))]
/// Lists a client's secrets (metadata only), a page at a time.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    ListQuery(page): ListQuery,
) -> Result<Json<SecretList>, ApiError> {
    let page = ops::list(&state, &caller, client_id(&id)?, page).await?;
    Ok(Json(SecretList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/secrets", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), request_body = NewSecret,
    responses((status = 201, body = CreatedSecret), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Adds a secret; at most the configured number (default 2) may be unexpired at once.
pub(crate) async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(body): StrictJson<NewSecret>,
) -> Result<(StatusCode, Json<CreatedSecret>), ApiError> {
    let created = ops::add(&state, &caller, client_id(&id)?, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/secrets/{secret_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path), ("secret_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes a secret; it stops working at once on this instance and within a second elsewhere.
pub(crate) async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id, secret_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    ops::delete(&state, &caller, client_id(&id)?, &secret_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
