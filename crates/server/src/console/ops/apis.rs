//! The console's calls into the API catalog: the catalog itself, one API, the OpenAPI import and
//! **Assign to a client application** — the same admin operations as the admin API's `apis`.

use tessera_domain::api::Api;

use super::{admin, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::assign::{self, AssignOperation, Assigned};
use crate::admin_ops::catalog::{self, ImportChoices, Imported};
use crate::admin_ops::{Resource, partition_view};
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// Every API of the partition's catalog with its operations, in creation order.
///
/// # Errors
/// As the admin API's list and get.
pub(crate) async fn all_apis(state: &AppState, who: &ConsoleUser) -> Result<Vec<Api>, ApiError> {
    let admin = admin(who);
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let p = catalog::apis(state, &admin, page(cursor.as_deref())?).await?;
        ids.extend(p.items.into_iter().map(|a| a.id));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(catalog::api(state, &admin, &id).await?);
    }
    Ok(out)
}

/// One API with its operations.
///
/// # Errors
/// Not found when the partition's catalog has no such API.
pub(crate) async fn api(state: &AppState, who: &ConsoleUser, id: &str) -> Result<Api, ApiError> {
    Ok(catalog::api(state, &admin(who), id).await?)
}

/// The partition's API permission prefix: a scope's full URL is the prefix and its short name.
///
/// # Errors
/// Storage failures.
pub(crate) async fn permission_prefix(
    state: &AppState,
    who: &ConsoleUser,
) -> Result<String, ApiError> {
    Ok(partition_view(state, &admin(who)).await?.prefix.clone())
}

/// Imports an OpenAPI 3 document, as `POST …/apis/import` does.
///
/// # Errors
/// The document's problems as field errors (per path in the document); storage failures.
pub(crate) async fn import(
    state: &AppState,
    who: &ConsoleUser,
    document: &str,
    choices: ImportChoices,
) -> Result<Imported, ApiError> {
    Ok(catalog::import(state, &admin(who), document, choices).await?)
}

/// Adds the scopes an operation requires under one scheme to a client application.
///
/// # Errors
/// As the admin API's `POST …/operations/{operation_id}/assign`.
pub(crate) async fn assign(
    state: &AppState,
    who: &ConsoleUser,
    api_id: &str,
    operation_id: &str,
    client_id: &str,
    scheme: tessera_oauth_types::SecurityScheme,
) -> Result<Assigned, ApiError> {
    let client_id = uuid::Uuid::parse_str(client_id)
        .map_err(|_| ApiError::NotFound(Resource::ClientApplication.noun()))?;
    Ok(assign::assign(
        state,
        &admin(who),
        api_id,
        operation_id,
        &AssignOperation { client_id, scheme },
    )
    .await?)
}
