//! `users`: agents of the partition's users realm.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::page::Page;
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::UserRecord;
use tessera_domain::user::{User, UserChanges, check_password};
use tessera_oauth_types::ProblemDetails;

use super::accounts::hash_password;
use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::oauth::session_end::{self, Ending};
use crate::state::AppState;

/// The body of `POST users`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Unique in the partition (case-insensitive).
    pub username: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Password, at least 10 characters (stored as Argon2id).
    pub password: String,
    /// Department (default `Service`).
    #[serde(default = "service")]
    pub department: String,
    /// Partition Administrator flag.
    #[serde(default)]
    pub partition_admin: bool,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The optional OpenID Connect standard claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
}

fn service() -> String {
    tessera_domain::department::DEFAULT_DEPARTMENT.to_owned()
}

const fn yes() -> bool {
    true
}

async fn load(state: &AppState, caller: &AdminCaller, raw: &str) -> Result<User, ApiError> {
    let id = path_id(raw, "user")?;
    state
        .store
        .get_user(&caller.partition, id)
        .await
        .map_err(|e| ApiError::store("user", e))?
        .ok_or(ApiError::NotFound("user"))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/users", tag = "users",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)), responses((status = 200, description = "A page of users")))]
/// Lists users.
pub async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<User>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_users(&caller.partition, page)
            .await
            .map_err(|e| ApiError::store("user", e))?,
    ))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/users", tag = "users",
    params(("partition" = String, Path)), request_body = NewUser,
    responses((status = 201, body = User), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Creates a user.
pub async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let now = state.clock.now();
    let user = User {
        id: state.rng.uuid(),
        partition: caller.partition.clone(),
        username: body.username,
        email: body.email,
        display_name: body.display_name,
        department: body.department,
        partition_admin: body.partition_admin,
        enabled: body.enabled,
        claims: body.claims,
        created_at: now,
        updated_at: now,
    };
    let mut e = user.validate().err().unwrap_or_default();
    check_password(&mut e, "password", &body.password);
    e.into_result()?;
    let password_hash = hash_password(&state, body.password).await?;
    let audit = caller.event(
        &state,
        "user.create",
        "user",
        user.id.to_string(),
        Some(format!(
            "username={:?} partition_admin={}",
            user.username, user.partition_admin
        )),
    );
    state
        .store
        .create_user(
            &UserRecord {
                user: user.clone(),
                password_hash,
            },
            &audit,
        )
        .await
        .map_err(|e| ApiError::store("user", e))?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/users/{user_id}", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), responses((status = 200, body = User), (status = 404, body = ProblemDetails)))]
/// One user.
pub async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(load(&state, &caller, &id).await?))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/users/{user_id}", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), request_body = UserChanges,
    responses((status = 200, body = User), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes a user (a new password is hashed; it is never returned).
pub async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(changes): StrictJson<UserChanges>,
) -> Result<Json<User>, ApiError> {
    let mut user = load(&state, &caller, &id).await?;
    let password = changes.password.clone();
    user.apply(changes, state.clock.now())?;
    let hash = match password {
        Some(p) => Some(hash_password(&state, p).await?),
        None => None,
    };
    let audit = caller.event(
        &state,
        "user.update",
        "user",
        user.id.to_string(),
        hash.as_ref().map(|_| "password changed".to_owned()),
    );
    let ended = state
        .store
        .update_user(&user, hash.as_deref(), &audit)
        .await
        .map_err(|e| ApiError::store("user", e))?;
    // A new password or disabling ended the user's sessions: tell their applications.
    session_end::end(
        &state,
        &caller.partition,
        Realm::Users,
        Ending::Ended {
            subject: user.id,
            sessions: ended,
        },
    )
    .await
    .map_err(|e| ApiError::store("user", e))?;
    Ok(Json(user))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/users/{user_id}", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes a user.
pub async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "user")?;
    let audit = caller.event(&state, "user.delete", "user", id.to_string(), None);
    state
        .store
        .delete_user(&caller.partition, id, &audit)
        .await
        .map_err(|e| ApiError::store("user", e))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/users/{user_id}/sessions", tag = "users",
    params(("partition" = String, Path), ("user_id" = String, Path)), responses((status = 204, description = "Every live session ended"), (status = 404, body = ProblemDetails)))]
/// Signs the user out everywhere: ends every live browser session of the user and revokes
/// the grants made in them, and tells the applications that took part (OpenID Connect
/// Back-Channel Logout 1.0). A user with no live session is not an error.
pub async fn end_sessions(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = load(&state, &caller, &id).await?;
    let audit = caller.event(
        &state,
        "user.sessions.end",
        "user",
        user.id.to_string(),
        None,
    );
    session_end::end(
        &state,
        &caller.partition,
        Realm::Users,
        Ending::Account {
            subject: user.id,
            audit,
        },
    )
    .await
    .map_err(|e| ApiError::store("user", e))?;
    Ok(StatusCode::NO_CONTENT)
}
