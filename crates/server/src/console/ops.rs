//! Every call the console makes into the admin operations, in one place: the console is a
//! second adapter over `admin_ops` — the same functions the admin API's JSON handlers call —
//! with no rule of its own. Failures come back as the admin API's [`ApiError`] (one mapping,
//! `admin_api/error.rs`), whose variants the pages turn into field messages and status pages.

use tessera_domain::ClientId;
use tessera_domain::audit::ActorKind;
use tessera_domain::client::search::Counted;
use tessera_domain::client::{ClientApplication, ClientChanges};
use tessera_domain::department::Department;
use tessera_domain::page::{MAX_LIMIT, PageRequest};
use tessera_domain::permission::Permission;
use tessera_domain::secret::ClientSecret;

pub(crate) mod apis;
pub(crate) mod audit;
pub(crate) mod keys;

use super::session::ConsoleUser;
use crate::admin_api::error::ApiError;
use crate::admin_ops::clients::{self, ClientMetadata, NewClientApplication};
use crate::admin_ops::secrets::{self, CreatedSecret, NewSecret};
use crate::admin_ops::{PartitionAdmin, Resource, catalog, departments};
use crate::audit::AuditContext;
use crate::state::AppState;

/// The administrator the console acts for: the signed-in Partition Administrator.
pub(super) fn admin(who: &ConsoleUser) -> PartitionAdmin {
    PartitionAdmin {
        partition: who.partition.clone(),
        audit: AuditContext {
            partition: Some(who.partition.clone()),
            actor_kind: ActorKind::User,
            actor_id: Some(who.user.id.to_string()),
            source_ip: who.source_ip.clone(),
        },
    }
}

/// The client id in a console address; a malformed one is not found.
fn client_id(raw: &str) -> Result<ClientId, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound(Resource::ClientApplication.noun()))
}

/// The first page of at most [`MAX_LIMIT`] items, or the page after `cursor`.
pub(super) fn page(cursor: Option<&str>) -> Result<PageRequest, ApiError> {
    PageRequest::parse(Some(MAX_LIMIT), cursor).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// Registers a client application.
///
/// # Errors
/// As the admin API's create: per-field messages, a taken name.
pub(crate) async fn create_client(
    state: &AppState,
    who: &ConsoleUser,
    body: NewClientApplication,
) -> Result<ClientApplication, ApiError> {
    Ok(clients::create(state, &admin(who), body).await?)
}

/// One client application by the id in the address.
///
/// # Errors
/// Not found when it is not in the partition.
pub(crate) async fn client(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
) -> Result<ClientApplication, ApiError> {
    Ok(clients::get(state, &admin(who), client_id(id)?).await?)
}

/// The partition's departments (the Department selector), first page.
///
/// # Errors
/// As the admin API's list.
pub(crate) async fn departments(
    state: &AppState,
    who: &ConsoleUser,
) -> Result<Vec<Department>, ApiError> {
    Ok(departments::list(state, &admin(who), page(None)?)
        .await?
        .items)
}

/// A client application's Metadata panel.
///
/// # Errors
/// Not found when the client is not in the partition.
pub(crate) async fn metadata(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
) -> Result<ClientMetadata, ApiError> {
    Ok(clients::metadata(state, &admin(who), client_id(id)?).await?)
}

/// A client application's secrets (no values).
///
/// # Errors
/// As the admin API's list.
pub(crate) async fn secrets(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
) -> Result<Vec<ClientSecret>, ApiError> {
    Ok(
        secrets::list(state, &admin(who), client_id(id)?, page(None)?)
            .await?
            .items,
    )
}

/// Adds a secret; the answer carries its value, shown once.
///
/// # Errors
/// As the admin API's create: the limit, a single-page application, the built-in client.
pub(crate) async fn add_secret(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    body: NewSecret,
) -> Result<CreatedSecret, ApiError> {
    Ok(secrets::add(state, &admin(who), client_id(id)?, body).await?)
}

/// Deletes a secret.
///
/// # Errors
/// As the admin API's delete.
pub(crate) async fn delete_secret(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    secret_id: &str,
) -> Result<(), ApiError> {
    Ok(secrets::delete(state, &admin(who), client_id(id)?, secret_id).await?)
}

/// Every permission of the partition's catalog (every page, followed to the end).
///
/// # Errors
/// As the admin API's permission list.
pub(crate) async fn permission_catalog(
    state: &AppState,
    who: &ConsoleUser,
) -> Result<Vec<Permission>, ApiError> {
    let admin = admin(who);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = catalog::permissions(state, &admin, page(cursor.as_deref())?).await?;
        out.extend(page.items.into_iter().map(|p| Permission {
            name: p.name,
            hub: p.hub,
            kind: p.kind,
            description: p.description,
            anonymous: p.anonymous,
        }));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Replaces a client application's permissions with exactly `names`; the stored set comes back.
///
/// # Errors
/// As the admin API's `PUT …/permissions`: unknown permissions and kinds a single-page
/// application cannot hold are field errors; the built-in console client is refused.
pub(crate) async fn replace_permissions(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    names: &[String],
) -> Result<Vec<String>, ApiError> {
    Ok(clients::replace_permissions(state, &admin(who), client_id(id)?, names).await?)
}

/// One page of the client applications whose name contains `q` (ignoring case), with the
/// number of matches, searched and paged by the store.
///
/// # Errors
/// Storage failures.
pub(crate) async fn search_clients(
    state: &AppState,
    who: &ConsoleUser,
    q: &str,
    offset: u32,
    limit: u32,
) -> Result<Counted<ClientApplication>, ApiError> {
    Ok(clients::search(state, &admin(who), q, offset, limit).await?)
}

/// One page of a name search over the client applications, as a list shows it: the page
/// asked for (a page past the end shows the last one), which page that is and how many there
/// are.
#[derive(Debug, Clone)]
pub(crate) struct ClientPage {
    /// The applications on the page, in creation order.
    pub items: Vec<ClientApplication>,
    /// Every match, on every page.
    pub total: usize,
    /// The page shown, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
}

/// Page `asked` (from 1; missing or malformed is 1) of `per_page` client applications whose name
/// contains `q`: the Client Application list and the Security Details page's choice of
/// application. The store searches and pages, so one or two page reads serve a partition with
/// any number of applications.
///
/// # Errors
/// Storage failures.
pub(crate) async fn client_page(
    state: &AppState,
    who: &ConsoleUser,
    q: &str,
    asked: Option<&str>,
    per_page: u32,
) -> Result<ClientPage, ApiError> {
    let asked = asked
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let per_page = per_page.max(1);
    let offset = |n: u32| (n - 1).saturating_mul(per_page);
    let mut found = search_clients(state, who, q, offset(asked), per_page).await?;
    let total = usize::try_from(found.total).unwrap_or(usize::MAX);
    let pages = total.div_ceil(per_page as usize).max(1);
    let last = u32::try_from(pages).unwrap_or(u32::MAX);
    let page = if asked > last {
        found = search_clients(state, who, q, offset(last), per_page).await?;
        pages
    } else {
        usize::try_from(asked).unwrap_or(1)
    };
    Ok(ClientPage {
        items: found.items,
        total,
        page,
        pages,
    })
}

/// Changes a client application's settings, only if it is still at `revision` (the one the
/// edit form was loaded at).
///
/// # Errors
/// As the admin API's update with `If-Match`: per-field messages, a taken name, a stale
/// revision (precondition failed), the built-in client.
pub(crate) async fn update_client(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    changes: ClientChanges,
    revision: &str,
) -> Result<ClientApplication, ApiError> {
    let expected = [revision.to_owned()];
    Ok(clients::update(state, &admin(who), client_id(id)?, changes, Some(&expected)).await?)
}

/// Enables or disables a client application (whatever else changed meanwhile: the button
/// says which state it sets).
///
/// # Errors
/// As the admin API's update; the built-in client is refused.
pub(crate) async fn set_client_enabled(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    enabled: bool,
) -> Result<ClientApplication, ApiError> {
    let changes = ClientChanges {
        enabled: Some(enabled),
        ..ClientChanges::default()
    };
    Ok(clients::update(state, &admin(who), client_id(id)?, changes, None).await?)
}

/// Deletes a client application with its secrets, permission assignments and grants.
///
/// # Errors
/// As the admin API's delete; the built-in client is refused.
pub(crate) async fn delete_client(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
) -> Result<(), ApiError> {
    Ok(clients::delete(state, &admin(who), client_id(id)?).await?)
}
