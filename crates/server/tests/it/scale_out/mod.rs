//! Scale-out and reliability: several real `tessera serve` processes on one PostgreSQL database,
//! and one on a SQLite file where the property is the single instance's too (docs/operations.md).
//!
//! - `cluster`: the harness — a fresh database, a shared master key, `tessera init`, N instances
//!   on their own loopback ports behind one public URL, stopped with SIGTERM; or one instance
//!   on a SQLite file; or instances on a restored database.
//! - `tokens`: tokens issued by one instance are introspected, refreshed and revoked at another;
//!   codes are single-use across instances; one refresh token raced at two instances has one
//!   winner.
//! - `propagation`: an admin change through one instance holds at another within 1 s, measured.
//! - `crash`: `kill -9` during admin writes, tokens and refreshes loses nothing acknowledged,
//!   and token-issuance audit events within the batched writer's bound (PostgreSQL, SQLite).
//! - `backup`: a backup taken while Tessera runs (`tessera backup` on SQLite, `pg_dump`),
//!   restored into a fresh database, honours clients, tokens and refresh tokens.
//! - `rotation`: signing keys rotated while tokens are issued and validated by the guard at
//!   full speed: no valid token fails.
//! - `upgrade`: a binary older than its database's schema refuses to start; a running one
//!   serves on.
//! - `limits`: the per-client token limit, the anonymous-token limit and the login back-off
//!   hold across instances (counts shared through PostgreSQL), measured.
//! - `own_postgres`: a PostgreSQL server of the test's own, to stop and start; `outage`: the
//!   database goes away under load and comes back.

mod backup;
mod cluster;
mod crash;
mod limits;
mod outage;
mod own_postgres;
mod propagation;
mod rotation;
mod tokens;
mod upgrade;
