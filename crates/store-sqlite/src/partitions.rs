//! Partitions, and creating one with everything it starts with in a single transaction.

use async_trait::async_trait;
use tessera_domain::PartitionId;
use tessera_domain::audit::AuditEvent;
use tessera_domain::partition::Partition;
use tessera_domain::store::{PartitionRepository, PartitionSeed, StoreError, StoreResult};

use crate::codec::{get, partition, time, ts};
use crate::error::db;
use crate::{DbConnection, DbRow};
use crate::{
    DbStore, audit, catalog, client_secrets, clients, customers, departments, keys, users,
};

/// Fails with [`StoreError::NotFound`] unless the partition exists: a write into a partition
/// that is not there is a 404, not a broken reference.
pub(crate) async fn require(conn: &mut DbConnection, p: &PartitionId) -> StoreResult<()> {
    let found = sqlx::query("SELECT 1 FROM partitions WHERE id = $1")
        .bind(p.as_str())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

/// Like [`require`]; the write transaction's `BEGIN IMMEDIATE` already holds the database's
/// write lock, so per-partition caps and key rotations run one at a time.
pub(crate) async fn lock(conn: &mut DbConnection, p: &PartitionId) -> StoreResult<()> {
    let found = sqlx::query("SELECT 1 FROM partitions WHERE id = $1")
        .bind(p.as_str())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

fn from_row(row: &DbRow) -> StoreResult<Partition> {
    Ok(Partition {
        id: partition(row, "id")?,
        api_permission_prefix: get(row, "api_permission_prefix")?,
        created_at: time(row, "created_at")?,
    })
}

#[async_trait]
impl PartitionRepository for DbStore {
    async fn create_partition(&self, seed: &PartitionSeed, audit: &AuditEvent) -> StoreResult<()> {
        let p = &seed.partition.id;
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO partitions (id, api_permission_prefix, created_at) VALUES ($1, $2, $3)",
        )
        .bind(p.as_str())
        .bind(seed.partition.api_permission_prefix.as_deref())
        .bind(ts(seed.partition.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for d in &seed.departments {
            departments::insert(&mut tx, p, d).await?;
        }
        for perm in &seed.permissions {
            catalog::upsert_permission(&mut tx, p, perm).await?;
        }
        for api in &seed.apis {
            catalog::upsert_api(&mut tx, p, api).await?;
        }
        for u in &seed.users {
            users::insert(&mut tx, p, u).await?;
        }
        for c in &seed.customers {
            customers::insert(&mut tx, p, c).await?;
        }
        for c in &seed.clients {
            clients::insert(&mut tx, p, c).await?;
        }
        for s in &seed.secrets {
            client_secrets::insert(&mut tx, p, s).await?;
        }
        for k in &seed.signing_keys {
            keys::insert(&mut tx, p, k).await?;
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_partition(&self, id: &PartitionId) -> StoreResult<Option<Partition>> {
        sqlx::query("SELECT id, api_permission_prefix, created_at FROM partitions WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    async fn list_partitions(&self) -> StoreResult<Vec<Partition>> {
        sqlx::query("SELECT id, api_permission_prefix, created_at FROM partitions ORDER BY seq")
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?
            .iter()
            .map(from_row)
            .collect()
    }
}
