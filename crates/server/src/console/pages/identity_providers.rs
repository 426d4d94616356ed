//! Identity providers (for token exchange, RFC 8693): the list, **Add**, the provider's page
//! with its edit form, **Test this provider** and **Delete** with a confirmation page. The test
//! fetches the keys through the fetcher token exchange uses, with its address checks, and says
//! what it found; every rule is the admin operations'.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tessera_domain::identity_provider::{IdentityProvider, MAX_IDENTITY_PROVIDERS};

use super::accounts::{error_page, section_layout};
use super::actions::{self, Checked, CsrfForm};
use super::fields::Messages;
use super::idp_form::{self, IdpForm, label, version};
use super::{Layout, Link, page};
use crate::admin_api::error::ApiError;
use crate::console::people_ops as ops;
use crate::console::session::ConsoleUser;
use crate::jwt::external::{KeyCheck, KeyOrigin};
use crate::state::AppState;

const TITLE: &str = "Identity providers";

fn base(who: &ConsoleUser) -> String {
    format!("/admin/{}/identity-providers", who.partition)
}

fn failed(who: &ConsoleUser, e: ApiError) -> Response {
    error_page(
        who,
        e,
        Link {
            label: "Back to Identity providers".into(),
            href: base(who),
        },
    )
}

/// A provider as the list shows it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Its id (the `registration_id`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Issuer.
    pub issuer: String,
    /// `users` or `customers`.
    pub realm: &'static str,
    /// Where its keys are: the JWKS URI, or "Inline JWK Set".
    pub keys: String,
    /// Enabled.
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "console/identity_providers.html")]
pub(super) struct List {
    pub(super) l: Layout,
    pub(super) rows: Vec<Row>,
    pub(super) max: u32,
    pub(super) notice: Option<&'static str>,
}

/// The list's query: what was just done.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    done: Option<String>,
}

/// `GET /admin/{partition}/identity-providers`.
pub(crate) async fn list(
    State(state): State<AppState>,
    who: ConsoleUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let all = match ops::all_identity_providers(&state, &who).await {
        Ok(a) => a,
        Err(e) => return failed(&who, e),
    };
    let rows = all
        .into_iter()
        .map(|i| Row {
            id: i.id.to_string(),
            realm: idp_form::realm_name(i.realm),
            keys: match (&i.jwks, i.jwks_uri) {
                (Some(_), _) => "Inline JWK Set".to_owned(),
                (None, Some(u)) => u,
                (None, None) => "None".to_owned(),
            },
            name: i.name,
            issuer: i.issuer,
            enabled: i.enabled,
        })
        .collect();
    page(
        StatusCode::OK,
        &List {
            l: section_layout(&who, TITLE, TITLE, "", None),
            rows,
            max: MAX_IDENTITY_PROVIDERS,
            notice: (q.done.as_deref() == Some("deleted"))
                .then_some("The identity provider was deleted."),
        },
    )
}

#[derive(Template)]
#[template(path = "console/identity_provider.html")]
pub(super) struct FormPage {
    pub(super) l: Layout,
    pub(super) base: String,
    /// `None` for Add.
    pub(super) idp: Option<IdentityProvider>,
    pub(super) f: IdpForm,
    pub(super) errors: Messages,
    pub(super) summary: Vec<String>,
    pub(super) notice: Option<&'static str>,
    /// The result of **Test this provider**.
    pub(super) check: Option<KeyCheck>,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<String> {
        self.errors.err(field)
    }

    /// Where the test looked, in words.
    fn origin(&self) -> String {
        match self.check.as_ref().map(|c| &c.origin) {
            Some(KeyOrigin::JwksUri(u)) => format!("fetched from {u}"),
            Some(KeyOrigin::Inline) => "read from the inline JWK Set".to_owned(),
            Some(KeyOrigin::Unregistered) | None => "nowhere: no keys are registered".to_owned(),
        }
    }

    /// How many of the keys found token exchange can use.
    fn usable(&self) -> usize {
        self.check
            .as_ref()
            .map_or(0, |c| c.keys.iter().filter(|k| k.usable).count())
    }
}

/// What the page shows.
struct Shown {
    status: StatusCode,
    idp: Option<IdentityProvider>,
    f: IdpForm,
    errors: Messages,
    notice: Option<&'static str>,
    check: Option<KeyCheck>,
}

impl Shown {
    /// The page of `idp` (its form filled in from it, no message), or the Add form.
    fn of(status: StatusCode, idp: Option<IdentityProvider>) -> Self {
        Self {
            status,
            f: idp.as_ref().map(IdpForm::of).unwrap_or_default(),
            idp,
            errors: Messages::default(),
            notice: None,
            check: None,
        }
    }
}

/// A refused Add or edit of `idp`: the form again as typed, with the messages and nothing
/// saved, or the failure page.
fn refused(who: &ConsoleUser, e: ApiError, idp: Option<IdentityProvider>, f: IdpForm) -> Response {
    match form_errors(e) {
        Ok((status, errors)) => form_page(
            who,
            Shown {
                f,
                errors,
                ..Shown::of(status, idp)
            },
        ),
        Err(e) => failed(who, e),
    }
}

fn form_page(who: &ConsoleUser, shown: Shown) -> Response {
    let title = shown
        .idp
        .as_ref()
        .map_or_else(|| "Add identity provider".to_owned(), |i| i.name.clone());
    let base = base(who);
    page(
        shown.status,
        &FormPage {
            l: section_layout(who, &title, TITLE, &base, Some(&title)),
            base,
            summary: shown.errors.summary(label),
            idp: shown.idp,
            f: shown.f,
            errors: shown.errors,
            notice: shown.notice,
            check: shown.check,
        },
    )
}

/// `GET …/identity-providers/new`: the Add form.
pub(crate) async fn new(who: ConsoleUser) -> Response {
    form_page(&who, Shown::of(StatusCode::OK, None))
}

/// Field errors as they are; a duplicate name or the limit above the form.
fn form_errors(e: ApiError) -> Result<(StatusCode, Messages), ApiError> {
    match e {
        ApiError::Validation(e) => Ok((StatusCode::UNPROCESSABLE_ENTITY, Messages::new(e.0))),
        ApiError::Conflict(message) => {
            let field = if message.contains("this name") {
                "name"
            } else {
                "form"
            };
            Ok((StatusCode::CONFLICT, Messages::one(field, message)))
        }
        other => Err(other),
    }
}

/// `POST …/identity-providers`: registers the provider and opens its page, or shows the form
/// again with the messages and nothing saved.
pub(crate) async fn create(
    State(state): State<AppState>,
    who: ConsoleUser,
    Checked(form): Checked<IdpForm>,
) -> Response {
    let result = match idp_form::new_provider(&form) {
        Ok(new) => ops::create_identity_provider(&state, &who, new).await,
        Err(fields) => Err(ApiError::Validation(
            tessera_domain::validation::FieldErrors(fields),
        )),
    };
    match result {
        Ok(i) => Redirect::to(&format!("{}/{}?done=created", base(&who), i.id)).into_response(),
        Err(e) => refused(&who, e, None, form),
    }
}

/// The provider page's query: what was just done.
#[derive(Debug, Deserialize)]
pub(crate) struct DetailQuery {
    done: Option<String>,
}

/// `GET …/identity-providers/{id}`: the registration, its edit form and its actions.
pub(crate) async fn detail(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let idp = match ops::identity_provider(&state, &who, &id).await {
        Ok(i) => i,
        Err(e) => return failed(&who, e),
    };
    let notice = match q.done.as_deref() {
        Some("created") => Some("The identity provider was registered."),
        Some("saved") => Some("Your changes were saved."),
        _ => None,
    };
    form_page(
        &who,
        Shown {
            notice,
            ..Shown::of(StatusCode::OK, Some(idp))
        },
    )
}

/// `POST …/identity-providers/{id}`: saves the edit form; a form opened before someone else
/// changed the registration is not applied.
pub(crate) async fn update(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(form): Checked<IdpForm>,
) -> Response {
    let current = match ops::identity_provider(&state, &who, &id).await {
        Ok(i) => i,
        Err(e) => return failed(&who, e),
    };
    if form.version != version(&current) {
        return form_page(
            &who,
            Shown {
                errors: Messages::one(
                    "form",
                    "the registration was changed by someone else after you opened this page, so nothing was saved; the form now shows the current values",
                ),
                ..Shown::of(StatusCode::CONFLICT, Some(current))
            },
        );
    }
    let result = match idp_form::changes(&current, &form) {
        Ok(c) => ops::update_identity_provider(&state, &who, &id, c).await,
        Err(fields) => Err(ApiError::Validation(
            tessera_domain::validation::FieldErrors(fields),
        )),
    };
    match result {
        Ok(_) => Redirect::to(&format!("{}/{id}?done=saved", base(&who))).into_response(),
        Err(e) => refused(&who, e, Some(current), form),
    }
}

/// `POST …/identity-providers/{id}/test`: **Test this provider** — fetches its keys now and
/// shows what was found (a POST: it makes a request to another server).
pub(crate) async fn test(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    let idp = match ops::identity_provider(&state, &who, &id).await {
        Ok(i) => i,
        Err(e) => return failed(&who, e),
    };
    let check = match ops::check_identity_provider(&state, &who, &id).await {
        Ok(c) => c,
        Err(e) => return failed(&who, e),
    };
    form_page(
        &who,
        Shown {
            check: Some(check),
            ..Shown::of(StatusCode::OK, Some(idp))
        },
    )
}

#[derive(Template)]
#[template(path = "console/identity_provider_delete.html")]
pub(super) struct ConfirmDelete {
    pub(super) l: Layout,
    pub(super) base: String,
    pub(super) idp: IdentityProvider,
}

/// `GET …/identity-providers/{id}/delete`: the confirmation page.
pub(crate) async fn confirm_delete(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let show = |idp| {
        let base = base(&who);
        let title = "Delete identity provider";
        let l = section_layout(&who, title, TITLE, &base, Some(title));
        page(StatusCode::OK, &ConfirmDelete { l, base, idp })
    };
    let load = ops::identity_provider(&state, &who, &id);
    actions::confirm(load, show, |e| failed(&who, e)).await
}

/// `POST …/identity-providers/{id}/delete`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    actions::act(
        ops::delete_identity_provider(&state, &who, &id),
        |()| format!("{}?done=deleted", base(&who)),
        |e| failed(&who, e),
    )
    .await
}
