//! Browser state of the interactive flows: the per-realm single sign-on session cookie and the
//! double-submit CSRF cookie of the login and logout forms.
//!
//! Both cookies are `HttpOnly` and `SameSite=Lax` (sent on the top-level redirects that bring a
//! user back from an application, not on cross-site posts). The `-U` and `-C` realms sign in
//! separately:
//!
//! - Over https the names carry the `__Host-` prefix and the realm
//!   (`__Host-tessera_session_acme-U`), with `Secure`, `Path=/` and no `Domain`, as RFC 6265bis
//!   §4.1.3.2 requires for the prefix: a sibling subdomain cannot set or shadow such a cookie.
//!   The realm is in the name because the prefix forbids scoping by path.
//! - Over plain http (loopback development) browsers ignore `Secure` and prefixes, so the names
//!   stay plain (`tessera_session`) and each realm's cookies are scoped to its path.
//!
//! The CSRF form field is not the cookie's value but an HMAC of it, of the realm and of the
//! form's purpose, under a key derived from the master key: a token cannot be made up to match
//! a planted cookie, and a login form's token does not confirm a logout.

use aws_lc_rs::hmac;
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq as _;
use tessera_domain::session::BrowserSession;
use tessera_domain::{PartitionId, Realm};

use super::error::OAuthError;
use super::subject::Person;
use crate::crypto::rng::random_token;
use crate::state::AppState;

/// One of the two cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cookie {
    /// The single sign-on session.
    Session,
    /// The CSRF double-submit cookie.
    Csrf,
}

impl Cookie {
    const fn base(self) -> &'static str {
        match self {
            Self::Session => "tessera_session",
            Self::Csrf => "tessera_csrf",
        }
    }
}

/// Whether Tessera is served over https (so cookies are `Secure` and `__Host-` prefixed).
fn https(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://")
}

/// The cookie's name for the realm: `__Host-{base}_{partition}-{U|C}` over https, `{base}` on
/// plain http (where the path keeps realms apart).
#[must_use]
pub(crate) fn cookie_name(https: bool, kind: Cookie, p: &PartitionId, realm: Realm) -> String {
    if https {
        format!("__Host-{}_{p}-{}", kind.base(), realm.suffix())
    } else {
        kind.base().to_owned()
    }
}

/// The realm's path, which scopes the cookies on plain http.
#[must_use]
pub(crate) fn realm_path(p: &PartitionId, realm: Realm) -> String {
    format!("{}/", crate::urls::issuer_path(p, realm))
}

/// The value of cookie `name`, if the request carries exactly one such cookie.
#[must_use]
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut found = None;
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for pair in v.split(';') {
            if let Some((k, val)) = pair.trim().split_once('=')
                && k == name
            {
                if found.is_some() {
                    // Two cookies of one name (e.g. planted for a parent path): trust neither.
                    return None;
                }
                found = Some(val);
            }
        }
    }
    found.filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for the realm's cookie; `max_age: Some(0)` deletes it.
#[must_use]
pub(crate) fn set_cookie(
    state: &AppState,
    kind: Cookie,
    p: &PartitionId,
    realm: Realm,
    value: &str,
    max_age: Option<i64>,
) -> Option<HeaderValue> {
    let https = https(state);
    let name = cookie_name(https, kind, p, realm);
    let scope = if https {
        "; Path=/; Secure".to_owned()
    } else {
        format!("; Path={}", realm_path(p, realm))
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}{scope}; HttpOnly; SameSite=Lax{age}"
    ))
    .ok()
}

/// The live session this browser holds for the realm, with its person, if any. A session whose
/// person was disabled or deleted does not count.
///
/// # Errors
/// 503/500 when storage fails.
pub(crate) async fn current_session(
    state: &AppState,
    p: &PartitionId,
    realm: Realm,
    headers: &HeaderMap,
) -> Result<Option<(BrowserSession, Person)>, OAuthError> {
    let Some(session) = cookie_session(state, p, realm, headers).await? else {
        return Ok(None);
    };
    if !session.is_live(state.clock.now()) {
        return Ok(None);
    }
    match Person::load(state, p, realm, session.subject).await? {
        Some(person) if person.enabled() => Ok(Some((session, person))),
        _ => Ok(None),
    }
}

/// The session the browser's cookie names for the realm, live or not (logout ends whatever it
/// finds; sign-in checks liveness through [`current_session`]).
///
/// # Errors
/// When storage fails.
pub(crate) async fn cookie_session(
    state: &AppState,
    p: &PartitionId,
    realm: Realm,
    headers: &HeaderMap,
) -> Result<Option<BrowserSession>, tessera_domain::store::StoreError> {
    match cookie(
        headers,
        &cookie_name(https(state), Cookie::Session, p, realm),
    ) {
        Some(value) if value.len() <= 128 => {
            let hash = state.secrets.hash(value);
            state.store.find_session(p, realm, &hash).await
        }
        _ => Ok(None),
    }
}

/// The CSRF token for a form with this `purpose` (`login`, `logout`): the MAC of the browser's
/// CSRF cookie, minting the cookie (and its `Set-Cookie`) when the browser has none.
#[must_use]
pub(crate) fn csrf_token(
    state: &AppState,
    headers: &HeaderMap,
    p: &PartitionId,
    realm: Realm,
    purpose: &str,
) -> (String, Option<HeaderValue>) {
    let key = csrf_key(state);
    let binding = csrf_binding(p, realm, purpose);
    let name = cookie_name(https(state), Cookie::Csrf, p, realm);
    if let Some(v) = cookie(headers, &name).filter(|v| v.len() == 43) {
        return (csrf_mac(&key, &binding, v), None);
    }
    let value = random_token(&*state.rng, 32);
    let set = set_cookie(state, Cookie::Csrf, p, realm, &value, None);
    (csrf_mac(&key, &binding, &value), set)
}

/// A realm page whose form posts back to one of the issuer's endpoints (the login page, the
/// logout confirmation): the form's address, its CSRF token for `purpose`, the origin the form
/// may send the browser on to (`form-action`), and the CSRF cookie when the browser had none.
pub(crate) struct FormPage<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) partition: &'a PartitionId,
    pub(crate) realm: Realm,
    /// The CSRF token's purpose (`login`, `logout`).
    pub(crate) purpose: &'static str,
    /// The issuer-relative endpoint the form posts to (`urls::LOGIN`, `urls::LOGOUT`).
    pub(crate) endpoint: &'static str,
    /// The page's title.
    pub(crate) title: &'static str,
    /// The origin of the address the browser goes on to after the form.
    pub(crate) target: Option<String>,
}

impl FormPage<'_> {
    /// The page: `main` renders its body from the form's address and CSRF token.
    pub(crate) fn render(
        &self,
        status: axum::http::StatusCode,
        main: impl FnOnce(&str, &str) -> String,
    ) -> axum::response::Response {
        use axum::response::IntoResponse as _;
        let (csrf, set_csrf) = csrf_token(
            self.state,
            self.headers,
            self.partition,
            self.realm,
            self.purpose,
        );
        let action = crate::urls::endpoint(
            &self.state.config.public_url,
            self.partition,
            self.realm,
            self.endpoint,
        );
        let mut resp = crate::pages::Html::new(status, self.title, &main(&action, &csrf))
            .form_target(self.target.clone())
            .into_response();
        if let Some(c) = set_csrf {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
        resp
    }
}

/// Whether the submitted form field is the MAC of the browser's CSRF cookie for this realm and
/// `purpose`.
#[must_use]
pub(crate) fn csrf_ok(
    state: &AppState,
    headers: &HeaderMap,
    p: &PartitionId,
    realm: Realm,
    purpose: &str,
    submitted: Option<&str>,
) -> bool {
    let name = cookie_name(https(state), Cookie::Csrf, p, realm);
    same_origin(state, headers)
        && csrf_matches(
            &csrf_key(state),
            &csrf_binding(p, realm, purpose),
            cookie(headers, &name),
            submitted,
        )
}

/// Whether a form POST comes from one of Tessera's own pages, as far as the browser says. The
/// MAC alone cannot tell: whoever can plant a CSRF cookie in a victim's browser (a sibling
/// subdomain on plain http) can fetch the page with that cookie and read the matching token.
/// Browsers say where a request comes from: `Sec-Fetch-Site` (`same-site` is a sibling
/// subdomain, refused too) and `Origin`, which is `null` on our own pages because they send
/// `Referrer-Policy: no-referrer` (Fetch, "append a request Origin header"). Clients that send
/// neither (curl, old browsers) are judged by the token alone.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site").is_some_and(|v| v != "same-origin" && v != "none") {
        return false;
    }
    match header("origin") {
        None | Some("null") => true,
        Some(origin) => url::Url::parse(&state.config.public_url)
            .is_ok_and(|ours| ours.origin().ascii_serialization() == origin.trim_end_matches('/')),
    }
}

/// The CSRF MAC key, derived from the master key like the client-secret pepper.
fn csrf_key(state: &AppState) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, &state.master.derive("tessera/csrf/v1"))
}

/// What a token is bound to besides the cookie: the realm and the form.
fn csrf_binding(p: &PartitionId, realm: Realm, purpose: &str) -> String {
    format!("{purpose} {p}-{}", realm.suffix())
}

fn csrf_mac(key: &hmac::Key, binding: &str, cookie: &str) -> String {
    let tag = hmac::sign(key, format!("{binding}\n{cookie}").as_bytes());
    URL_SAFE_NO_PAD.encode(tag.as_ref())
}

fn csrf_matches(
    key: &hmac::Key,
    binding: &str,
    cookie: Option<&str>,
    submitted: Option<&str>,
) -> bool {
    match (cookie, submitted) {
        (Some(c), Some(s)) if c.len() == 43 => {
            bool::from(csrf_mac(key, binding, c).as_bytes().ct_eq(s.as_bytes()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_once_or_not_at_all() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tessera_csrf=x; b=2"),
        );
        assert_eq!(cookie(&h, "tessera_csrf"), Some("x"));
        assert_eq!(cookie(&h, "c"), None);
        h.append(header::COOKIE, HeaderValue::from_static("tessera_csrf=y"));
        assert_eq!(cookie(&h, "tessera_csrf"), None);
    }

    #[test]
    fn csrf_tokens_are_macs_bound_to_cookie_realm_and_form() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[7; 32]);
        let cookie = "A".repeat(43);
        let token = csrf_mac(&key, "login acme-U", &cookie);
        assert!(csrf_matches(
            &key,
            "login acme-U",
            Some(&cookie),
            Some(&token)
        ));
        assert!(
            !csrf_matches(&key, "login acme-U", Some(&cookie), Some(&cookie)),
            "the cookie's own value (a planted cookie paired with itself) is not a token"
        );
        assert!(!csrf_matches(
            &key,
            "logout acme-U",
            Some(&cookie),
            Some(&token)
        ));
        assert!(!csrf_matches(
            &key,
            "login acme-C",
            Some(&cookie),
            Some(&token)
        ));
        let other = hmac::Key::new(hmac::HMAC_SHA256, &[8; 32]);
        assert!(!csrf_matches(
            &other,
            "login acme-U",
            Some(&cookie),
            Some(&token)
        ));
        assert!(!csrf_matches(&key, "login acme-U", Some(&cookie), None));
        assert!(!csrf_matches(&key, "login acme-U", None, Some(&token)));
    }

    #[test]
    fn https_names_are_host_prefixed_per_realm() {
        let p = PartitionId::parse("acme").unwrap();
        assert_eq!(
            cookie_name(true, Cookie::Session, &p, Realm::Users),
            "__Host-tessera_session_acme-U"
        );
        assert_eq!(
            cookie_name(true, Cookie::Csrf, &p, Realm::Customers),
            "__Host-tessera_csrf_acme-C"
        );
        assert_eq!(
            cookie_name(false, Cookie::Session, &p, Realm::Users),
            "tessera_session"
        );
    }
}
