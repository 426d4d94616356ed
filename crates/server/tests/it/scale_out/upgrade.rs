//! Upgrades while old instances run (docs/operations.md#upgrades): what Tessera's migrations
//! guarantee about a binary older than its database. A running instance never looks at the
//! schema's version again, so it keeps serving after a newer instance migrated the database;
//! a binary that does not know every applied migration refuses to start (sqlx's migrator checks
//! the applied versions against its own), so an old instance that restarts mid-rollout stays
//! down rather than running against a schema it does not know.

use std::time::{Duration, Instant};

use sqlx::Connection as _;

use super::cluster::Cluster;

/// A version no migration of this build has: the newer release's migration.
const FUTURE_VERSION: i64 = 99_990_101_000_000;
const PERMISSION: &str = "app.core.usermgr.read";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_binary_refuses_a_database_migrated_past_it_on_sqlite() {
    let c = Cluster::start_sqlite().await;
    let mut conn = sqlx::SqliteConnection::connect(&c.database_url)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, 'a newer release', TRUE, X'00', 0)",
    )
    .bind(FUTURE_VERSION)
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    refuses(c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_binary_refuses_a_database_migrated_past_it_on_postgres() {
    let Some(c) = Cluster::start(1).await else {
        return;
    };
    let mut conn = sqlx::PgConnection::connect(&c.database_url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, 'a newer release', TRUE, '\\x00', 0)",
    )
    .bind(FUTURE_VERSION)
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    refuses(c).await;
}

/// The running instance serves on; `tessera migrate` and a new `tessera serve` of this (now
/// older) binary refuse the database.
async fn refuses(c: Cluster) {
    let client = c.web_client(0, "Still served", &[PERMISSION]).await;
    let (st, body) = c
        .client_credentials(0, &client.0, &client.1, PERMISSION)
        .await;
    assert_eq!(
        st, 200,
        "the running instance after the newer migration: {body}"
    );

    let out = c.command().arg("migrate").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "tessera migrate accepted a newer schema"
    );
    assert!(
        stderr.contains(&format!(
            "migration {FUTURE_VERSION} was previously applied but is missing"
        )),
        "{stderr}"
    );

    let port = crate::dev_server::free_port();
    let mut child = c
        .command()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("tessera serve did not refuse a database migrated past it");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success());
    eprintln!(
        "upgrade: with a newer migration applied, the running instance served on; tessera migrate and a new tessera serve of the older binary refused to start: {}",
        stderr.trim()
    );
}
