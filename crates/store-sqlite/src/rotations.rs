//! Group commit of refresh-token rotations (SQLite only).
//!
//! A rotation is a write: the old token is marked used, the new token and the access token issued
//! with it are stored, in one transaction. SQLite has one writer, so rotations queue for it, and
//! each one used to pay five trips to the connection's worker thread (`BEGIN IMMEDIATE`, three
//! statements, `COMMIT`) while holding the writer's turn. On a machine whose cores are busy with
//! the requests themselves, each trip waits to be scheduled, and the queue moved at about 500
//! rotations a second whatever the load (docs/performance.md).
//!
//! Here every rotation is put in a queue first. Whoever then gets the writer's turn takes the
//! whole queue (up to [`MAX_BATCH`]) and commits it as one transaction of three statements — one
//! `UPDATE … FROM (VALUES …) RETURNING` marking every old token that is still unused, and one
//! multi-row `INSERT` each for the new refresh and access tokens of those it marked — and tells
//! each waiter its outcome. A waiter whose rotation was committed by someone else's turn returns
//! without taking the turn at all. The rules stay the database's: an old token is marked only
//! `WHERE used_at IS NULL`, so of two presentations of one token exactly one rotates, whether
//! they share a batch (the second is answered [`Rotation::AlreadyUsed`] before the statement) or
//! not (the `UPDATE` finds it used).
//!
//! The batch runs in a task of its own, so that a request dropped while it runs (its client hung
//! up) cannot abandon the rotations of the others in the batch. A rotation whose requester has
//! already gone when its batch starts is left out: nothing is written for it, so its client can
//! present the same refresh token again. One whose requester goes while its batch runs is
//! committed, and its client never sees the new token — as when a client hangs up after any
//! commit; presenting the old token again is then reuse (RFC 9700 §4.14.2).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use tessera_domain::PartitionId;
use tessera_domain::grant::{IssuedAccessToken, RefreshToken, Rotation};
use tessera_domain::store::{StoreError, StoreResult};
use time::OffsetDateTime;
use tokio::sync::{OwnedMutexGuard, oneshot};

use crate::codec::{opt_ts, ts, uid};
use crate::error::db;
use crate::{DbConnection, SqliteStore};

/// Rotations per transaction: 3 + 6 + 4 bound values each, far below SQLite's 32,766.
const MAX_BATCH: usize = 128;

/// Rotations waiting for the writer's turn.
#[derive(Default)]
pub(crate) struct Queue(Mutex<Vec<Pending>>);

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("waiting", &self.lock().len())
            .finish()
    }
}

impl Queue {
    /// The queue's contents. A panic while it was held cannot leave it half-changed (pushes and
    /// drains are single calls), so a poisoned lock is used as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Up to [`MAX_BATCH`] rotations, oldest first.
    fn take(&self) -> Vec<Pending> {
        let mut queue = self.lock();
        let n = queue.len().min(MAX_BATCH);
        queue.drain(..n).collect()
    }
}

/// One rotation and where its outcome goes.
struct Pending {
    partition: PartitionId,
    old_hash: Vec<u8>,
    now: OffsetDateTime,
    new: RefreshToken,
    access: IssuedAccessToken,
    done: oneshot::Sender<StoreResult<Rotation>>,
}

impl SqliteStore {
    /// [`tessera_domain::store::GrantRepository::rotate_refresh_token`], committed together with
    /// the rotations queued beside it (see the module documentation).
    pub(crate) async fn rotate_in_batch(
        &self,
        partition: &PartitionId,
        old_hash: &[u8],
        now: OffsetDateTime,
        new: &RefreshToken,
        access: &IssuedAccessToken,
    ) -> StoreResult<Rotation> {
        let (done, mut outcome) = oneshot::channel();
        self.rotations.lock().push(Pending {
            partition: partition.clone(),
            old_hash: old_hash.to_vec(),
            now,
            new: new.clone(),
            access: access.clone(),
            done,
        });
        loop {
            let turn = tokio::select! {
                biased;
                result = &mut outcome => return result.unwrap_or_else(|_| Err(abandoned())),
                turn = Arc::clone(&self.writer).lock_owned() => turn,
            };
            let batch = self.rotations.take();
            if batch.is_empty() {
                // Someone else's turn took this rotation; its outcome is on its way.
                drop(turn);
                return outcome.await.unwrap_or_else(|_| Err(abandoned()));
            }
            let store = self.clone();
            tokio::spawn(async move { store.commit_batch(turn, batch).await });
            // This rotation was in that batch, or (past MAX_BATCH) waits for the next turn.
        }
    }

    /// Commits `batch` in one transaction under `turn` and answers every waiter in it.
    async fn commit_batch(&self, turn: OwnedMutexGuard<()>, batch: Vec<Pending>) {
        let mut seen = HashSet::new();
        let (mut todo, mut repeats) = (Vec::with_capacity(batch.len()), Vec::new());
        for p in batch {
            if p.done.is_closed() {
                continue;
            }
            if seen.insert((p.partition.clone(), p.old_hash.clone())) {
                todo.push(p);
            } else {
                // The same token twice in one batch: the first presentation rotates it. The
                // others hear so only once that is committed: were they told `AlreadyUsed` and
                // the transaction then failed, their grant would be revoked as a replay of a
                // rotation that never happened.
                repeats.push(p);
            }
        }
        if todo.is_empty() {
            return;
        }
        match self.write_batch(turn, &todo).await {
            Ok(rotated) => {
                for p in todo {
                    let key = (p.partition, p.old_hash);
                    let outcome = if rotated.contains(&key) {
                        Rotation::Rotated
                    } else {
                        Rotation::AlreadyUsed
                    };
                    let _ = p.done.send(Ok(outcome));
                }
                for p in repeats {
                    let _ = p.done.send(Ok(Rotation::AlreadyUsed));
                }
            }
            Err(e) => {
                // Every waiter gets the failure; a database out of reach stays "unavailable".
                let message = e.to_string();
                let unavailable = matches!(e, StoreError::Unavailable(_));
                for p in todo.into_iter().chain(repeats) {
                    let copy = message.clone().into();
                    let _ = p.done.send(Err(if unavailable {
                        StoreError::Unavailable(copy)
                    } else {
                        StoreError::Internal(copy)
                    }));
                }
            }
        }
    }

    /// The batch's three statements; returns the (partition, old hash) pairs it rotated. On a
    /// failure the transaction is rolled back before the writer's turn passes on, so the next
    /// writer's `BEGIN IMMEDIATE` does not find it still open.
    async fn write_batch(
        &self,
        turn: OwnedMutexGuard<()>,
        todo: &[Pending],
    ) -> StoreResult<HashSet<(PartitionId, Vec<u8>)>> {
        let mut tx = self.write_with(turn).await?;
        match statements(&mut tx, todo).await {
            Ok(rotated) => {
                tx.commit().await.map_err(db)?;
                Ok(rotated)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }
}

/// Marks the old tokens used and stores the new tokens of those it marked.
async fn statements(
    conn: &mut DbConnection,
    todo: &[Pending],
) -> StoreResult<HashSet<(PartitionId, Vec<u8>)>> {
    let rotated = mark_used(conn, todo).await?;
    let fresh: Vec<&Pending> = todo
        .iter()
        .filter(|p| rotated.contains(&(p.partition.clone(), p.old_hash.clone())))
        .collect();
    if !fresh.is_empty() {
        insert_refresh_tokens(conn, &fresh).await?;
        insert_access_tokens(conn, &fresh).await?;
    }
    Ok(rotated)
}

/// Marks the batch's old tokens used where they are still unused; returns those it marked. A
/// token that is not there (another partition's, or purged meanwhile) is not marked either.
async fn mark_used(
    conn: &mut DbConnection,
    todo: &[Pending],
) -> StoreResult<HashSet<(PartitionId, Vec<u8>)>> {
    let sql = format!(
        "UPDATE refresh_tokens SET used_at = v.column3 FROM (VALUES {}) AS v \
         WHERE refresh_tokens.partition_id = v.column1 AND refresh_tokens.hash = v.column2 \
         AND refresh_tokens.used_at IS NULL RETURNING partition_id, hash",
        placeholders(todo.len(), 3)
    );
    let mut query = sqlx::query_as::<_, (String, Vec<u8>)>(&sql);
    for p in todo {
        query = query
            .bind(p.partition.as_str())
            .bind(&p.old_hash)
            .bind(ts(p.now));
    }
    let rows = query.fetch_all(conn).await.map_err(db)?;
    Ok(todo
        .iter()
        .filter(|p| {
            rows.iter()
                .any(|(partition, hash)| partition == p.partition.as_str() && *hash == p.old_hash)
        })
        .map(|p| (p.partition.clone(), p.old_hash.clone()))
        .collect())
}

async fn insert_refresh_tokens(conn: &mut DbConnection, fresh: &[&Pending]) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO refresh_tokens (partition_id, hash, grant_id, created_at, expires_at, \
         used_at) VALUES {}",
        placeholders(fresh.len(), 6)
    );
    let mut query = sqlx::query(&sql);
    for p in fresh {
        let t = &p.new;
        query = query
            .bind(t.partition.as_str())
            .bind(&t.hash)
            .bind(uid(t.grant_id))
            .bind(ts(t.created_at))
            .bind(ts(t.expires_at))
            .bind(opt_ts(t.used_at));
    }
    query.execute(conn).await.map_err(db)?;
    Ok(())
}

async fn insert_access_tokens(conn: &mut DbConnection, fresh: &[&Pending]) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO issued_access_tokens (partition_id, jti, grant_id, expires_at) VALUES {}",
        placeholders(fresh.len(), 4)
    );
    let mut query = sqlx::query(&sql);
    for p in fresh {
        let t = &p.access;
        query = query
            .bind(t.partition.as_str())
            .bind(uid(t.jti))
            .bind(uid(t.grant_id))
            .bind(ts(t.expires_at));
    }
    query.execute(conn).await.map_err(db)?;
    Ok(())
}

/// `($1, $2, $3), ($4, $5, $6)` for `rows` rows of `columns` values.
fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let values: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The batch holding a rotation ended without answering it (its task was stopped: the runtime
/// is shutting down).
fn abandoned() -> StoreError {
    StoreError::Unavailable("the transaction of this refresh-token rotation did not finish".into())
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_number_rows_after_each_other() {
        assert_eq!(placeholders(1, 2), "($1, $2)");
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
