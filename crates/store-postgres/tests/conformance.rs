//! Runs the shared storage conformance suite on PostgreSQL, each test in a schema of its own
//! (so tests run in parallel against one database), dropped afterwards even when the test fails.
//!
//! The database comes from `TESSERA_TEST_POSTGRES_URL`. Without it the tests are skipped, except
//! in CI (`CI` set), where a silently skipped backend would hide regressions.
#![expect(
    clippy::expect_used,
    reason = "set-up helpers outside #[test] fns: a database that cannot be prepared fails the test"
)]

use std::panic::AssertUnwindSafe;
use std::str::FromStr as _;
use std::sync::atomic::{AtomicU32, Ordering};

use futures::FutureExt as _;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use tessera_domain::store::Store;
use tessera_domain::testing::conformance::SuiteFuture;
use tessera_store_postgres::PgStore;

const URL_VAR: &str = "TESSERA_TEST_POSTGRES_URL";

/// The test database, or `None` (after saying so) when tests should be skipped.
fn database_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{URL_VAR} must be set in CI (e.g. postgres://postgres@127.0.0.1:5432/test)")
        }
        _ => {
            eprintln!("skipping PostgreSQL conformance test: {URL_VAR} is not set");
            None
        }
    }
}

/// A schema name unique to this process and test.
fn schema_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "t_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

async fn admin(url: &str, sql: &str) {
    let mut conn = PgConnection::connect(url)
        .await
        .expect("connect to the test database");
    sqlx::raw_sql(sql)
        .execute(&mut conn)
        .await
        .expect("prepare the test schema");
    conn.close().await.expect("close");
}

/// Creates a fresh schema with the migrations applied, runs `test` on a store confined to it,
/// and drops the schema whatever the outcome.
async fn run(test: impl for<'a> FnOnce(&'a dyn Store) -> SuiteFuture<'a>) {
    let Some(url) = database_url() else {
        return;
    };
    let schema = schema_name();
    // A leftover of an earlier, killed run with the same process id would be in the way.
    admin(
        &url,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"),
    )
    .await;
    let options = PgConnectOptions::from_str(&url)
        .expect("database URL")
        .options([("search_path", schema.as_str())]);
    let store = PgStore::connect_with(options).await.expect("open pool");
    let outcome = AssertUnwindSafe(async {
        store.migrate().await.expect("migrate");
        test(&store).await;
    })
    .catch_unwind()
    .await;
    store.pool().close().await;
    admin(&url, &format!("DROP SCHEMA {schema} CASCADE")).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

tessera_domain::conformance_tests!(run);

#[tokio::test]
async fn migrations_are_idempotent() {
    run(|store| {
        Box::pin(async move {
            // `run` already migrated; a second run (another instance starting) is a no-op.
            assert_eq!(store.backend(), "postgres");
        })
    })
    .await;
    let Some(url) = database_url() else {
        return;
    };
    let schema = schema_name();
    admin(
        &url,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"),
    )
    .await;
    let options = PgConnectOptions::from_str(&url)
        .expect("database URL")
        .options([("search_path", schema.as_str())]);
    let store = PgStore::connect_with(options).await.expect("open pool");
    let (a, b) = tokio::join!(store.migrate(), store.migrate());
    let again = store.migrate().await;
    store.pool().close().await;
    admin(&url, &format!("DROP SCHEMA {schema} CASCADE")).await;
    a.expect("first migration");
    b.expect("concurrent migration");
    again.expect("repeated migration");
}
