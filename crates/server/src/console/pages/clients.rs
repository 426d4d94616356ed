//! Client Application: the list (search and paging) with **Add**, the Add form and the detail
//! page. Storage and validation are the admin API's (`console/ops.rs`); this module only turns
//! form fields into the admin API's request and its answers into pages.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tessera_domain::client::{ClientApplication, DEFAULT_ACCESS_TOKEN_TTL, Platform};
use tessera_oauth_types::FieldError;

use super::accounts::{failure_page, failure_status, failure_text};
use super::actions::{Checked, csrf_field};
use super::{Layout, Link, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::clients::NewClientApplication;
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// Rows on one page of the list.
pub(crate) const PER_PAGE: usize = 25;

/// An admin operation's failure as a page (field errors are shown by the form instead).
pub(crate) fn api_error(who: &ConsoleUser, e: ApiError) -> Response {
    if let ApiError::NotFound(_) = e {
        return crate::console::view::not_found();
    }
    let back = Link {
        label: "Back to the client applications".into(),
        href: format!("/admin/{}/client-applications", who.partition),
    };
    failure_page(who, failure_status(&e), &failure_text(&e), Some(back))
}

/// One row of the list.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Client ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Platform, as the console names it.
    pub platform: &'static str,
    /// Enabled.
    pub enabled: bool,
    /// The built-in Administration Console.
    pub builtin: bool,
}

/// The console's name of a platform.
#[must_use]
pub(crate) const fn platform_label(p: Platform) -> &'static str {
    match p {
        Platform::Web => "Web Application",
        Platform::Spa => "Single Page Application (SPA)",
    }
}

#[derive(Template)]
#[template(path = "console/clients.html")]
pub(super) struct List {
    pub(super) l: Layout,
    pub(super) q: String,
    pub(super) q_url: String,
    pub(super) rows: Vec<Row>,
    pub(super) total: usize,
    pub(super) page: usize,
    pub(super) pages: usize,
    /// The name of the application just deleted, for the notice.
    pub(super) deleted: Option<String>,
}

/// The list's query.
#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    q: Option<String>,
    page: Option<String>,
    deleted: Option<String>,
}

/// `GET /admin/{partition}/client-applications`: the list, searched by name, a page at a time.
/// The store searches and pages (one page read, however many applications the partition has);
/// a page past the end shows the last one.
pub(crate) async fn list(
    State(state): State<AppState>,
    who: ConsoleUser,
    Query(query): Query<ListQuery>,
) -> Response {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let per_page = u32::try_from(PER_PAGE).unwrap_or(25);
    let found = match ops::client_page(&state, &who, &q, query.page.as_deref(), per_page).await {
        Ok(f) => f,
        Err(e) => return api_error(&who, e),
    };
    let rows = found
        .items
        .into_iter()
        .map(|c| Row {
            id: c.client_id.to_string(),
            builtin: c.is_builtin(),
            name: c.name,
            platform: platform_label(c.platform),
            enabled: c.enabled,
        })
        .collect();
    page(
        StatusCode::OK,
        &List {
            l: super::layout(&who, "Client Application").path(3, None),
            q_url: form_urlencoded::byte_serialize(q.as_bytes()).collect(),
            q,
            rows,
            total: found.total,
            page: found.page,
            pages: found.pages,
            deleted: query.deleted.map(|d| d.chars().take(100).collect()),
        },
    )
}

/// The Add form's fields as typed (also what is shown again after an error).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ClientForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Resource Type (`global`).
    #[serde(default)]
    pub resource_type: String,
    /// Platform (`web` or `spa`).
    #[serde(default)]
    pub platform: String,
    /// Redirect URL(s), one a line.
    #[serde(default)]
    pub redirect_urls: String,
    /// Post Logout Redirect URL(s), one a line.
    #[serde(default)]
    pub post_logout_redirect_urls: String,
    /// Client On-Behalf-Of (OBO) Flow, `on` when ticked.
    pub obo_enabled: Option<String>,
    /// Token Exchange Grant Type, `on` when ticked.
    pub token_exchange_enabled: Option<String>,
    /// Access Token Expiry Time, minutes.
    #[serde(default)]
    pub access_token_ttl: String,
    /// Edit only: the revision the form was loaded at.
    pub revision: Option<String>,
}

csrf_field!(ClientForm);

/// What the form shows in its fields.
#[derive(Debug, Clone)]
pub(crate) struct FormValues {
    /// Name.
    pub name: String,
    /// `web` or `spa`.
    pub platform: String,
    /// One URL a line.
    pub redirect_urls: String,
    /// One URL a line.
    pub post_logout_redirect_urls: String,
    /// OBO ticked.
    pub obo: bool,
    /// Token exchange ticked.
    pub token_exchange: bool,
    /// Minutes.
    pub ttl_minutes: String,
}

impl Default for FormValues {
    fn default() -> Self {
        Self {
            name: String::new(),
            platform: "web".into(),
            redirect_urls: String::new(),
            post_logout_redirect_urls: String::new(),
            obo: false,
            token_exchange: false,
            ttl_minutes: (DEFAULT_ACCESS_TOKEN_TTL / 60).to_string(),
        }
    }
}

impl From<&ClientForm> for FormValues {
    fn from(f: &ClientForm) -> Self {
        Self {
            name: f.name.clone(),
            platform: f.platform.clone(),
            redirect_urls: f.redirect_urls.clone(),
            post_logout_redirect_urls: f.post_logout_redirect_urls.clone(),
            obo: f.obo_enabled.is_some(),
            token_exchange: f.token_exchange_enabled.is_some(),
            ttl_minutes: f.access_token_ttl.clone(),
        }
    }
}

impl From<&ClientApplication> for FormValues {
    /// The stored values, as the edit form shows them (the expiry time in whole minutes).
    fn from(c: &ClientApplication) -> Self {
        Self {
            name: c.name.clone(),
            platform: c.platform.as_str().to_owned(),
            redirect_urls: c.redirect_urls.join("\n"),
            post_logout_redirect_urls: c.post_logout_redirect_urls.join("\n"),
            obo: c.obo_enabled,
            token_exchange: c.token_exchange_enabled,
            ttl_minutes: (c.access_token_ttl / 60).to_string(),
        }
    }
}

/// A message for the summary above the form.
#[derive(Debug, Clone)]
pub(crate) struct ErrorLine {
    /// The field's label.
    pub label: &'static str,
    /// The message.
    pub message: String,
}

#[derive(Template)]
#[template(path = "console/client_form.html")]
pub(super) struct NewForm {
    pub(super) l: Layout,
    pub(super) f: FormValues,
    pub(super) errors: Vec<ErrorLine>,
    pub(super) fields: Vec<FieldError>,
    /// The page's heading: Add, or Edit with the name.
    pub(super) heading: String,
    /// Where the form posts.
    pub(super) action: String,
    /// Where Cancel goes.
    pub(super) cancel: String,
    /// Editing: the revision the form was loaded at, and the platform it is fixed to.
    pub(super) edit: Option<EditOf>,
}

/// What the edit form carries besides the fields.
#[derive(Debug, Clone)]
pub(crate) struct EditOf {
    /// The revision the values were loaded at (sent back, so a change made meanwhile is
    /// reported instead of overwritten).
    pub revision: String,
    /// The platform, fixed once created (shown, not offered).
    pub platform: Platform,
    /// The form was sent from an older revision: it now shows the current values.
    pub stale: bool,
}

impl EditOf {
    /// The fixed platform, as the console names it.
    #[must_use]
    pub(crate) const fn platform_label(&self) -> &'static str {
        platform_label(self.platform)
    }
}

impl NewForm {
    /// The Add form with `fields`' messages next to their fields and in the summary.
    pub(super) fn new(l: Layout, f: FormValues, fields: Vec<FieldError>) -> Self {
        let partition = l.partition.clone();
        Self::with(
            l,
            f,
            fields,
            "Add client application".into(),
            format!("/admin/{partition}/client-applications"),
            format!("/admin/{partition}/client-applications"),
            None,
        )
    }

    /// Any form of a client application's fields.
    pub(super) fn with(
        l: Layout,
        f: FormValues,
        fields: Vec<FieldError>,
        heading: String,
        action: String,
        cancel: String,
        edit: Option<EditOf>,
    ) -> Self {
        let errors = fields
            .iter()
            .map(|e| ErrorLine {
                label: label(&e.field),
                message: e.message.clone(),
            })
            .collect();
        Self {
            l,
            f,
            errors,
            fields,
            heading,
            action,
            cancel,
            edit,
        }
    }

    /// Whether the Web-only switches belong on the form (always on Add, where the platform is
    /// still to be chosen; on Edit only for a Web Application).
    fn web_switches(&self) -> bool {
        self.edit
            .as_ref()
            .is_none_or(|e| e.platform == Platform::Web)
    }

    /// The messages for `field` (`redirect_urls[2]` counts as `redirect_urls`), joined.
    fn err(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .fields
            .iter()
            .filter(|e| base_field(&e.field) == field)
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("; "))
    }
}

/// `redirect_urls[2]` → `redirect_urls`.
pub(super) fn base_field(field: &str) -> &str {
    field.split(['[', '.']).next().unwrap_or(field)
}

/// The form's label of an admin API field.
fn label(field: &str) -> &'static str {
    match base_field(field) {
        "name" => "Name",
        "resource_type" => "Resource Type",
        "platform" => "Platform",
        "redirect_urls" => "Redirect URL(s)",
        "post_logout_redirect_urls" => "Post Logout Redirect URL(s)",
        "obo_enabled" => "Client On-Behalf-Of (OBO) Flow",
        "token_exchange_enabled" => "Token Exchange Grant Type",
        "access_token_ttl" => "Access Token Expiry Time",
        _ => "Form",
    }
}

fn form_page(
    who: &ConsoleUser,
    status: StatusCode,
    f: FormValues,
    fields: Vec<FieldError>,
) -> Response {
    let l = super::layout(who, "Add client application").path(3, Some("Add"));
    page(status, &NewForm::new(l, f, fields))
}

/// `GET /admin/{partition}/client-applications/new`: the Add form.
pub(crate) async fn new(who: ConsoleUser) -> Response {
    form_page(&who, StatusCode::OK, FormValues::default(), Vec::new())
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Turns the form into the admin API's request; what cannot even be read (a platform that is
/// not offered, minutes that are not a number) is reported per field like the API's own rules.
pub(super) fn request(f: &ClientForm) -> Result<NewClientApplication, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut bad = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    };
    let platform = match f.platform.as_str() {
        "web" => Some(Platform::Web),
        "spa" => Some(Platform::Spa),
        _ => {
            bad(
                "platform",
                "choose Web Application or Single Page Application (SPA)",
            );
            None
        }
    };
    if !(f.resource_type.is_empty() || f.resource_type == "global") {
        bad("resource_type", "the only Resource Type is Global");
    }
    let minutes = f.access_token_ttl.trim();
    let ttl = if minutes.is_empty() {
        Some(DEFAULT_ACCESS_TOKEN_TTL)
    } else {
        match minutes.parse::<u32>().ok().and_then(|m| m.checked_mul(60)) {
            Some(s) => Some(s),
            None => {
                bad("access_token_ttl", "enter a whole number of minutes");
                None
            }
        }
    };
    match (platform, ttl) {
        (Some(platform), Some(access_token_ttl)) if errors.is_empty() => Ok(NewClientApplication {
            name: f.name.trim().to_owned(),
            platform,
            resource_type: tessera_domain::client::ResourceType::Global,
            redirect_urls: lines(&f.redirect_urls),
            post_logout_redirect_urls: lines(&f.post_logout_redirect_urls),
            obo_enabled: f.obo_enabled.is_some(),
            token_exchange_enabled: f.token_exchange_enabled.is_some(),
            access_token_ttl,
            enabled: true,
            id_token_signed_response_alg: tessera_domain::client::DEFAULT_ID_TOKEN_ALG,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: true,
            frontchannel_logout_uri: None,
            frontchannel_logout_session_required: true,
        }),
        _ => Err(errors),
    }
}

/// `POST /admin/{partition}/client-applications`: registers the application and opens its
/// page, or shows the form again with a message next to each wrong field and nothing saved.
pub(crate) async fn create(
    State(state): State<AppState>,
    who: ConsoleUser,
    Checked(form): Checked<ClientForm>,
) -> Response {
    let values = FormValues::from(&form);
    let body = match request(&form) {
        Ok(b) => b,
        Err(fields) => return form_page(&who, StatusCode::UNPROCESSABLE_ENTITY, values, fields),
    };
    match ops::create_client(&state, &who, body).await {
        Ok(c) => Redirect::to(&format!(
            "/admin/{}/client-applications/{}?created=1",
            who.partition, c.client_id
        ))
        .into_response(),
        Err(ApiError::Validation(e)) => {
            form_page(&who, StatusCode::UNPROCESSABLE_ENTITY, values, e.0)
        }
        Err(ApiError::Conflict(message)) => {
            let field = if message.contains("name") {
                "name"
            } else {
                "form"
            };
            form_page(
                &who,
                StatusCode::CONFLICT,
                values,
                vec![FieldError {
                    field: field.into(),
                    message,
                }],
            )
        }
        Err(e) => api_error(&who, e),
    }
}

#[derive(Template)]
#[template(path = "console/client.html")]
pub(super) struct Detail {
    pub(super) l: Layout,
    pub(super) c: ClientApplication,
    /// What the previous step did, as a notice.
    pub(super) notice: Option<&'static str>,
}

/// The detail page's query: which step led here.
#[derive(Debug, Deserialize)]
pub(crate) struct DetailQuery {
    created: Option<String>,
    saved: Option<String>,
    enabled: Option<String>,
    disabled: Option<String>,
}

impl DetailQuery {
    /// The notice for the step that led here.
    fn notice(&self) -> Option<&'static str> {
        if self.created.is_some() {
            Some("The client application was registered.")
        } else if self.saved.is_some() {
            Some("The changes were saved.")
        } else if self.enabled.is_some() {
            Some("The client application was enabled: it can get tokens again.")
        } else if self.disabled.is_some() {
            Some(
                "The client application was disabled: every request for a token is refused until it is enabled again.",
            )
        } else {
            None
        }
    }
}

/// `GET /admin/{partition}/client-applications/{client_id}`: the Client ID with a copy button
/// and the links to Secrets, Permissions and Metadata.
pub(crate) async fn detail(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let c = match ops::client(&state, &who, &id).await {
        Ok(c) => c,
        Err(e) => return api_error(&who, e),
    };
    page(
        StatusCode::OK,
        &Detail {
            l: super::layout(&who, &c.name).path(3, Some(&c.name)),
            c,
            notice: q.notice(),
        },
    )
}
