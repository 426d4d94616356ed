//! `users`: agents of the partition's users realm (adapters over
//! [`crate::admin_ops::users`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tessera_domain::page::Page;
use tessera_domain::user::{User, UserChanges};
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::admin_ops::users::{self as ops, NewUser};
use crate::admin_ops::{Resource, accounts};
use crate::state::AppState;

fn user_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    path_id(raw, Resource::User)
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/users", tag = "users",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)), responses((status = 200, description = "A page of users")))]
/// Lists users.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<User>>, ApiError> {
    Ok(Json(accounts::list::<User>(&state, &caller, page).await?))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/users", tag = "users",
    params(("partition" = String, Path)), request_body = NewUser,
    responses((status = 201, body = User), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Creates a user.
pub(crate) async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let user = ops::create(&state, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/users/{user_id}", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), responses((status = 200, body = User), (status = 404, body = ProblemDetails)))]
/// One user.
pub(crate) async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        accounts::get::<User>(&state, &caller, user_id(&id)?).await?,
    ))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/users/{user_id}", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), request_body = UserChanges,
    responses((status = 200, body = User), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes a user (a new password is hashed; it is never returned).
pub(crate) async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(changes): StrictJson<UserChanges>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        ops::update(&state, &caller, user_id(&id)?, changes).await?,
    ))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/users/{user_id}", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes a user.
pub(crate) async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    ops::delete(&state, &caller, user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/users/{user_id}/sessions", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), responses((status = 204, description = "Every live session ended"), (status = 404, body = ProblemDetails)))]
/// Signs the user out everywhere: ends every live browser session of the user and revokes
/// the grants made in them, and tells the applications that took part (OpenID Connect
/// Back-Channel Logout 1.0). A user with no live session is not an error.
pub(crate) async fn end_sessions(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    accounts::end_sessions::<User>(&state, &caller, user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
