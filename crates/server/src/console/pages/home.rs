//! `/admin/`, the partition's home with the Department selector, and the Partition and
//! Integration menus: the path Department → Partition → Integration → Client Application.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Layout, page};
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console/partitions.html")]
pub(super) struct Partitions {
    pub(super) l: Layout,
    pub(super) partitions: Vec<String>,
}

/// `GET /admin/`: the partitions to choose from, or the only one.
pub(crate) async fn partitions(State(state): State<AppState>) -> Response {
    let list = match state.store.list_partitions().await {
        Ok(l) => l,
        Err(e) => return crate::console::view::unavailable(&e),
    };
    if let [only] = list.as_slice() {
        return Redirect::to(&format!("/admin/{}/", only.id)).into_response();
    }
    page(
        StatusCode::OK,
        &Partitions {
            l: Layout::anonymous(None, "Choose a partition"),
            partitions: list.into_iter().map(|p| p.id.to_string()).collect(),
        },
    )
}

#[derive(Template)]
#[template(path = "console/home.html")]
pub(super) struct Home {
    pub(super) l: Layout,
    pub(super) departments: Vec<String>,
    pub(super) chosen: Option<String>,
}

/// The Department selector's choice.
#[derive(Debug, Deserialize)]
pub(crate) struct HomeQuery {
    department: Option<String>,
}

/// `GET /admin/{partition}/`: the Department selector (the departments and **Partition**).
pub(crate) async fn home(
    State(state): State<AppState>,
    who: ConsoleUser,
    Query(q): Query<HomeQuery>,
) -> Response {
    let departments: Vec<String> = match ops::departments(&state, &who).await {
        Ok(d) => d.into_iter().map(|d| d.name).collect(),
        Err(e) => return super::clients::api_error(&who, e),
    };
    let chosen = q
        .department
        .filter(|d| !d.is_empty() && departments.contains(d));
    page(
        StatusCode::OK,
        &Home {
            l: super::layout(&who, "Administration Console"),
            departments,
            chosen,
        },
    )
}

/// A menu entry.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// Its link text.
    pub label: &'static str,
    /// Where it leads.
    pub href: String,
    /// What is there.
    pub text: &'static str,
}

#[derive(Template)]
#[template(path = "console/menu.html")]
pub(super) struct Menu {
    pub(super) l: Layout,
    pub(super) items: Vec<Item>,
}

/// The entries of the Partition menu: label, address under `/admin/{partition}/`, what is there.
const PARTITION_AREAS: &[(&str, &str, &str)] = &[
    (
        "Integration",
        "integration",
        "Client applications: registration, secrets, permissions and metadata.",
    ),
    (
        "Users",
        "users",
        "The agents who sign in at the users realm, and its Partition Administrators.",
    ),
    (
        "Customers",
        "customers",
        "The end customers who sign in at the customers realm.",
    ),
    (
        "Departments",
        "departments",
        "The departments users belong to.",
    ),
    (
        "Identity providers",
        "identity-providers",
        "External sign-in providers whose tokens can be exchanged, with a test of their keys.",
    ),
    (
        "Signing Keys",
        "signing-keys",
        "The keys each realm signs its tokens with: rotate, withdraw.",
    ),
    (
        "Audit Log",
        "audit-log",
        "Every change and every token issued or refused, newest first.",
    ),
];

/// The entries of the Integration menu (as [`PARTITION_AREAS`]).
const INTEGRATION_AREAS: &[(&str, &str, &str)] = &[
    (
        "Client Application",
        "client-applications",
        "The applications that sign people in or call the APIs of this partition.",
    ),
    (
        "APIs",
        "apis",
        "The API catalog: each operation's security details, assigned to an application in one step; OpenAPI import.",
    ),
];

/// A menu page: `areas` as links into the signed-in partition.
fn menu(who: &ConsoleUser, l: Layout, areas: &[(&'static str, &str, &'static str)]) -> Response {
    let items = areas
        .iter()
        .map(|&(label, path, text)| Item {
            label,
            href: format!("/admin/{}/{path}", who.partition),
            text,
        })
        .collect();
    page(StatusCode::OK, &Menu { l, items })
}

/// `GET /admin/{partition}/partition`: the partition's areas.
pub(crate) async fn partition(who: ConsoleUser) -> Response {
    menu(
        &who,
        super::layout(&who, "Partition").path(1, None),
        PARTITION_AREAS,
    )
}

/// `GET /admin/{partition}/integration`.
pub(crate) async fn integration(who: ConsoleUser) -> Response {
    menu(
        &who,
        super::layout(&who, "Integration").path(2, None),
        INTEGRATION_AREAS,
    )
}
