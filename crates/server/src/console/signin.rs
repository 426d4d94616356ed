//! Signing in to the console through the partition's users realm, and out again.
//!
//! The console is the realm's built-in public client ([`CONSOLE_CLIENT_ID`]) and uses the
//! authorization code flow with PKCE S256, `state` and `nonce` (RFC 6749 §4.1, RFC 7636, OpenID
//! Connect Core §3.1.2.1). Nothing of a sign-in in progress is stored: the browser gets a random
//! sign-in cookie, and the PKCE verifier, the nonce and the MAC that protects `state` are derived
//! from it under a key from the master key. `state` carries the page first asked for, so the
//! browser comes back to it. The callback redeems the code in process through the token
//! endpoint's own code (no HTTP request to itself), reads the ID token it was just given, and
//! lets only an enabled Partition Administrator in.
//!
//! Signing out ends the console session and the realm's single sign-on session it came from,
//! telling that session's applications as the realm's own logout does (`oauth/session_end.rs`).

use aws_lc_rs::{digest, hmac};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq as _;
use tessera_domain::audit::{ActorKind, Outcome};
use tessera_domain::client::CONSOLE_CLIENT_ID;
use tessera_domain::{PartitionId, Realm};

use super::pages;
use super::session::{self, ConsoleUser, Kind};
use crate::audit::AuditContext;
use crate::crypto::rng::random_token;
use crate::oauth::browser::{self, Cookie};
use crate::oauth::session_end::{self, Ending};
use crate::oauth::token::{Endpoint, respond};
use crate::pages::Html;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::urls;

/// How long a sign-in may take, seconds (the sign-in cookie's lifetime).
const SIGN_IN_SECONDS: i64 = 600;

fn key(state: &AppState) -> hmac::Key {
    hmac::Key::new(
        hmac::HMAC_SHA256,
        &state.master.derive("tessera/console-signin/v1"),
    )
}

/// A value derived from the sign-in cookie for one `purpose` (`pkce`, `nonce`, `state`).
fn derive(key: &hmac::Key, purpose: &str, cookie: &str, extra: &str) -> String {
    let tag = hmac::sign(key, format!("{purpose}\n{cookie}\n{extra}").as_bytes());
    URL_SAFE_NO_PAD.encode(tag.as_ref())
}

/// The page to return to: a path of this partition's console, or its home. Only a same-origin
/// relative path under `/admin/{partition}/` is kept (no scheme, no `//`, no backslash, no
/// control characters), so `state` can never send the browser elsewhere.
#[must_use]
pub fn return_path(p: &PartitionId, requested: &str) -> String {
    let home = format!("/admin/{p}/");
    let ok = requested.starts_with(&home)
        && !requested.contains("//")
        && !requested.contains('\\')
        && !requested.contains("/callback")
        && !requested.chars().any(char::is_control)
        && requested.len() <= 1000;
    if ok { requested.to_owned() } else { home }
}

/// Sends the browser to sign in at the users realm, to come back to `uri`.
pub(super) fn start(state: &AppState, p: &PartitionId, uri: &Uri) -> Response {
    let back = return_path(p, uri.path_and_query().map_or("/", |pq| pq.as_str()));
    let cookie = random_token(&*state.rng, 32);
    let key = key(state);
    let verifier = derive(&key, "pkce", &cookie, "");
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    let state_param = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(back.as_bytes()),
        derive(&key, "state", &cookie, &back)
    );
    let mut url = match url::Url::parse(&urls::endpoint(
        &state.config.public_url,
        p,
        Realm::Users,
        "oauth2/authorize",
    )) {
        Ok(u) => u,
        Err(_) => return pages::not_found(),
    };
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &CONSOLE_CLIENT_ID.to_string())
        .append_pair(
            "redirect_uri",
            &urls::console_callback(&state.config.public_url, p),
        )
        .append_pair("scope", "openid")
        .append_pair("state", &state_param)
        .append_pair("nonce", &derive(&key, "nonce", &cookie, ""))
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    crate::oauth::authorize::redirect(
        url.as_str(),
        session::set_cookie(state, Kind::SignIn, p, &cookie, Some(SIGN_IN_SECONDS)),
    )
}

/// The realm's answer.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /admin/{partition}/callback`: redeems the code and opens the console.
pub async fn callback(
    State(state): State<AppState>,
    axum::extract::Path(raw): axum::extract::Path<String>,
    meta: RequestMeta,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let Ok(p) = PartitionId::parse(&raw) else {
        return pages::not_found();
    };
    let Some(cookie) = session::cookie_value(&state, &headers, Kind::SignIn, &p) else {
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
    let resp = respond(
        &state,
        p.clone(),
        Realm::Users,
        meta.clone(),
        &token_headers,
        body.as_bytes(),
        Endpoint::Realm,
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
    let clear = session::set_cookie(&state, Kind::SignIn, &p, "", Some(0));
    let audit = AuditContext {
        partition: Some(p.clone()),
        actor_kind: ActorKind::User,
        actor_id: Some(user.id.to_string()),
        source_ip: meta.source_ip,
    };
    if !(user.enabled && user.partition_admin) {
        state
            .audit
            .record(audit.event(
                &state,
                "console.sign_in",
                "user",
                Some(user.id.to_string()),
                Outcome::Failure,
                Some("not a Partition Administrator".into()),
            ))
            .await;
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
    state
        .audit
        .record(audit.event(
            &state,
            "console.sign_in",
            "user",
            Some(user.id.to_string()),
            Outcome::Success,
            None,
        ))
        .await;
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

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct SignOutForm {
    csrf: Option<String>,
}

/// `POST /admin/{partition}/sign-out`: ends the console session and the realm session.
pub async fn sign_out(
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
            "console.sign_out",
            "user",
            Some(who.user.id.to_string()),
            Outcome::Success,
            None,
        ))
        .await;
    let frames: Vec<(String, String)> = frames.into_iter().map(|f| (f.url, f.origin)).collect();
    let next = urls::console_signed_out(&state.config.public_url, &p);
    let mut resp = Html::signed_out(&frames, Some(&next)).into_response();
    let clears = [
        session::set_cookie(&state, Kind::Session, &p, "", Some(0)),
        browser::set_cookie(&state, Cookie::Session, &p, Realm::Users, "", Some(0)),
    ];
    for c in clears.into_iter().flatten() {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// `GET /admin/{partition}/signed-out`: where a sign-out ends.
pub async fn signed_out(axum::extract::Path(raw): axum::extract::Path<String>) -> Response {
    match PartitionId::parse(&raw) {
        Ok(p) => pages::signed_out(&p),
        Err(_) => pages::not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_the_partitions_console_are_returned_to() {
        let p = PartitionId::parse("acme").unwrap();
        assert_eq!(
            return_path(&p, "/admin/acme/client-applications?page=2"),
            "/admin/acme/client-applications?page=2"
        );
        for bad in [
            "https://evil.example/admin/acme/",
            "//evil.example/admin/acme/",
            "/admin/acme//evil.example",
            "/admin/acme/\\evil",
            "/admin/globex/",
            "/admin/acme",
            "/admin/acme/callback?code=x",
            "/admin/acme/\nx",
        ] {
            assert_eq!(return_path(&p, bad), "/admin/acme/", "{bad}");
        }
    }

    #[test]
    fn derived_values_differ_by_purpose_cookie_and_path() {
        let k = hmac::Key::new(hmac::HMAC_SHA256, &[1; 32]);
        let v = derive(&k, "pkce", "c1", "");
        assert_eq!(
            v.len(),
            43,
            "a PKCE verifier of 43 characters (RFC 7636 §4.1)"
        );
        assert_ne!(v, derive(&k, "nonce", "c1", ""));
        assert_ne!(v, derive(&k, "pkce", "c2", ""));
        assert_ne!(
            derive(&k, "state", "c1", "/a"),
            derive(&k, "state", "c1", "/b")
        );
    }
}
