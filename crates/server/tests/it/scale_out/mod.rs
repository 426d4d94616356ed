//! Scale-out and reliability: several real `tessera serve` processes on one PostgreSQL database
//! (docs/operations.md).
//!
//! - `cluster`: the harness — a fresh database, a shared master key, `tessera init`, N instances
//!   on their own loopback ports behind one public URL, stopped with SIGTERM.
//! - `tokens`: tokens issued by one instance are introspected, refreshed and revoked at another;
//!   codes are single-use across instances; one refresh token raced at two instances has one
//!   winner.
//! - `propagation`: an admin change through one instance holds at another within 1 s, measured.
//! - `crash`: `kill -9` during admin writes and refreshes loses nothing acknowledged.
//! - `limits`: the per-client token limit, the anonymous-token limit and the login back-off
//!   hold across instances (counts shared through PostgreSQL), measured.
//! - `own_postgres`: a PostgreSQL server of the test's own, to stop and start; `outage`: the
//!   database goes away under load and comes back.

mod cluster;
mod crash;
mod limits;
mod outage;
mod own_postgres;
mod propagation;
mod tokens;
