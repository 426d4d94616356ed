//! Customers. Emails are unique per partition, compared through a lower-cased key column.

use async_trait::async_trait;
use tessera_domain::audit::AuditEvent;
use tessera_domain::customer::Customer;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{CustomerRecord, CustomerRepository, StoreError, StoreResult};
use tessera_domain::{PartitionId, Realm};

use crate::codec::{get, partition, time, ts, uid, uuid};
use crate::error::{db, expect_one};
use crate::standard_claims::{self, Accounts};
use crate::{DbConnection, DbRow, DbStore, audit};

const COLUMNS: &str = "seq, partition_id, id, email, display_name, enabled, password_hash, created_at, updated_at, \
     given_name, family_name, locale, zoneinfo, email_verified, phone_number, \
     phone_number_verified, address";

/// Inserts a customer (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut DbConnection,
    p: &PartitionId,
    r: &CustomerRecord,
) -> StoreResult<()> {
    let c = &r.customer;
    sqlx::query(
        "INSERT INTO customers (partition_id, id, email, email_key, display_name, enabled, \
         password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.as_str())
    .bind(uid(c.id))
    .bind(&c.email)
    .bind(c.email.to_lowercase())
    .bind(&c.display_name)
    .bind(c.enabled)
    .bind(&r.password_hash)
    .bind(ts(c.created_at))
    .bind(ts(c.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    standard_claims::write(conn, Accounts::Customers, p, c.id, &c.claims).await
}

fn customer(row: &DbRow) -> StoreResult<Customer> {
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
impl CustomerRepository for DbStore {
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
            "SELECT {COLUMNS} FROM customers WHERE partition_id = $1 AND id = $2"
        ))
        .bind(p.as_str())
        .bind(uid(id))
        .fetch_optional(&mut *self.conn().await?)
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
            "SELECT {COLUMNS} FROM customers WHERE partition_id = $1 AND email_key = $2"
        ))
        .bind(p.as_str())
        .bind(email.to_lowercase())
        .fetch_optional(&mut *self.conn().await?)
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
            "SELECT {COLUMNS} FROM customers WHERE partition_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3"
        ))
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&mut *self.conn().await?)
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
        let was_enabled: Option<bool> = sqlx::query_scalar(
            "SELECT enabled FROM customers WHERE partition_id = $1 AND id = $2 \
             FOR UPDATE",
        )
        .bind(c.partition.as_str())
        .bind(uid(c.id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(was_enabled) = was_enabled else {
            return Err(StoreError::NotFound);
        };
        let done = sqlx::query(
            "UPDATE customers SET email = $1, email_key = $2, display_name = $3, enabled = $4, \
             password_hash = COALESCE($5, password_hash), updated_at = $6 \
             WHERE partition_id = $7 AND id = $8",
        )
        .bind(&c.email)
        .bind(c.email.to_lowercase())
        .bind(&c.display_name)
        .bind(c.enabled)
        .bind(password_hash)
        .bind(ts(c.updated_at))
        .bind(c.partition.as_str())
        .bind(uid(c.id))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        standard_claims::write(&mut tx, Accounts::Customers, &c.partition, c.id, &c.claims).await?;
        expect_one(done.rows_affected(), "customer")?;
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
        let done = sqlx::query("DELETE FROM customers WHERE partition_id = $1 AND id = $2")
            .bind(p.as_str())
            .bind(uid(id))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        expect_one(done.rows_affected(), "customer")?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
