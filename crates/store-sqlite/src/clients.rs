//! Client applications and their permission assignments (their secrets live in
//! `client_secrets.rs`).

use async_trait::async_trait;
use tessera_domain::audit::AuditEvent;
use tessera_domain::client::edits::ClientEditRepository;
use tessera_domain::client::search::{ClientQuery, Counted};
use tessera_domain::client::{ClientApplication, Platform, ResourceType};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::secret::{ClientSecret, StoredSecret};
use tessera_domain::signing_key::SigningAlg;
use tessera_domain::store::{ClientRepository, StoreError, StoreResult};
use tessera_domain::{ClientId, PartitionId};
use time::OffsetDateTime;

use crate::codec::{
    get, int, parsed, partition, string_list, strings, time, ts, u32_col, uid, uuid,
};
use crate::error::{db, expect_one};
use crate::{DbConnection, DbRow, DbStore, audit, client_secrets};

/// The client's columns plus its assigned permissions as a list, so a client and its
/// permissions are read in one statement (one snapshot).
const SELECT: &str = "SELECT c.seq, c.partition_id, c.client_id, c.name, c.resource_type, \
     c.platform, c.redirect_urls, c.post_logout_redirect_urls, c.obo_enabled, \
     c.token_exchange_enabled, c.access_token_ttl, c.enabled, c.id_token_signed_response_alg, \
     c.backchannel_logout_uri, c.backchannel_logout_session_required, \
     c.frontchannel_logout_uri, c.frontchannel_logout_session_required, \
     c.created_at, c.updated_at, \
     (SELECT json_group_array(cp.permission) FROM client_permissions cp \
      WHERE cp.partition_id = c.partition_id AND cp.client_id = c.client_id) AS permissions \
     FROM client_applications c";

fn resource_type(s: &str) -> Option<ResourceType> {
    (s == "global").then_some(ResourceType::Global)
}

fn resource_type_name(r: ResourceType) -> &'static str {
    match r {
        ResourceType::Global => "global",
    }
}

fn client(row: &DbRow) -> StoreResult<ClientApplication> {
    let mut permissions = strings(row, "permissions")?;
    permissions.sort();
    Ok(ClientApplication {
        partition: partition(row, "partition_id")?,
        client_id: uuid(row, "client_id")?,
        name: get(row, "name")?,
        resource_type: parsed(row, "resource_type", resource_type)?,
        platform: parsed(row, "platform", Platform::parse)?,
        redirect_urls: strings(row, "redirect_urls")?,
        post_logout_redirect_urls: strings(row, "post_logout_redirect_urls")?,
        obo_enabled: get(row, "obo_enabled")?,
        token_exchange_enabled: get(row, "token_exchange_enabled")?,
        access_token_ttl: u32_col(row, "access_token_ttl")?,
        enabled: get(row, "enabled")?,
        id_token_signed_response_alg: parsed(
            row,
            "id_token_signed_response_alg",
            SigningAlg::parse,
        )?,
        backchannel_logout_uri: get(row, "backchannel_logout_uri")?,
        backchannel_logout_session_required: get(row, "backchannel_logout_session_required")?,
        frontchannel_logout_uri: get(row, "frontchannel_logout_uri")?,
        frontchannel_logout_session_required: get(row, "frontchannel_logout_session_required")?,
        permissions,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

/// Inserts a client with its permissions (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut DbConnection,
    p: &PartitionId,
    c: &ClientApplication,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO client_applications (partition_id, client_id, name, resource_type, platform, \
         redirect_urls, post_logout_redirect_urls, obo_enabled, token_exchange_enabled, \
         access_token_ttl, enabled, id_token_signed_response_alg, backchannel_logout_uri, \
         backchannel_logout_session_required, frontchannel_logout_uri, \
         frontchannel_logout_session_required, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(p.as_str())
    .bind(uid(c.client_id))
    .bind(&c.name)
    .bind(resource_type_name(c.resource_type))
    .bind(c.platform.as_str())
    .bind(string_list(&c.redirect_urls)?)
    .bind(string_list(&c.post_logout_redirect_urls)?)
    .bind(c.obo_enabled)
    .bind(c.token_exchange_enabled)
    .bind(int(c.access_token_ttl)?)
    .bind(c.enabled)
    .bind(c.id_token_signed_response_alg.as_str())
    .bind(c.backchannel_logout_uri.as_deref())
    .bind(c.backchannel_logout_session_required)
    .bind(c.frontchannel_logout_uri.as_deref())
    .bind(c.frontchannel_logout_session_required)
    .bind(ts(c.created_at))
    .bind(ts(c.updated_at))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    assign_permissions(conn, p, c.client_id, &c.permissions).await
}

/// Adds permission assignments after checking each name is in the catalog, so the error names
/// the first unknown permission instead of a constraint.
async fn assign_permissions(
    conn: &mut DbConnection,
    p: &PartitionId,
    id: ClientId,
    permissions: &[String],
) -> StoreResult<()> {
    for name in permissions {
        let known = sqlx::query("SELECT 1 FROM permissions WHERE partition_id = $1 AND name = $2")
            .bind(p.as_str())
            .bind(name)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .is_some();
        if !known {
            return Err(StoreError::UnknownReference(
                tessera_domain::store::Reference::Permission(name.clone()),
            ));
        }
    }
    for name in permissions {
        sqlx::query(
            "INSERT INTO client_permissions (partition_id, client_id, permission) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(p.as_str())
        .bind(uid(id))
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Fails with [`StoreError::NotFound`] unless the client exists in the partition. The write
/// transaction's `BEGIN IMMEDIATE` already holds the database's write lock, so secret-cap checks
/// and permission replacements on one client run one at a time.
pub(crate) async fn lock(
    conn: &mut DbConnection,
    p: &PartitionId,
    id: ClientId,
) -> StoreResult<()> {
    let found = sqlx::query(
        "SELECT 1 FROM client_applications WHERE partition_id = $1 AND client_id = $2 \
         -- no FOR NO KEY UPDATE: BEGIN IMMEDIATE holds the write lock",
    )
    .bind(p.as_str())
    .bind(uid(id))
    .fetch_optional(conn)
    .await
    .map_err(db)?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

/// Replaces a client's fields; with `read_at`, only if its `updated_at` is still that
/// ([`StoreError::Stale`] otherwise), in the same statement, so no update is lost.
async fn update(
    store: &DbStore,
    c: &ClientApplication,
    read_at: Option<OffsetDateTime>,
    audit: &AuditEvent,
) -> StoreResult<()> {
    let mut tx = store.write().await?;
    let done = sqlx::query(
        "UPDATE client_applications SET name = $1, resource_type = $2, platform = $3, \
         redirect_urls = $4, post_logout_redirect_urls = $5, obo_enabled = $6, \
         token_exchange_enabled = $7, access_token_ttl = $8, enabled = $9, \
         id_token_signed_response_alg = $10, backchannel_logout_uri = $11, \
         backchannel_logout_session_required = $12, frontchannel_logout_uri = $13, \
         frontchannel_logout_session_required = $14, updated_at = $15 \
         WHERE partition_id = $16 AND client_id = $17 AND updated_at = COALESCE($18, updated_at)",
    )
    .bind(&c.name)
    .bind(resource_type_name(c.resource_type))
    .bind(c.platform.as_str())
    .bind(string_list(&c.redirect_urls)?)
    .bind(string_list(&c.post_logout_redirect_urls)?)
    .bind(c.obo_enabled)
    .bind(c.token_exchange_enabled)
    .bind(int(c.access_token_ttl)?)
    .bind(c.enabled)
    .bind(c.id_token_signed_response_alg.as_str())
    .bind(c.backchannel_logout_uri.as_deref())
    .bind(c.backchannel_logout_session_required)
    .bind(c.frontchannel_logout_uri.as_deref())
    .bind(c.frontchannel_logout_session_required)
    .bind(ts(c.updated_at))
    .bind(c.partition.as_str())
    .bind(uid(c.client_id))
    .bind(read_at.map(ts))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 && read_at.is_some() {
        lock(&mut tx, &c.partition, c.client_id).await?;
        return Err(StoreError::Stale);
    }
    expect_one(done.rows_affected(), "client")?;
    audit::insert(&mut tx, audit).await?;
    tx.commit().await.map_err(db)
}

#[async_trait]
impl ClientRepository for DbStore {
    async fn create_client(&self, c: &ClientApplication, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.write().await?;
        crate::partitions::require(&mut tx, &c.partition).await?;
        insert(&mut tx, &c.partition, c).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_client(
        &self,
        p: &PartitionId,
        id: ClientId,
    ) -> StoreResult<Option<ClientApplication>> {
        sqlx::query(&format!(
            "{SELECT} WHERE c.partition_id = $1 AND c.client_id = $2"
        ))
        .bind(p.as_str())
        .bind(uid(id))
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(client)
        .transpose()
    }

    async fn list_clients(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<ClientApplication>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE c.partition_id = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3"
        ))
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let rows = rows
            .iter()
            .map(|r| Ok((get(r, "seq")?, client(r)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }

    async fn enabled_spa_redirect_urls(&self, p: &PartitionId) -> StoreResult<Vec<Vec<String>>> {
        let rows = sqlx::query(
            "SELECT redirect_urls FROM client_applications WHERE partition_id = $1 AND platform = 'spa' AND enabled = 1",
        )
        .bind(p.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(|r| strings(r, "redirect_urls")).collect()
    }

    async fn update_client(&self, c: &ClientApplication, audit: &AuditEvent) -> StoreResult<()> {
        update(self, c, None, audit).await
    }

    async fn delete_client(
        &self,
        p: &PartitionId,
        id: ClientId,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        // Secrets and permission assignments go with it (ON DELETE CASCADE).
        let done = sqlx::query(
            "DELETE FROM client_applications WHERE partition_id = $1 AND client_id = $2",
        )
        .bind(p.as_str())
        .bind(uid(id))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        expect_one(done.rows_affected(), "client")?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_client_permissions(
        &self,
        p: &PartitionId,
        id: ClientId,
        permissions: &[String],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        lock(&mut tx, p, id).await?;
        sqlx::query("DELETE FROM client_permissions WHERE partition_id = $1 AND client_id = $2")
            .bind(p.as_str())
            .bind(uid(id))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        assign_permissions(&mut tx, p, id, permissions).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_client_secrets(
        &self,
        p: &PartitionId,
        id: ClientId,
        page: PageRequest,
    ) -> StoreResult<Page<ClientSecret>> {
        client_secrets::page(self, p, id, page).await
    }

    async fn client_secret_hashes(
        &self,
        p: &PartitionId,
        id: ClientId,
    ) -> StoreResult<Vec<StoredSecret>> {
        client_secrets::list(self, p, id).await
    }

    async fn add_client_secret(
        &self,
        s: &StoredSecret,
        max_unexpired: u32,
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        client_secrets::add(self, s, max_unexpired, now, audit).await
    }

    async fn delete_client_secret(
        &self,
        p: &PartitionId,
        client: ClientId,
        secret: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        client_secrets::delete(self, p, client, secret, audit).await
    }

    async fn touch_client_secrets(&self, used: &[(uuid::Uuid, OffsetDateTime)]) -> StoreResult<()> {
        client_secrets::touch(self, used).await
    }
}

#[async_trait]
impl ClientEditRepository for DbStore {
    async fn update_client_if(
        &self,
        c: &ClientApplication,
        read_at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        update(self, c, Some(read_at), audit).await
    }

    async fn search_clients(
        &self,
        p: &PartitionId,
        q: &ClientQuery,
    ) -> StoreResult<Counted<ClientApplication>> {
        let pattern = q.like_pattern();
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE c.partition_id = $1 AND lower(c.name) LIKE $2 ESCAPE '\\' \
             ORDER BY c.seq LIMIT $3 OFFSET $4"
        ))
        .bind(p.as_str())
        .bind(&pattern)
        .bind(i64::from(q.limit))
        .bind(i64::from(q.offset))
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let items = rows.iter().map(client).collect::<StoreResult<Vec<_>>>()?;
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM client_applications \
             WHERE partition_id = $1 AND lower(name) LIKE $2 ESCAPE '\\'",
        )
        .bind(p.as_str())
        .bind(&pattern)
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(Counted {
            items,
            total: u64::try_from(total).unwrap_or(0),
        })
    }
}
