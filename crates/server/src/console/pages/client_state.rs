//! Enable / disable a client application (one button saying which state it sets) and delete
//! it after a confirmation page that works without JavaScript: GET shows what will go, POST
//! (with the CSRF field) deletes and returns to the list with a message. The rules — the
//! built-in console client refused, a disabled client refused at every flow, its grants
//! revoked with it — are the admin operations'.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tessera_domain::client::{ClientApplication, Platform};

use super::actions::{self, Checked, CsrfForm, csrf_field};
use super::clients::{api_error, platform_label};
use super::{Layout, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::OpError;
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// The enable / disable form.
#[derive(Debug, Deserialize)]
pub(crate) struct EnabledForm {
    csrf: Option<String>,
    /// `true` to enable, `false` to disable.
    #[serde(default)]
    enabled: String,
}

csrf_field!(EnabledForm);

/// `POST /admin/{partition}/client-applications/{client_id}/enabled`: sets the state the
/// button named and returns to the application's page, which says what changed.
pub(crate) async fn set_enabled(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(f): Checked<EnabledForm>,
) -> Response {
    let enabled = match f.enabled.as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::BadRequest(
            "choose Enable or Disable on the application's page".into(),
        )),
    };
    actions::act(
        async {
            let enabled = enabled?;
            let c = ops::set_client_enabled(&state, &who, &id, enabled).await?;
            Ok::<_, ApiError>((c, enabled))
        },
        |(c, enabled)| {
            format!(
                "/admin/{}/client-applications/{}?{}=1",
                who.partition,
                c.client_id,
                if enabled { "enabled" } else { "disabled" }
            )
        },
        |e| api_error(&who, e),
    )
    .await
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
    let load = async {
        let c = ops::client(&state, &who, &id).await?;
        if c.is_builtin() {
            return Err(OpError::BuiltIn.into());
        }
        let secrets = match c.platform {
            Platform::Web => ops::secrets(&state, &who, &id).await?.len(),
            Platform::Spa => 0,
        };
        Ok::<_, ApiError>((c, secrets))
    };
    let show = |(c, secrets): (ClientApplication, usize)| {
        let l = super::layout(&who, &format!("Delete {}", c.name)).path(3, Some(&c.name));
        let confirm = ConfirmDelete {
            l,
            client_id: c.client_id.to_string(),
            platform: platform_label(c.platform),
            secrets,
            permissions: c.permissions.len(),
            name: c.name,
        };
        page(StatusCode::OK, &confirm)
    };
    actions::confirm(load, show, |e| api_error(&who, e)).await
}

/// `POST /admin/{partition}/client-applications/{client_id}/delete`: deletes the application
/// and returns to the list, which names what was deleted.
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    actions::act(
        async {
            let c = ops::client(&state, &who, &id).await?;
            ops::delete_client(&state, &who, &id).await?;
            Ok::<_, ApiError>(c.name)
        },
        |name| {
            let name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            format!(
                "/admin/{}/client-applications?deleted={name}",
                who.partition
            )
        },
        |e| api_error(&who, e),
    )
    .await
}
