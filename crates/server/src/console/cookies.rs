//! The console's cookies: the session (`SameSite=Strict`) and the sign-in in progress
//! (`SameSite=Lax`). Both are `HttpOnly`; over https they are `Secure` with the `__Host-` prefix
//! (`Path=/`, no `Domain`: RFC 6265bis §4.1.3.2) and the partition in their name, over plain
//! http (loopback development) they keep a plain name and are scoped to the partition's console
//! path.

use axum::http::{HeaderMap, HeaderValue};
use tessera_domain::PartitionId;

use crate::oauth::browser::cookie;
use crate::state::AppState;

/// Which console cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The session (`SameSite=Strict`).
    Session,
    /// The sign-in in progress (`SameSite=Lax`: it must come back with the realm's redirect,
    /// which a sign-in started from another site's link makes a cross-site navigation).
    SignIn,
}

impl Kind {
    const fn base(self) -> &'static str {
        match self {
            Self::Session => "tessera_console",
            Self::SignIn => "tessera_console_signin",
        }
    }

    const fn same_site(self) -> &'static str {
        match self {
            Self::Session => "Strict",
            Self::SignIn => "Lax",
        }
    }
}

/// Whether the console is served over https.
pub(crate) fn https(state: &AppState) -> bool {
    state.config.public_url.starts_with("https://")
}

/// The cookie's name: `__Host-{base}_{partition}` over https, `{base}` on plain http.
#[must_use]
pub(crate) fn cookie_name(https: bool, kind: Kind, p: &PartitionId) -> String {
    if https {
        format!("__Host-{}_{p}", kind.base())
    } else {
        kind.base().to_owned()
    }
}

/// A `Set-Cookie` value; `max_age: Some(0)` deletes the cookie.
pub(crate) fn set_cookie(
    state: &AppState,
    kind: Kind,
    p: &PartitionId,
    value: &str,
    max_age: Option<i64>,
) -> Option<HeaderValue> {
    let https = https(state);
    let name = cookie_name(https, kind, p);
    let scope = if https {
        "; Path=/; Secure".to_owned()
    } else {
        format!("; Path=/admin/{p}/")
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}{scope}; HttpOnly; SameSite={}{age}",
        kind.same_site()
    ))
    .ok()
}

/// The value of the console cookie `kind` in the request, if exactly one is present.
pub(crate) fn cookie_value<'a>(
    state: &AppState,
    headers: &'a HeaderMap,
    kind: Kind,
    p: &PartitionId,
) -> Option<&'a str> {
    cookie(headers, &cookie_name(https(state), kind, p)).filter(|v| v.len() <= 128)
}
