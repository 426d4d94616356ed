//! A client application's Permissions: a checkbox per permission of the partition's catalog,
//! grouped by hub (Core, Conversation Hub, Knowledge) and then by kind (Delegated Permissions —
//! Interactive and On-Behalf-Of — and Application Permissions), with descriptions. **Save**
//! stores exactly the ticked set through the same operation as the admin API's `PUT …/permissions`
//! and says what changed. Which permissions a single-page application may hold is that
//! operation's rule; the page only hides the kinds it could not save.

use std::collections::BTreeSet;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tessera_domain::client::{ClientApplication, Platform};
use tessera_domain::permission::{Hub, Permission, PermissionKind};

use super::{Layout, page};
use crate::admin_api::error::ApiError;
use crate::console::ops;
use crate::console::session::{ConsoleUser, csrf_refused};
use crate::state::AppState;

/// One checkbox.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// The short name (the checkbox's value and label).
    pub name: String,
    /// What it allows.
    pub description: String,
    /// Ticked: assigned now.
    pub assigned: bool,
    /// The element id (`perm-<n>`), for the label and the description.
    pub id: String,
}

/// One kind within a hub: "Interactive", "On-Behalf-Of" or "Application Permissions".
#[derive(Debug, Clone)]
pub(crate) struct Kind {
    /// Its heading.
    pub label: &'static str,
    /// Whether it is a delegated kind (shown under "Delegated Permissions").
    pub delegated: bool,
    /// Its permissions, by name.
    pub items: Vec<Item>,
}

/// One hub with its kinds (only the kinds that have permissions).
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// The hub's name as the console shows it.
    pub hub: &'static str,
    /// The element id of its heading.
    pub id: &'static str,
    /// Its kinds, delegated first.
    pub kinds: Vec<Kind>,
}

impl Group {
    /// The delegated kinds (Interactive, On-Behalf-Of).
    #[must_use]
    pub(crate) fn delegated(&self) -> Vec<&Kind> {
        self.kinds.iter().filter(|k| k.delegated).collect()
    }

    /// The application kind, if the hub has application permissions.
    #[must_use]
    pub(crate) fn application(&self) -> Option<&Kind> {
        self.kinds.iter().find(|k| !k.delegated)
    }
}

/// What a save changed, for the notice.
#[derive(Debug, Clone, Default)]
pub(crate) struct Changes {
    /// Newly assigned.
    pub added: Vec<String>,
    /// No longer assigned.
    pub removed: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/permissions.html")]
pub(super) struct Permissions {
    pub(super) l: Layout,
    pub(super) name: String,
    pub(super) client_id: String,
    pub(super) spa: bool,
    pub(super) groups: Vec<Group>,
    pub(super) saved: Option<Changes>,
    pub(super) error: Option<String>,
}

const HUBS: [(Hub, &str, &str); 3] = [
    (Hub::Core, "Core", "hub-core"),
    (Hub::Conversation, "Conversation Hub", "hub-conversation"),
    (Hub::Knowledge, "Knowledge", "hub-knowledge"),
];

const KINDS: [(PermissionKind, &str, bool); 3] = [
    (PermissionKind::Delegated, "Interactive", true),
    (PermissionKind::DelegatedObo, "On-Behalf-Of", true),
    (
        PermissionKind::Application,
        "Application Permissions",
        false,
    ),
];

/// The catalog grouped by hub and kind, ticked where `assigned` holds the name. A single-page
/// application only sees the interactive delegated kind, the only one it can be given.
#[must_use]
pub(crate) fn groups(catalog: &[Permission], assigned: &BTreeSet<String>, spa: bool) -> Vec<Group> {
    let mut n = 0;
    HUBS.iter()
        .map(|&(hub, label, id)| Group {
            hub: label,
            id,
            kinds: KINDS
                .iter()
                .filter(|&&(kind, _, _)| !spa || kind == PermissionKind::Delegated)
                .map(|&(kind, label, delegated)| {
                    let mut items: Vec<Item> = catalog
                        .iter()
                        .filter(|p| p.hub == hub && p.kind == kind)
                        .map(|p| Item {
                            name: p.name.clone(),
                            description: p.description.clone(),
                            assigned: assigned.contains(&p.name),
                            id: String::new(),
                        })
                        .collect();
                    items.sort_by(|a, b| a.name.cmp(&b.name));
                    for item in &mut items {
                        n += 1;
                        item.id = format!("perm-{n}");
                    }
                    Kind {
                        label,
                        delegated,
                        items,
                    }
                })
                .filter(|k| !k.items.is_empty())
                .collect(),
        })
        .filter(|g| !g.kinds.is_empty())
        .collect()
}

async fn render(
    state: &AppState,
    who: &ConsoleUser,
    client: ClientApplication,
    status: StatusCode,
    saved: Option<Changes>,
    error: Option<String>,
) -> Response {
    let catalog = match ops::permission_catalog(state, who).await {
        Ok(c) => c,
        Err(e) => return super::clients::api_error(who, e),
    };
    let assigned: BTreeSet<String> = client.permissions.iter().cloned().collect();
    let spa = client.platform == Platform::Spa;
    let l = super::layout(who, "Permissions").path(3, Some(&client.name));
    page(
        status,
        &Permissions {
            l,
            groups: groups(&catalog, &assigned, spa),
            name: client.name,
            client_id: client.client_id.to_string(),
            spa,
            saved,
            error,
        },
    )
}

/// `GET /admin/{partition}/client-applications/{client_id}/permissions`.
pub(crate) async fn show(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    match ops::client(&state, &who, &id).await {
        Ok(client) => render(&state, &who, client, StatusCode::OK, None, None).await,
        Err(e) => super::clients::api_error(&who, e),
    }
}

/// The posted form: the CSRF token and every ticked `permission` (a checkbox list repeats the
/// name, which is why the body is read as pairs rather than into a struct).
fn ticked(body: &[u8]) -> (Option<String>, Vec<String>) {
    let mut csrf = None;
    let mut names = Vec::new();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => csrf = Some(v.into_owned()),
            "permission" => names.push(v.into_owned()),
            _ => {}
        }
    }
    (csrf, names)
}

/// `POST .../permissions`: stores exactly the ticked set and says what changed.
pub(crate) async fn save(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (csrf, names) = ticked(&body);
    if !who.csrf_ok(&state, csrf.as_deref()) {
        return csrf_refused(&who.partition);
    }
    let before = match ops::client(&state, &who, &id).await {
        Ok(c) => c,
        Err(e) => return super::clients::api_error(&who, e),
    };
    match ops::replace_permissions(&state, &who, &id, &names).await {
        Ok(now) => {
            let old: BTreeSet<&String> = before.permissions.iter().collect();
            let new: BTreeSet<&String> = now.iter().collect();
            let changes = Changes {
                added: new.difference(&old).map(|s| (*s).clone()).collect(),
                removed: old.difference(&new).map(|s| (*s).clone()).collect(),
            };
            let mut client = before;
            client.permissions = now;
            render(&state, &who, client, StatusCode::OK, Some(changes), None).await
        }
        Err(ApiError::Validation(e)) => {
            let text =
                e.0.iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
            render(
                &state,
                &who,
                before,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(text),
            )
            .await
        }
        Err(e) => super::clients::api_error(&who, e),
    }
}
