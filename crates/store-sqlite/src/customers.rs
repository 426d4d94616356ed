//! Customers. Emails are unique per partition, compared through a lower-cased key column.

use async_trait::async_trait;
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;
use tessera_domain::audit::AuditEvent;
use tessera_domain::customer::Customer;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{CustomerRecord, CustomerRepository, StoreError, StoreResult};
use tessera_domain::{PartitionId, Realm};

use crate::codec::{get, micros, partition, time, uuid};
use crate::error::db;
use crate::standard_claims::{self, Accounts};
use crate::{SqliteStore, audit};

const COLUMNS: &str = "seq, partition_id, id, email, display_name, enabled, password_hash, created_at, updated_at, \
     given_name, family_name, locale, zoneinfo, email_verified, phone_number, \
     phone_number_verified, address";

/// Inserts a customer (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    p: &PartitionId,
    r: &CustomerRecord,
) -> StoreResult<()> {
    let c = &r.customer;
    sqlx::query(
        "INSERT INTO customers (partition_id, id, email, email_key, display_name, enabled, \
         password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.as_str())
    .bind(c.id.to_string())
    .bind(&c.email)
    .bind(c.email.to_lowercase())
    .bind(&c.display_name)
    .bind(c.enabled)
    .bind(&r.password_hash)
    .bind(micros(c.created_at))
    .bind(micros(c.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    standard_claims::write(conn, Accounts::Customers, p, c.id, &c.claims).await
}

fn customer(row: &SqliteRow) -> StoreResult<Customer> {
    Ok(Customer {
        id: uuid(row, "id")?,
        partition: partition(row, "partition_id")?,
        email: get(row, "email")?,
        display_name: get(row, "display_name")?,
        enabled: get(row, "enabled")?,
        claims: standard_claims::read(row)?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

#[async_trait]
impl CustomerRepository for SqliteStore {
    async fn create_customer(&self, c: &CustomerRecord, audit: &AuditEvent) -> StoreResult<()> {
        let p = &c.customer.partition;
        let mut tx = self.write().await?;
        crate::partitions::require(&mut tx, p).await?;
        insert(&mut tx, p, c).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_customer(&self, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Option<Customer>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE partition_id = ? AND id = ?"
        ))
        .bind(p.as_str())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(customer)
        .transpose()
    }

    async fn find_customer_by_email(
        &self,
        p: &PartitionId,
        email: &str,
    ) -> StoreResult<Option<CustomerRecord>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE partition_id = ? AND email_key = ?"
        ))
        .bind(p.as_str())
        .bind(email.to_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(|r| {
            Ok(CustomerRecord {
                customer: customer(r)?,
                password_hash: get(r, "password_hash")?,
            })
        })
        .transpose()
    }

    async fn list_customers(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<Customer>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE partition_id = ? AND seq > ? \
             ORDER BY seq LIMIT ?"
        ))
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let rows = rows
            .iter()
            .map(|r| Ok((get(r, "seq")?, customer(r)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }

    async fn update_customer(
        &self,
        c: &Customer,
        password_hash: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>> {
        let mut tx = self.write().await?;
        // Whether it was enabled before: disabling (true to false) signs the customer out.
        let was_enabled: Option<bool> =
            sqlx::query_scalar("SELECT enabled FROM customers WHERE partition_id = ? AND id = ?")
                .bind(c.partition.as_str())
                .bind(c.id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let Some(was_enabled) = was_enabled else {
            return Err(StoreError::NotFound);
        };
        let done = sqlx::query(
            "UPDATE customers SET email = ?, email_key = ?, display_name = ?, enabled = ?, \
             password_hash = COALESCE(?, password_hash), updated_at = ? \
             WHERE partition_id = ? AND id = ?",
        )
        .bind(&c.email)
        .bind(c.email.to_lowercase())
        .bind(&c.display_name)
        .bind(c.enabled)
        .bind(password_hash)
        .bind(micros(c.updated_at))
        .bind(c.partition.as_str())
        .bind(c.id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        standard_claims::write(&mut tx, Accounts::Customers, &c.partition, c.id, &c.claims).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let ended = if password_hash.is_some() || (was_enabled && !c.enabled) {
            crate::sessions::end_everything_of(
                &mut tx,
                &c.partition,
                Realm::Customers,
                c.id,
                c.updated_at,
            )
            .await?
        } else {
            Vec::new()
        };
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ended)
    }

    async fn delete_customer(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM customers WHERE partition_id = ? AND id = ?")
            .bind(p.as_str())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
