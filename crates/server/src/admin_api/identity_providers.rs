//! `identity-providers`: external SSO providers whose tokens can be exchanged (at most 25).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::identity_provider::{
    IdentityProvider, IdentityProviderChanges, MAX_IDENTITY_PROVIDERS, MatchAttribute,
};
use tessera_domain::page::Page;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::state::AppState;

/// The body of `POST identity-providers`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIdentityProvider {
    /// Display name.
    pub name: String,
    /// Expected `iss` of its tokens.
    pub issuer: String,
    /// JWKS address: https to a public address (loopback, and plain http to it, only where the
    /// deployment sets `[federation] allow_loopback` for development).
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Inline JWK Set instead of `jwks_uri`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// Accepted audiences.
    pub audiences: Vec<String>,
    /// `users` or `customers`.
    #[serde(default = "users")]
    pub realm: Realm,
    /// Claim to match (default `email`).
    #[serde(default = "email")]
    pub match_claim: String,
    /// Attribute matched (`email` or `username`).
    #[serde(default)]
    pub match_attribute: MatchAttribute,
    /// When matching on email, require `email_verified: true` in the provider's token (default
    /// true). Unsafe to switch off unless the provider verifies every address it asserts.
    #[serde(default = "yes")]
    pub require_email_verified: bool,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

const fn users() -> Realm {
    Realm::Users
}

fn email() -> String {
    "email".to_owned()
}

const fn yes() -> bool {
    true
}

async fn load(
    state: &AppState,
    caller: &AdminCaller,
    raw: &str,
) -> Result<IdentityProvider, ApiError> {
    let id = path_id(raw, "identity provider")?;
    state
        .store
        .get_identity_provider(&caller.partition, id)
        .await
        .map_err(|e| ApiError::store("identity provider", e))?
        .ok_or(ApiError::NotFound("identity provider"))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/identity-providers", tag = "identity-providers",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)), responses((status = 200, description = "A page of identity providers")))]
/// Lists identity providers.
pub async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<IdentityProvider>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_identity_providers(&caller.partition, page)
            .await
            .map_err(|e| ApiError::store("identity provider", e))?,
    ))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/identity-providers", tag = "identity-providers",
    params(("partition" = String, Path)), request_body = NewIdentityProvider,
    responses((status = 201, body = IdentityProvider), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Registers an identity provider; its generated id is the `registration_id` of token exchange.
pub async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(b): StrictJson<NewIdentityProvider>,
) -> Result<(StatusCode, Json<IdentityProvider>), ApiError> {
    let now = state.clock.now();
    let idp = IdentityProvider {
        id: state.rng.uuid(),
        partition: caller.partition.clone(),
        name: b.name,
        issuer: b.issuer,
        jwks_uri: b.jwks_uri,
        jwks: b.jwks,
        audiences: b.audiences,
        realm: b.realm,
        match_claim: b.match_claim,
        match_attribute: b.match_attribute,
        require_email_verified: b.require_email_verified,
        enabled: b.enabled,
        created_at: now,
        updated_at: now,
    };
    idp.validate(state.config.federation.policy())?;
    let audit = caller.event(
        &state,
        "identity_provider.create",
        "identity_provider",
        idp.id.to_string(),
        Some(format!("issuer={}", idp.issuer)),
    );
    state.store.create_identity_provider(&idp, MAX_IDENTITY_PROVIDERS, &audit).await.map_err(|e| match e {
        tessera_domain::store::StoreError::LimitReached(_) => {
            ApiError::Conflict(format!("a partition can register at most {MAX_IDENTITY_PROVIDERS} identity providers; delete one first"))
        }
        e => ApiError::store("identity provider", e),
    })?;
    Ok((StatusCode::CREATED, Json(idp)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/identity-providers/{id}", tag = "identity-providers",
    params(("partition" = String, Path), ("id" = String, Path)), responses((status = 200, body = IdentityProvider), (status = 404, body = ProblemDetails)))]
/// One identity provider.
pub async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<IdentityProvider>, ApiError> {
    Ok(Json(load(&state, &caller, &id).await?))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/identity-providers/{id}", tag = "identity-providers",
    params(("partition" = String, Path), ("id" = String, Path)), request_body = IdentityProviderChanges,
    responses((status = 200, body = IdentityProvider), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes an identity provider.
pub async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(changes): StrictJson<IdentityProviderChanges>,
) -> Result<Json<IdentityProvider>, ApiError> {
    let mut idp = load(&state, &caller, &id).await?;
    idp.apply(changes, state.clock.now(), state.config.federation.policy())?;
    let audit = caller.event(
        &state,
        "identity_provider.update",
        "identity_provider",
        idp.id.to_string(),
        None,
    );
    state
        .store
        .update_identity_provider(&idp, &audit)
        .await
        .map_err(|e| ApiError::store("identity provider", e))?;
    Ok(Json(idp))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/identity-providers/{id}", tag = "identity-providers",
    params(("partition" = String, Path), ("id" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes an identity provider.
pub async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "identity provider")?;
    let audit = caller.event(
        &state,
        "identity_provider.delete",
        "identity_provider",
        id.to_string(),
        None,
    );
    state
        .store
        .delete_identity_provider(&caller.partition, id, &audit)
        .await
        .map_err(|e| ApiError::store("identity provider", e))?;
    Ok(StatusCode::NO_CONTENT)
}
