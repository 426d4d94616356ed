//! Departments: the list (with how many users each holds), **Add**, **Rename** (its users move
//! with it) and **Delete**. A department that users still belong to cannot be deleted
//! (docs/product.md#departments): the admin operation refuses it and the page says to move them
//! first.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tessera_domain::user::User;

use super::accounts::{error_page, section_layout};
use super::actions::{Checked, CsrfForm, csrf_field};
use super::fields::Messages;
use super::secrets::when;
use super::{Layout, Link, page};
use crate::admin_api::error::ApiError;
use crate::console::people_ops as ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// A department as the list shows it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Its name.
    pub name: String,
    /// Its name in an address.
    pub name_url: String,
    /// When it was added.
    pub created: String,
    /// How many users belong to it.
    pub users: usize,
}

#[derive(Template)]
#[template(path = "console/departments.html")]
pub(super) struct List {
    pub(super) l: Layout,
    pub(super) rows: Vec<Row>,
    /// The Add form's name as typed, after an error.
    pub(super) name: String,
    pub(super) errors: Messages,
    pub(super) notice: Option<String>,
    /// A refused deletion.
    pub(super) refusal: Option<String>,
}

/// `name` as one path segment (every byte but letters and digits escaped).
fn segment(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn base(who: &ConsoleUser) -> String {
    format!("/admin/{}/departments", who.partition)
}

fn failed(who: &ConsoleUser, e: ApiError) -> Response {
    error_page(
        who,
        e,
        Link {
            label: "Back to Departments".into(),
            href: base(who),
        },
    )
}

/// What the list shows besides the rows.
#[derive(Default)]
struct Extra {
    status: Option<StatusCode>,
    name: String,
    errors: Messages,
    notice: Option<String>,
    refusal: Option<String>,
}

async fn render(state: &AppState, who: &ConsoleUser, extra: Extra) -> Response {
    let departments = match ops::all_departments(state, who).await {
        Ok(d) => d,
        Err(e) => return failed(who, e),
    };
    let users = match ops::all_accounts::<User>(state, who).await {
        Ok(u) => u,
        Err(e) => return failed(who, e),
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for u in &users {
        *counts.entry(u.department.as_str()).or_default() += 1;
    }
    let rows = departments
        .iter()
        .map(|d| Row {
            name_url: segment(&d.name),
            created: when(d.created_at),
            users: counts.get(d.name.as_str()).copied().unwrap_or(0),
            name: d.name.clone(),
        })
        .collect();
    page(
        extra.status.unwrap_or(StatusCode::OK),
        &List {
            l: section_layout(who, "Departments", "Departments", "", None),
            rows,
            name: extra.name,
            errors: extra.errors,
            notice: extra.notice,
            refusal: extra.refusal,
        },
    )
}

/// The list's query: what was just done.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    added: Option<String>,
    deleted: Option<String>,
    renamed: Option<String>,
}

/// `GET /admin/{partition}/departments`.
pub(crate) async fn list(
    State(state): State<AppState>,
    who: ConsoleUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let notice = match (q.added, q.deleted, q.renamed) {
        (Some(n), _, _) => Some(format!("Department “{n}” was added.")),
        (None, Some(n), _) => Some(format!("Department “{n}” was deleted.")),
        (None, None, Some(n)) => Some(format!(
            "The department is now called “{n}”; its users moved with it."
        )),
        (None, None, None) => None,
    };
    render(
        &state,
        &who,
        Extra {
            notice,
            ..Extra::default()
        },
    )
    .await
}

/// The Add form.
#[derive(Debug, Deserialize)]
pub(crate) struct AddForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
}

/// `POST /admin/{partition}/departments`: adds a department, or shows the list again with the
/// message next to the name and nothing saved.
pub(crate) async fn add(
    State(state): State<AppState>,
    who: ConsoleUser,
    Checked(form): Checked<AddForm>,
) -> Response {
    let name = form.name.trim().to_owned();
    match ops::create_department(&state, &who, name.clone()).await {
        Ok(d) => {
            let n: String = form_urlencoded::byte_serialize(d.name.as_bytes()).collect();
            Redirect::to(&format!("{}?added={n}", base(&who))).into_response()
        }
        Err(ApiError::Validation(e)) => {
            let extra = Extra {
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                name: form.name,
                errors: Messages::new(e.0),
                ..Extra::default()
            };
            render(&state, &who, extra).await
        }
        Err(ApiError::Conflict(message)) => {
            let extra = Extra {
                status: Some(StatusCode::CONFLICT),
                name: form.name,
                errors: Messages::one("name", message),
                ..Extra::default()
            };
            render(&state, &who, extra).await
        }
        Err(e) => failed(&who, e),
    }
}

/// `POST /admin/{partition}/departments/{name}/delete`: removes a department no user belongs
/// to; one in use is refused and the list says why.
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, name)): Path<(String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    match ops::delete_department(&state, &who, &name).await {
        Ok(()) => {
            let n: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            Redirect::to(&format!("{}?deleted={n}", base(&who))).into_response()
        }
        Err(ApiError::Conflict(message)) => {
            let extra = Extra {
                status: Some(StatusCode::CONFLICT),
                refusal: Some(format!(
                    "{message} (open Users, change each one's Department, then delete it)"
                )),
                ..Extra::default()
            };
            render(&state, &who, extra).await
        }
        Err(e) => failed(&who, e),
    }
}

#[derive(Template)]
#[template(path = "console/department_rename.html")]
pub(super) struct RenamePage {
    pub(super) l: Layout,
    /// The department's name now.
    pub(super) name: String,
    /// It, as one path segment.
    pub(super) name_url: String,
    /// The new name as typed.
    pub(super) new_name: String,
    pub(super) errors: Messages,
}

fn rename_page(
    who: &ConsoleUser,
    status: StatusCode,
    name: String,
    new_name: String,
    errors: Messages,
) -> Response {
    let title = format!("Rename {name}");
    page(
        status,
        &RenamePage {
            l: section_layout(who, &title, "Departments", &base(who), Some(&title)),
            name_url: segment(&name),
            name,
            new_name,
            errors,
        },
    )
}

/// `GET /admin/{partition}/departments/{name}/rename`: the form.
pub(crate) async fn rename_form(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, name)): Path<(String, String)>,
) -> Response {
    match ops::all_departments(&state, &who).await {
        Ok(all) if all.iter().any(|d| d.name == name) => rename_page(
            &who,
            StatusCode::OK,
            name.clone(),
            name,
            Messages::default(),
        ),
        Ok(_) => failed(&who, ApiError::NotFound("department")),
        Err(e) => failed(&who, e),
    }
}

/// The rename form.
#[derive(Debug, Deserialize)]
pub(crate) struct RenameForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
}

csrf_field!(AddForm, RenameForm);

/// `POST /admin/{partition}/departments/{name}/rename`: renames it (its users move with it),
/// or shows the form again with the message and nothing changed.
pub(crate) async fn rename(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, name)): Path<(String, String)>,
    Checked(form): Checked<RenameForm>,
) -> Response {
    match ops::rename_department(&state, &who, &name, form.name.trim().to_owned()).await {
        Ok(d) => {
            let n: String = form_urlencoded::byte_serialize(d.name.as_bytes()).collect();
            Redirect::to(&format!("{}?renamed={n}", base(&who))).into_response()
        }
        Err(ApiError::Validation(e)) => rename_page(
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            name,
            form.name,
            Messages::new(e.0),
        ),
        Err(ApiError::Conflict(message)) => rename_page(
            &who,
            StatusCode::CONFLICT,
            name,
            form.name,
            Messages::one("name", message),
        ),
        Err(e) => failed(&who, e),
    }
}
