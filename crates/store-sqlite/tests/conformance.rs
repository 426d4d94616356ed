//! Runs the shared storage conformance suite on SQLite: a fresh database file per test.
#![expect(
    clippy::expect_used,
    reason = "set-up helpers outside #[test] fns: a database that cannot be created fails the test"
)]

use tessera_domain::store::Store;
use tessera_domain::testing::conformance::SuiteFuture;
use tessera_store_sqlite::SqliteStore;

/// Creates a migrated database in a temporary directory, runs `test` on it, and removes it.
async fn run(test: impl for<'a> FnOnce(&'a dyn Store) -> SuiteFuture<'a>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
    let store = SqliteStore::connect(&url).await.expect("open database");
    store.migrate().await.expect("migrate");
    test(&store).await;
    store.pool().close().await;
}

tessera_domain::conformance_tests!(run);

#[tokio::test]
async fn in_memory_databases_work() {
    let store = SqliteStore::connect("sqlite::memory:").await.expect("open");
    store.migrate().await.expect("migrate");
    tessera_domain::testing::conformance::partition_seed_round_trip(&store).await;
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
    let store = SqliteStore::connect(&url).await.expect("open");
    store.migrate().await.expect("migrate");
    store.migrate().await.expect("migrate again");
    store.pool().close().await;
    // Reopening finds the schema (and WAL mode) in place.
    let store = SqliteStore::connect(&url).await.expect("reopen");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
}

/// The database and its `-wal`/`-shm` files hold secret hashes and encrypted keys: only the
/// owner may read them, whatever the umask.
#[cfg(unix)]
#[tokio::test]
async fn database_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("tessera.db");
    let store = SqliteStore::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        let mode = std::fs::metadata(&path)
            .expect("file exists while the pool is open")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{path}: {mode:o}");
    }
    store.pool().close().await;
}
