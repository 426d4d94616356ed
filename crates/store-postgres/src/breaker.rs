//! Failing fast while the database is known to be down (docs/operations.md#database-outage).
//!
//! While PostgreSQL is unreachable the pool keeps retrying a refused connection for its whole
//! acquire timeout (2 s), so without a breaker every database step of every request waits that
//! long before its 503. The breaker opens when acquiring a connection fails for a reason that
//! says the database is away (a refused or broken connection, the acquire timeout, a server
//! shutting down or starting up); while it is open every acquire fails at once with
//! [`StoreError::Unavailable`], and one background probe tries a fresh connection every
//! [`PROBE_EVERY`]. The first probe that connects closes it. Requests never probe, so none
//! waits while the breaker is open; what is served from memory (the JWKS, discovery, cached
//! clients) does not touch the pool and keeps answering.
//!
//! A pool merely busy on a healthy database (every connection held past the acquire timeout)
//! also opens it; the next probe connects and closes it again, so that costs one probe
//! interval of 503s, which a database that busy would answer with anyway.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::ConnectOptions as _;
use sqlx::postgres::PgPool;
use tessera_domain::store::{StoreError, StoreResult};

/// How often the open breaker tries to reach the database.
pub(crate) const PROBE_EVERY: Duration = Duration::from_millis(250);
/// Longest one probe's connection attempt may take (a dropped packet is not a refusal).
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Open or closed, shared by every clone of the store.
#[derive(Debug, Clone, Default)]
pub(crate) struct Breaker {
    open: Arc<AtomicBool>,
}

impl Breaker {
    /// Refuses at once while the database is known to be down.
    pub(crate) fn admit(&self) -> StoreResult<()> {
        if self.open.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable(
                "the database is unreachable; failing fast until a probe reaches it again".into(),
            ));
        }
        Ok(())
    }

    /// Learns from an attempt to get a connection of `pool`: a failure that means the database
    /// is away opens the breaker and starts its probe.
    pub(crate) fn observe(&self, failure: Option<&sqlx::Error>, pool: &PgPool) {
        if !failure.is_some_and(database_away) {
            return;
        }
        // The probe needs a runtime; a caller without one (none in Tessera) just waits as before.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.open.swap(true, Ordering::AcqRel) {
            return; // already open: its probe is running
        }
        let (open, options) = (Arc::clone(&self.open), pool.connect_options());
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                if let Ok(Ok(conn)) = tokio::time::timeout(PROBE_TIMEOUT, options.connect()).await {
                    let _ = sqlx::Connection::close(conn).await;
                    open.store(false, Ordering::Release);
                    return;
                }
            }
        });
    }
}

/// Whether a failure to get a connection means the database cannot be reached (rather than,
/// say, a closed pool at shutdown).
fn database_away(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            // Connection exceptions; the server shutting down, crashed or starting up.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_breaker_admits_and_an_open_one_refuses() {
        let b = Breaker::default();
        assert!(b.admit().is_ok());
        b.open.store(true, Ordering::Release);
        assert!(matches!(b.admit(), Err(StoreError::Unavailable(_))));
    }

    #[test]
    fn only_an_unreachable_database_opens_it() {
        assert!(database_away(&sqlx::Error::PoolTimedOut));
        assert!(database_away(&sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused
        ))));
        assert!(!database_away(&sqlx::Error::PoolClosed));
        assert!(!database_away(&sqlx::Error::RowNotFound));
    }
}
