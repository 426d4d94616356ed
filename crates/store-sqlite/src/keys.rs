//! Signing keys and their rotation (next → active → retired).

use async_trait::async_trait;
use tessera_domain::audit::AuditEvent;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::signing_key::{KeyState, SigningAlg, SigningKey};
use tessera_domain::store::{SigningKeyRepository, StoreResult};
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;

use crate::codec::{doc, get, json, opt_time, opt_ts, parsed, partition, time, ts};
use crate::error::{db, expect_one};
use crate::{DbConnection, DbRow, DbStore, audit};

/// Inserts a key as given (shared with partition creation).
pub(crate) async fn insert(
    conn: &mut DbConnection,
    p: &PartitionId,
    k: &SigningKey,
) -> StoreResult<()> {
    insert_as(conn, p, k.realm, k, k.state, k.retired_at).await
}

async fn insert_as(
    conn: &mut DbConnection,
    p: &PartitionId,
    realm: Realm,
    k: &SigningKey,
    state: KeyState,
    retired_at: Option<OffsetDateTime>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signing_keys (partition_id, kid, realm, alg, state, public_jwk, \
         private_key_encrypted, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(p.as_str())
    .bind(&k.kid)
    .bind(realm.as_str())
    .bind(k.alg.as_str())
    .bind(state.as_str())
    .bind(doc(&k.public_jwk)?)
    .bind(&k.private_key_encrypted)
    .bind(ts(k.created_at))
    .bind(opt_ts(retired_at))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

fn key(row: &DbRow) -> StoreResult<SigningKey> {
    Ok(SigningKey {
        kid: get(row, "kid")?,
        partition: partition(row, "partition_id")?,
        realm: parsed(row, "realm", Realm::parse)?,
        alg: parsed(row, "alg", SigningAlg::parse)?,
        state: parsed(row, "state", KeyState::parse)?,
        public_jwk: json(row, "public_jwk")?,
        private_key_encrypted: get(row, "private_key_encrypted")?,
        created_at: time(row, "created_at")?,
        retired_at: opt_time(row, "retired_at")?,
    })
}

#[async_trait]
impl SigningKeyRepository for DbStore {
    async fn list_signing_keys(&self, p: &PartitionId) -> StoreResult<Vec<SigningKey>> {
        sqlx::query(
            "SELECT partition_id, kid, realm, alg, state, public_jwk, private_key_encrypted, \
             created_at, retired_at FROM signing_keys WHERE partition_id = $1 ORDER BY seq",
        )
        .bind(p.as_str())
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .iter()
        .map(key)
        .collect()
    }

    async fn page_signing_keys(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<SigningKey>> {
        let rows = sqlx::query(
            "SELECT seq, partition_id, kid, realm, alg, state, public_jwk, private_key_encrypted, \
             created_at, retired_at FROM signing_keys WHERE partition_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3",
        )
        .bind(p.as_str())
        .bind(page.after_seq())
        .bind(page.fetch())
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((get(r, "seq")?, key(r)?)))
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }

    /// Per algorithm of `new_next`: retires the active key, promotes the next one and publishes
    /// the new key (stored as `next` in `p`/`realm` whatever its own fields say). A family
    /// without a next key (an algorithm the realm did not have yet) keeps its active key, if any,
    /// and only gains the new key: promoting a key nobody has seen in the JWKS yet would break
    /// verifiers, so the switch happens at the following rotation.
    async fn rotate_signing_keys(
        &self,
        p: &PartitionId,
        realm: Realm,
        new_next: &[SigningKey],
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        // One rotation per partition at a time: a second one waits, then sees this one's result.
        crate::partitions::lock(&mut tx, p).await?;
        for key in new_next {
            let next: Option<String> = sqlx::query_scalar(
                "SELECT kid FROM signing_keys WHERE partition_id = $1 AND realm = $2 \
                 AND alg = $3 AND state = 'next'",
            )
            .bind(p.as_str())
            .bind(realm.as_str())
            .bind(key.alg.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if let Some(next) = next {
                sqlx::query(
                    "UPDATE signing_keys SET state = 'retired', retired_at = $1 \
                     WHERE partition_id = $2 AND realm = $3 AND alg = $4 AND state = 'active'",
                )
                .bind(ts(now))
                .bind(p.as_str())
                .bind(realm.as_str())
                .bind(key.alg.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query(
                    "UPDATE signing_keys SET state = 'active' WHERE partition_id = $1 AND kid = $2",
                )
                .bind(p.as_str())
                .bind(next)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
            insert_as(&mut tx, p, realm, key, KeyState::Next, None).await?;
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn withdraw_signing_key(
        &self,
        p: &PartitionId,
        kid: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "DELETE FROM signing_keys WHERE partition_id = $1 AND kid = $2 AND state = 'retired'",
        )
        .bind(p.as_str())
        .bind(kid)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        expect_one(done.rows_affected(), "signing key")?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn purge_retired_keys(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let done =
            sqlx::query("DELETE FROM signing_keys WHERE state = 'retired' AND retired_at < $1")
                .bind(ts(before))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected())
    }
}
