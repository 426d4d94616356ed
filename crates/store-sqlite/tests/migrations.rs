//! Both store crates list the same migrations (same version numbers, same names), so a schema
//! change made in one crate and forgotten in the other fails the build's tests instead of
//! shipping two schemas that drift apart. The same test runs in the PostgreSQL crate against
//! this one.

use std::path::Path;

/// `(version, description)` of each `NNNN_name.sql` file in `dir`, described the way
/// `sqlx::migrate!` describes it (underscores become spaces), in version order.
fn listed(dir: &Path) -> Vec<(i64, String)> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    let mut found: Vec<(i64, String)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter_map(|name| {
            let stem = name.strip_suffix(".sql")?;
            let (version, description) = stem.split_once('_')?;
            let version = version.parse().ok()?;
            Some((version, description.replace('_', " ")))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn both_store_crates_list_the_same_migrations() {
    let embedded: Vec<(i64, String)> = tessera_store_sqlite::MIGRATOR
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect();
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let own = listed(&crates.join("store-sqlite/migrations"));
    let sibling = listed(&crates.join("store-postgres/migrations"));
    assert!(!embedded.is_empty(), "the migrator embeds migrations");
    assert_eq!(
        embedded, own,
        "the embedded migrations are this crate's files"
    );
    assert_eq!(
        own, sibling,
        "store-sqlite and store-postgres list the same migration versions and names"
    );
}
