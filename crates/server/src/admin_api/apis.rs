//! `apis`: the partition's API catalog (list, get with operations and security details) and the
//! import of an OpenAPI 3 document (adapters over [`crate::admin_ops::catalog`]).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use serde::Serialize;
use tessera_domain::api::Api;
use tessera_domain::permission::Hub;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, query_pairs};
use crate::admin_ops::assign::{self, AssignOperation, Assigned};
use crate::admin_ops::catalog::{self, ApiSummary, ImportChoices, Imported};
use crate::state::AppState;

/// The list response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ApiList {
    /// APIs in creation order.
    pub items: Vec<ApiSummary>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/apis", tag = "apis",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ApiList), (status = 400, body = ProblemDetails)))]
/// Lists the API catalog, a page at a time.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<ApiList>, ApiError> {
    let page = catalog::apis(&state, &caller, page).await?;
    Ok(Json(ApiList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/apis/{api_id}", tag = "apis",
    params(("partition" = String, Path), ("api_id" = String, Path)), responses((status = 200, body = Api), (status = 404, body = ProblemDetails)))]
/// One API with its operations and each operation's security alternatives.
pub(crate) async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Api>, ApiError> {
    let api = catalog::api(&state, &caller, &id).await?;
    Ok(Json(api))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/apis/import", tag = "apis",
    params(("partition" = String, Path), ("api_id" = Option<String>, Query, description = "Id for the imported API (default: from info.title and version)"),
        ("hub" = Option<String>, Query, description = "Hub for permissions whose name does not say (core, conversation, knowledge)"),
        ("base_path" = Option<String>, Query, description = "Base path when servers[0] has none")),
    request_body(content = String, description = "An OpenAPI 3.0 or 3.1 document, JSON or YAML", content_type = "application/yaml"),
    responses((status = 200, body = Imported), (status = 413, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Imports an OpenAPI 3 document: its oauth2 security schemes become permissions and its
/// operations, with their per-operation security, an API of the catalog.
pub(crate) async fn import(
    caller: AdminCaller,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    body: Bytes,
) -> Result<Json<Imported>, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or("").trim().to_owned();
    if !matches!(
        essence.as_str(),
        "application/json"
            | "application/yaml"
            | "application/x-yaml"
            | "text/yaml"
            | "application/vnd.oai.openapi"
            | "application/vnd.oai.openapi+json"
    ) {
        return Err(ApiError::UnsupportedMediaType(
            "send the OpenAPI document as application/json or application/yaml".into(),
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the document is not valid UTF-8".into()))?;
    let mut choices = ImportChoices::default();
    for (k, v) in query_pairs(&uri)? {
        match k.as_str() {
            "api_id" => choices.api_id = Some(v),
            "hub" => {
                choices.hub = Some(Hub::parse(&v).ok_or_else(|| {
                    ApiError::BadRequest("hub must be core, conversation or knowledge".into())
                })?)
            }
            "base_path" => choices.base_path = Some(v),
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter {other:?}; import takes api_id, hub and base_path"
                )));
            }
        }
    }
    Ok(Json(catalog::import(&state, &caller, text, choices).await?))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/apis/{api_id}/operations/{operation_id}/assign", tag = "apis",
    params(("partition" = String, Path), ("api_id" = String, Path), ("operation_id" = String, Path)),
    request_body = AssignOperation,
    responses((status = 200, body = Assigned), (status = 404, body = ProblemDetails), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Assigns to a client application the scopes an operation requires under one of its security
/// schemes, keeping every permission the application already holds.
pub(crate) async fn assign(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, api_id, operation_id)): Path<(String, String, String)>,
    StrictJson(body): StrictJson<AssignOperation>,
) -> Result<Json<Assigned>, ApiError> {
    Ok(Json(
        assign::assign(&state, &caller, &api_id, &operation_id, &body).await?,
    ))
}
