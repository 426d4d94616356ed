//! `identity-providers`: external SSO providers whose tokens can be exchanged (adapters over
//! [`crate::admin_ops::identity_providers`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tessera_domain::identity_provider::{IdentityProvider, IdentityProviderChanges};
use tessera_domain::page::Page;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::admin_ops::Resource;
use crate::admin_ops::identity_providers::{self as ops, NewIdentityProvider};
use crate::jwt::external::KeyCheck;
use crate::state::AppState;

fn provider_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    path_id(raw, Resource::IdentityProvider)
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/identity-providers", tag = "identity-providers",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)), responses((status = 200, description = "A page of identity providers")))]
/// Lists identity providers.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<IdentityProvider>>, ApiError> {
    Ok(Json(ops::list(&state, &caller, page).await?))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/identity-providers", tag = "identity-providers",
    params(("partition" = String, Path)), request_body = NewIdentityProvider,
    responses((status = 201, body = IdentityProvider), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Registers an identity provider; its generated id is the `registration_id` of token exchange.
pub(crate) async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(b): StrictJson<NewIdentityProvider>,
) -> Result<(StatusCode, Json<IdentityProvider>), ApiError> {
    let idp = ops::create(&state, &caller, b).await?;
    Ok((StatusCode::CREATED, Json(idp)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/identity-providers/{id}", tag = "identity-providers",
    params(("partition" = String, Path), ("id" = String, Path)), responses((status = 200, body = IdentityProvider), (status = 404, body = ProblemDetails)))]
/// One identity provider.
pub(crate) async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<IdentityProvider>, ApiError> {
    Ok(Json(ops::get(&state, &caller, provider_id(&id)?).await?))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/identity-providers/{id}", tag = "identity-providers",
    params(("partition" = String, Path), ("id" = String, Path)), request_body = IdentityProviderChanges,
    responses((status = 200, body = IdentityProvider), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes an identity provider.
pub(crate) async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(changes): StrictJson<IdentityProviderChanges>,
) -> Result<Json<IdentityProvider>, ApiError> {
    Ok(Json(
        ops::update(&state, &caller, provider_id(&id)?, changes).await?,
    ))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/identity-providers/{id}", tag = "identity-providers",
    params(("partition" = String, Path), ("id" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes an identity provider.
pub(crate) async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    ops::delete(&state, &caller, provider_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/identity-providers/{id}/test", tag = "identity-providers",
    params(("partition" = String, Path), ("id" = String, Path)), responses((status = 200, body = KeyCheck), (status = 404, body = ProblemDetails)))]
/// Test this provider: fetches its keys now (through token exchange's fetcher and address
/// checks) and answers what was found — the keys, or exactly why there are none.
pub(crate) async fn test(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<KeyCheck>, ApiError> {
    Ok(Json(
        ops::check_keys(&state, &caller, provider_id(&id)?).await?,
    ))
}
