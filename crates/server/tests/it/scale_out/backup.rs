//! Backups and restore (docs/operations.md#backups-and-restore): a backup taken while Tessera
//! runs — `tessera backup` on SQLite, `pg_dump` on PostgreSQL — restored into a fresh database
//! and served with the same master key and public URL: clients authenticate with their
//! secrets, tokens issued before the backup still validate (the same signing keys), and a
//! refresh token handed out before it still works.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, header};
use tessera_guard::{Guard, SecurityRequirement, SecurityScheme};

use super::cluster::Cluster;
use super::own_postgres::bin_dir;
use super::tokens::{WebApp, active_at, code, create_user, redeem, refresh, web_app};
use crate::code_flow_support::Browser;
use crate::support::{fresh_pg_database, postgres_url};

const PERMISSION: &str = "app.core.usermgr.read";

/// What was issued before the backup, to be honoured after the restore.
struct Before {
    machine: (String, String),
    app: WebApp,
    access_token: String,
    refresh_token: String,
    automation: (String, String),
    port: u16,
}

async fn issue_before_backup(c: &Cluster) -> Before {
    let machine = c.web_client(0, "Machine", &[PERMISSION]).await;
    let (st, body) = c
        .client_credentials(0, &machine.0, &machine.1, PERMISSION)
        .await;
    assert_eq!(st, 200, "{body}");
    create_user(c, 0, "agent7").await;
    let app = web_app(c, 0, "Agent desk").await;
    let code = code(c, 0, &app, &Browser::new(), "agent7").await;
    let (st, tokens) = redeem(c, 0, &app, &code).await;
    assert_eq!(st, 200, "{tokens}");
    Before {
        access_token: body["access_token"].as_str().unwrap().to_owned(),
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
        machine,
        app,
        automation: (c.automation_id.clone(), c.automation_secret.clone()),
        port: c.port(0),
    }
}

/// The restored deployment honours everything issued before the backup.
async fn honours(r: &Cluster, before: &Before) {
    // The client authenticates with its secret (the hash's pepper is the master key).
    let (st, body) = r
        .client_credentials(0, &before.machine.0, &before.machine.1, PERMISSION)
        .await;
    assert_eq!(st, 200, "client credentials after the restore: {body}");
    r.admin_token(0).await;
    // The token issued before the backup verifies against the restored JWKS (the same keys,
    // decrypted with the same master key) and is active at introspection.
    let guard = Guard::builder()
        .issuer(r.issuer_at(0, 'U'))
        .build()
        .unwrap();
    let mut h = HeaderMap::new();
    h.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {}", before.access_token)).unwrap(),
    );
    let need = [SecurityRequirement::new(
        SecurityScheme::OAuthClient,
        [PERMISSION],
    )];
    guard
        .authorize(&h, &need)
        .await
        .expect("a token issued before the backup validates after the restore");
    assert!(active_at(r, 0, &before.app, &before.access_token).await);
    // The refresh token handed out before the backup works, and its successor too.
    let (st, body) = refresh(r, 0, &before.app, &before.refresh_token).await;
    assert_eq!(st, 200, "refresh after the restore: {body}");
    let next = body["refresh_token"].as_str().unwrap();
    let (st, body) = refresh(r, 0, &before.app, next).await;
    assert_eq!(st, 200, "second refresh after the restore: {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_backup_restores_with_clients_tokens_and_refresh_tokens() {
    let c = Cluster::start_sqlite().await;
    let before = issue_before_backup(&c).await;
    let keep = tempfile::tempdir().unwrap();
    let copy = keep.path().join("backup.db");
    // Online: the instance keeps serving while the copy is made.
    let started = Instant::now();
    let out = c
        .command()
        .args(["backup", "--to"])
        .arg(&copy)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "tessera backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_mode_0600(&copy);
    // A second backup to the same file is refused rather than overwriting it.
    let again = c
        .command()
        .args(["backup", "--to"])
        .arg(&copy)
        .output()
        .unwrap();
    assert!(!again.status.success(), "a backup overwrote a file");
    let key = keep.path().join("master.key");
    std::fs::copy(c.master_key_file(), &key).unwrap();
    drop(c);

    // The restore: the copy at a new place, no -wal beside it, the same master key.
    let restored = keep.path().join("restored.db");
    std::fs::copy(&copy, &restored).unwrap();
    let url = format!("sqlite://{}", restored.display());
    let r = Cluster::start_restored(
        &url,
        &key,
        (&before.automation.0, &before.automation.1),
        before.port,
        None,
    )
    .await;
    honours(&r, &before).await;
    eprintln!(
        "backup (sqlite): tessera backup took {} ms ({} bytes); the restored copy served the client, the token and the refresh token issued before it",
        took.as_millis(),
        std::fs::metadata(&copy).unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_restores_with_clients_tokens_and_refresh_tokens() {
    let Some(base) = postgres_url() else {
        return;
    };
    let c = Cluster::start(1).await.unwrap();
    let before = issue_before_backup(&c).await;
    let keep = tempfile::tempdir().unwrap();
    let dump = keep.path().join("tessera.dump");
    let bin = bin_dir();
    // Online, in PostgreSQL's custom format (one consistent snapshot).
    let started = Instant::now();
    run(Command::new(bin.join("pg_dump"))
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(format!("--dbname={}", c.database_url)));
    let dumped = started.elapsed();
    let key = keep.path().join("master.key");
    std::fs::copy(c.master_key_file(), &key).unwrap();
    drop(c);

    let (url, name) = fresh_pg_database(&base).await;
    let started = Instant::now();
    run(Command::new(bin.join("pg_restore"))
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&url)
        .arg(&dump));
    let restored = started.elapsed();
    let r = Cluster::start_restored(
        &url,
        &key,
        (&before.automation.0, &before.automation.1),
        before.port,
        Some((base, name)),
    )
    .await;
    honours(&r, &before).await;
    eprintln!(
        "backup (postgres): pg_dump took {} ms ({} bytes), pg_restore into a fresh database {} ms; the restored database served the client, the token and the refresh token issued before it",
        dumped.as_millis(),
        std::fs::metadata(&dump).unwrap().len(),
        restored.as_millis()
    );
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_mode_0600(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the backup's mode is {mode:o}");
}
