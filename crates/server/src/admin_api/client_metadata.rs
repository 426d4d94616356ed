//! `client-applications/{client_id}/metadata`: the console's Metadata panel as JSON.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use tessera_domain::Realm;
use tessera_domain::client::Platform;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::clients::load;
use super::error::ApiError;
use crate::metadata::{SchemeMetadata, schemes};
use crate::state::AppState;
use crate::urls;

/// What a developer needs to call Tessera with this client.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientMetadata {
    /// The client.
    pub client_id: uuid::Uuid,
    /// Where users sign in (users realm).
    pub authorization_url: String,
    /// Where tokens are requested (users realm).
    pub access_token_url: String,
    /// Where APIs are called.
    pub domain_url: String,
    /// Where this metadata can be fetched for the partition.
    pub metadata_url: String,
    /// Prefix of full-form permission names.
    pub api_permission_prefix: String,
    /// Personas this client can act as or for.
    pub actors: Vec<&'static str>,
    /// Per-scheme flow and addresses.
    pub schemes: Vec<SchemeMetadata>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/metadata", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), responses((status = 200, body = ClientMetadata), (status = 404, body = ProblemDetails)))]
/// The Metadata panel of a client application.
pub async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ClientMetadata>, ApiError> {
    let client = load(&state, &caller, &id).await?;
    let ctx = state
        .partition(&caller.partition)
        .await?
        .ok_or(ApiError::NotFound("partition"))?;
    let p = &caller.partition;
    let public = &state.config.public_url;
    let actors = match client.platform {
        Platform::Web => vec!["user", "customer", "client"],
        Platform::Spa => vec!["user", "customer"],
    };
    Ok(Json(ClientMetadata {
        client_id: client.client_id,
        authorization_url: urls::endpoint(public, p, Realm::Users, urls::AUTHORIZE),
        access_token_url: urls::endpoint(public, p, Realm::Users, urls::TOKEN),
        domain_url: state.config.api_url().to_owned(),
        metadata_url: urls::tenant_metadata(state.config.api_url(), p),
        api_permission_prefix: ctx.prefix.clone(),
        actors,
        schemes: schemes(&state.config, p),
    }))
}
