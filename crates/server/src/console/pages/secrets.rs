//! A Web application's Secrets: the table, **Add secret** (its value shown once, in a read-only
//! field labelled Client Secret with a Copy button and a warning) and delete. The limit on
//! unexpired secrets and every other rule are the admin API's.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use super::actions::{Checked, CsrfForm, csrf_field};
use super::{Layout, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::secrets::{CreatedSecret, NewSecret};
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// A secret as the table shows it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Secret id.
    pub id: String,
    /// Its label.
    pub name: String,
    /// `…` and its last characters.
    pub hint: String,
    /// When it was added.
    pub created: String,
    /// When it expires, or "Never".
    pub expires: String,
    /// When it last authenticated, or "Never".
    pub last_used: String,
}

/// A time as the console shows it: `2025-01-02 03:04 UTC`.
#[must_use]
pub(crate) fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[derive(Template)]
#[template(path = "console/secrets.html")]
pub(super) struct Secrets {
    pub(super) l: Layout,
    pub(super) name: String,
    pub(super) client_id: String,
    pub(super) rows: Vec<Row>,
    pub(super) max: u32,
    pub(super) at_limit: bool,
    pub(super) default_name: String,
    pub(super) created: Option<CreatedSecret>,
    pub(super) error: Option<String>,
}

async fn render(
    state: &AppState,
    who: &ConsoleUser,
    id: &str,
    status: StatusCode,
    created: Option<CreatedSecret>,
    error: Option<String>,
) -> Response {
    let client = match ops::client(state, who, id).await {
        Ok(c) => c,
        Err(e) => return super::clients::api_error(who, e),
    };
    let secrets = match ops::secrets(state, who, id).await {
        Ok(s) => s,
        Err(e) => return super::clients::api_error(who, e),
    };
    let now = state.clock.now();
    let max = state.config.clients.max_secrets;
    let live = secrets
        .iter()
        .filter(|s| s.expires_at.is_none_or(|e| e > now))
        .count();
    let rows = secrets
        .into_iter()
        .map(|s| Row {
            id: s.id.to_string(),
            name: s.name,
            hint: s.hint,
            created: when(s.created_at),
            expires: s.expires_at.map_or_else(|| "Never".to_owned(), when),
            last_used: s.last_used_at.map_or_else(|| "Never".to_owned(), when),
        })
        .collect();
    let l = super::layout(who, "Secrets").path(3, Some(&client.name));
    page(
        status,
        &Secrets {
            l,
            name: client.name,
            client_id: client.client_id.to_string(),
            rows,
            max,
            at_limit: usize::try_from(max).is_ok_and(|m| live >= m),
            default_name: format!("Secret {}", &when(now)[..10]),
            created,
            error,
        },
    )
}

/// `GET /admin/{partition}/client-applications/{client_id}/secrets`.
pub(crate) async fn show(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    render(&state, &who, &id, StatusCode::OK, None, None).await
}

/// The Add secret form.
#[derive(Debug, Deserialize)]
pub(crate) struct AddForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

csrf_field!(AddForm);

/// `POST .../secrets`: adds a secret and shows its value, this once.
pub(crate) async fn add(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(form): Checked<AddForm>,
) -> Response {
    let expires_in_days = match form.expires_in_days.as_str() {
        "never" => Some(None),
        "" => None,
        days => match days.parse::<i64>() {
            Ok(d) => Some(Some(d)),
            Err(_) => Some(Some(-1)),
        },
    };
    let body = NewSecret {
        name: form.name.trim().to_owned(),
        expires_in_days,
    };
    match ops::add_secret(&state, &who, &id, body).await {
        Ok(created) => render(&state, &who, &id, StatusCode::OK, Some(created), None).await,
        Err(ApiError::Validation(e)) => {
            let text =
                e.0.iter()
                    .map(|f| {
                        format!(
                            "{}: {}",
                            if f.field == "name" {
                                "Name"
                            } else {
                                "Expires in"
                            },
                            f.message
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
            render(
                &state,
                &who,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(text),
            )
            .await
        }
        Err(ApiError::Conflict(text)) => {
            render(&state, &who, &id, StatusCode::CONFLICT, None, Some(text)).await
        }
        Err(e) => super::clients::api_error(&who, e),
    }
}

/// `POST .../secrets/{secret_id}/delete`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id, secret_id)): Path<(String, String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    match ops::delete_secret(&state, &who, &id, &secret_id).await {
        Ok(()) => Redirect::to(&format!(
            "/admin/{}/client-applications/{id}/secrets",
            who.partition
        ))
        .into_response(),
        Err(e) => super::clients::api_error(&who, e),
    }
}
