//! The partition's catalog: its permissions, its APIs, and the import of an OpenAPI 3 document
//! that adds to both.

use serde::Serialize;
use tessera_catalog::{ImportOptions, import_openapi};
use tessera_domain::api::Api;
use tessera_domain::audit::{Action, ObjectType};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::permission::{Hub, PermissionKind};

use super::{OpError, PartitionAdmin, Resource, partition_view};
use crate::state::AppState;

/// A catalog permission as listed (docs/product.md#admin-api).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionItem {
    /// Short name.
    pub name: String,
    /// Prefix + name.
    pub full_name: String,
    /// Hub.
    pub hub: Hub,
    /// Kind.
    pub kind: PermissionKind,
    /// Description.
    pub description: String,
    /// May be granted to anonymous customers.
    pub anonymous: bool,
}

/// `GET permissions`: a page of the catalog.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionCatalog {
    /// Permissions in creation order (an import that updates one keeps its place).
    pub items: Vec<PermissionItem>,
    /// The API permission prefix of the full forms.
    pub api_permission_prefix: String,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// One API in the list (without operations).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Hub.
    pub hub: Hub,
    /// Base path.
    pub base_path: String,
    /// Token audience.
    pub audience: String,
    /// Number of operations.
    pub operation_count: usize,
}

impl From<&Api> for ApiSummary {
    fn from(a: &Api) -> Self {
        Self {
            id: a.id.clone(),
            name: a.name.clone(),
            hub: a.hub,
            base_path: a.base_path.clone(),
            audience: a.audience.clone(),
            operation_count: a.operations.len(),
        }
    }
}

/// The import result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// The APIs added or replaced.
    pub apis: Vec<ApiSummary>,
    /// Permissions added or updated.
    pub permissions: Vec<String>,
}

/// What the administrator may choose about an import; the rest comes from the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportChoices {
    /// Id for the imported API (default: from `info.title` and version).
    pub api_id: Option<String>,
    /// Hub for permissions whose name does not say.
    pub hub: Option<Hub>,
    /// Base path when `servers[0]` has none.
    pub base_path: Option<String>,
}

/// A page of the permission catalog, with each permission's full form.
///
/// # Errors
/// Storage failures.
pub async fn permissions(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<PermissionCatalog, OpError> {
    let ctx = partition_view(state, admin).await?;
    let page = state
        .store
        .page_permissions(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::Permission))?;
    Ok(PermissionCatalog {
        items: page
            .items
            .into_iter()
            .map(|p| PermissionItem {
                full_name: p.full_name(&ctx.prefix),
                name: p.name,
                hub: p.hub,
                kind: p.kind,
                description: p.description,
                anonymous: p.anonymous,
            })
            .collect(),
        api_permission_prefix: ctx.prefix.clone(),
        next_cursor: page.next_cursor,
    })
}

/// A page of the API catalog.
///
/// # Errors
/// Storage failures.
pub async fn apis(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<ApiSummary>, OpError> {
    let page = state
        .store
        .page_apis(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::Api))?;
    Ok(Page {
        items: page.items.iter().map(ApiSummary::from).collect(),
        next_cursor: page.next_cursor,
    })
}

/// One API with its operations and each operation's security alternatives.
///
/// # Errors
/// [`OpError::NotFound`] when the partition has no such API.
pub async fn api(state: &AppState, admin: &PartitionAdmin, id: &str) -> Result<Api, OpError> {
    state
        .store
        .get_api(&admin.partition, id)
        .await
        .map_err(OpError::of(Resource::Api))?
        .ok_or(OpError::NotFound(Resource::Api))
}

/// Imports an OpenAPI 3 document (JSON or YAML text): its oauth2 security schemes become
/// permissions and its operations, with their per-operation security, an API of the catalog.
///
/// # Errors
/// The document's problems (per field path), storage failures.
pub async fn import(
    state: &AppState,
    admin: &PartitionAdmin,
    document: &str,
    choices: ImportChoices,
) -> Result<Imported, OpError> {
    let ctx = partition_view(state, admin).await?;
    let options = ImportOptions {
        api_url: state.config.api_url().to_owned(),
        permission_prefix: Some(ctx.prefix.clone()),
        api_id: choices.api_id,
        default_hub: choices.hub,
        base_path: choices.base_path,
    };
    let data = import_openapi(document, &options).map_err(|e| OpError::Invalid(e.0))?;
    let audit = admin.event(
        state,
        Action::ApiImport,
        ObjectType::Api,
        data.apis
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>()
            .join(","),
        Some(format!("{} permissions", data.permissions.len())),
    );
    state
        .store
        .import_catalog(&admin.partition, &data.permissions, &data.apis, &audit)
        .await
        .map_err(OpError::of(Resource::Api))?;
    state.invalidate_partition(&admin.partition);
    Ok(Imported {
        apis: data.apis.iter().map(ApiSummary::from).collect(),
        permissions: data.permissions.iter().map(|p| p.name.clone()).collect(),
    })
}
