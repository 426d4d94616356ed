//! The abuse limits' shared state (docs/operations.md#abuse-limits): request counters per key
//! and one-minute window, added to in batches off the request path, and the login back-off's
//! entries, counted under their rows' locks so attempts at several instances queue up.

use std::collections::HashMap;

use async_trait::async_trait;
use tessera_domain::limits::{self, BackoffEntry, BackoffKey, Locked};
use tessera_domain::store::{LimitRepository, StoreError, StoreResult};
use time::OffsetDateTime;

use crate::codec::{get, int, opt_time, time, ts, u32_col};
use crate::error::db;
use crate::{DbConnection, DbStore};

/// Keys per counter statement (three parameters each, well under either database's limit).
const CHUNK: usize = 300;

/// A count for a `bigint` column.
fn big(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|e| StoreError::Internal(Box::new(e)))
}

/// Locks the back-off entries of `keys` (creating empty ones), in key order so two attempts
/// sharing keys never wait for each other in a cycle, and reads them.
async fn lock_entries(
    conn: &mut DbConnection,
    keys: &[&BackoffKey],
    now: OffsetDateTime,
) -> StoreResult<Vec<BackoffEntry>> {
    let mut entries = Vec::with_capacity(keys.len());
    for k in keys {
        sqlx::query(
            "INSERT INTO login_attempts (backoff_key, attempts, last_at) VALUES ($1, 0, $2) \
             ON CONFLICT (backoff_key) DO NOTHING",
        )
        .bind(&k.key)
        .bind(ts(now))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        let row = sqlx::query(
            "SELECT attempts, last_at, locked_until FROM login_attempts WHERE backoff_key = $1 \
             -- no FOR UPDATE: BEGIN IMMEDIATE holds the write lock",
        )
        .bind(&k.key)
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        entries.push(BackoffEntry {
            attempts: u32_col(&row, "attempts")?,
            last: time(&row, "last_at")?,
            locked_until: opt_time(&row, "locked_until")?,
        });
    }
    Ok(entries)
}

#[async_trait]
impl LimitRepository for DbStore {
    async fn add_rate_counts(
        &self,
        window: OffsetDateTime,
        adds: &[(String, u64)],
    ) -> StoreResult<Vec<u64>> {
        // Rows are locked in key order, whatever order the caller listed them in, so two
        // instances adding to the same keys never deadlock.
        let mut order: Vec<usize> = (0..adds.len()).collect();
        order.sort_by(|a, b| adds[*a].0.cmp(&adds[*b].0));
        let mut totals = vec![0u64; adds.len()];
        for chunk in order.chunks(CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO rate_counters (counter_key, window_start, hits) VALUES {} \
                 ON CONFLICT (counter_key, window_start) DO UPDATE \
                 SET hits = rate_counters.hits + excluded.hits RETURNING counter_key, hits",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for i in chunk {
                let (key, n) = &adds[*i];
                q = q.bind(key).bind(ts(window)).bind(big(*n)?);
            }
            let at: HashMap<&str, usize> =
                chunk.iter().map(|i| (adds[*i].0.as_str(), *i)).collect();
            let rows = q.fetch_all(&mut *self.conn().await?).await.map_err(db)?;
            for row in rows {
                let key: String = get(&row, "counter_key")?;
                let hits: i64 = get(&row, "hits")?;
                if let Some(i) = at.get(key.as_str()) {
                    totals[*i] = u64::try_from(hits).unwrap_or(0);
                }
            }
        }
        Ok(totals)
    }

    async fn purge_rate_counts(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
            .bind(ts(before))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn reserve_login_attempt(
        &self,
        keys: &[BackoffKey],
        now: OffsetDateTime,
    ) -> StoreResult<Result<(), Locked>> {
        let mut sorted: Vec<&BackoffKey> = keys.iter().collect();
        sorted.sort();
        sorted.dedup_by(|a, b| a.key == b.key);
        let mut tx = self.write().await?;
        let entries = lock_entries(&mut tx, &sorted, now).await?;
        let mut pairs: Vec<(&BackoffKey, BackoffEntry)> =
            sorted.iter().copied().zip(entries).collect();
        if let Err(locked) = limits::reserve(&mut pairs, now) {
            // The empty entries made for the check go with the rollback: a refused attempt
            // leaves nothing behind.
            tx.rollback().await.map_err(db)?;
            return Ok(Err(locked));
        }
        for (k, e) in &pairs {
            sqlx::query(
                "UPDATE login_attempts SET attempts = $2, last_at = $3, locked_until = $4 \
                 WHERE backoff_key = $1",
            )
            .bind(&k.key)
            .bind(int(e.attempts)?)
            .bind(ts(e.last))
            .bind(e.locked_until.map(ts))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(Ok(()))
    }

    async fn settle_login_attempt(
        &self,
        forget: &[String],
        refund: &[BackoffKey],
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        for key in forget {
            sqlx::query("DELETE FROM login_attempts WHERE backoff_key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        // `BackoffEntry::refund` in SQL: one attempt back, the lock lifted below the free
        // attempts, the entry gone at zero. (SET expressions read the row as it was.)
        for k in refund {
            sqlx::query(
                "UPDATE login_attempts SET attempts = attempts - 1, \
                 locked_until = CASE WHEN attempts - 1 < $2 THEN NULL ELSE locked_until END \
                 WHERE backoff_key = $1 AND attempts > 0",
            )
            .bind(&k.key)
            .bind(int(k.free)?)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            sqlx::query("DELETE FROM login_attempts WHERE backoff_key = $1 AND attempts = 0")
                .bind(&k.key)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn purge_login_attempts(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM login_attempts WHERE last_at < $1")
            .bind(ts(before))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }
}
