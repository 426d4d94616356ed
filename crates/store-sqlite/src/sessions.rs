//! Browser single sign-on sessions, found by the keyed hash of their cookie value.

use async_trait::async_trait;
use tessera_domain::audit::AuditEvent;
use tessera_domain::auth_method::AuthMethod;
use tessera_domain::session::BrowserSession;
use tessera_domain::store::{SessionRepository, StoreResult};
use tessera_domain::{ClientId, PartitionId, Realm};
use time::OffsetDateTime;

use crate::codec::{get, opt_time, opt_ts, parsed, partition, time, ts, uid, uuid};
use crate::error::db;
use crate::{DbConnection, DbRow, DbStore};

/// Signs an account out everywhere at `now`, inside the caller's transaction (a password change,
/// disabling): its browser sessions end and its grants are revoked, so refresh tokens stop and
/// the access tokens issued from those grants turn inactive at introspection and userinfo.
/// Returns the sessions that were live until now, for the back-channel logout tokens.
pub(crate) async fn end_everything_of(
    conn: &mut DbConnection,
    p: &PartitionId,
    realm: Realm,
    subject: uuid::Uuid,
    now: OffsetDateTime,
) -> StoreResult<Vec<uuid::Uuid>> {
    let ended: Vec<uuid::Uuid> = sqlx::query(
        "UPDATE browser_sessions SET ended_at = $1 \
         WHERE partition_id = $2 AND realm = $3 AND subject_id = $4 AND ended_at IS NULL \
         AND expires_at > $1 RETURNING id",
    )
    .bind(ts(now))
    .bind(p.as_str())
    .bind(realm.as_str())
    .bind(uid(subject))
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .iter()
    .map(|row| uuid(row, "id"))
    .collect::<StoreResult<_>>()?;
    for sql in [
        "UPDATE browser_sessions SET ended_at = $1 \
         WHERE partition_id = $2 AND realm = $3 AND subject_id = $4 AND ended_at IS NULL",
        "UPDATE grants SET revoked_at = $1 \
         WHERE partition_id = $2 AND realm = $3 AND subject_id = $4 AND revoked_at IS NULL",
    ] {
        sqlx::query(sql)
            .bind(ts(now))
            .bind(p.as_str())
            .bind(realm.as_str())
            .bind(uid(subject))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    Ok(ended)
}

macro_rules! columns {
    () => {
        "partition_id, id, hash, realm, subject_id, auth_time, auth_method, expires_at, ended_at"
    };
}

const COLUMNS: &str = columns!();

const SELECT: &str = concat!("SELECT ", columns!(), " FROM browser_sessions");

fn session(row: &DbRow) -> StoreResult<BrowserSession> {
    Ok(BrowserSession {
        id: uuid(row, "id")?,
        hash: get(row, "hash")?,
        partition: partition(row, "partition_id")?,
        realm: parsed(row, "realm", Realm::parse)?,
        subject: uuid(row, "subject_id")?,
        auth_time: time(row, "auth_time")?,
        auth_method: parsed(row, "auth_method", AuthMethod::parse)?,
        expires_at: time(row, "expires_at")?,
        ended_at: opt_time(row, "ended_at")?,
    })
}

#[async_trait]
impl SessionRepository for DbStore {
    /// [`StoreError::Conflict`] when the id or hash is taken, [`StoreError::UnknownReference`]
    /// when the partition does not exist.
    ///
    /// [`StoreError::Conflict`]: tessera_domain::store::StoreError::Conflict
    /// [`StoreError::UnknownReference`]: tessera_domain::store::StoreError::UnknownReference
    async fn create_session(&self, s: &BrowserSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO browser_sessions (partition_id, id, hash, realm, subject_id, auth_time, \
             auth_method, expires_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(s.partition.as_str())
        .bind(uid(s.id))
        .bind(&s.hash)
        .bind(s.realm.as_str())
        .bind(uid(s.subject))
        .bind(ts(s.auth_time))
        .bind(s.auth_method.as_str())
        .bind(ts(s.expires_at))
        .bind(opt_ts(s.ended_at))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn find_session(
        &self,
        p: &PartitionId,
        realm: Realm,
        hash: &[u8],
    ) -> StoreResult<Option<BrowserSession>> {
        sqlx::query(&format!(
            "{SELECT} WHERE partition_id = $1 AND hash = $2 AND realm = $3"
        ))
        .bind(p.as_str())
        .bind(hash)
        .bind(realm.as_str())
        .fetch_optional(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .as_ref()
        .map(session)
        .transpose()
    }

    async fn get_session(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
    ) -> StoreResult<Option<BrowserSession>> {
        sqlx::query(&format!("{SELECT} WHERE partition_id = $1 AND id = $2"))
            .bind(p.as_str())
            .bind(uid(id))
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?
            .as_ref()
            .map(session)
            .transpose()
    }

    /// Keeps the first end time. An unknown id is not an error: the id comes from the
    /// database (an ID token's `sid`), and the session may have been purged meanwhile.
    async fn end_session(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE browser_sessions SET ended_at = COALESCE(ended_at, $1) \
             WHERE partition_id = $2 AND id = $3",
        )
        .bind(ts(now))
        .bind(p.as_str())
        .bind(uid(id))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn end_account_sessions(
        &self,
        p: &PartitionId,
        realm: Realm,
        subject: uuid::Uuid,
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<BrowserSession>> {
        let mut tx = self.write().await?;
        let ended = sqlx::query(&format!(
            "UPDATE browser_sessions SET ended_at = $1 \
             WHERE partition_id = $2 AND realm = $3 AND subject_id = $4 \
             AND ended_at IS NULL AND expires_at > $1 RETURNING {COLUMNS}"
        ))
        .bind(ts(now))
        .bind(p.as_str())
        .bind(realm.as_str())
        .bind(uid(subject))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(session)
        .collect::<StoreResult<Vec<_>>>()?;
        for s in &ended {
            sqlx::query(
                "UPDATE grants SET revoked_at = $1 \
                 WHERE partition_id = $2 AND session_id = $3 AND revoked_at IS NULL",
            )
            .bind(ts(now))
            .bind(p.as_str())
            .bind(uid(s.id))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        crate::audit::insert(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ended)
    }

    async fn session_clients(&self, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Vec<ClientId>> {
        sqlx::query(
            "SELECT DISTINCT client_id FROM grants WHERE partition_id = $1 AND session_id = $2",
        )
        .bind(p.as_str())
        .bind(uid(id))
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .iter()
        .map(|row| uuid(row, "client_id"))
        .collect()
    }
}
