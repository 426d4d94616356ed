//! Signing in to the console through the partition's users realm: the start, here, and the
//! callback (`callback.rs`).
//!
//! The console is the realm's built-in public client ([`CONSOLE_CLIENT_ID`]) and uses the
//! authorization code flow with PKCE S256, `state` and `nonce` (RFC 6749 §4.1, RFC 7636, OpenID
//! Connect Core §3.1.2.1). Nothing of a sign-in in progress is stored: the browser gets a random
//! sign-in cookie, and the PKCE verifier, the nonce and the MAC that protects `state` are derived
//! from it under a key from the master key. `state` carries the page first asked for, so the
//! browser comes back to it. The callback redeems the code in process through the token
//! endpoint's own code (no HTTP request to itself), reads the ID token it was just given, and
//! lets only an enabled Partition Administrator in.

use aws_lc_rs::{digest, hmac};
use axum::http::Uri;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_domain::client::CONSOLE_CLIENT_ID;
use tessera_domain::{PartitionId, Realm};

use super::cookies::{self, Kind};
use super::view as pages;
use crate::crypto::rng::random_token;
use crate::state::AppState;
use crate::urls;

/// How long a sign-in may take, seconds (the sign-in cookie's lifetime).
const SIGN_IN_SECONDS: i64 = 600;

pub(super) fn key(state: &AppState) -> hmac::Key {
    hmac::Key::new(
        hmac::HMAC_SHA256,
        &state.master.derive("tessera/console-signin/v1"),
    )
}

/// A value derived from the sign-in cookie for one `purpose` (`pkce`, `nonce`, `state`).
pub(super) fn derive(key: &hmac::Key, purpose: &str, cookie: &str, extra: &str) -> String {
    let tag = hmac::sign(key, format!("{purpose}\n{cookie}\n{extra}").as_bytes());
    URL_SAFE_NO_PAD.encode(tag.as_ref())
}

/// The page to return to: a path of this partition's console, or its home. Only a same-origin
/// relative path under `/admin/{partition}/` is kept (no scheme, no `//`, no backslash, no
/// control characters), so `state` can never send the browser elsewhere.
#[must_use]
pub(crate) fn return_path(p: &PartitionId, requested: &str) -> String {
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
pub(crate) fn start(state: &AppState, p: &PartitionId, uri: &Uri) -> Response {
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
        urls::AUTHORIZE,
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
        cookies::set_cookie(state, Kind::SignIn, p, &cookie, Some(SIGN_IN_SECONDS)),
    )
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
