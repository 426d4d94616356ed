//! Tessera's embedded storage: every repository trait of [`tessera_domain::store`] on one SQLite
//! file, so a single command sets up a working authorization server.
//!
//! The file runs in WAL mode (readers never block the writer) with `synchronous=NORMAL`, which
//! survives a killed process; every write transaction starts with `BEGIN IMMEDIATE`, so a
//! transaction that reads before it writes (the secret cap, key rotation) holds the write lock
//! from its first statement and cannot be invalidated by another writer. Queries are built at run
//! time (`sqlx::query` with bound parameters) so building never needs a database.
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
//! - **Group commit** (`rotations.rs`, SQLite only): refresh-token rotations queue for the one
//!   writer, and whoever gets the turn commits all that wait as one transaction of three
//!   multi-row statements (`UPDATE … FROM (VALUES …) RETURNING`, two `INSERT`s).
//!   PostgreSQL runs rotations side by side, each locking only its own token's row, so
//!   `rotate_refresh_token` there is the one-rotation transaction.
//! - **Outages** (`breaker.rs`, PostgreSQL only): every statement gets its connection through
//!   `conn()` and every transaction through `write()`/`read()` in both crates; in the PostgreSQL
//!   crate these fail at once while a breaker knows the database server is down, instead of
//!   waiting out the pool's acquire timeout (a database file does not go away that way).
//! - **Setup and errors** (`lib.rs`, `error.rs`): pool and transaction options (WAL, busy timeout,
//!   the database file created with mode 0600; connection re-testing, read-only snapshots), and
//!   how an error is classified (SQLite result codes and constraint messages, PostgreSQL
//!   SQLSTATEs and constraint names).

use std::ops::{Deref, DerefMut};
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use tessera_domain::store::{Store, StoreResult};
use tokio::sync::{Mutex, OwnedMutexGuard};

mod audit;
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
mod rotations;
mod sessions;
mod standard_claims;
mod users;

/// This backend's sqlx types under the names every module uses, so that a module of this crate
/// and its namesake in the other store crate differ only in dialect lines.
pub(crate) type Db = Sqlite;
pub(crate) type DbConnection = sqlx::SqliteConnection;
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
pub(crate) type DbStore = SqliteStore;

/// The schema migrations, embedded at build time (numbered like the other store crate's).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections kept open: SQLite serialises writers anyway, a few readers run beside them.
const MAX_CONNECTIONS: u32 = 8;
/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Creates `path` empty with mode 0600 unless it exists (see [`SqliteStore::connect`]).
fn create_private(path: &std::path::Path) -> Result<(), sqlx::Error> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(sqlx::Error::Io(e)),
    }
}

/// Tessera's settings on every connection: WAL (readers never block the writer),
/// `synchronous=NORMAL` (survives a killed process), the busy timeout and foreign keys.
fn settings(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true)
}

/// The pool of a throw-away in-memory database: it lives only as long as a connection to it,
/// so the pool keeps exactly one, forever.
async fn in_memory_pool(options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(settings(options))
        .await
}

/// The SQLite implementation of [`Store`]. Cheap to clone: it is a handle to a pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// This process's turn at the database's one writer (see [`WriteTx`]).
    writer: Arc<Mutex<()>>,
    /// Refresh-token rotations waiting to be committed together (`rotations.rs`).
    rotations: Arc<rotations::Queue>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path/to/file.db`, or
    /// `sqlite::memory:` for a throw-away database kept on one connection).
    ///
    /// A missing database file is created empty with mode 0600 before SQLite opens it: it holds
    /// password and secret hashes and the encrypted signing keys. SQLite creates the `-wal` and
    /// `-shm` files with the database file's own permissions, so they are 0600 too, whatever
    /// the process umask (a umask only ever removes bits). This needs no change to the process
    /// umask, which would also affect every other file the process writes.
    ///
    /// # Errors
    /// When the URL is malformed or the file cannot be created or opened.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?;
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Ok(Self::from_pool(in_memory_pool(options).await?));
        }
        Self::connect_with(options).await
    }

    /// Opens the database file `options` names, creating it if missing (mode 0600, see
    /// [`Self::connect`]), with Tessera's settings added (see the private `settings` function).
    ///
    /// # Errors
    /// When the file cannot be created or opened.
    pub async fn connect_with(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        create_private(options.get_filename())?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(settings(options))
            .await?;
        Ok(Self::from_pool(pool))
    }

    /// Wraps an existing pool (its connections must have `foreign_keys` on).
    #[must_use]
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self {
            pool,
            writer: Arc::default(),
            rotations: Arc::default(),
        }
    }

    /// The underlying pool, for callers that need raw access (tests, maintenance commands).
    #[must_use]
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Applies pending migrations.
    ///
    /// # Errors
    /// When a migration fails or the database holds migrations this build does not know.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }

    /// Writes a consistent copy of the database to the new file `path` with `VACUUM INTO`,
    /// while other connections keep reading and writing: the copy is one read transaction's
    /// snapshot, so every committed change is in it whole or not at all, and the copy is a
    /// database file of its own (no `-wal` beside it) that Tessera opens as it is
    /// (docs/operations.md#backups-and-restore). The file is created empty with mode 0600 first,
    /// as the database itself is: it holds secret hashes and the encrypted signing keys.
    ///
    /// # Errors
    /// When `path` exists (and is not empty), is not UTF-8, or cannot be written.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<(), sqlx::Error> {
        let target = path.to_str().ok_or_else(|| {
            sqlx::Error::Configuration("the backup path is not valid UTF-8".into())
        })?;
        create_private(path)?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A connection for one statement. (A database file does not go away as a server does, so
    /// unlike the PostgreSQL store's this one has no breaker.)
    async fn conn(&self) -> StoreResult<PoolConnection<Db>> {
        self.pool.acquire().await.map_err(error::db)
    }

    /// Starts a write transaction holding the database's write lock from the start, after
    /// this process's earlier writers have finished (see [`WriteTx`]).
    async fn write(&self) -> StoreResult<WriteTx> {
        self.write_with(Arc::clone(&self.writer).lock_owned().await)
            .await
    }

    /// Starts a write transaction in a writer's turn already taken.
    async fn write_with(&self, turn: OwnedMutexGuard<()>) -> StoreResult<WriteTx> {
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(error::db)?;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// Starts a read transaction: in WAL mode its statements share one snapshot.
    async fn read(&self) -> StoreResult<Transaction<'static, Db>> {
        self.pool.begin().await.map_err(error::db)
    }
}

/// A write transaction that holds this process's turn at the database's one writer.
///
/// SQLite lets one connection write at a time; another one's `BEGIN IMMEDIATE` fails with
/// `SQLITE_BUSY` and its busy handler sleeps and retries, with sleeps growing to 100 ms. Under
/// concurrent writes (refresh-token rotations, code redemptions) that turned a queue into
/// sleeping: p99 latencies of half a second and a few hundred rotations a second
/// (docs/performance.md). Writers of this process therefore wait their turn on a fair async
/// mutex first, and the busy handler is left for other processes (`tessera` commands run
/// beside the server). Dereferences to the connection, like the `Transaction` it wraps.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Db>,
    _turn: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Commits the transaction, then gives the writer's turn to the next.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls the transaction back, then gives the writer's turn to the next.
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.tx
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&mut *self.conn().await?)
            .await
            .map(|_| ())
            .map_err(error::db)
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
