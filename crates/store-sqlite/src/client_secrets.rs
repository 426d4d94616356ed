//! Client secrets: metadata and hashes, the per-client cap on unexpired secrets, and the
//! batched `last_used_at` updates from the token endpoint.

use std::collections::BTreeMap;

use tessera_domain::audit::AuditEvent;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::secret::{ClientSecret, StoredSecret};
use tessera_domain::store::{StoreError, StoreResult};
use tessera_domain::{ClientId, PartitionId};
use time::OffsetDateTime;

use crate::codec::{get, opt_time, opt_ts, partition, time, ts, uid, uuid};
use crate::error::{db, expect_one};
use crate::{DbConnection, DbRow, DbStore, audit, clients};

/// Inserts a secret (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut DbConnection,
    p: &PartitionId,
    s: &StoredSecret,
) -> StoreResult<()> {
    let m = &s.secret;
    sqlx::query(
        "INSERT INTO client_secrets (partition_id, client_id, id, name, hint, hash, created_at, \
         expires_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.as_str())
    .bind(uid(m.client_id))
    .bind(uid(m.id))
    .bind(&m.name)
    .bind(&m.hint)
    .bind(&s.hash)
    .bind(ts(m.created_at))
    .bind(opt_ts(m.expires_at))
    .bind(opt_ts(m.last_used_at))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

fn stored(row: &DbRow) -> StoreResult<StoredSecret> {
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
    store: &DbStore,
    p: &PartitionId,
    id: ClientId,
) -> StoreResult<Vec<StoredSecret>> {
    sqlx::query(
        "SELECT partition_id, client_id, id, name, hint, hash, created_at, expires_at, \
         last_used_at FROM client_secrets WHERE partition_id = $1 AND client_id = $2 ORDER BY seq",
    )
    .bind(p.as_str())
    .bind(uid(id))
    .fetch_all(&store.pool)
    .await
    .map_err(db)?
    .iter()
    .map(stored)
    .collect()
}

/// A page of a client's secrets (metadata only), in creation order.
pub(crate) async fn page(
    store: &DbStore,
    p: &PartitionId,
    id: ClientId,
    page: PageRequest,
) -> StoreResult<Page<ClientSecret>> {
    let rows = sqlx::query(
        "SELECT seq, partition_id, client_id, id, name, hint, hash, created_at, expires_at, \
         last_used_at FROM client_secrets WHERE partition_id = $1 AND client_id = $2 \
         AND seq > $3 ORDER BY seq LIMIT $4",
    )
    .bind(p.as_str())
    .bind(uid(id))
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
/// count to the insert, so concurrent requests count one after the other and cannot both see
/// room for one more.
pub(crate) async fn add(
    store: &DbStore,
    s: &StoredSecret,
    max_unexpired: u32,
    now: OffsetDateTime,
    audit: &AuditEvent,
) -> StoreResult<()> {
    let m = &s.secret;
    let mut tx = store.write().await?;
    clients::lock(&mut tx, &m.partition, m.client_id).await?;
    let unexpired: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM client_secrets WHERE partition_id = $1 AND client_id = $2 \
         AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(m.partition.as_str())
    .bind(uid(m.client_id))
    .bind(ts(now))
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
    store: &DbStore,
    p: &PartitionId,
    client: ClientId,
    secret: uuid::Uuid,
    audit: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = store.write().await?;
    let done = sqlx::query(
        "DELETE FROM client_secrets WHERE partition_id = $1 AND client_id = $2 AND id = $3",
    )
    .bind(p.as_str())
    .bind(uid(client))
    .bind(uid(secret))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    expect_one(done.rows_affected(), "client secret")?;
    audit::insert(&mut tx, audit).await?;
    tx.commit().await.map_err(db)
}

/// Records uses in one transaction; a time never moves `last_used_at` backwards (batches from
/// several instances may arrive out of order). Uses of one secret are merged first, so each row
/// is written once, and rows are written in id order, so concurrent batches lock them in the
/// same order and cannot deadlock.
pub(crate) async fn touch(
    store: &DbStore,
    used: &[(uuid::Uuid, OffsetDateTime)],
) -> StoreResult<()> {
    let latest: BTreeMap<uuid::Uuid, OffsetDateTime> =
        used.iter().fold(BTreeMap::new(), |mut m, (id, at)| {
            m.entry(*id)
                .and_modify(|t: &mut OffsetDateTime| *t = (*t).max(*at))
                .or_insert(*at);
            m
        });
    if latest.is_empty() {
        return Ok(());
    }
    let mut tx = store.write().await?;
    for (id, at) in latest {
        sqlx::query(
            "UPDATE client_secrets SET last_used_at = MAX(COALESCE(last_used_at, $1), $1) \
             WHERE id = $2",
        )
        .bind(ts(at))
        .bind(uid(id))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}
