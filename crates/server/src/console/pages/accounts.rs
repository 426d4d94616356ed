//! Users and Customers: the list (search and paging) with **Add**, the Add form, the account's
//! page (its edit form, **Disable**/**Enable**, **Sign out everywhere**) and **Delete** with a
//! confirmation page. One set of handlers serves both realms through [`AccountKind`]; every
//! rule (validation, uniqueness, the refusal to lock oneself out) is the admin operations'.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::account_kinds::{AccountForm, AccountKind, AccountRow};
use super::actions::{self, Checked, CsrfForm, csrf_field};
use super::fields::Messages;
use super::{Layout, Link, page};
use crate::admin_api::error::ApiError;
use crate::console::session::ConsoleUser;
use crate::console::view;
use crate::state::AppState;

/// Rows on one page of the list.
pub(crate) const PER_PAGE: usize = 25;

/// The words and addresses of a kind, for the templates.
#[derive(Debug, Clone)]
pub(crate) struct Kind {
    /// `/admin/{p}/users`.
    pub base: String,
    /// `Users`.
    pub title: &'static str,
    /// `user`.
    pub noun: &'static str,
    /// The realm's issuer name (`demo-U`).
    pub realm: String,
    /// Users: username, department and role.
    pub agent: bool,
}

fn kind<K: AccountKind>(who: &ConsoleUser) -> Kind {
    Kind {
        base: format!("/admin/{}/{}", who.partition, K::SEGMENT),
        title: K::TITLE,
        noun: K::NOUN,
        realm: format!("{}{}", who.partition, K::SUFFIX),
        agent: K::AGENT,
    }
}

/// The status of the page showing a failed admin operation.
pub(crate) const fn failure_status(e: &ApiError) -> StatusCode {
    match e {
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Unavailable | ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ApiError::Conflict(_) => StatusCode::CONFLICT,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The page showing a failed admin operation (`text`, with `status`), with a way back.
pub(crate) fn failure_page(
    who: &ConsoleUser,
    status: StatusCode,
    text: &str,
    back: Option<Link>,
) -> Response {
    view::message(
        status,
        super::layout(who, "Not done"),
        "That could not be done",
        text,
        back,
    )
}

/// What the page says about a failed admin operation: its message, except for an internal
/// failure, whose details only the server's log has.
pub(crate) fn failure_text(e: &ApiError) -> String {
    match e {
        ApiError::Internal => "Something went wrong; the server's log says what.".to_owned(),
        other => other.to_string(),
    }
}

/// An admin operation's failure as a page, with a way back to the list.
pub(crate) fn error_page(who: &ConsoleUser, e: ApiError, back: Link) -> Response {
    failure_page(who, failure_status(&e), &failure_text(&e), Some(back))
}

/// The layout of a page under a Partition section (Users, Departments, …): the breadcrumbs
/// Department → Partition → `section`, then `last` when given.
#[must_use]
pub(crate) fn section_layout(
    who: &ConsoleUser,
    title: &str,
    section: &str,
    href: &str,
    last: Option<&str>,
) -> Layout {
    let mut l = super::layout(who, title).path(1, Some(section));
    if let Some(last) = last {
        if let Some(c) = l.crumbs.last_mut() {
            c.href = Some(href.to_owned());
        }
        l.crumbs.push(crate::console::view::Crumb {
            label: last.to_owned(),
            href: None,
        });
    }
    l
}

fn failed<K: AccountKind>(who: &ConsoleUser, e: ApiError) -> Response {
    let k = kind::<K>(who);
    error_page(
        who,
        e,
        Link {
            label: format!("Back to {}", k.title),
            href: k.base,
        },
    )
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
pub(super) struct List {
    pub(super) l: Layout,
    pub(super) k: Kind,
    pub(super) q: String,
    pub(super) q_url: String,
    pub(super) rows: Vec<AccountRow>,
    pub(super) total: usize,
    pub(super) page: usize,
    pub(super) pages: usize,
    pub(super) notice: Option<&'static str>,
}

/// The list's query.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    q: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

/// `GET /admin/{partition}/users` (and `customers`): searched by username, email or name, a
/// page at a time.
pub(crate) async fn list<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Query(query): Query<ListQuery>,
) -> Response {
    let all = match K::all(&state, &who).await {
        Ok(a) => a,
        Err(e) => return failed::<K>(&who, e),
    };
    let q = query.q.unwrap_or_default().trim().to_owned();
    let needle = q.to_lowercase();
    let matching: Vec<AccountRow> = all
        .iter()
        .map(K::row)
        .filter(|r| {
            needle.is_empty()
                || [&r.username, &r.email, &r.display_name]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
        })
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page_no = query
        .page
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let rows = matching
        .into_iter()
        .skip((page_no - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let notice = match query.done.as_deref() {
        Some("deleted") => Some("The account was deleted."),
        _ => None,
    };
    page(
        StatusCode::OK,
        &List {
            l: section_layout(&who, K::TITLE, K::TITLE, "", None),
            k: kind::<K>(&who),
            q_url: form_urlencoded::byte_serialize(q.as_bytes()).collect(),
            q,
            rows,
            total,
            page: page_no,
            pages,
            notice,
        },
    )
}

#[derive(Template)]
#[template(path = "console/account_form.html")]
pub(super) struct FormPage {
    pub(super) l: Layout,
    pub(super) k: Kind,
    /// `None` for Add; the account being edited otherwise.
    pub(super) account: Option<AccountRow>,
    pub(super) f: AccountForm,
    pub(super) departments: Vec<String>,
    pub(super) errors: Messages,
    pub(super) summary: Vec<String>,
    pub(super) notice: Option<&'static str>,
    /// The signed-in administrator is looking at their own account.
    pub(super) me: bool,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<String> {
        self.errors.err(field)
    }
}

/// The form's label of an admin API field.
fn label(field: &str) -> &'static str {
    match field {
        "username" => "Username",
        "email" => "Email",
        "display_name" => "Display name",
        "department" => "Department",
        "password" => "Password",
        "partition_admin" => "Partition Administrator",
        _ => "Form",
    }
}

/// What the page shows: the Add form, or `account`'s page with its edit form.
struct Shown {
    account: Option<AccountRow>,
    f: AccountForm,
    errors: Messages,
    notice: Option<&'static str>,
}

async fn form_page<K: AccountKind>(
    state: &AppState,
    who: &ConsoleUser,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let departments = if K::AGENT {
        match crate::console::ops::departments(state, who).await {
            Ok(d) => d.into_iter().map(|d| d.name).collect(),
            Err(e) => return failed::<K>(who, e),
        }
    } else {
        Vec::new()
    };
    let title = match &shown.account {
        Some(a) if K::AGENT => a.username.clone(),
        Some(a) => a.email.clone(),
        None => format!("Add {}", K::NOUN),
    };
    let me = shown
        .account
        .as_ref()
        .is_some_and(|a| K::AGENT && is_me(who, &a.id));
    page(
        status,
        &FormPage {
            l: section_layout(who, &title, K::TITLE, &kind::<K>(who).base, Some(&title)),
            k: kind::<K>(who),
            summary: shown.errors.summary(label),
            account: shown.account,
            f: shown.f,
            departments,
            errors: shown.errors,
            notice: shown.notice,
            me,
        },
    )
}

/// `GET …/users/new`: the Add form.
pub(crate) async fn new<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
) -> Response {
    let f = AccountForm {
        department: tessera_domain::department::DEFAULT_DEPARTMENT.to_owned(),
        ..AccountForm::default()
    };
    let shown = Shown {
        account: None,
        f,
        errors: Messages::default(),
        notice: None,
    };
    form_page::<K>(&state, &who, StatusCode::OK, shown).await
}

/// A refusal the form shows next to a field: field errors as they are; a duplicate next to
/// the field it names; the refusal to lock oneself out above the form.
fn form_errors(e: ApiError) -> Result<(StatusCode, Messages), ApiError> {
    match e {
        ApiError::Validation(e) => Ok((StatusCode::UNPROCESSABLE_ENTITY, Messages::new(e.0))),
        ApiError::Conflict(message) => {
            let field = ["username", "email"]
                .into_iter()
                .find(|f| message.contains(&format!("this {f}")))
                .unwrap_or("form");
            Ok((StatusCode::CONFLICT, Messages::one(field, message)))
        }
        other => Err(other),
    }
}

/// A refused Add or edit of `account`: the form again as typed, with the messages and nothing
/// saved (a password is never sent back to the browser), or the failure page.
async fn refused<K: AccountKind>(
    state: &AppState,
    who: &ConsoleUser,
    e: ApiError,
    account: Option<AccountRow>,
    mut form: AccountForm,
) -> Response {
    match form_errors(e) {
        Ok((status, errors)) => {
            form.password.clear();
            let shown = Shown {
                account,
                f: form,
                errors,
                notice: None,
            };
            form_page::<K>(state, who, status, shown).await
        }
        Err(e) => failed::<K>(who, e),
    }
}

/// `POST …/users`: adds the account and opens its page, or shows the form again with the
/// messages and nothing saved.
pub(crate) async fn create<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Checked(form): Checked<AccountForm>,
) -> Response {
    match K::create(&state, &who, &form).await {
        Ok(a) => Redirect::to(&format!(
            "{}/{}?done=created",
            kind::<K>(&who).base,
            a.row().id
        ))
        .into_response(),
        Err(e) => refused::<K>(&state, &who, e, None, form).await,
    }
}

/// The account page's query: what was just done.
#[derive(Debug, Deserialize)]
pub(crate) struct DetailQuery {
    done: Option<String>,
}

/// `GET …/users/{id}`: the account, its edit form and its actions.
pub(crate) async fn detail<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let a = match K::get(&state, &who, &id).await {
        Ok(a) => a.row(),
        Err(e) => return failed::<K>(&who, e),
    };
    let notice = match q.done.as_deref() {
        Some("created") => Some("The account was added."),
        Some("saved") => Some("Your changes were saved."),
        Some("enabled") => Some("The account is enabled: it can sign in again."),
        Some("disabled") => {
            Some("The account is disabled: it can no longer sign in, and its sessions have ended.")
        }
        Some("signed-out") => Some(
            "Every session of the account has ended and the grants made in them are revoked; it must sign in again.",
        ),
        _ => None,
    };
    let shown = Shown {
        f: AccountForm::of(&a),
        account: Some(a),
        errors: Messages::default(),
        notice,
    };
    form_page::<K>(&state, &who, StatusCode::OK, shown).await
}

/// `POST …/users/{id}`: saves the edit form. A form opened before someone else changed the
/// account is not applied: the page shows the current values and says so.
pub(crate) async fn update<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(form): Checked<AccountForm>,
) -> Response {
    let current = match K::get(&state, &who, &id).await {
        Ok(a) => a,
        Err(e) => return failed::<K>(&who, e),
    };
    let row = current.row();
    if form.version != row.version {
        let shown = Shown {
            f: AccountForm::of(&row),
            account: Some(row),
            errors: Messages::one(
                "form",
                "the account was changed by someone else after you opened this page, so nothing was saved; the form now shows the current values",
            ),
            notice: None,
        };
        return form_page::<K>(&state, &who, StatusCode::CONFLICT, shown).await;
    }
    match K::update(&state, &who, &current, &form).await {
        Ok(_) => Redirect::to(&format!("{}/{id}?done=saved", kind::<K>(&who).base)).into_response(),
        Err(e) => refused::<K>(&state, &who, e, Some(row), form).await,
    }
}

/// The status form: the CSRF token and the new state.
#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    csrf: Option<String>,
    enabled: Option<String>,
}

csrf_field!(ActionForm);

/// A button on an account's page (or its confirmation page).
#[derive(Debug, Clone, Copy)]
enum Button {
    /// **Enable** (`true`) or **Disable**.
    Status(bool),
    /// **Sign out everywhere**.
    SignOut,
    /// **Delete**, confirmed.
    Delete,
}

/// Does what `button` says to the account `id`, then shows the account's page (the list after
/// a deletion) saying what was done.
async fn press<K: AccountKind>(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    button: Button,
) -> Response {
    let base = kind::<K>(who).base;
    let then = match button {
        Button::Status(true) => format!("{base}/{id}?done=enabled"),
        Button::Status(false) => format!("{base}/{id}?done=disabled"),
        Button::SignOut => format!("{base}/{id}?done=signed-out"),
        Button::Delete => format!("{base}?done=deleted"),
    };
    let act = async move {
        match button {
            Button::Status(enabled) => K::set_enabled(state, who, id, enabled).await.map(drop),
            Button::SignOut => K::end_sessions(state, who, id).await,
            Button::Delete => K::delete(state, who, id).await,
        }
    };
    actions::act(act, |()| then, |e| failed::<K>(who, e)).await
}

/// `POST …/users/{id}/status`: **Disable** or **Enable**.
pub(crate) async fn status<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(form): Checked<ActionForm>,
) -> Response {
    let button = Button::Status(form.enabled.as_deref() == Some("true"));
    press::<K>(&state, &who, &id, button).await
}

/// `POST …/users/{id}/sign-out`: **Sign out everywhere**.
pub(crate) async fn sign_out<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    press::<K>(&state, &who, &id, Button::SignOut).await
}

#[derive(Template)]
#[template(path = "console/account_delete.html")]
pub(super) struct ConfirmDelete {
    pub(super) l: Layout,
    pub(super) k: Kind,
    pub(super) a: AccountRow,
    pub(super) me: bool,
}

/// `GET …/users/{id}/delete`: the confirmation page.
pub(crate) async fn confirm_delete<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let show = |a: K| {
        let a = a.row();
        let me = K::AGENT && is_me(&who, &a.id);
        let title = format!("Delete {}", K::NOUN);
        let l = section_layout(&who, &title, K::TITLE, &kind::<K>(&who).base, Some(&title));
        let k = kind::<K>(&who);
        page(StatusCode::OK, &ConfirmDelete { l, k, a, me })
    };
    actions::confirm(K::get(&state, &who, &id), show, |e| failed::<K>(&who, e)).await
}

/// `POST …/users/{id}/delete`: deletes the account.
pub(crate) async fn delete<K: AccountKind>(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    press::<K>(&state, &who, &id, Button::Delete).await
}

/// Whether the account with id `id` is the signed-in administrator's own.
fn is_me(who: &ConsoleUser, id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok_and(|id| id == who.user.id)
}
