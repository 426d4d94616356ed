//! Browser state of the interactive flows: the per-realm single sign-on session cookie and the
//! double-submit CSRF cookie of the login and logout forms.
//!
//! Both cookies are `HttpOnly`, `SameSite=Lax` (sent on the top-level redirects that bring a user
//! back from an application, not on cross-site posts) and `Secure` when Tessera is served over
//! https; both are scoped to the realm's path so the `-U` and `-C` realms sign in separately.

use axum::http::{HeaderMap, HeaderValue, header};
use subtle::ConstantTimeEq as _;
use tessera_domain::session::BrowserSession;
use tessera_domain::{PartitionId, Realm};

use super::error::OAuthError;
use super::subject::Person;
use crate::crypto::rng::random_token;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tessera_session";
/// The CSRF cookie's name.
pub const CSRF_COOKIE: &str = "tessera_csrf";

/// The path both cookies are scoped to.
#[must_use]
pub fn realm_path(p: &PartitionId, realm: Realm) -> String {
    format!("/system/auth/{p}-{}/", realm.suffix())
}

/// The value of cookie `name`, if the request carries exactly one such cookie.
#[must_use]
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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

/// A `Set-Cookie` value; `max_age: Some(0)` deletes the cookie.
#[must_use]
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> Option<HeaderValue> {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .ok()
}

/// The live session this browser holds for the realm, with its person, if any. A session whose
/// person was disabled or deleted does not count.
///
/// # Errors
/// 503/500 when storage fails.
pub async fn current_session(
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
pub async fn cookie_session(
    state: &AppState,
    p: &PartitionId,
    realm: Realm,
    headers: &HeaderMap,
) -> Result<Option<BrowserSession>, tessera_domain::store::StoreError> {
    match cookie(headers, SESSION_COOKIE) {
        Some(value) if value.len() <= 128 => {
            let hash = state.secrets.hash(value);
            state.store.find_session(p, realm, &hash).await
        }
        _ => Ok(None),
    }
}

/// The CSRF token for a form: the browser's existing one, or a new one with the `Set-Cookie`
/// that stores it.
#[must_use]
pub fn csrf_token(
    state: &AppState,
    headers: &HeaderMap,
    p: &PartitionId,
    realm: Realm,
) -> (String, Option<HeaderValue>) {
    if let Some(v) = cookie(headers, CSRF_COOKIE).filter(|v| v.len() == 43) {
        return (v.to_owned(), None);
    }
    let token = random_token(&*state.rng, 32);
    let set = set_cookie(state, CSRF_COOKIE, &token, &realm_path(p, realm), None);
    (token, set)
}

/// Whether the submitted form field matches the CSRF cookie.
#[must_use]
pub fn csrf_ok(headers: &HeaderMap, submitted: Option<&str>) -> bool {
    match (cookie(headers, CSRF_COOKIE), submitted) {
        (Some(c), Some(s)) => c.len() == 43 && bool::from(c.as_bytes().ct_eq(s.as_bytes())),
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
        assert_eq!(cookie(&h, CSRF_COOKIE), Some("x"));
        assert_eq!(cookie(&h, "c"), None);
        h.append(header::COOKIE, HeaderValue::from_static("tessera_csrf=y"));
        assert_eq!(cookie(&h, CSRF_COOKIE), None);
    }

    #[test]
    fn csrf_needs_matching_cookie_and_field() {
        let tok = "A".repeat(43);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("tessera_csrf={tok}")).unwrap(),
        );
        assert!(csrf_ok(&h, Some(&tok)));
        assert!(!csrf_ok(&h, Some("B")));
        assert!(!csrf_ok(&h, None));
        assert!(!csrf_ok(&HeaderMap::new(), Some(&tok)));
    }
}
