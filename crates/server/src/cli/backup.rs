//! `tessera backup`: a SQLite database's online copy (`VACUUM INTO`); PostgreSQL has pg_dump
//! (docs/operations.md).

use std::path::Path;

use anyhow::{Context as _, bail};
use tessera_server::runtime;

use super::args::BackupArgs;
use super::{init_tracing, load_config};

pub(crate) async fn backup(file: Option<&Path>, args: &BackupArgs) -> anyhow::Result<()> {
    let config = load_config(file, &args.common, None)?;
    init_tracing(config.log_format);
    if config.is_postgres() {
        bail!(
            "tessera backup copies a SQLite database; back PostgreSQL up with pg_dump (docs/operations.md)"
        );
    }
    let db = runtime::sqlite_path(&config.database_url)
        .context("the database is in memory: there is nothing to back up")?;
    // Opening a missing file would create an empty database and back that up.
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    if args.to.exists() {
        bail!(
            "{} exists; a backup is written to a new file",
            args.to.display()
        );
    }
    let store = tessera_store_sqlite::SqliteStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open {}", db.display()))?;
    if let Err(e) = store.backup_to(&args.to).await {
        // No half-written file left to be mistaken for a backup.
        let _ = std::fs::remove_file(&args.to);
        return Err(e).with_context(|| format!("cannot write the backup to {}", args.to.display()));
    }
    println!(
        "backed {} up to {}; keep the master key file with it (it is not in the copy)",
        db.display(),
        args.to.display()
    );
    Ok(())
}
