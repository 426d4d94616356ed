//! Client secrets: metadata and hashes, the per-client cap on unexpired secrets, and the
//! batched `last_used_at` updates from the token endpoint.

use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use tessera_domain::audit::AuditEvent;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::secret::{ClientSecret, StoredSecret};
use tessera_domain::store::{StoreError, StoreResult};
use tessera_domain::{ClientId, PartitionId};
use time::OffsetDateTime;

use crate::codec::{get, micros, opt_micros, opt_time, partition, time, uuid};
use crate::error::db;
use crate::{SqliteStore, audit, clients};

/// Inserts a secret (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    p: &PartitionId,
    s: &StoredSecret,
) -> StoreResult<()> {
    let m = &s.secret;
    sqlx::query(
        "INSERT INTO client_secrets (partition_id, client_id, id, name, hint, hash, created_at, \
         expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.as_str())
    .bind(m.client_id.to_string())
    .bind(m.id.to_string())
    .bind(&m.name)
    .bind(&m.hint)
    .bind(&s.hash)
    .bind(micros(m.created_at))
    .bind(opt_micros(m.expires_at))
    .bind(opt_micros(m.last_used_at))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

fn stored(row: &SqliteRow) -> StoreResult<StoredSecret> {
    Ok(StoredSecret {
        secret: ClientSecret {
            id: uuid(row, "id")?,
            partition: partition(row, "partition_id")?,
            client_id: uuid(row, "client_id")?,
            name: get(row, "name")?,
            hint: get(row, "hint")?,
            created_at: time(row, "created_at")?,
            expires_at: opt_time(row, "expires_at")?,
            last_used_at: opt_time(row, "last_used_at")?,
        },
        hash: get(row, "hash")?,
    })
}

/// A client's secrets with hashes, in creation order.
pub(crate) async fn list(
    store: &SqliteStore,
    p: &PartitionId,
    id: ClientId,
) -> StoreResult<Vec<StoredSecret>> {
    sqlx::query(
        "SELECT partition_id, client_id, id, name, hint, hash, created_at, expires_at, \
         last_used_at FROM client_secrets WHERE partition_id = ? AND client_id = ? ORDER BY seq",
    )
    .bind(p.as_str())
    .bind(id.to_string())
    .fetch_all(&store.pool)
    .await
    .map_err(db)?
    .iter()
    .map(stored)
    .collect()
}

/// A page of a client's secrets (metadata only), in creation order.
pub(crate) async fn page(
    store: &SqliteStore,
    p: &PartitionId,
    id: ClientId,
    page: PageRequest,
) -> StoreResult<Page<ClientSecret>> {
    let rows = sqlx::query(
        "SELECT seq, partition_id, client_id, id, name, hint, hash, created_at, expires_at, \
         last_used_at FROM client_secrets WHERE partition_id = ? AND client_id = ? \
         AND seq > ? ORDER BY seq LIMIT ?",
    )
    .bind(p.as_str())
    .bind(id.to_string())
    .bind(page.after_seq())
    .bind(page.fetch())
    .fetch_all(&store.pool)
    .await
    .map_err(db)?
    .iter()
    .map(|r| Ok((get(r, "seq")?, stored(r)?.secret)))
    .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(rows, page))
}

/// Adds a secret unless the cap is reached. `BEGIN IMMEDIATE` holds the write lock from the
/// count to the insert, so two concurrent requests cannot both see room for one more.
pub(crate) async fn add(
    store: &SqliteStore,
    s: &StoredSecret,
    max_unexpired: u32,
    now: OffsetDateTime,
    audit: &AuditEvent,
) -> StoreResult<()> {
    let m = &s.secret;
    let mut tx = store.write().await?;
    clients::require(&mut tx, &m.partition, m.client_id).await?;
    let unexpired: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM client_secrets WHERE partition_id = ? AND client_id = ? \
         AND (expires_at IS NULL OR expires_at > ?)",
    )
    .bind(m.partition.as_str())
    .bind(m.client_id.to_string())
    .bind(micros(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    if unexpired >= i64::from(max_unexpired) {
        return Err(StoreError::LimitReached(format!(
            "a client application can have at most {max_unexpired} unexpired secrets; \
             delete one first"
        )));
    }
    insert(&mut tx, &m.partition, s).await?;
    audit::insert(&mut tx, audit).await?;
    tx.commit().await.map_err(db)
}

/// Deletes one secret of one client.
pub(crate) async fn delete(
    store: &SqliteStore,
    p: &PartitionId,
    client: ClientId,
    secret: uuid::Uuid,
    audit: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = store.write().await?;
    let done = sqlx::query(
        "DELETE FROM client_secrets WHERE partition_id = ? AND client_id = ? AND id = ?",
    )
    .bind(p.as_str())
    .bind(client.to_string())
    .bind(secret.to_string())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    audit::insert(&mut tx, audit).await?;
    tx.commit().await.map_err(db)
}

/// Records uses in one transaction; a time never moves `last_used_at` backwards (batches from
/// several instances may arrive out of order).
pub(crate) async fn touch(
    store: &SqliteStore,
    used: &[(uuid::Uuid, OffsetDateTime)],
) -> StoreResult<()> {
    if used.is_empty() {
        return Ok(());
    }
    let mut tx = store.write().await?;
    for (id, at) in used {
        sqlx::query(
            "UPDATE client_secrets SET last_used_at = MAX(COALESCE(last_used_at, ?1), ?1) \
             WHERE id = ?2",
        )
        .bind(micros(*at))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}
