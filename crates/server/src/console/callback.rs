//! `GET /admin/{partition}/callback`: the end of a console sign-in (see [`super::signin`]).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq as _;
use tessera_domain::audit::{Action, ActorKind, ObjectType, Outcome};
use tessera_domain::client::CONSOLE_CLIENT_ID;
use tessera_domain::{PartitionId, Realm};

use super::cookies::{self, Kind};
use super::session;
use super::signin::{derive, key, return_path};
use super::view as pages;
use crate::audit::AuditContext;
use crate::oauth::token::{Endpoint, Target, respond};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::urls;

/// The realm's answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /admin/{partition}/callback`: redeems the code and opens the console.
pub(crate) async fn callback(
    State(state): State<AppState>,
    axum::extract::Path(raw): axum::extract::Path<String>,
    meta: RequestMeta,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let Ok(p) = PartitionId::parse(&raw) else {
        return pages::not_found();
    };
    let Some(cookie) = cookies::cookie_value(&state, &headers, Kind::SignIn, &p) else {
        return pages::sign_in_failed(
            &p,
            "This sign-in was not started in this browser, or took longer than ten minutes.",
        );
    };
    let key = key(&state);
    // `state` must be the one this browser's sign-in sent: it names the page to return to.
    let back = q.state.as_deref().and_then(|s| {
        let (path, mac) = s.split_once('.')?;
        let path = String::from_utf8(URL_SAFE_NO_PAD.decode(path).ok()?).ok()?;
        let expected = derive(&key, "state", cookie, &path);
        bool::from(expected.as_bytes().ct_eq(mac.as_bytes())).then(|| return_path(&p, &path))
    });
    let Some(back) = back else {
        return pages::sign_in_failed(
            &p,
            "The sign-in answer does not belong to this browser's sign-in.",
        );
    };
    if let Some(error) = q.error {
        let text = q.error_description.unwrap_or(error);
        return pages::sign_in_failed(&p, &format!("The sign-in was refused: {text}"));
    }
    let Some(code) = q.code else {
        return pages::sign_in_failed(&p, "The sign-in answer carries no authorization code.");
    };
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair(
            "redirect_uri",
            &urls::console_callback(&state.config.public_url, &p),
        )
        .append_pair("client_id", &CONSOLE_CLIENT_ID.to_string())
        .append_pair("code_verifier", &derive(&key, "pkce", cookie, ""))
        .finish();
    let mut token_headers = HeaderMap::new();
    token_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let target = Target {
        partition: p.clone(),
        realm: Realm::Users,
        ctx: None,
        endpoint: Endpoint::Realm,
    };
    let resp = respond(
        &state,
        target,
        meta.clone(),
        &token_headers,
        body.as_bytes(),
    )
    .await;
    let ok = resp.status().is_success();
    let Ok(bytes) = axum::body::to_bytes(resp.into_body(), 64 * 1024).await else {
        return pages::sign_in_failed(&p, "The token answer could not be read.");
    };
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !ok {
        let text = json
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("the authorization code was refused");
        return pages::sign_in_failed(&p, &format!("The sign-in could not be completed: {text}"));
    }
    // The ID token comes straight from the token endpoint's code in this process, not over a
    // network, so its claims are read without checking the signature again.
    let Some(claims) = json
        .get("id_token")
        .and_then(Value::as_str)
        .and_then(id_token_claims)
    else {
        return pages::sign_in_failed(&p, "The sign-in gave no ID token.");
    };
    let nonce = derive(&key, "nonce", cookie, "");
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce.as_str()) {
        return pages::sign_in_failed(&p, "The ID token does not belong to this sign-in (nonce).");
    }
    let Some(sub) = claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
    else {
        return pages::sign_in_failed(&p, "The ID token names no user.");
    };
    let sid = claims
        .get("sid")
        .and_then(Value::as_str)
        .and_then(|s| uuid::Uuid::parse_str(s).ok());
    let user = match state.store.get_user(&p, sub).await {
        Ok(Some(u)) => u,
        Ok(None) => return pages::sign_in_failed(&p, "The signed-in user no longer exists."),
        Err(e) => return pages::unavailable(&e),
    };
    let clear = cookies::set_cookie(&state, Kind::SignIn, &p, "", Some(0));
    let audit = AuditContext {
        partition: Some(p.clone()),
        actor_kind: ActorKind::User,
        actor_id: Some(user.id.to_string()),
        source_ip: meta.source_ip,
    };
    // The sign-in's audit event, refused or done.
    let signed_in = |outcome, detail: Option<String>| {
        audit.event(
            &state,
            Action::ConsoleSignIn,
            ObjectType::User,
            Some(user.id.to_string()),
            outcome,
            detail,
        )
    };
    if !(user.enabled && user.partition_admin) {
        let event = signed_in(
            Outcome::Failure,
            Some("not a Partition Administrator".into()),
        );
        state.audit.record(event).await;
        let mut resp = pages::not_an_administrator(&p);
        if let Some(c) = clear {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
        return resp;
    }
    let set = match session::start(&state, &user, sid).await {
        Ok(c) => c,
        Err(e) => return pages::unavailable(&e),
    };
    state.audit.record(signed_in(Outcome::Success, None)).await;
    // A page rather than a redirect: when the sign-in began on another site's link the whole
    // redirect chain counts as cross-site, and the new `SameSite=Strict` cookie would not be sent
    // on a redirect; the page's own navigation is same-site.
    let mut resp = pages::signed_in(&back);
    for c in [set, clear].into_iter().flatten() {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// The claims of a JWT, unverified (see the caller).
fn id_token_claims(jwt: &str) -> Option<serde_json::Map<String, Value>> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}
