//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the browser's single
//! sign-on session for the realm and, when the application is known and the address is one it
//! registered, sends the browser back to its post-logout redirect URL with `state`.
//!
//! With a valid `id_token_hint` the application has proven it was signed in, so the session
//! ends at once. Without one, the user confirms first (a CSRF-protected form), so a link on
//! another site cannot sign anyone out.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tessera_domain::audit::{ActorKind, Outcome};
use tessera_domain::{PartitionId, Realm};

use super::browser::{self, SESSION_COOKIE};
use super::form::Params;
use crate::audit::AuditContext;
use crate::pages::{self, Html};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::urls;

fn page(status: StatusCode, message: &str) -> Response {
    Html::new(
        status,
        "Sign-out request refused",
        &pages::error("This sign-out request cannot be completed", message),
    )
    .into_response()
}

/// `GET|POST {issuer}/oauth2/logout`.
pub async fn logout(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
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
    let (ctx, partition, realm) = match super::authorize::realm_context(&state, &tenant, page).await
    {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let issuer = urls::issuer(&state.config.public_url, &partition, realm);
    let now = state.clock.now();

    // The hint proves which application (and session) asks; an expired one still does.
    let hint = match params.get("id_token_hint") {
        None => None,
        Some(t) => {
            let verified = ctx.realms.get(&realm).map(|k| {
                k.verifier
                    .verify(t, "JWT", &issuer, now.unix_timestamp(), true)
            });
            match verified {
                Some(Ok(claims)) => Some(claims),
                _ => {
                    return page(
                        StatusCode::BAD_REQUEST,
                        "The id_token_hint is not an ID token issued by this issuer.",
                    );
                }
            }
        }
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
    let confirmed = hint.is_some()
        || (method == Method::POST && browser::csrf_ok(&headers, params.get("csrf")));
    if !confirmed {
        let (csrf, set) = browser::csrf_token(&state, &headers, &partition, realm);
        let action = urls::endpoint(&state.config.public_url, &partition, realm, "oauth2/logout");
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
        let mut resp = Html::new(
            StatusCode::OK,
            "Sign out",
            &pages::logout_confirm(&action, &fields, &csrf),
        )
        .form_target(target_origin)
        .into_response();
        if let Some(c) = set {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
        return resp;
    }

    if let Err(e) = end_sessions(&state, &partition, realm, &headers, hint.as_ref(), &meta).await {
        let e = super::error::OAuthError::from(e);
        return page(e.status, &e.description);
    }
    let clear = browser::set_cookie(
        &state,
        SESSION_COOKIE,
        "",
        &browser::realm_path(&partition, realm),
        Some(0),
    );
    match post_logout.and_then(|u| url::Url::parse(u).ok()) {
        Some(mut url) => {
            if let Some(s) = params.get("state") {
                url.query_pairs_mut().append_pair("state", s);
            }
            super::authorize::redirect(url.as_str(), clear)
        }
        None => {
            let mut resp =
                Html::new(StatusCode::OK, "Signed out", &pages::signed_out()).into_response();
            if let Some(c) = clear {
                resp.headers_mut().append(header::SET_COOKIE, c);
            }
            resp
        }
    }
}

/// Ends this browser's session and the one the hint names.
async fn end_sessions(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    headers: &HeaderMap,
    hint: Option<&serde_json::Map<String, Value>>,
    meta: &RequestMeta,
) -> Result<(), tessera_domain::store::StoreError> {
    let now = state.clock.now();
    let mut ended = Vec::new();
    if let Some(s) = browser::cookie_session(state, partition, realm, headers).await? {
        ended.push((s.id, s.subject));
    }
    if let Some(sid) = hint
        .and_then(|c| c.get("sid"))
        .and_then(Value::as_str)
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        && let Some(s) = state.store.get_session(partition, sid).await?
        && s.realm == realm
        && !ended.iter().any(|(id, _)| *id == s.id)
    {
        ended.push((s.id, s.subject));
    }
    for (id, subject) in ended {
        state.store.end_session(partition, id, now).await?;
        let audit = AuditContext {
            partition: Some(partition.clone()),
            actor_kind: ActorKind::User,
            actor_id: Some(subject.to_string()),
            source_ip: meta.source_ip.clone(),
        };
        let event = audit.event(
            state,
            "logout",
            "session",
            Some(id.to_string()),
            Outcome::Success,
            Some(format!("realm={}", realm.as_str())),
        );
        state.audit.record(event).await;
    }
    Ok(())
}
