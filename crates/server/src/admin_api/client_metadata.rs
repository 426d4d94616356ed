//! `client-applications/{client_id}/metadata`: the console's Metadata panel as JSON (an adapter
//! over [`crate::admin_ops::clients::metadata`]).

use axum::Json;
use axum::extract::{Path, State};
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::clients::client_id;
use super::error::ApiError;
use crate::admin_ops::clients::{self, ClientMetadata};
use crate::state::AppState;

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/metadata", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), responses((status = 200, body = ClientMetadata), (status = 404, body = ProblemDetails)))]
/// The Metadata panel of a client application.
pub(crate) async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<ClientMetadata>, ApiError> {
    Ok(Json(
        clients::metadata(&state, &caller, client_id(&id)?).await?,
    ))
}
