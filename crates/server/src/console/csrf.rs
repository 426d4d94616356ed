//! The console's CSRF protection: a synchronizer token bound to the session. The token is the
//! MAC of the session's cookie value under a key derived from the master key, so it needs no
//! storage of its own, changes with every session, and cannot be computed without the session
//! cookie — which `HttpOnly` and `SameSite=Strict` keep from other sites. Every form carries it
//! in the hidden field `csrf`; a POST without the right one is refused with no effect.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq as _;
use tessera_domain::PartitionId;

use crate::state::AppState;

fn key(state: &AppState) -> hmac::Key {
    hmac::Key::new(
        hmac::HMAC_SHA256,
        &state.master.derive("tessera/console-csrf/v1"),
    )
}

fn mac(key: &hmac::Key, p: &PartitionId, session_cookie: &str) -> String {
    let tag = hmac::sign(key, format!("console {p}\n{session_cookie}").as_bytes());
    URL_SAFE_NO_PAD.encode(tag.as_ref())
}

/// The token of the session whose cookie value is `session_cookie`.
#[must_use]
pub(crate) fn token(state: &AppState, p: &PartitionId, session_cookie: &str) -> String {
    mac(&key(state), p, session_cookie)
}

/// Whether `submitted` is the session's token (compared in constant time).
#[must_use]
pub(crate) fn check(
    state: &AppState,
    p: &PartitionId,
    session_cookie: &str,
    submitted: Option<&str>,
) -> bool {
    submitted.is_some_and(|s| {
        bool::from(
            token(state, p, session_cookie)
                .as_bytes()
                .ct_eq(s.as_bytes()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_the_session_and_the_partition() {
        let k = hmac::Key::new(hmac::HMAC_SHA256, &[7; 32]);
        let acme = PartitionId::parse("acme").unwrap();
        let globex = PartitionId::parse("globex").unwrap();
        let t = mac(&k, &acme, "session-a");
        assert_eq!(t, mac(&k, &acme, "session-a"));
        assert_ne!(t, mac(&k, &acme, "session-b"));
        assert_ne!(t, mac(&k, &globex, "session-a"));
        assert_ne!(t, "session-a");
    }
}
