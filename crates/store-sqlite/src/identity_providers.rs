//! External identity providers, capped per partition.

use async_trait::async_trait;
use tessera_domain::audit::AuditEvent;
use tessera_domain::identity_provider::{IdentityProvider, MatchAttribute};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{IdentityProviderRepository, StoreError, StoreResult};
use tessera_domain::{PartitionId, Realm};

use crate::codec::{
    get, opt_doc, opt_json, parsed, partition, string_list, strings, time, ts, uid, uuid,
};
use crate::error::{db, expect_one};
use crate::{DbRow, DbStore, audit};

const COLUMNS: &str = "seq, partition_id, id, name, issuer, jwks_uri, jwks, audiences, realm, \
     match_claim, match_attribute, require_email_verified, enabled, created_at, updated_at";

fn provider(row: &DbRow) -> StoreResult<IdentityProvider> {
    Ok(IdentityProvider {
        id: uuid(row, "id")?,
        partition: partition(row, "partition_id")?,
        name: get(row, "name")?,
        issuer: get(row, "issuer")?,
        jwks_uri: get(row, "jwks_uri")?,
        jwks: opt_json(row, "jwks")?,
        audiences: strings(row, "audiences")?,
        realm: parsed(row, "realm", Realm::parse)?,
        match_claim: get(row, "match_claim")?,
        match_attribute: parsed(row, "match_attribute", MatchAttribute::parse)?,
        require_email_verified: get(row, "require_email_verified")?,
        enabled: get(row, "enabled")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

#[async_trait]
impl IdentityProviderRepository for DbStore {
    async fn create_identity_provider(
        &self,
        idp: &IdentityProvider,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let p = &idp.partition;
        // The partition lock makes concurrent creations count one after the other.
        let mut tx = self.write().await?;
        crate::partitions::lock(&mut tx, p).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM identity_providers WHERE partition_id = $1")
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(p.as_str())
        .bind(uid(idp.id))
        .bind(&idp.name)
        .bind(&idp.issuer)
        .bind(idp.jwks_uri.as_deref())
        .bind(opt_doc(idp.jwks.as_ref())?)
        .bind(string_list(&idp.audiences)?)
        .bind(idp.realm.as_str())
        .bind(&idp.match_claim)
        .bind(idp.match_attribute.as_str())
        .bind(idp.require_email_verified)
        .bind(idp.enabled)
        .bind(ts(idp.created_at))
        .bind(ts(idp.updated_at))
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
            "SELECT {COLUMNS} FROM identity_providers WHERE partition_id = $1 AND id = $2"
        ))
        .bind(p.as_str())
        .bind(uid(id))
        .fetch_optional(&mut *self.conn().await?)
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
            "SELECT {COLUMNS} FROM identity_providers WHERE partition_id = $1 AND seq > $2 \
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
            "UPDATE identity_providers SET name = $1, issuer = $2, jwks_uri = $3, jwks = $4, \
             audiences = $5, realm = $6, match_claim = $7, match_attribute = $8, \
             require_email_verified = $9, enabled = $10, updated_at = $11 \
             WHERE partition_id = $12 AND id = $13",
        )
        .bind(&idp.name)
        .bind(&idp.issuer)
        .bind(idp.jwks_uri.as_deref())
        .bind(opt_doc(idp.jwks.as_ref())?)
        .bind(string_list(&idp.audiences)?)
        .bind(idp.realm.as_str())
        .bind(&idp.match_claim)
        .bind(idp.match_attribute.as_str())
        .bind(idp.require_email_verified)
        .bind(idp.enabled)
        .bind(ts(idp.updated_at))
        .bind(idp.partition.as_str())
        .bind(uid(idp.id))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        expect_one(done.rows_affected(), "identity provider")?;
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
        let done =
            sqlx::query("DELETE FROM identity_providers WHERE partition_id = $1 AND id = $2")
                .bind(p.as_str())
                .bind(uid(id))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        expect_one(done.rows_affected(), "identity provider")?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
