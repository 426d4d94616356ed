//! APIs: the partition's API catalog by hub and API with every operation, and an operation's
//! **Security Details** — one tab (a link, no script) per security scheme showing its flow type,
//! this partition's authorization and token URLs and the full required scope URLs — from which
//! **Assign to a client application** adds exactly those scopes to a chosen application through
//! the admin operation `assign` (which keeps every permission already held).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use tessera_domain::api::{Api, Operation};
use tessera_domain::permission::{DEFAULT_SCOPE, Hub};
use tessera_domain::validation::FieldErrors;
use tessera_oauth_types::SecurityScheme;

use super::accounts::{failure_page, failure_status, failure_text};
use super::clients::platform_label;
use super::{Layout, Link, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::assign::Assigned;
use crate::console::ops;
use crate::console::session::{ConsoleUser, csrf_refused};
use crate::console::view::Crumb;
use crate::metadata::{SchemeMetadata, schemes};
use crate::state::AppState;

/// Characters left as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` as one path segment: catalog ids come from imported documents and may hold anything.
#[must_use]
pub(crate) fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// The console's name of a hub (the Permissions page's headings).
#[must_use]
pub(crate) const fn hub_label(h: Hub) -> &'static str {
    match h {
        Hub::Core => "Core",
        Hub::Conversation => "Conversation Hub",
        Hub::Knowledge => "Knowledge",
    }
}

/// The flow as the platform spells it in OpenAPI documents (`flows` keys).
#[must_use]
pub(crate) fn flow_type(flow: &str) -> &'static str {
    match flow {
        "authorization_code" => "authorizationCode",
        "client_credentials" => "clientCredentials",
        _ => "password",
    }
}

/// A failed admin operation as a page, with a way back to `back` (a refused document's or
/// assignment's field messages are all listed).
pub(super) fn failed(who: &ConsoleUser, e: ApiError, back: Link) -> Response {
    let text = match &e {
        ApiError::Validation(errors) => field_messages(errors),
        other => failure_text(other),
    };
    failure_page(who, failure_status(&e), &text, Some(back))
}

/// Every field message of a refusal, in one line.
fn field_messages(errors: &FieldErrors) -> String {
    errors
        .0
        .iter()
        .map(|f| f.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The link back to the catalog.
pub(super) fn to_catalog(who: &ConsoleUser) -> Link {
    Link {
        label: "Back to the APIs".into(),
        href: format!("/admin/{}/apis", who.partition),
    }
}

/// The layout of a page under Integration → APIs, `trail` being the crumbs after APIs.
pub(super) fn apis_layout(who: &ConsoleUser, title: &str, trail: &[&str]) -> Layout {
    let href = format!("/admin/{}/apis", who.partition);
    let mut l = super::layout(who, title).path(2, Some("APIs"));
    if !trail.is_empty()
        && let Some(apis) = l.crumbs.last_mut()
    {
        apis.href = Some(href);
    }
    for label in trail {
        l.crumbs.push(Crumb {
            label: (*label).to_owned(),
            href: None,
        });
    }
    l
}

/// An operation in the catalog's list.
#[derive(Debug, Clone)]
pub(crate) struct OpRow {
    /// Operation id.
    pub id: String,
    /// HTTP method.
    pub method: String,
    /// Full path (base path and the operation's).
    pub path: String,
    /// Summary.
    pub summary: String,
    /// Its Security Details page.
    pub href: String,
    /// Its schemes, for the list.
    pub schemes: String,
}

/// An API in the catalog's list.
#[derive(Debug, Clone)]
pub(crate) struct ApiView {
    /// Id (also the anchor `api-<id>`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Base path.
    pub base_path: String,
    /// Token audience.
    pub audience: String,
    /// Operations in catalog order.
    pub ops: Vec<OpRow>,
}

/// A hub's APIs.
#[derive(Debug, Clone)]
pub(crate) struct HubView {
    /// Its name.
    pub hub: &'static str,
    /// Its APIs.
    pub apis: Vec<ApiView>,
}

#[derive(Template)]
#[template(path = "console/apis.html")]
pub(super) struct Catalog {
    pub(super) l: Layout,
    pub(super) hubs: Vec<HubView>,
}

/// The catalog grouped by hub, each API with its operations' rows.
#[must_use]
pub(crate) fn hubs(partition: &str, apis: &[Api]) -> Vec<HubView> {
    [Hub::Core, Hub::Conversation, Hub::Knowledge]
        .into_iter()
        .map(|hub| HubView {
            hub: hub_label(hub),
            apis: apis
                .iter()
                .filter(|a| a.hub == hub)
                .map(|a| ApiView {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    base_path: a.base_path.clone(),
                    audience: a.audience.clone(),
                    ops: a
                        .operations
                        .iter()
                        .map(|o| OpRow {
                            href: op_href(partition, &a.id, &o.operation_id),
                            id: o.operation_id.clone(),
                            method: o.method.clone(),
                            path: format!("{}{}", a.base_path.trim_end_matches('/'), o.path),
                            summary: o.summary.clone(),
                            schemes: o
                                .security
                                .iter()
                                .map(|r| r.scheme.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        })
                        .collect(),
                })
                .collect(),
        })
        .filter(|h| !h.apis.is_empty())
        .collect()
}

fn op_href(partition: &str, api: &str, op: &str) -> String {
    format!(
        "/admin/{partition}/apis/{}/operations/{}",
        segment(api),
        segment(op)
    )
}

/// `GET /admin/{partition}/apis`: the catalog by hub and API, every operation listed.
pub(crate) async fn catalog(State(state): State<AppState>, who: ConsoleUser) -> Response {
    match ops::apis::all_apis(&state, &who).await {
        Ok(apis) => page(
            StatusCode::OK,
            &Catalog {
                hubs: hubs(who.partition.as_str(), &apis),
                l: apis_layout(&who, "APIs", &[]),
            },
        ),
        Err(e) => failed(&who, e, to_catalog(&who)),
    }
}

/// A scheme's tab.
#[derive(Debug, Clone)]
pub(crate) struct Tab {
    /// The scheme's name.
    pub label: &'static str,
    /// The page with this scheme chosen.
    pub href: String,
    /// Chosen.
    pub current: bool,
}

/// The chosen scheme's details.
#[derive(Debug, Clone)]
pub(crate) struct SchemeView {
    /// Its name.
    pub scheme: &'static str,
    /// The flow, as the platform spells it.
    pub flow_type: &'static str,
    /// Where people sign in, for flows with a browser step.
    pub authorization_url: Option<String>,
    /// Where tokens are requested.
    pub token_url: String,
    /// The required scopes' full URLs.
    pub scopes: Vec<String>,
    /// Only `.default`: nothing to assign.
    pub default_only: bool,
}

/// An application the scopes can be assigned to.
#[derive(Debug, Clone)]
pub(crate) struct ClientChoice {
    /// Client ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Platform, as the console names it.
    pub platform: &'static str,
    /// Chosen (after an assignment, or a refused one).
    pub selected: bool,
}

/// What an assignment did, for the notice.
#[derive(Debug, Clone)]
pub(crate) struct Done {
    /// The application.
    pub client_name: String,
    /// Its Permissions page.
    pub permissions_href: String,
    /// The change.
    pub assigned: Assigned,
}

#[derive(Template)]
#[template(path = "console/operation.html")]
pub(super) struct Details {
    pub(super) l: Layout,
    pub(super) api_name: String,
    pub(super) op: Operation,
    pub(super) full_path: String,
    pub(super) action: String,
    pub(super) tabs: Vec<Tab>,
    pub(super) chosen: Option<SchemeView>,
    pub(super) clients: Vec<ClientChoice>,
    pub(super) picker: Picker,
    pub(super) done: Option<Done>,
    pub(super) error: Option<String>,
}

/// Applications offered on one page of the choice: the partition may have any number, so the
/// page shows one searched page of them, never all.
pub(crate) const CHOICES_PER_PAGE: u32 = 25;

/// The search and paging around the choice of application (plain links and a GET form, so it
/// works without script).
#[derive(Debug, Clone, Default)]
pub(crate) struct Picker {
    /// The Security Details page the search form asks again.
    pub href: String,
    /// The name search, as typed.
    pub q: String,
    /// The page shown, from 1.
    pub page: usize,
    /// How many pages the search has.
    pub pages: usize,
    /// Every application matching the search (the built-in console included).
    pub total: usize,
    /// The previous page of the search, if any.
    pub prev_href: Option<String>,
    /// The next page of the search, if any.
    pub next_href: Option<String>,
}

/// The Security Details query: the chosen scheme, and the search and page of the choice of
/// application.
#[derive(Debug, Deserialize)]
pub(crate) struct DetailsQuery {
    scheme: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

/// The details of `op`'s requirement under `scheme` in this partition.
#[must_use]
pub(crate) fn scheme_view(
    op: &Operation,
    scheme: SecurityScheme,
    meta: &[SchemeMetadata],
    prefix: &str,
) -> Option<SchemeView> {
    let req = op.security.iter().find(|r| r.scheme == scheme)?;
    let m = meta.iter().find(|m| m.scheme == scheme)?;
    Some(SchemeView {
        scheme: scheme.as_str(),
        flow_type: flow_type(m.flow),
        authorization_url: m.authorization_url.clone(),
        token_url: m.access_token_url.clone(),
        scopes: req
            .scopes
            .iter()
            .map(|s| {
                if s == DEFAULT_SCOPE {
                    s.clone()
                } else {
                    format!("{prefix}{s}")
                }
            })
            .collect(),
        default_only: req.scopes.iter().all(|s| s == DEFAULT_SCOPE),
    })
}

struct Outcome {
    status: StatusCode,
    scheme: Option<SecurityScheme>,
    /// The search of the choice of application, trimmed.
    q: String,
    /// The page of the choice of application, as asked.
    page: Option<String>,
    client: Option<String>,
    done: Option<Done>,
    error: Option<String>,
}

async fn render_details(
    state: &AppState,
    who: &ConsoleUser,
    api_id: &str,
    op_id: &str,
    o: Outcome,
) -> Response {
    let api = match ops::apis::api(state, who, api_id).await {
        Ok(a) => a,
        Err(e) => return failed(who, e, to_catalog(who)),
    };
    let Some(op) = api
        .operations
        .iter()
        .find(|op| op.operation_id == op_id)
        .cloned()
    else {
        return failed(who, ApiError::NotFound("operation"), to_catalog(who));
    };
    let (prefix, found) = match (
        ops::apis::permission_prefix(state, who).await,
        ops::client_page(state, who, &o.q, o.page.as_deref(), CHOICES_PER_PAGE).await,
    ) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(e), _) | (_, Err(e)) => return failed(who, e, to_catalog(who)),
    };
    let chosen_scheme = o
        .scheme
        .filter(|s| op.security.iter().any(|r| r.scheme == *s))
        .or_else(|| op.security.first().map(|r| r.scheme));
    let href = op_href(who.partition.as_str(), &api.id, &op.operation_id);
    let tabs = op
        .security
        .iter()
        .map(|r| Tab {
            label: r.scheme.as_str(),
            href: format!("{href}?scheme={}", r.scheme.as_str()),
            current: Some(r.scheme) == chosen_scheme,
        })
        .collect();
    let meta = schemes(&state.config, &who.partition);
    let chosen = chosen_scheme.and_then(|s| scheme_view(&op, s, &meta, &prefix));
    let q_url: String = form_urlencoded::byte_serialize(o.q.as_bytes()).collect();
    let scheme_q = chosen_scheme.map_or("", |s| s.as_str());
    let to_page = |n: usize| format!("{href}?scheme={scheme_q}&q={q_url}&page={n}#assign-heading");
    let picker = Picker {
        href: href.clone(),
        q: o.q,
        page: found.page,
        pages: found.pages,
        total: found.total,
        prev_href: (found.page > 1).then(|| to_page(found.page - 1)),
        next_href: (found.page < found.pages).then(|| to_page(found.page + 1)),
    };
    let clients = found
        .items
        .into_iter()
        .filter(|c| !c.is_builtin())
        .map(|c| ClientChoice {
            selected: o.client.as_deref() == Some(c.client_id.to_string().as_str()),
            id: c.client_id.to_string(),
            name: c.name,
            platform: platform_label(c.platform),
        })
        .collect();
    let l = apis_layout(who, "Security Details", &[&api.name, &op.operation_id]);
    page(
        o.status,
        &Details {
            l,
            full_path: format!("{}{}", api.base_path.trim_end_matches('/'), op.path),
            api_name: api.name,
            action: format!("{href}/assign"),
            op,
            tabs,
            chosen,
            clients,
            picker,
            done: o.done,
            error: o.error,
        },
    )
}

/// `GET /admin/{partition}/apis/{api_id}/operations/{operation_id}`: the Security Details.
pub(crate) async fn details(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, api_id, op_id)): Path<(String, String, String)>,
    Query(q): Query<DetailsQuery>,
) -> Response {
    let o = Outcome {
        status: StatusCode::OK,
        scheme: q.scheme.as_deref().and_then(SecurityScheme::parse),
        q: q.q.unwrap_or_default().trim().to_owned(),
        page: q.page,
        client: None,
        done: None,
        error: None,
    };
    render_details(&state, &who, &api_id, &op_id, o).await
}

/// `POST …/operations/{operation_id}/assign`: adds the chosen scheme's scopes to the chosen
/// application and shows what changed (or, refused, why, with nothing changed).
pub(crate) async fn assign(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, api_id, op_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let mut csrf = None;
    let mut scheme_raw = String::new();
    let mut client = String::new();
    let mut q = String::new();
    let mut page_no = None;
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = Some(v.into_owned()),
            "scheme" => scheme_raw = v.into_owned(),
            "client_id" => client = v.into_owned(),
            "q" => q = v.trim().to_owned(),
            "page" => page_no = Some(v.into_owned()),
            _ => {}
        }
    }
    if !who.csrf_ok(&state, csrf.as_deref()) {
        return csrf_refused(&who.partition);
    }
    let scheme = SecurityScheme::parse(&scheme_raw);
    let refused = |status, error: String| Outcome {
        status,
        scheme,
        q: q.clone(),
        page: page_no.clone(),
        client: Some(client.clone()),
        done: None,
        error: Some(error),
    };
    let o = match scheme {
        None => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose one of the operation's security schemes.".into(),
        ),
        Some(_) if client.is_empty() => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose the client application to assign the scopes to.".into(),
        ),
        Some(s) => match ops::apis::assign(&state, &who, &api_id, &op_id, &client, s).await {
            Ok(assigned) => {
                let name = ops::client(&state, &who, &client)
                    .await
                    .map(|c| c.name)
                    .unwrap_or_default();
                Outcome {
                    status: StatusCode::OK,
                    scheme,
                    q: q.clone(),
                    page: page_no.clone(),
                    client: Some(client.clone()),
                    done: Some(Done {
                        client_name: name,
                        permissions_href: format!(
                            "/admin/{}/client-applications/{}/permissions",
                            who.partition,
                            segment(&client)
                        ),
                        assigned,
                    }),
                    error: None,
                }
            }
            Err(ApiError::NotFound("client application")) => refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "There is no such client application in this partition.".into(),
            ),
            Err(ApiError::Validation(errors)) => {
                refused(StatusCode::UNPROCESSABLE_ENTITY, field_messages(&errors))
            }
            Err(ApiError::Conflict(text)) => refused(StatusCode::CONFLICT, text),
            Err(e) => return failed(&who, e, to_catalog(&who)),
        },
    };
    render_details(&state, &who, &api_id, &op_id, o).await
}
