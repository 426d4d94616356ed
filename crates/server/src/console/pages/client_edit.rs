//! Edit a client application: the Add form with the stored values, the platform fixed, and
//! the revision it was loaded at, so that a change someone made meanwhile is reported (with
//! the current values shown) instead of overwritten. The rule is the admin operation's
//! (`admin_ops::clients::update` with an expected revision, the admin API's `If-Match`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tessera_domain::client::{ClientApplication, ClientChanges};
use tessera_oauth_types::FieldError;

use super::actions::Checked;
use super::clients::{ClientForm, EditOf, FormValues, NewForm, api_error, request};
use super::page;
use crate::admin_api::error::ApiError;
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// The edit form of `c` showing `values`, with `fields`' messages, carrying `revision`: the
/// stored one when the values are the stored ones, and the one the form was first loaded at
/// when it comes back with field messages (so a change made meanwhile is still noticed).
fn form(
    who: &ConsoleUser,
    status: StatusCode,
    c: &ClientApplication,
    values: FormValues,
    fields: Vec<FieldError>,
    revision: String,
    stale: bool,
) -> Response {
    let p = &who.partition;
    let detail = format!("/admin/{p}/client-applications/{}", c.client_id);
    let l = super::layout(who, &format!("Edit {}", c.name)).path(3, Some(&c.name));
    let edit = EditOf {
        revision,
        platform: c.platform,
        stale,
    };
    page(
        status,
        &NewForm::with(
            l,
            values,
            fields,
            format!("Edit {}", c.name),
            format!("{detail}/edit"),
            detail,
            Some(edit),
        ),
    )
}

/// `GET /admin/{partition}/client-applications/{client_id}/edit`: the form with the stored
/// values.
pub(crate) async fn show(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    match ops::client(&state, &who, &id).await {
        Ok(c) if c.is_builtin() => {
            api_error(&who, ApiError::from(crate::admin_ops::OpError::BuiltIn))
        }
        Ok(c) => {
            let rev = c.revision();
            form(
                &who,
                StatusCode::OK,
                &c,
                FormValues::from(&c),
                vec![],
                rev,
                false,
            )
        }
        Err(e) => api_error(&who, e),
    }
}

/// The form's fields as the admin operation's changes (the platform is the stored one).
fn changes(mut f: ClientForm, c: &ClientApplication) -> Result<ClientChanges, Vec<FieldError>> {
    c.platform.as_str().clone_into(&mut f.platform);
    let new = request(&f)?;
    Ok(ClientChanges {
        name: Some(new.name),
        redirect_urls: Some(new.redirect_urls),
        post_logout_redirect_urls: Some(new.post_logout_redirect_urls),
        obo_enabled: Some(new.obo_enabled),
        token_exchange_enabled: Some(new.token_exchange_enabled),
        access_token_ttl: Some(new.access_token_ttl),
        ..ClientChanges::default()
    })
}

/// `POST /admin/{partition}/client-applications/{client_id}/edit`: saves the changes if the
/// application is still at the revision the form was loaded at, and opens its page; otherwise
/// shows the form again — with a message per wrong field and the values as typed, or, when the
/// application changed meanwhile, with the current values and a message saying so. Nothing is
/// saved in either case.
pub(crate) async fn save(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, id)): Path<(String, String)>,
    Checked(f): Checked<ClientForm>,
) -> Response {
    let current = match ops::client(&state, &who, &id).await {
        Ok(c) => c,
        Err(e) => return api_error(&who, e),
    };
    let mut typed = FormValues::from(&f);
    current.platform.as_str().clone_into(&mut typed.platform);
    let revision = f.revision.clone().unwrap_or_default();
    let body = match changes(f, &current) {
        Ok(b) => b,
        Err(fields) => {
            return form(
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                typed,
                fields,
                revision,
                false,
            );
        }
    };
    match ops::update_client(&state, &who, &id, body, &revision).await {
        Ok(c) => Redirect::to(&format!(
            "/admin/{}/client-applications/{}?saved=1",
            who.partition, c.client_id
        ))
        .into_response(),
        Err(ApiError::PreconditionFailed(_)) => match ops::client(&state, &who, &id).await {
            Ok(now) => {
                let rev = now.revision();
                form(
                    &who,
                    StatusCode::CONFLICT,
                    &now,
                    FormValues::from(&now),
                    vec![],
                    rev,
                    true,
                )
            }
            Err(e) => api_error(&who, e),
        },
        Err(ApiError::Validation(e)) => form(
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            &current,
            typed,
            e.0,
            revision,
            false,
        ),
        Err(ApiError::Conflict(message)) if message.contains("name") => form(
            &who,
            StatusCode::CONFLICT,
            &current,
            typed,
            vec![FieldError {
                field: "name".into(),
                message,
            }],
            revision,
            false,
        ),
        Err(e) => api_error(&who, e),
    }
}
