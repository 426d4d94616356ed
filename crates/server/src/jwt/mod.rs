//! Verifying JWTs that arrive from outside: Tessera's own tokens coming back (access tokens at
//! userinfo, introspection and revocation; ID tokens as hints) against the realm's published
//! keys ([`own`]), and external identity providers' tokens at token exchange against their key
//! sets ([`external`]). Both verify with the guard crate's one verifier
//! ([`tessera_guard::TokenPolicy`]), as the admin API's guard does, each with its own policy;
//! one table (the `refusals` test module) holds all of them to the same refusals. The
//! application state holds the key caches, so this module depends on no endpoint module.

use std::sync::Arc;

pub(crate) mod external;
pub(crate) mod own;
#[cfg(test)]
mod refusals;

/// The server's [`Clock`](tessera_domain::Clock) as the verifier's, so token times are judged
/// by the same clock that issued them (docs/design.md#habits, habit 3).
#[derive(Debug, Clone)]
pub(crate) struct ServerClock(pub Arc<dyn tessera_domain::Clock>);

impl tessera_guard::Clock for ServerClock {
    fn now_unix(&self) -> i64 {
        self.0.now().unix_timestamp()
    }
}

/// [`ServerClock`] ready for a [`TokenPolicy`](tessera_guard::TokenPolicy).
#[must_use]
pub(crate) fn clock(clock: &Arc<dyn tessera_domain::Clock>) -> Arc<dyn tessera_guard::Clock> {
    Arc::new(ServerClock(Arc::clone(clock)))
}
