//! Tessera's scale-out storage: every repository trait of [`tessera_domain::store`] on
//! PostgreSQL, so any number of stateless Tessera instances share one database and behave as one.
//!
//! Caps that are checked before an insert (secrets per client, identity providers per
//! partition) and key rotation lock their parent row (`SELECT … FOR NO KEY UPDATE`) first, so
//! concurrent requests on different instances are serialised where it matters and nowhere else.
//! The pool re-tests connections before handing them out, so a restarted database is reconnected
//! to without restarting Tessera. Queries are built at run time (`sqlx::query` with bound
//! parameters) so building never needs a database.
//!
//! One module per aggregate holds its SQL: `clients.rs`, `client_secrets.rs`, `users.rs`, ….
//!
//! # Dialect differences
//!
//! This crate and the other store crate (`tessera-store-sqlite`, `tessera-store-postgres`) have
//! the same files, the same functions in the same order and the same SQL text (`$1`
//! placeholders, `ON CONFLICT`) wherever SQLite and PostgreSQL agree, so
//! `diff -r crates/store-sqlite/src crates/store-postgres/src` shows only what differs, and why
//! (docs/architecture.md, "One store crate or two"):
//!
//! - **Types** (`codec.rs`): SQLite has no uuid, timestamp, array or jsonb type, so it stores ids
//!   as text, times as integer microseconds, URL lists and documents as JSON text, and returns
//!   computed truth values as integers. Both `codec.rs` files offer the same functions (`uid`,
//!   `ts`, `doc`, `uuid`, `time`, `json`, `flag`, …); only their bodies differ. The aliases
//!   `Db`, `DbConnection`, `DbRow` and `DbStore` in `lib.rs` name each crate's sqlx types.
//! - **Locking**: SQLite has one writer and no `FOR UPDATE`; every write transaction starts with
//!   `BEGIN IMMEDIATE`, so `partitions::lock` and `clients::lock` only check that the row exists.
//!   PostgreSQL runs writers side by side, so they and the account updates lock the row
//!   (`FOR NO KEY UPDATE`, `FOR UPDATE`), and deleting a department maps a foreign-key failure
//!   from a concurrent insert to the same conflict as the check before it.
//! - **Batches**: an audit batch goes in multi-row `INSERT … VALUES` chunks and a batch of secret
//!   uses one `UPDATE` each, in id order so concurrent batches lock rows in the same order, in
//!   both crates: SQLite has no array parameters, and PostgreSQL's (`UNNEST`) would save a few
//!   round trips off the request path at the price of a second code path. The only dialect line
//!   is `MAX` (SQLite) for `GREATEST` (PostgreSQL).
//! - **Statements**: redeeming a code reads its grant in a second statement of the same write
//!   transaction in both crates (SQLite allows `RETURNING` only on the outermost statement, so
//!   PostgreSQL's `WITH … UPDATE … RETURNING` join is not used); a client's permissions are
//!   gathered with `json_group_array` (PostgreSQL: `ARRAY(…)`); the permission list is ordered
//!   bytewise, SQLite's default collation and PostgreSQL's `COLLATE "C"`.
//! - **Outages** (`breaker.rs`, PostgreSQL only): every statement gets its connection through
//!   `conn()` and every transaction through `write()`/`read()` in both crates; in the PostgreSQL
//!   crate these fail at once while a breaker knows the database server is down, instead of
//!   waiting out the pool's acquire timeout (a database file does not go away that way).
//! - **Setup and errors** (`lib.rs`, `error.rs`): pool and transaction options (WAL, busy timeout,
//!   the database file created with mode 0600; connection re-testing, read-only snapshots), and
//!   how an error is classified (SQLite result codes and constraint messages, PostgreSQL
//!   SQLSTATEs and constraint names).

use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use tessera_domain::store::{Store, StoreResult};

mod audit;
mod breaker;
mod catalog;
mod client_secrets;
mod clients;
mod codec;
mod console_sessions;
mod customers;
mod departments;
mod error;
mod grants;
mod identity_providers;
mod keys;
mod limits;
mod partitions;
mod sessions;
mod standard_claims;
mod users;

/// This backend's sqlx types under the names every module uses, so that a module of this crate
/// and its namesake in the other store crate differ only in dialect lines.
pub(crate) type Db = Postgres;
pub(crate) type DbConnection = sqlx::PgConnection;
pub(crate) type DbRow = sqlx::postgres::PgRow;
pub(crate) type DbStore = PgStore;

/// The schema migrations, embedded at build time (numbered like the other store crate's).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections per instance: enough for the admin API and batch writers beside the cached hot
/// path, few enough that many instances fit under PostgreSQL's default `max_connections`.
const MAX_CONNECTIONS: u32 = 10;
/// How long a request waits for a connection before the database counts as unavailable (503).
/// When PostgreSQL is down the pool keeps retrying the refused connection for this whole time,
/// so it is what a request costs during an outage: short enough that clients get their answer
/// fast and a load balancer's retry goes elsewhere, long enough to ride out a busy pool
/// (docs/operations.md#database-outage).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// The PostgreSQL implementation of [`Store`]. Cheap to clone: it is a handle to a pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Open while the database is known to be down: every acquire then fails at once.
    breaker: breaker::Breaker,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`).
    ///
    /// # Errors
    /// When the URL is malformed or the database cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Self::connect_with(PgConnectOptions::from_str(url)?).await
    }

    /// Connects with explicit options (e.g. a `search_path` or an application name).
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn connect_with(options: PgConnectOptions) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection broken by a database restart is replaced, not handed to a request.
            .test_before_acquire(true)
            .connect_with(options)
            .await?;
        Ok(Self::from_pool(pool))
    }

    /// Wraps an existing pool.
    #[must_use]
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool,
            breaker: breaker::Breaker::default(),
        }
    }

    /// The underlying pool, for callers that need raw access (tests, `LISTEN/NOTIFY`).
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies pending migrations (under PostgreSQL's advisory lock, so instances starting
    /// together do not race).
    ///
    /// # Errors
    /// When a migration fails or the database holds migrations this build does not know.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }

    /// A connection for one statement; refused at once while the database is known to be down
    /// (the breaker, `breaker.rs`), and a failure to get one teaches the breaker.
    async fn conn(&self) -> StoreResult<PoolConnection<Db>> {
        self.breaker.admit()?;
        let acquired = self.pool.acquire().await;
        self.breaker.observe(acquired.as_ref().err(), &self.pool);
        acquired.map_err(error::db)
    }

    /// Starts a write transaction (READ COMMITTED; caps lock their parent row explicitly).
    async fn write(&self) -> StoreResult<Transaction<'static, Db>> {
        self.breaker.admit()?;
        let begun = self.pool.begin().await;
        self.breaker.observe(begun.as_ref().err(), &self.pool);
        begun.map_err(error::db)
    }

    /// Starts a read-only transaction whose statements share one snapshot.
    async fn read(&self) -> StoreResult<Transaction<'static, Db>> {
        self.breaker.admit()?;
        let begun = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await;
        self.breaker.observe(begun.as_ref().err(), &self.pool);
        begun.map_err(error::db)
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&mut *self.conn().await?)
            .await
            .map(|_| ())
            .map_err(error::db)
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
