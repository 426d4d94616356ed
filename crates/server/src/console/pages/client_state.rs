//! Enable / disable a client application (one button saying which state it sets) and delete
//! it after a confirmation page that works without JavaScript: GET shows what will go, POST
//! (with the CSRF field) deletes and returns to the list with a message. The rules — the
//! built-in console client refused, a disabled client refused at every flow, its grants
//! revoked with it — are the admin operations'.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tessera_domain::client::Platform;

use super::clients::{api_error, platform_label};
use super::{Layout, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::OpError;
use crate::console::ops;
use crate::console::session::{ConsoleUser, csrf_refused};
use crate::state::AppState;

/// The enable / disable form.
#[derive(Debug, Deserialize)]
pub(crate) struct EnabledForm {
    csrf: Option<String>,
    /// `true` to enable, `false` to disable.
    #[serde(default)]
    enabled: String,
}

/// `POST /admin/{partition}/client-applications/{client_id}/enabled`: sets the state the
/// button named and returns to the application's page, which says what changed.
pub(crate) async fn set_enabled(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<EnabledForm>,
) -> Response {
    if !who.csrf_ok(&state, f.csrf.as_deref()) {
        return csrf_refused(&who.partition);
    }
    let enabled = match f.enabled.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return api_error(
                &who,
                ApiError::BadRequest("choose Enable or Disable on the application's page".into()),
            );
        }
    };
    match ops::set_client_enabled(&state, &who, &id, enabled).await {
        Ok(c) => Redirect::to(&format!(
            "/admin/{}/client-applications/{}?{}=1",
            who.partition,
            c.client_id,
            if enabled { "enabled" } else { "disabled" }
        ))
        .into_response(),
        Err(e) => api_error(&who, e),
    }
}

#[derive(Template)]
#[template(path = "console/client_delete.html")]
pub(super) struct ConfirmDelete {
    pub(super) l: Layout,
    pub(super) name: String,
    pub(super) client_id: String,
    pub(super) platform: &'static str,
    pub(super) secrets: usize,
    pub(super) permissions: usize,
}

/// `GET /admin/{partition}/client-applications/{client_id}/delete`: what will be deleted, and
/// the button that deletes it.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let c = match ops::client(&state, &who, &id).await {
        Ok(c) if c.is_builtin() => return api_error(&who, OpError::BuiltIn.into()),
        Ok(c) => c,
        Err(e) => return api_error(&who, e),
    };
    let secrets = if c.platform == Platform::Web {
        match ops::secrets(&state, &who, &id).await {
            Ok(s) => s.len(),
            Err(e) => return api_error(&who, e),
        }
    } else {
        0
    };
    page(
        StatusCode::OK,
        &ConfirmDelete {
            l: super::layout(&who, &format!("Delete {}", c.name)).path(3, Some(&c.name)),
            client_id: c.client_id.to_string(),
            platform: platform_label(c.platform),
            secrets,
            permissions: c.permissions.len(),
            name: c.name,
        },
    )
}

/// The delete form: only the CSRF field.
#[derive(Debug, Deserialize)]
pub(crate) struct DeleteForm {
    csrf: Option<String>,
}

/// `POST /admin/{partition}/client-applications/{client_id}/delete`: deletes the application
/// and returns to the list, which names what was deleted.
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<DeleteForm>,
) -> Response {
    if !who.csrf_ok(&state, f.csrf.as_deref()) {
        return csrf_refused(&who.partition);
    }
    let c = match ops::client(&state, &who, &id).await {
        Ok(c) => c,
        Err(e) => return api_error(&who, e),
    };
    match ops::delete_client(&state, &who, &id).await {
        Ok(()) => {
            let name: String = form_urlencoded::byte_serialize(c.name.as_bytes()).collect();
            Redirect::to(&format!(
                "/admin/{}/client-applications?deleted={name}",
                who.partition
            ))
            .into_response()
        }
        Err(e) => api_error(&who, e),
    }
}
