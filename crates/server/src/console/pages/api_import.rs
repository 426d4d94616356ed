//! **Import OpenAPI**: an OpenAPI 3 document pasted into the form goes through the same import
//! as the admin API's `POST …/apis/import`; the page then shows the import report (the APIs
//! added or replaced and the permissions added or updated), or the document's problems by path
//! with nothing stored.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tessera_domain::permission::Hub;

use super::apis::{apis_layout, failed, hub_label, segment, to_catalog};
use super::{Layout, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::catalog::{ImportChoices, Imported};
use crate::console::ops;
use crate::console::session::{ConsoleUser, csrf_refused};
use crate::state::AppState;

/// The form's values, kept when the import is refused.
#[derive(Debug, Clone, Default)]
pub(crate) struct ImportForm {
    /// The document.
    pub document: String,
    /// API ID.
    pub api_id: String,
    /// Hub: empty (from the document), `core`, `conversation` or `knowledge`.
    pub hub: String,
    /// Base path.
    pub base_path: String,
}

/// One problem of the document.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    /// Where in the document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// An imported API, for the report.
#[derive(Debug, Clone)]
pub(crate) struct ImportedApi {
    /// Name.
    pub name: String,
    /// Id.
    pub id: String,
    /// Hub, as the console names it.
    pub hub: &'static str,
    /// Base path.
    pub base_path: String,
    /// Operations.
    pub operations: usize,
    /// Its place in the catalog page.
    pub href: String,
}

/// The import report.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    /// The APIs added or replaced.
    pub apis: Vec<ImportedApi>,
    /// The permissions added or updated.
    pub permissions: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/api_import.html")]
pub(super) struct ImportPage {
    pub(super) l: Layout,
    pub(super) form: ImportForm,
    pub(super) hubs: Vec<(&'static str, &'static str)>,
    pub(super) problems: Vec<Problem>,
    pub(super) error: Option<String>,
    pub(super) report: Option<Report>,
}

fn hubs() -> Vec<(&'static str, &'static str)> {
    [Hub::Core, Hub::Conversation, Hub::Knowledge]
        .into_iter()
        .map(|h| (h.as_str(), hub_label(h)))
        .collect()
}

/// `GET /admin/{partition}/apis/import`: the form.
pub(crate) async fn form(who: ConsoleUser) -> Response {
    let l = apis_layout(&who, "Import OpenAPI", &["Import OpenAPI"]);
    page(
        StatusCode::OK,
        &ImportPage {
            l,
            form: ImportForm::default(),
            hubs: hubs(),
            problems: Vec::new(),
            error: None,
            report: None,
        },
    )
}

/// The report of an import.
#[must_use]
pub(crate) fn report(partition: &str, imported: Imported) -> Report {
    Report {
        apis: imported
            .apis
            .into_iter()
            .map(|a| ImportedApi {
                href: format!("/admin/{partition}/apis#api-{}", segment(&a.id)),
                hub: hub_label(a.hub),
                name: a.name,
                id: a.id,
                base_path: a.base_path,
                operations: a.operation_count,
            })
            .collect(),
        permissions: imported.permissions,
    }
}

/// `POST /admin/{partition}/apis/import`: imports the pasted document.
pub(crate) async fn import(
    State(state): State<AppState>,
    who: ConsoleUser,
    body: Bytes,
) -> Response {
    let mut csrf = None;
    let mut form = ImportForm::default();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = Some(v.into_owned()),
            "document" => form.document = v.into_owned(),
            "api_id" => form.api_id = v.trim().to_owned(),
            "hub" => form.hub = v.into_owned(),
            "base_path" => form.base_path = v.trim().to_owned(),
            _ => {}
        }
    }
    if !who.csrf_ok(&state, csrf.as_deref()) {
        return csrf_refused(&who.partition);
    }
    let l = apis_layout(&who, "Import OpenAPI", &["Import OpenAPI"]);
    let refuse = |form: ImportForm, problems: Vec<Problem>, error: Option<String>| ImportPage {
        l: l.clone(),
        form,
        hubs: hubs(),
        problems,
        error,
        report: None,
    };
    if form.document.trim().is_empty() {
        let p = refuse(
            form,
            Vec::new(),
            Some("Paste an OpenAPI 3 document (JSON or YAML) into OpenAPI document.".into()),
        );
        return page(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let hub_raw = form.hub.clone();
    let hub = match hub_raw.as_str() {
        "" => None,
        h => match Hub::parse(h) {
            Some(h) => Some(h),
            None => {
                let p = refuse(
                    form,
                    Vec::new(),
                    Some("Hub must be Core, Conversation Hub or Knowledge.".into()),
                );
                return page(StatusCode::UNPROCESSABLE_ENTITY, &p);
            }
        },
    };
    let choices = ImportChoices {
        api_id: (!form.api_id.is_empty()).then(|| form.api_id.clone()),
        hub,
        base_path: (!form.base_path.is_empty()).then(|| form.base_path.clone()),
    };
    match ops::apis::import(&state, &who, &form.document, choices).await {
        Ok(imported) => {
            let report = report(who.partition.as_str(), imported);
            page(
                StatusCode::OK,
                &ImportPage {
                    l: l.clone(),
                    form: ImportForm::default(),
                    hubs: hubs(),
                    problems: Vec::new(),
                    error: None,
                    report: Some(report),
                },
            )
        }
        Err(ApiError::Validation(errors)) => {
            let problems = errors
                .0
                .into_iter()
                .map(|f| Problem {
                    path: f.field,
                    message: f.message,
                })
                .collect();
            let p = refuse(form, problems, None);
            page(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => failed(&who, e, to_catalog(&who)),
    }
}
