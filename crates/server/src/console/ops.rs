//! Every call the console makes into the admin operations, in one place: the console is a
//! second adapter over the same code as the admin API's JSON handlers
//! (`admin_api/clients.rs`), with no rule of its own. The handlers are called in process with
//! the console's signed-in administrator as the caller, so validation, storage, audit and cache
//! invalidation are exactly the admin API's.

use axum::Json;
use axum::extract::{Path, State};
use tessera_domain::audit::ActorKind;
use tessera_domain::client::ClientApplication;
use tessera_domain::department::Department;
use tessera_domain::page::{MAX_LIMIT, PageRequest};

use super::session::ConsoleUser;
use crate::admin_api::caller::AdminCaller;
use crate::admin_api::clients::{self, NewClientApplication};
use crate::admin_api::error::ApiError;
use crate::admin_api::extract::{ListQuery, StrictJson};
use crate::audit::AuditContext;
use crate::state::AppState;

/// The admin caller the console acts as: the signed-in Partition Administrator.
fn caller(who: &ConsoleUser) -> AdminCaller {
    AdminCaller {
        partition: who.partition.clone(),
        audit: AuditContext {
            partition: Some(who.partition.clone()),
            actor_kind: ActorKind::User,
            actor_id: Some(who.user.id.to_string()),
            source_ip: who.source_ip.clone(),
        },
    }
}

/// Every client application of the partition, in creation order (the admin API's pages,
/// followed to the end).
///
/// # Errors
/// As the admin API's list.
pub async fn all_clients(
    state: &AppState,
    who: &ConsoleUser,
) -> Result<Vec<ClientApplication>, ApiError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(MAX_LIMIT), cursor.as_deref())
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let Json(page) = clients::list(caller(who), State(state.clone()), ListQuery(page)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Registers a client application.
///
/// # Errors
/// As the admin API's create: 422 with per-field messages, 409 for a taken name.
pub async fn create_client(
    state: &AppState,
    who: &ConsoleUser,
    body: NewClientApplication,
) -> Result<ClientApplication, ApiError> {
    let (_, Json(c)) = clients::create(caller(who), State(state.clone()), StrictJson(body)).await?;
    Ok(c)
}

/// One client application by the id in the address.
///
/// # Errors
/// As the admin API's get: 404 when it is not in the partition.
pub async fn client(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
) -> Result<ClientApplication, ApiError> {
    let Json(c) = clients::get(
        caller(who),
        State(state.clone()),
        Path((who.partition.to_string(), id.to_owned())),
    )
    .await?;
    Ok(c)
}

/// The partition's departments (the Department selector), first page.
///
/// # Errors
/// As the admin API's list.
pub async fn departments(state: &AppState, who: &ConsoleUser) -> Result<Vec<Department>, ApiError> {
    let page = PageRequest::parse(Some(MAX_LIMIT), None)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let Json(list) =
        crate::admin_api::departments::list(caller(who), State(state.clone()), ListQuery(page))
            .await?;
    Ok(list.items)
}

/// A client application's Metadata panel.
///
/// # Errors
/// As the admin API's metadata: 404 when the client is not in the partition.
pub async fn metadata(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
) -> Result<crate::admin_api::client_metadata::ClientMetadata, ApiError> {
    let Json(m) = crate::admin_api::client_metadata::get(
        caller(who),
        State(state.clone()),
        Path((who.partition.to_string(), id.to_owned())),
    )
    .await?;
    Ok(m)
}

/// A client application's secrets (no values).
///
/// # Errors
/// As the admin API's list.
pub async fn secrets(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
) -> Result<Vec<tessera_domain::secret::ClientSecret>, ApiError> {
    let page = PageRequest::parse(Some(MAX_LIMIT), None)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let Json(list) = crate::admin_api::secrets::list(
        caller(who),
        State(state.clone()),
        Path((who.partition.to_string(), id.to_owned())),
        ListQuery(page),
    )
    .await?;
    Ok(list.items)
}

/// Adds a secret; the answer carries its value, shown once.
///
/// # Errors
/// As the admin API's create: 409 at the limit or for a single-page application.
pub async fn add_secret(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    body: crate::admin_api::secrets::NewSecret,
) -> Result<crate::admin_api::secrets::CreatedSecret, ApiError> {
    let (_, Json(created)) = crate::admin_api::secrets::create(
        caller(who),
        State(state.clone()),
        Path((who.partition.to_string(), id.to_owned())),
        StrictJson(body),
    )
    .await?;
    Ok(created)
}

/// Deletes a secret.
///
/// # Errors
/// As the admin API's delete.
pub async fn delete_secret(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    secret_id: &str,
) -> Result<(), ApiError> {
    crate::admin_api::secrets::delete(
        caller(who),
        State(state.clone()),
        Path((
            who.partition.to_string(),
            id.to_owned(),
            secret_id.to_owned(),
        )),
    )
    .await?;
    Ok(())
}
