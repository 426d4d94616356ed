//! Users (agents). Usernames and emails are compared through lower-cased key columns, computed
//! here with Unicode case folding so both backends agree on what counts as a duplicate.

use async_trait::async_trait;
use tessera_domain::audit::AuditEvent;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{StoreError, StoreResult, UserRecord, UserRepository};
use tessera_domain::user::User;
use tessera_domain::{PartitionId, Realm};

use crate::codec::{get, partition, time, ts, uid, uuid};
use crate::error::{db, expect_one};
use crate::standard_claims::{self, Accounts};
use crate::{DbConnection, DbRow, DbStore, audit, departments};

const COLUMNS: &str = "seq, partition_id, id, username, email, display_name, department, \
     partition_admin, enabled, password_hash, created_at, updated_at, \
     given_name, family_name, locale, zoneinfo, email_verified, phone_number, \
     phone_number_verified, address";

/// Inserts a user after checking their department (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut DbConnection,
    p: &PartitionId,
    r: &UserRecord,
) -> StoreResult<()> {
    let u = &r.user;
    departments::require(conn, p, &u.department).await?;
    sqlx::query(
        "INSERT INTO users (partition_id, id, username, username_key, email, email_key, \
         display_name, department, partition_admin, enabled, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(p.as_str())
    .bind(uid(u.id))
    .bind(&u.username)
    .bind(u.username.to_lowercase())
    .bind(&u.email)
    .bind(u.email.to_lowercase())
    .bind(&u.display_name)
    .bind(&u.department)
    .bind(u.partition_admin)
    .bind(u.enabled)
    .bind(&r.password_hash)
    .bind(ts(u.created_at))
    .bind(ts(u.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    standard_claims::write(conn, Accounts::Users, p, u.id, &u.claims).await
}

fn user(row: &DbRow) -> StoreResult<User> {
    Ok(User {
        id: uuid(row, "id")?,
        partition: partition(row, "partition_id")?,
        username: get(row, "username")?,
        email: get(row, "email")?,
        display_name: get(row, "display_name")?,
        department: get(row, "department")?,
        partition_admin: get(row, "partition_admin")?,
        enabled: get(row, "enabled")?,
        claims: standard_claims::read(row)?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

fn record(row: &DbRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        user: user(row)?,
        password_hash: get(row, "password_hash")?,
    })
}

#[async_trait]
impl UserRepository for DbStore {
    async fn create_user(&self, u: &UserRecord, audit: &AuditEvent) -> StoreResult<()> {
        let p = &u.user.partition;
        let mut tx = self.write().await?;
        crate::partitions::require(&mut tx, p).await?;
        insert(&mut tx, p, u).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_user(&self, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Option<User>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users WHERE partition_id = $1 AND id = $2"
        ))
        .bind(p.as_str())
        .bind(uid(id))
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(user)
        .transpose()
    }

    async fn find_user_by_username(
        &self,
        p: &PartitionId,
        username: &str,
    ) -> StoreResult<Option<UserRecord>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users WHERE partition_id = $1 AND username_key = $2"
        ))
        .bind(p.as_str())
        .bind(username.to_lowercase())
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(record)
        .transpose()
    }

    async fn find_user_by_email(&self, p: &PartitionId, email: &str) -> StoreResult<Option<User>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users WHERE partition_id = $1 AND email_key = $2 \
             ORDER BY seq LIMIT 1"
        ))
        .bind(p.as_str())
        .bind(email.to_lowercase())
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(user)
        .transpose()
    }

    async fn list_users(&self, p: &PartitionId, page: PageRequest) -> StoreResult<Page<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users WHERE partition_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let rows = rows
            .iter()
            .map(|r| Ok((get(r, "seq")?, user(r)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }

    async fn update_user(
        &self,
        u: &User,
        password_hash: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>> {
        let p = &u.partition;
        let mut tx = self.write().await?;
        // Whether it was enabled before: disabling (true to false) signs the user out.
        let was_enabled: Option<bool> = sqlx::query_scalar(
            "SELECT enabled FROM users WHERE partition_id = $1 AND id = $2 \
             FOR UPDATE",
        )
        .bind(p.as_str())
        .bind(uid(u.id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(was_enabled) = was_enabled else {
            return Err(StoreError::NotFound);
        };
        departments::require(&mut tx, p, &u.department).await?;
        sqlx::query(
            "UPDATE users SET username = $1, username_key = $2, email = $3, email_key = $4, \
             display_name = $5, department = $6, partition_admin = $7, enabled = $8, \
             password_hash = COALESCE($9, password_hash), updated_at = $10 \
             WHERE partition_id = $11 AND id = $12",
        )
        .bind(&u.username)
        .bind(u.username.to_lowercase())
        .bind(&u.email)
        .bind(u.email.to_lowercase())
        .bind(&u.display_name)
        .bind(&u.department)
        .bind(u.partition_admin)
        .bind(u.enabled)
        .bind(password_hash)
        .bind(ts(u.updated_at))
        .bind(p.as_str())
        .bind(uid(u.id))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        standard_claims::write(&mut tx, Accounts::Users, p, u.id, &u.claims).await?;
        let ended = if password_hash.is_some() || (was_enabled && !u.enabled) {
            crate::sessions::end_everything_of(&mut tx, p, Realm::Users, u.id, u.updated_at).await?
        } else {
            Vec::new()
        };
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ended)
    }

    async fn delete_user(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM users WHERE partition_id = $1 AND id = $2")
            .bind(p.as_str())
            .bind(uid(id))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        expect_one(done.rows_affected(), "user")?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
