//! The Administration Console's sessions, found by the keyed hash of their cookie value.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use tessera_domain::PartitionId;
use tessera_domain::session::ConsoleSession;
use tessera_domain::store::{ConsoleSessionRepository, StoreResult};
use time::OffsetDateTime;

use crate::SqliteStore;
use crate::codec::{get, micros, partition, time, uuid};
use crate::error::db;

const SELECT: &str = "SELECT partition_id, hash, user_id, realm_session_id, created_at, \
                      last_seen_at, expires_at FROM console_sessions";

fn session(row: &SqliteRow) -> StoreResult<ConsoleSession> {
    let realm_session: Option<String> = get(row, "realm_session_id")?;
    Ok(ConsoleSession {
        partition: partition(row, "partition_id")?,
        hash: get(row, "hash")?,
        user_id: uuid(row, "user_id")?,
        realm_session_id: match realm_session {
            Some(_) => Some(uuid(row, "realm_session_id")?),
            None => None,
        },
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

#[async_trait]
impl ConsoleSessionRepository for SqliteStore {
    async fn create_console_session(&self, s: &ConsoleSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_sessions (partition_id, hash, user_id, realm_session_id, \
             created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(s.partition.as_str())
        .bind(&s.hash)
        .bind(s.user_id.to_string())
        .bind(s.realm_session_id.map(|id| id.to_string()))
        .bind(micros(s.created_at))
        .bind(micros(s.last_seen_at))
        .bind(micros(s.expires_at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn find_console_session(
        &self,
        p: &PartitionId,
        hash: &[u8],
    ) -> StoreResult<Option<ConsoleSession>> {
        sqlx::query(&format!("{SELECT} WHERE partition_id = ? AND hash = ?"))
            .bind(p.as_str())
            .bind(hash)
            .fetch_optional(&self.pool)
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
            "UPDATE console_sessions SET last_seen_at = MAX(last_seen_at, ?) \
             WHERE partition_id = ? AND hash = ?",
        )
        .bind(micros(now))
        .bind(p.as_str())
        .bind(hash)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn delete_console_session(&self, p: &PartitionId, hash: &[u8]) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE partition_id = ? AND hash = ?")
            .bind(p.as_str())
            .bind(hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn purge_console_sessions(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE expires_at < ?")
            .bind(micros(before))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }
}
