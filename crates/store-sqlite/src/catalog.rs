//! The permission and API catalog. An API's operations are rows in catalog order; each
//! operation's security alternatives are one ordered JSON list, always read and written whole.

use std::collections::HashMap;

use async_trait::async_trait;
use tessera_domain::PartitionId;
use tessera_domain::api::{Api, Operation};
use tessera_domain::audit::AuditEvent;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::permission::{Hub, Permission, PermissionKind};
use tessera_domain::store::{CatalogRepository, StoreResult};

use crate::codec::{doc, get, int, json, parsed};
use crate::error::db;
use crate::{DbConnection, DbRow, DbStore, audit};

/// Adds a permission or updates the one with its name.
pub(crate) async fn upsert_permission(
    conn: &mut DbConnection,
    p: &PartitionId,
    perm: &Permission,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO permissions (partition_id, name, hub, kind, description, anonymous) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (partition_id, name) DO UPDATE SET hub = excluded.hub, \
         kind = excluded.kind, description = excluded.description, anonymous = excluded.anonymous",
    )
    .bind(p.as_str())
    .bind(&perm.name)
    .bind(perm.hub.as_str())
    .bind(perm.kind.as_str())
    .bind(&perm.description)
    .bind(perm.anonymous)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Adds an API or replaces the one with its id, operations included; a replaced API keeps its
/// place in the creation order.
pub(crate) async fn upsert_api(
    conn: &mut DbConnection,
    p: &PartitionId,
    api: &Api,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO apis (partition_id, id, name, hub, base_path, audience) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (partition_id, id) DO UPDATE SET name = excluded.name, hub = excluded.hub, \
         base_path = excluded.base_path, audience = excluded.audience",
    )
    .bind(p.as_str())
    .bind(&api.id)
    .bind(&api.name)
    .bind(api.hub.as_str())
    .bind(&api.base_path)
    .bind(&api.audience)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM api_operations WHERE partition_id = $1 AND api_id = $2")
        .bind(p.as_str())
        .bind(&api.id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    for (position, op) in (0_u32..).zip(&api.operations) {
        sqlx::query(
            "INSERT INTO api_operations (partition_id, api_id, position, operation_id, method, \
             path, summary, security) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(p.as_str())
        .bind(&api.id)
        .bind(int(position)?)
        .bind(&op.operation_id)
        .bind(&op.method)
        .bind(&op.path)
        .bind(&op.summary)
        .bind(doc(&op.security)?)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

fn api(row: &DbRow) -> StoreResult<Api> {
    Ok(Api {
        id: get(row, "id")?,
        name: get(row, "name")?,
        hub: parsed(row, "hub", Hub::parse)?,
        base_path: get(row, "base_path")?,
        audience: get(row, "audience")?,
        operations: Vec::new(),
    })
}

fn operation(row: &DbRow) -> StoreResult<Operation> {
    Ok(Operation {
        operation_id: get(row, "operation_id")?,
        method: get(row, "method")?,
        path: get(row, "path")?,
        summary: get(row, "summary")?,
        security: json(row, "security")?,
    })
}

const OPERATION_COLUMNS: &str = "api_id, operation_id, method, path, summary, security";

fn permission(r: &DbRow) -> StoreResult<Permission> {
    Ok(Permission {
        name: get(r, "name")?,
        hub: parsed(r, "hub", Hub::parse)?,
        kind: parsed(r, "kind", PermissionKind::parse)?,
        description: get(r, "description")?,
        anonymous: get(r, "anonymous")?,
    })
}

/// Fills in the operations of `apis` (the partition's operations are read whole: a catalog
/// holds a few dozen APIs).
async fn attach_operations(
    conn: &mut DbConnection,
    p: &PartitionId,
    apis: &mut [Api],
) -> StoreResult<()> {
    let ops = sqlx::query(&format!(
        "SELECT {OPERATION_COLUMNS} FROM api_operations WHERE partition_id = $1 \
         ORDER BY api_id, position"
    ))
    .bind(p.as_str())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut by_api: HashMap<String, Vec<Operation>> = HashMap::new();
    for row in &ops {
        by_api
            .entry(get(row, "api_id")?)
            .or_default()
            .push(operation(row)?);
    }
    for a in apis {
        a.operations = by_api.remove(&a.id).unwrap_or_default();
    }
    Ok(())
}

#[async_trait]
impl CatalogRepository for DbStore {
    async fn list_permissions(&self, p: &PartitionId) -> StoreResult<Vec<Permission>> {
        sqlx::query(
            "SELECT name, hub, kind, description, anonymous FROM permissions \
             WHERE partition_id = $1 ORDER BY name",
        )
        .bind(p.as_str())
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .iter()
        .map(permission)
        .collect()
    }

    async fn page_permissions(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<Permission>> {
        let rows = sqlx::query(
            "SELECT seq, name, hub, kind, description, anonymous FROM permissions \
             WHERE partition_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((get(r, "seq")?, permission(r)?)))
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }

    async fn list_apis(&self, p: &PartitionId) -> StoreResult<Vec<Api>> {
        let mut tx = self.read().await?;
        let mut apis = sqlx::query(
            "SELECT id, name, hub, base_path, audience FROM apis WHERE partition_id = $1 \
             ORDER BY seq",
        )
        .bind(p.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(api)
        .collect::<StoreResult<Vec<_>>>()?;
        attach_operations(&mut tx, p, &mut apis).await?;
        tx.commit().await.map_err(db)?;
        Ok(apis)
    }

    async fn page_apis(&self, p: &PartitionId, page: PageRequest) -> StoreResult<Page<Api>> {
        let mut tx = self.read().await?;
        let rows = sqlx::query(
            "SELECT seq, id, name, hub, base_path, audience FROM apis \
             WHERE partition_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((get(r, "seq")?, api(r)?)))
        .collect::<StoreResult<Vec<_>>>()?;
        let mut page = Page::from_rows(rows, page);
        attach_operations(&mut tx, p, &mut page.items).await?;
        tx.commit().await.map_err(db)?;
        Ok(page)
    }

    async fn get_api(&self, p: &PartitionId, id: &str) -> StoreResult<Option<Api>> {
        let mut tx = self.read().await?;
        let Some(row) = sqlx::query(
            "SELECT id, name, hub, base_path, audience FROM apis WHERE partition_id = $1 AND id = $2",
        )
        .bind(p.as_str())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let mut found = api(&row)?;
        found.operations = sqlx::query(&format!(
            "SELECT {OPERATION_COLUMNS} FROM api_operations WHERE partition_id = $1 AND api_id = $2 \
             ORDER BY position"
        ))
        .bind(p.as_str())
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(operation)
        .collect::<StoreResult<_>>()?;
        tx.commit().await.map_err(db)?;
        Ok(Some(found))
    }

    async fn import_catalog(
        &self,
        p: &PartitionId,
        permissions: &[Permission],
        apis: &[Api],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        crate::partitions::require(&mut tx, p).await?;
        for perm in permissions {
            upsert_permission(&mut tx, p, perm).await?;
        }
        for a in apis {
            upsert_api(&mut tx, p, a).await?;
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
