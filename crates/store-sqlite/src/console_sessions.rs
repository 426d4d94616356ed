//! The Administration Console's sessions, found by the keyed hash of their cookie value.

use async_trait::async_trait;
use tessera_domain::PartitionId;
use tessera_domain::session::ConsoleSession;
use tessera_domain::store::{ConsoleSessionRepository, StoreResult};
use time::OffsetDateTime;

use crate::codec::{get, opt_uuid, partition, time, ts, uid, uuid};
use crate::error::db;
use crate::{DbRow, DbStore};

const SELECT: &str = "SELECT partition_id, hash, user_id, realm_session_id, created_at, \
                      last_seen_at, expires_at FROM console_sessions";

fn session(row: &DbRow) -> StoreResult<ConsoleSession> {
    Ok(ConsoleSession {
        partition: partition(row, "partition_id")?,
        hash: get(row, "hash")?,
        user_id: uuid(row, "user_id")?,
        realm_session_id: opt_uuid(row, "realm_session_id")?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

#[async_trait]
impl ConsoleSessionRepository for DbStore {
    async fn create_console_session(&self, s: &ConsoleSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_sessions (partition_id, hash, user_id, realm_session_id, \
             created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.partition.as_str())
        .bind(&s.hash)
        .bind(uid(s.user_id))
        .bind(s.realm_session_id.map(uid))
        .bind(ts(s.created_at))
        .bind(ts(s.last_seen_at))
        .bind(ts(s.expires_at))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn find_console_session(
        &self,
        p: &PartitionId,
        hash: &[u8],
    ) -> StoreResult<Option<ConsoleSession>> {
        sqlx::query(&format!("{SELECT} WHERE partition_id = $1 AND hash = $2"))
            .bind(p.as_str())
            .bind(hash)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?
            .as_ref()
            .map(session)
            .transpose()
    }

    async fn touch_console_session(
        &self,
        p: &PartitionId,
        hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE console_sessions SET last_seen_at = MAX(last_seen_at, $1) \
             WHERE partition_id = $2 AND hash = $3",
        )
        .bind(ts(now))
        .bind(p.as_str())
        .bind(hash)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn delete_console_session(&self, p: &PartitionId, hash: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE partition_id = $1 AND hash = $2")
            .bind(p.as_str())
            .bind(hash)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn purge_console_sessions(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE expires_at < $1")
            .bind(ts(before))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }
}
