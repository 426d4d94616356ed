//! `POST /admin/{partition}/sign-out`: ends the console session and the users realm's single
//! sign-on session it came from, telling that session's applications as the realm's own logout
//! does (`oauth/session_end.rs`).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_domain::audit::{Action, ActorKind, ObjectType, Outcome};
use tessera_domain::{PartitionId, Realm};

use super::cookies::{self, Kind};
use super::session::{self, ConsoleUser};
use super::view as pages;
use crate::audit::AuditContext;
use crate::oauth::browser::{self, Cookie};
use crate::oauth::session_end::{self, Ending};
use crate::pages::Html;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::urls;

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub(crate) struct SignOutForm {
    csrf: Option<String>,
}

/// `POST /admin/{partition}/sign-out`: ends the console session and the realm session.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    who: ConsoleUser,
    meta: RequestMeta,
    axum::extract::Form(form): axum::extract::Form<SignOutForm>,
) -> Response {
    let p = who.partition.clone();
    if !who.csrf_ok(&state, form.csrf.as_deref()) {
        return session::csrf_refused(&p);
    }
    if let Err(e) = state
        .store
        .delete_console_session(&p, &who.session.hash)
        .await
    {
        return pages::unavailable(&e);
    }
    let mut frames = Vec::new();
    if let Some(sid) = who.session.realm_session_id {
        match state.store.get_session(&p, sid).await {
            Ok(Some(s)) if s.ended_at.is_none() => {
                match session_end::end(&state, &p, Realm::Users, Ending::Session(&s)).await {
                    Ok(f) => frames = f,
                    Err(e) => return pages::unavailable(&e),
                }
            }
            Ok(_) => {}
            Err(e) => return pages::unavailable(&e),
        }
    }
    let audit = AuditContext {
        partition: Some(p.clone()),
        actor_kind: ActorKind::User,
        actor_id: Some(who.user.id.to_string()),
        source_ip: meta.source_ip,
    };
    state
        .audit
        .record(audit.event(
            &state,
            Action::ConsoleSignOut,
            ObjectType::User,
            Some(who.user.id.to_string()),
            Outcome::Success,
            None,
        ))
        .await;
    let frames: Vec<(String, String)> = frames.into_iter().map(|f| (f.url, f.origin)).collect();
    let next = urls::console_signed_out(&state.config.public_url, &p);
    let mut resp = Html::signed_out(&frames, Some(&next)).into_response();
    let clears = [
        cookies::set_cookie(&state, Kind::Session, &p, "", Some(0)),
        browser::set_cookie(&state, Cookie::Session, &p, Realm::Users, "", Some(0)),
    ];
    for c in clears.into_iter().flatten() {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// `GET /admin/{partition}/signed-out`: where a sign-out ends.
pub(crate) async fn signed_out(axum::extract::Path(raw): axum::extract::Path<String>) -> Response {
    match PartitionId::parse(&raw) {
        Ok(p) => pages::signed_out(&p),
        Err(_) => pages::not_found(),
    }
}
