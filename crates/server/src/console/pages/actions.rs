//! A console form's POST, done one way on every page. [`Checked`] reads the form and refuses it
//! (403, nothing changed) unless its `csrf` field is the session's token, before the handler
//! runs, so no handler can forget the check. [`confirm`] shows a button's confirmation page
//! (a GET that changes nothing); [`act`] finishes a button's POST — Enable/Disable,
//! Sign out everywhere, Delete after its confirmation page: the admin operation runs, then the
//! browser is sent to a page that says what happened (Post/Redirect/Get, so a reload does not
//! repeat it), or the failure is shown. Plain forms and redirects: it works without JavaScript.

use std::future::Future;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::admin_api::error::ApiError;
use crate::console::session::{ConsoleUser, csrf_refused};
use crate::state::AppState;

/// A form with the session's CSRF token in its `csrf` field (see [`csrf_field!`]).
pub(crate) trait CsrfField {
    /// The token the form carried, if any.
    fn csrf(&self) -> Option<&str>;
}

/// Implements [`CsrfField`] for forms whose token is in a field named `csrf`.
macro_rules! csrf_field {
    ($($form:ty),+ $(,)?) => {$(
        impl $crate::console::pages::actions::CsrfField for $form {
            fn csrf(&self) -> Option<&str> {
                self.csrf.as_deref()
            }
        }
    )+};
}
pub(crate) use csrf_field;

/// A form that carries only the session's CSRF token: a button.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    /// The session's CSRF token.
    pub(crate) csrf: Option<String>,
}

csrf_field!(CsrfForm);

/// A form posted from a page of the signed-in administrator's session (its CSRF token checked).
#[derive(Debug)]
pub(crate) struct Checked<T>(pub(crate) T);

impl<T> FromRequest<AppState> for Checked<T>
where
    T: DeserializeOwned + CsrfField + Send,
{
    type Rejection = Response;

    /// The session first (as a handler's `ConsoleUser` finds it: without one, 403), then the
    /// form, then its token.
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let who = ConsoleUser::from_request_parts(&mut parts, state).await?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        if who.csrf_ok(state, form.csrf()) {
            Ok(Self(form))
        } else {
            Err(csrf_refused(&who.partition))
        }
    }
}

/// A button's confirmation page (a GET: nothing changes): `load` reads what the button acts on
/// and `show` renders it with the button; a failed read is shown by `failed`.
pub(crate) async fn confirm<T>(
    load: impl Future<Output = Result<T, ApiError>>,
    show: impl FnOnce(T) -> Response,
    failed: impl FnOnce(ApiError) -> Response,
) -> Response {
    match load.await {
        Ok(v) => show(v),
        Err(e) => failed(e),
    }
}

/// Runs `act`; its result names the address to go to next, and a failure is shown by `failed`.
pub(crate) async fn act<T>(
    act: impl Future<Output = Result<T, ApiError>>,
    then: impl FnOnce(T) -> String,
    failed: impl FnOnce(ApiError) -> Response,
) -> Response {
    match act.await {
        Ok(v) => Redirect::to(&then(v)).into_response(),
        Err(e) => failed(e),
    }
}
