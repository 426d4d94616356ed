//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the browser's single
//! sign-on session for the realm and, when the application is known and the address is one it
//! registered, sends the browser back to its post-logout redirect URL with `state`.
//!
//! The session ends at once only when the `id_token_hint` belongs to it: its `sid` is the
//! browser's live session and its `sub` that session's person (RP-Initiated Logout 1.0 §2: the
//! OP MUST ask when no hint was given or the hint "does not belong to the current OP session").
//! Such a hint may have expired — the session it names is live, and §2 asks OPs to accept
//! expired ID tokens of a current session. Any other hint (another person's, an ended or
//! another browser's session) still names the client and its post-logout address, but the user
//! confirms first (a CSRF-protected form), so a link on another site cannot sign anyone out.
//! Only the browser's own session ends; a hint never ends a session the browser does not hold.
//!
//! The applications that took part in the session are told (`oauth/session_end.rs`): by
//! back-channel logout tokens, and by the front-channel logout pages the signed-out page loads
//! in iframes (OpenID Connect Front-Channel Logout 1.0 §4). With iframes to load, the browser
//! sees that page before it continues to the post-logout redirect URL; without, it is sent
//! there at once.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::session::BrowserSession;
use tessera_domain::{PartitionId, Realm};

use super::browser::{self, Cookie, FormPage};
use super::form::Params;
use super::id_token_hint;
use super::realm_issuer::{IssuerRejection, RealmIssuer};
use super::session_end::{self, Ending, Frame};
use crate::audit::AuditContext;
use crate::pages::{self, Html, Refusal};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::urls;

fn page(status: StatusCode, message: &str) -> Response {
    Refusal::SIGN_OUT.page(status, message)
}

/// `GET|POST {issuer}/oauth2/logout`.
pub(crate) async fn logout(
    State(state): State<AppState>,
    issuer: Result<RealmIssuer, IssuerRejection>,
    meta: RequestMeta,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = if method == Method::POST {
        Params::from_body(&headers, &body)
    } else {
        Params::parse(query.unwrap_or_default().as_bytes())
    };
    let params = match params {
        Ok(p) => p,
        Err(e) => return page(StatusCode::BAD_REQUEST, &e.description),
    };
    let RealmIssuer {
        ctx,
        partition,
        realm,
    } = match issuer {
        Ok(i) => i,
        Err(e) => return e.page(page),
    };
    let now = state.clock.now();

    // The hint proves which application (and session) asks; an expired one still does.
    let hint = match params.get("id_token_hint") {
        None => None,
        Some(t) => match id_token_hint::verify(&state, &ctx, &partition, realm, t) {
            Ok(claims) => Some(claims),
            Err(_) => {
                return page(
                    StatusCode::BAD_REQUEST,
                    "The id_token_hint is not an ID token issued by this issuer.",
                );
            }
        },
    };
    let hint_client = hint
        .as_ref()
        .and_then(|c| c.get("aud"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let client_id = match (params.get("client_id"), hint_client.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return page(
                StatusCode::BAD_REQUEST,
                "client_id does not match the audience of the id_token_hint.",
            );
        }
        (Some(a), _) => Some(a.to_owned()),
        (None, b) => b.map(str::to_owned),
    };
    let client = match client_id.as_deref().map(uuid::Uuid::parse_str) {
        None => None,
        Some(Err(_)) => {
            return page(
                StatusCode::BAD_REQUEST,
                "The client application is unknown.",
            );
        }
        Some(Ok(id)) => match state.client(&partition, id).await {
            Ok(Some(c)) => Some(c),
            Ok(None) => {
                return page(
                    StatusCode::BAD_REQUEST,
                    "The client application is unknown.",
                );
            }
            Err(e) => {
                let e = super::error::OAuthError::from(e);
                return page(e.status, &e.description);
            }
        },
    };
    let post_logout = params.get("post_logout_redirect_uri");
    if let Some(uri) = post_logout {
        let registered = client
            .as_ref()
            .is_some_and(|c| c.client.post_logout_redirect_urls.iter().any(|u| u == uri));
        if !registered {
            return page(
                StatusCode::BAD_REQUEST,
                "The post_logout_redirect_uri is not registered for this client application (send client_id or id_token_hint, and one of its Post Logout Redirect URLs exactly).",
            );
        }
    }
    let target_origin = post_logout
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization());
    let session = match browser::cookie_session(&state, &partition, realm, &headers).await {
        Ok(s) => s,
        Err(e) => {
            let e = super::error::OAuthError::from(e);
            return page(e.status, &e.description);
        }
    };
    let confirmed = hint
        .as_ref()
        .is_some_and(|h| belongs_to(h, session.as_ref(), now))
        || (method == Method::POST
            && browser::csrf_ok(
                &state,
                &headers,
                &partition,
                realm,
                "logout",
                params.get("csrf"),
            ));
    if !confirmed {
        let mut fields = Vec::new();
        if let Some(c) = &client_id {
            fields.push(("client_id", c.as_str()));
        }
        if let Some(u) = post_logout {
            fields.push(("post_logout_redirect_uri", u));
        }
        if let Some(s) = params.get("state") {
            fields.push(("state", s));
        }
        let form = FormPage {
            state: &state,
            headers: &headers,
            partition: &partition,
            realm,
            purpose: "logout",
            endpoint: urls::LOGOUT,
            title: "Sign out",
            target: target_origin,
        };
        return form.render(StatusCode::OK, |action, csrf| {
            pages::logout_confirm(action, &fields, csrf)
        });
    }

    let frames = match &session {
        Some(s) => match end_session(&state, &partition, realm, s, &meta).await {
            Ok(f) => f,
            Err(e) => {
                let e = super::error::OAuthError::from(e);
                return page(e.status, &e.description);
            }
        },
        None => Vec::new(),
    };
    let clear = browser::set_cookie(&state, Cookie::Session, &partition, realm, "", Some(0));
    let next = post_logout
        .and_then(|u| url::Url::parse(u).ok())
        .map(|mut url| {
            if let Some(s) = params.get("state") {
                url.query_pairs_mut().append_pair("state", s);
            }
            url
        });
    match next {
        // Nobody to tell through the browser: straight back to the application.
        Some(url) if frames.is_empty() => super::authorize::redirect(url.as_str(), clear),
        next => {
            let frames: Vec<(String, String)> =
                frames.into_iter().map(|f| (f.url, f.origin)).collect();
            let mut resp =
                Html::signed_out(&frames, next.as_ref().map(url::Url::as_str)).into_response();
            if let Some(c) = clear {
                resp.headers_mut().append(header::SET_COOKIE, c);
            }
            resp
        }
    }
}

/// Whether the hint was issued in `session` (the browser's, live at `now`) to its person: only
/// then may logout proceed without asking.
fn belongs_to(
    hint: &serde_json::Map<String, Value>,
    session: Option<&BrowserSession>,
    now: time::OffsetDateTime,
) -> bool {
    let Some(session) = session.filter(|s| s.is_live(now)) else {
        return false;
    };
    let sid = hint.get("sid").and_then(Value::as_str);
    let sub = hint.get("sub").and_then(Value::as_str);
    sid == Some(session.id.to_string().as_str())
        && sub == Some(session.subject.to_string().as_str())
}

/// Ends the browser's session, tells its applications (back-channel now, front-channel through
/// the returned frames) and records it.
async fn end_session(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    session: &BrowserSession,
    meta: &RequestMeta,
) -> Result<Vec<Frame>, tessera_domain::store::StoreError> {
    let frames = session_end::end(state, partition, realm, Ending::Session(session)).await?;
    let audit = AuditContext::person(partition, session.subject, meta.source_ip.clone());
    let event = audit.event(
        state,
        Action::Logout,
        ObjectType::Session,
        Some(session.id.to_string()),
        Outcome::Success,
        Some(format!("realm={}", realm.as_str())),
    );
    state.audit.record(event).await;
    Ok(frames)
}
