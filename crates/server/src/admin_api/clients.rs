//! `client-applications`: list, create, get, update, delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_domain::ClientId;
use tessera_domain::client::{
    ClientApplication, ClientChanges, DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_ID_TOKEN_ALG, Platform,
    ResourceType, is_builtin,
};
use tessera_domain::page::Page;
use tessera_domain::signing_key::SigningAlg;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::provision::key_algorithms;
use crate::state::AppState;

/// The body of `POST client-applications` (docs/product.md#admin-api).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientApplication {
    /// Unique in the partition, 1-100 characters.
    pub name: String,
    /// `web` (confidential) or `spa` (public, PKCE).
    pub platform: Platform,
    /// Only `global`.
    #[serde(default)]
    pub resource_type: ResourceType,
    /// Redirect URLs (https, or http on loopback; no fragment).
    #[serde(default)]
    pub redirect_urls: Vec<String>,
    /// Post-logout redirect URLs.
    #[serde(default)]
    pub post_logout_redirect_urls: Vec<String>,
    /// On-behalf-of switch (Web only).
    #[serde(default)]
    pub obo_enabled: bool,
    /// Token exchange switch (Web only).
    #[serde(default)]
    pub token_exchange_enabled: bool,
    /// Access Token Expiry Time for token exchange, 300-86400 s.
    #[serde(default = "default_ttl")]
    pub access_token_ttl: u32,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How its ID tokens are signed: `RS256` (the default every OpenID Connect library
    /// assumes), `ES256`, or `EdDSA` where the deployment's signing algorithm is EdDSA.
    #[serde(default = "default_id_token_alg")]
    pub id_token_signed_response_alg: SigningAlg,
    /// Where logout tokens are POSTed when a session the application took part in ends
    /// (OpenID Connect Back-Channel Logout 1.0): https, or http on loopback; no fragment.
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    /// Whether the application needs `sid` in logout tokens (default true; Tessera always
    /// sends it).
    #[serde(default = "yes")]
    pub backchannel_logout_session_required: bool,
    /// The page loaded in an iframe by the signed-out page (OpenID Connect Front-Channel
    /// Logout 1.0): the scheme, host and port of one of the redirect URLs; no fragment.
    #[serde(default)]
    pub frontchannel_logout_uri: Option<String>,
    /// Whether `iss` and `sid` are added to the front-channel URI (default true).
    #[serde(default = "yes")]
    pub frontchannel_logout_session_required: bool,
}

const fn default_id_token_alg() -> SigningAlg {
    DEFAULT_ID_TOKEN_ALG
}

/// Refuses an ID token algorithm the realms keep no key for (a per-field 422).
fn check_id_token_alg(state: &AppState, client: &ClientApplication) -> Result<(), ApiError> {
    Ok(client.check_id_token_alg(&key_algorithms(state.config.signing.algorithm))?)
}

const fn default_ttl() -> u32 {
    DEFAULT_ACCESS_TOKEN_TTL
}

const fn yes() -> bool {
    true
}

/// Refuses any change to the built-in Administration Console (docs/product.md#console): the
/// partition's administrators sign in to the console with it, so it cannot be changed, disabled,
/// deleted, or given secrets or permissions.
pub(super) fn refuse_builtin(id: ClientId) -> Result<(), ApiError> {
    if is_builtin(id) {
        return Err(ApiError::Conflict(
            "the Administration Console is built into every partition: it cannot be changed, \
             disabled, deleted, or given secrets or permissions"
                .into(),
        ));
    }
    Ok(())
}

/// Loads a client of the caller's partition.
pub(super) async fn load(
    state: &AppState,
    caller: &AdminCaller,
    raw_id: &str,
) -> Result<ClientApplication, ApiError> {
    let id = path_id(raw_id, "client application")?;
    state
        .store
        .get_client(&caller.partition, id)
        .await
        .map_err(|e| ApiError::store("client application", e))?
        .ok_or(ApiError::NotFound("client application"))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications", tag = "client-applications",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "A page of client applications"), (status = 401, body = ProblemDetails)))]
/// Lists client applications in creation order.
pub async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<ClientApplication>>, ApiError> {
    let page = state
        .store
        .list_clients(&caller.partition, page)
        .await
        .map_err(|e| ApiError::store("client application", e))?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/client-applications", tag = "client-applications",
    params(("partition" = String, Path)), request_body = NewClientApplication,
    responses((status = 201, body = ClientApplication), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Registers a client application; the Client ID is generated.
pub async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<NewClientApplication>,
) -> Result<(StatusCode, Json<ClientApplication>), ApiError> {
    let now = state.clock.now();
    let client = ClientApplication {
        partition: caller.partition.clone(),
        client_id: state.rng.uuid(),
        name: body.name,
        resource_type: body.resource_type,
        platform: body.platform,
        redirect_urls: body.redirect_urls,
        post_logout_redirect_urls: body.post_logout_redirect_urls,
        obo_enabled: body.obo_enabled,
        token_exchange_enabled: body.token_exchange_enabled,
        access_token_ttl: body.access_token_ttl,
        enabled: body.enabled,
        id_token_signed_response_alg: body.id_token_signed_response_alg,
        backchannel_logout_uri: body.backchannel_logout_uri,
        backchannel_logout_session_required: body.backchannel_logout_session_required,
        frontchannel_logout_uri: body.frontchannel_logout_uri,
        frontchannel_logout_session_required: body.frontchannel_logout_session_required,
        permissions: vec![],
        created_at: now,
        updated_at: now,
    };
    client.validate()?;
    check_id_token_alg(&state, &client)?;
    let audit = caller.event(
        &state,
        "client_application.create",
        "client_application",
        client.client_id.to_string(),
        Some(format!(
            "name={:?} platform={}",
            client.name,
            client.platform.as_str()
        )),
    );
    state
        .store
        .create_client(&client, &audit)
        .await
        .map_err(|e| ApiError::store("client application", e))?;
    // A new SPA's origin may call the token endpoint (CORS) at once on this instance.
    state.invalidate_partition(&caller.partition);
    Ok((StatusCode::CREATED, Json(client)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)),
    responses((status = 200, body = ClientApplication), (status = 404, body = ProblemDetails)))]
/// One client application.
pub async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ClientApplication>, ApiError> {
    Ok(Json(load(&state, &caller, &id).await?))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), request_body = ClientChanges,
    responses((status = 200, body = ClientApplication), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes fields of a client application (platform and Client ID are immutable).
pub async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(changes): StrictJson<ClientChanges>,
) -> Result<Json<ClientApplication>, ApiError> {
    let mut client = load(&state, &caller, &id).await?;
    refuse_builtin(client.client_id)?;
    client.apply(changes, state.clock.now())?;
    check_id_token_alg(&state, &client)?;
    let audit = caller.event(
        &state,
        "client_application.update",
        "client_application",
        client.client_id.to_string(),
        None,
    );
    state
        .store
        .update_client(&client, &audit)
        .await
        .map_err(|e| ApiError::store("client application", e))?;
    state.invalidate_client(&caller.partition, client.client_id);
    Ok(Json(client))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)),
    responses((status = 204, description = "Deleted with its secrets and permissions"), (status = 404, body = ProblemDetails)))]
/// Deletes a client application with its secrets and permission assignments.
pub async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "client application")?;
    refuse_builtin(id)?;
    let audit = caller.event(
        &state,
        "client_application.delete",
        "client_application",
        id.to_string(),
        None,
    );
    state
        .store
        .delete_client(&caller.partition, id, &audit)
        .await
        .map_err(|e| ApiError::store("client application", e))?;
    state.invalidate_client(&caller.partition, id);
    Ok(StatusCode::NO_CONTENT)
}
