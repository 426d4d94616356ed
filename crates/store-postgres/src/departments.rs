//! Departments: every user belongs to one, so one in use cannot be deleted.

use async_trait::async_trait;
use tessera_domain::PartitionId;
use tessera_domain::audit::AuditEvent;
use tessera_domain::department::Department;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{DepartmentRepository, StoreError, StoreResult};

use crate::codec::{get, time, ts};
use crate::error::{db, expect_one};
use crate::{DbConnection, DbStore, audit};

/// Inserts a department (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut DbConnection,
    p: &PartitionId,
    d: &Department,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO departments (partition_id, name, created_at) VALUES ($1, $2, $3)")
        .bind(p.as_str())
        .bind(&d.name)
        .bind(ts(d.created_at))
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Fails with [`StoreError::UnknownReference`] naming the department unless it exists; checked
/// before writing a user so the message names the department rather than a constraint.
pub(crate) async fn require(
    conn: &mut DbConnection,
    p: &PartitionId,
    name: &str,
) -> StoreResult<()> {
    let found = sqlx::query("SELECT 1 FROM departments WHERE partition_id = $1 AND name = $2")
        .bind(p.as_str())
        .bind(name)
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::UnknownReference(
            tessera_domain::store::Reference::Department(name.to_owned()),
        )),
    }
}

#[async_trait]
impl DepartmentRepository for DbStore {
    async fn list_departments(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<Department>> {
        let rows = sqlx::query(
            "SELECT seq, name, created_at FROM departments WHERE partition_id = $1 \
             AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                get(r, "seq")?,
                Department {
                    name: get(r, "name")?,
                    created_at: time(r, "created_at")?,
                },
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }

    async fn create_department(
        &self,
        p: &PartitionId,
        d: &Department,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        crate::partitions::require(&mut tx, p).await?;
        insert(&mut tx, p, d).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn rename_department(
        &self,
        p: &PartitionId,
        from: &str,
        to: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        // Users name their department (a foreign key), so the department is copied under the
        // new name, its users move, and the old row goes. The new row keeps the old one's
        // `seq`, so the list keeps its order (PostgreSQL's `seq` is an identity, not a key: the
        // copy carries it at once).
        let mut tx = self.write().await?;
        let seq: i64 =
            sqlx::query_scalar("SELECT seq FROM departments WHERE partition_id = $1 AND name = $2")
                .bind(p.as_str())
                .bind(from)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "INSERT INTO departments (partition_id, name, created_at, seq) OVERRIDING SYSTEM VALUE \
             SELECT partition_id, $3, created_at, $4 FROM departments \
             WHERE partition_id = $1 AND name = $2",
        )
        .bind(p.as_str())
        .bind(from)
        .bind(to)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("UPDATE users SET department = $3 WHERE partition_id = $1 AND department = $2")
            .bind(p.as_str())
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let done = sqlx::query("DELETE FROM departments WHERE partition_id = $1 AND name = $2")
            .bind(p.as_str())
            .bind(from)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        expect_one(done.rows_affected(), "department")?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_department(
        &self,
        p: &PartitionId,
        name: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let in_use =
            sqlx::query("SELECT 1 FROM users WHERE partition_id = $1 AND department = $2 LIMIT 1")
                .bind(p.as_str())
                .bind(name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let has_users = || StoreError::Conflict("department has users".to_owned());
        if in_use.is_some() {
            return Err(has_users());
        }
        // A user added concurrently after the check (PostgreSQL's check takes no lock) trips the
        // foreign key instead.
        let done = sqlx::query("DELETE FROM departments WHERE partition_id = $1 AND name = $2")
            .bind(p.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(|e| match db(e) {
                StoreError::UnknownReference(_) => has_users(),
                other => other,
            })?;
        expect_one(done.rows_affected(), "department")?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
