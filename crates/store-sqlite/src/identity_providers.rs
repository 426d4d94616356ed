//! External identity providers, capped per partition.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tessera_domain::audit::AuditEvent;
use tessera_domain::identity_provider::{IdentityProvider, MatchAttribute};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{IdentityProviderRepository, StoreError, StoreResult};
use tessera_domain::{PartitionId, Realm};

use crate::codec::{get, json, micros, opt_json, parsed, partition, time, to_json, uuid};
use crate::error::db;
use crate::{SqliteStore, audit};

const COLUMNS: &str = "seq, partition_id, id, name, issuer, jwks_uri, jwks, audiences, realm, \
     match_claim, match_attribute, require_email_verified, enabled, created_at, updated_at";

fn provider(row: &SqliteRow) -> StoreResult<IdentityProvider> {
    Ok(IdentityProvider {
        id: uuid(row, "id")?,
        partition: partition(row, "partition_id")?,
        name: get(row, "name")?,
        issuer: get(row, "issuer")?,
        jwks_uri: get(row, "jwks_uri")?,
        jwks: opt_json(row, "jwks")?,
        audiences: json(row, "audiences")?,
        realm: parsed(row, "realm", Realm::parse)?,
        match_claim: get(row, "match_claim")?,
        match_attribute: parsed(row, "match_attribute", MatchAttribute::parse)?,
        require_email_verified: get(row, "require_email_verified")?,
        enabled: get(row, "enabled")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

fn jwks_text(idp: &IdentityProvider) -> StoreResult<Option<String>> {
    idp.jwks.as_ref().map(to_json).transpose()
}

#[async_trait]
impl IdentityProviderRepository for SqliteStore {
    async fn create_identity_provider(
        &self,
        idp: &IdentityProvider,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let p = &idp.partition;
        // BEGIN IMMEDIATE: the count and the insert see no other writer in between.
        let mut tx = self.write().await?;
        crate::partitions::require(&mut tx, p).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM identity_providers WHERE partition_id = ?")
                .bind(p.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        if count >= i64::from(max) {
            return Err(StoreError::LimitReached(format!(
                "a partition can have at most {max} identity providers; delete one first"
            )));
        }
        sqlx::query(
            "INSERT INTO identity_providers (partition_id, id, name, issuer, jwks_uri, jwks, \
             audiences, realm, match_claim, match_attribute, require_email_verified, enabled, \
             created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(p.as_str())
        .bind(idp.id.to_string())
        .bind(&idp.name)
        .bind(&idp.issuer)
        .bind(idp.jwks_uri.as_deref())
        .bind(jwks_text(idp)?)
        .bind(to_json(&idp.audiences)?)
        .bind(idp.realm.as_str())
        .bind(&idp.match_claim)
        .bind(idp.match_attribute.as_str())
        .bind(idp.require_email_verified)
        .bind(idp.enabled)
        .bind(micros(idp.created_at))
        .bind(micros(idp.updated_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_identity_provider(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
    ) -> StoreResult<Option<IdentityProvider>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM identity_providers WHERE partition_id = ? AND id = ?"
        ))
        .bind(p.as_str())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(provider)
        .transpose()
    }

    async fn list_identity_providers(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<IdentityProvider>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM identity_providers WHERE partition_id = ? AND seq > ? \
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
            .map(|r| Ok((get(r, "seq")?, provider(r)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }

    async fn update_identity_provider(
        &self,
        idp: &IdentityProvider,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE identity_providers SET name = ?, issuer = ?, jwks_uri = ?, jwks = ?, \
             audiences = ?, realm = ?, match_claim = ?, match_attribute = ?, \
             require_email_verified = ?, enabled = ?, updated_at = ? \
             WHERE partition_id = ? AND id = ?",
        )
        .bind(&idp.name)
        .bind(&idp.issuer)
        .bind(idp.jwks_uri.as_deref())
        .bind(jwks_text(idp)?)
        .bind(to_json(&idp.audiences)?)
        .bind(idp.realm.as_str())
        .bind(&idp.match_claim)
        .bind(idp.match_attribute.as_str())
        .bind(idp.require_email_verified)
        .bind(idp.enabled)
        .bind(micros(idp.updated_at))
        .bind(idp.partition.as_str())
        .bind(idp.id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_identity_provider(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query("DELETE FROM identity_providers WHERE partition_id = ? AND id = ?")
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
