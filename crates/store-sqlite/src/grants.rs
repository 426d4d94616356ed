//! Grants of the authorization code flow: codes, refresh tokens, issued access tokens and their
//! revocation. Single use is enforced by the database (`… WHERE consumed_at IS NULL` inside a
//! `BEGIN IMMEDIATE` transaction), not by a read followed by a write.

use async_trait::async_trait;
use tessera_domain::auth_method::AuthMethod;
use tessera_domain::grant::{
    AuthorizationCode, CodeLookup, CodeRedemption, Grant, IssuedAccessToken, RefreshToken, Rotation,
};
use tessera_domain::store::{GrantRepository, StoreResult};
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;

use crate::codec::{
    flag, get, opt_doc, opt_json, opt_time, opt_ts, parsed, partition, time, ts, uid, uuid,
};
use crate::error::db;
use crate::{DbConnection, DbRow, DbStore};

/// A grant's columns (table alias `g`); its times are renamed so they can sit beside a code's
/// or token's own in one row.
const GRANT_COLUMNS: &str = "g.partition_id, g.id, g.realm, g.client_id, g.subject_id, g.scope, \
     g.session_id, g.auth_time, g.auth_method, g.claims_request, \
     g.created_at AS grant_created_at, g.expires_at AS grant_expires_at, g.revoked_at";

fn grant(row: &DbRow) -> StoreResult<Grant> {
    Ok(Grant {
        id: uuid(row, "id")?,
        partition: partition(row, "partition_id")?,
        realm: parsed(row, "realm", Realm::parse)?,
        client_id: uuid(row, "client_id")?,
        subject: uuid(row, "subject_id")?,
        scope: get(row, "scope")?,
        session_id: uuid(row, "session_id")?,
        auth_time: time(row, "auth_time")?,
        auth_method: parsed(row, "auth_method", AuthMethod::parse)?,
        claims_request: opt_json(row, "claims_request")?,
        created_at: time(row, "grant_created_at")?,
        expires_at: time(row, "grant_expires_at")?,
        revoked_at: opt_time(row, "revoked_at")?,
    })
}

fn code(row: &DbRow) -> StoreResult<AuthorizationCode> {
    Ok(AuthorizationCode {
        hash: get(row, "hash")?,
        partition: partition(row, "partition_id")?,
        grant_id: uuid(row, "grant_id")?,
        redirect_uri: get(row, "redirect_uri")?,
        nonce: get(row, "nonce")?,
        code_challenge: get(row, "code_challenge")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

fn refresh_token(row: &DbRow) -> StoreResult<RefreshToken> {
    Ok(RefreshToken {
        hash: get(row, "hash")?,
        partition: partition(row, "partition_id")?,
        grant_id: uuid(row, "grant_id")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
        used_at: opt_time(row, "used_at")?,
    })
}

async fn insert_refresh_token(conn: &mut DbConnection, t: &RefreshToken) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (partition_id, hash, grant_id, created_at, expires_at, \
         used_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.partition.as_str())
    .bind(&t.hash)
    .bind(uid(t.grant_id))
    .bind(ts(t.created_at))
    .bind(ts(t.expires_at))
    .bind(opt_ts(t.used_at))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn insert_access_token(conn: &mut DbConnection, t: &IssuedAccessToken) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO issued_access_tokens (partition_id, jti, grant_id, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(t.partition.as_str())
    .bind(uid(t.jti))
    .bind(uid(t.grant_id))
    .bind(ts(t.expires_at))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl GrantRepository for DbStore {
    /// Stores the grant and its code; [`StoreError::UnknownReference`] when the client (or
    /// partition) does not exist, [`StoreError::Conflict`] when the code's hash is taken.
    ///
    /// [`StoreError::UnknownReference`]: tessera_domain::store::StoreError::UnknownReference
    /// [`StoreError::Conflict`]: tessera_domain::store::StoreError::Conflict
    async fn create_grant(&self, g: &Grant, c: &AuthorizationCode) -> StoreResult<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO grants (partition_id, id, realm, client_id, subject_id, scope, \
             session_id, auth_time, auth_method, claims_request, created_at, expires_at, \
             revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(g.partition.as_str())
        .bind(uid(g.id))
        .bind(g.realm.as_str())
        .bind(uid(g.client_id))
        .bind(uid(g.subject))
        .bind(&g.scope)
        .bind(uid(g.session_id))
        .bind(ts(g.auth_time))
        .bind(g.auth_method.as_str())
        .bind(opt_doc(g.claims_request.as_ref())?)
        .bind(ts(g.created_at))
        .bind(ts(g.expires_at))
        .bind(opt_ts(g.revoked_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO authorization_codes (partition_id, hash, grant_id, redirect_uri, nonce, \
             code_challenge, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(c.partition.as_str())
        .bind(&c.hash)
        .bind(uid(c.grant_id))
        .bind(&c.redirect_uri)
        .bind(c.nonce.as_deref())
        .bind(c.code_challenge.as_deref())
        .bind(ts(c.created_at))
        .bind(ts(c.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn find_code(&self, p: &PartitionId, hash: &[u8]) -> StoreResult<Option<CodeLookup>> {
        let row = sqlx::query(&format!(
            "SELECT c.hash, c.grant_id, c.redirect_uri, c.nonce, c.code_challenge, \
             c.created_at, c.expires_at, c.consumed_at IS NOT NULL AS consumed, {GRANT_COLUMNS} \
             FROM authorization_codes c \
             JOIN grants g ON g.partition_id = c.partition_id AND g.id = c.grant_id \
             WHERE c.partition_id = $1 AND c.hash = $2"
        ))
        .bind(p.as_str())
        .bind(hash)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        row.map(|row| {
            Ok(CodeLookup {
                code: code(&row)?,
                grant: grant(&row)?,
                consumed: flag(&row, "consumed")?,
            })
        })
        .transpose()
    }

    /// Consumes the code with one conditional `UPDATE … RETURNING`, then reads its grant in the
    /// same transaction; `BEGIN IMMEDIATE` serialises concurrent redemptions, so the second finds
    /// `consumed_at` set.
    async fn redeem_code(
        &self,
        p: &PartitionId,
        hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<CodeRedemption> {
        let mut tx = self.write().await?;
        let consumed = sqlx::query(
            "UPDATE authorization_codes SET consumed_at = $3 \
             WHERE partition_id = $1 AND hash = $2 AND consumed_at IS NULL \
             RETURNING partition_id, hash, grant_id, redirect_uri, nonce, code_challenge, \
             created_at, expires_at",
        )
        .bind(p.as_str())
        .bind(hash)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(row) = consumed {
            let code = code(&row)?;
            let grant_row = sqlx::query(&format!(
                "SELECT {GRANT_COLUMNS} FROM grants g WHERE g.partition_id = $1 AND g.id = $2"
            ))
            .bind(p.as_str())
            .bind(uid(code.grant_id))
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let grant = grant(&grant_row)?;
            tx.commit().await.map_err(db)?;
            return Ok(CodeRedemption::Redeemed { code, grant });
        }
        let grant_id = sqlx::query(
            "SELECT grant_id FROM authorization_codes WHERE partition_id = $1 AND hash = $2",
        )
        .bind(p.as_str())
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(|row| uuid(&row, "grant_id"))
        .transpose()?;
        Ok(match grant_id {
            Some(grant_id) => CodeRedemption::Replayed { grant_id },
            None => CodeRedemption::Unknown,
        })
    }

    async fn record_issued(
        &self,
        access: &IssuedAccessToken,
        refresh: Option<&RefreshToken>,
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        insert_access_token(&mut tx, access).await?;
        if let Some(refresh) = refresh {
            insert_refresh_token(&mut tx, refresh).await?;
        }
        tx.commit().await.map_err(db)
    }

    async fn find_refresh_token(
        &self,
        p: &PartitionId,
        hash: &[u8],
    ) -> StoreResult<Option<(RefreshToken, Grant)>> {
        let row = sqlx::query(&format!(
            "SELECT r.hash, r.grant_id, r.created_at, r.expires_at, r.used_at, {GRANT_COLUMNS} \
             FROM refresh_tokens r \
             JOIN grants g ON g.partition_id = r.partition_id AND g.id = r.grant_id \
             WHERE r.partition_id = $1 AND r.hash = $2"
        ))
        .bind(p.as_str())
        .bind(hash)
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        row.map(|row| Ok((refresh_token(&row)?, grant(&row)?)))
            .transpose()
    }

    /// A token that is not there (another partition's, or purged meanwhile) cannot be rotated
    /// either: [`Rotation::AlreadyUsed`], nothing written.
    async fn rotate_refresh_token(
        &self,
        p: &PartitionId,
        old_hash: &[u8],
        now: OffsetDateTime,
        new: &RefreshToken,
        access: &IssuedAccessToken,
    ) -> StoreResult<Rotation> {
        // Committed together with the rotations waiting beside it (`rotations.rs`).
        self.rotate_in_batch(p, old_hash, now, new, access).await
    }

    /// Keeps the first revocation time. An unknown grant id is not an error: the id comes
    /// from the database, and the grant may have been purged or its client deleted meanwhile.
    async fn revoke_grant(
        &self,
        p: &PartitionId,
        grant_id: uuid::Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE grants SET revoked_at = COALESCE(revoked_at, $1) \
             WHERE partition_id = $2 AND id = $3",
        )
        .bind(ts(now))
        .bind(p.as_str())
        .bind(uid(grant_id))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    /// Revoking a token twice keeps the first row.
    async fn revoke_access_token(
        &self,
        p: &PartitionId,
        jti: uuid::Uuid,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO revoked_access_tokens (partition_id, jti, expires_at) \
             VALUES ($1, $2, $3) ON CONFLICT (partition_id, jti) DO NOTHING",
        )
        .bind(p.as_str())
        .bind(uid(jti))
        .bind(ts(expires_at))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn is_access_token_revoked(&self, p: &PartitionId, jti: uuid::Uuid) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM revoked_access_tokens \
              WHERE partition_id = $1 AND jti = $2) \
             OR EXISTS (SELECT 1 FROM issued_access_tokens i \
              JOIN grants g ON g.partition_id = i.partition_id AND g.id = i.grant_id \
              WHERE i.partition_id = $1 AND i.jti = $2 AND g.revoked_at IS NOT NULL) AS revoked",
        )
        .bind(p.as_str())
        .bind(uid(jti))
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        flag(&row, "revoked")
    }

    async fn access_token_grant(
        &self,
        p: &PartitionId,
        jti: uuid::Uuid,
    ) -> StoreResult<Option<Grant>> {
        let row = sqlx::query(&format!(
            "SELECT {GRANT_COLUMNS} FROM issued_access_tokens i \
             JOIN grants g ON g.partition_id = i.partition_id AND g.id = i.grant_id \
             WHERE i.partition_id = $1 AND i.jti = $2"
        ))
        .bind(p.as_str())
        .bind(uid(jti))
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        row.as_ref().map(grant).transpose()
    }

    /// Deletes everything that expired before `before`, in one transaction. A grant stays while
    /// an access token issued from it is unexpired, so revoking the grant still revokes that
    /// token. The count leaves out rows that went with their grant (ON DELETE CASCADE): codes
    /// and refresh tokens expire before their grant, so there are none in practice.
    async fn purge_expired_grants(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let mut purged = 0;
        for sql in [
            "DELETE FROM authorization_codes WHERE expires_at < $1",
            "DELETE FROM refresh_tokens WHERE expires_at < $1",
            "DELETE FROM issued_access_tokens WHERE expires_at < $1",
            "DELETE FROM revoked_access_tokens WHERE expires_at < $1",
            "DELETE FROM browser_sessions WHERE expires_at < $1",
            "DELETE FROM grants AS g WHERE g.expires_at < $1 AND NOT EXISTS (\
             SELECT 1 FROM issued_access_tokens i \
             WHERE i.partition_id = g.partition_id AND i.grant_id = g.id)",
        ] {
            let done = sqlx::query(sql)
                .bind(ts(before))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            purged += done.rows_affected();
        }
        tx.commit().await.map_err(db)?;
        Ok(purged)
    }
}
