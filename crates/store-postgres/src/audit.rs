//! The audit log: the insert every mutating method runs inside its own transaction, the batch
//! append used off the request path, and the filtered listing.

use async_trait::async_trait;
use sqlx::QueryBuilder;
use tessera_domain::PartitionId;
use tessera_domain::audit::{ActorKind, AuditEvent, AuditFilter, Outcome};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{AuditRepository, StoreResult};

use crate::codec::{get, opt_partition, parsed, time, ts, uid, uuid};
use crate::error::db;
use crate::{Db, DbConnection, DbRow, DbStore};

/// Rows per batched INSERT: 11 parameters each, well under the bind-parameter limits (SQLite's
/// 32,766, PostgreSQL's 65,535).
const ROWS_PER_STATEMENT: usize = 200;

/// Writes `e` on `conn` (the caller's transaction, so the change and its record commit together).
pub(crate) async fn insert(conn: &mut DbConnection, e: &AuditEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, partition_id, actor_kind, actor_id, action, object_type, \
         object_id, at, source_ip, outcome, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(uid(e.id))
    .bind(e.partition.as_ref().map(PartitionId::as_str))
    .bind(e.actor_kind.as_str())
    .bind(e.actor_id.as_deref())
    .bind(&e.action)
    .bind(&e.object_type)
    .bind(e.object_id.as_deref())
    .bind(ts(e.at))
    .bind(e.source_ip.as_deref())
    .bind(e.outcome.as_str())
    .bind(e.detail.as_deref())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

fn event(row: &DbRow) -> StoreResult<(i64, AuditEvent)> {
    Ok((
        get(row, "seq")?,
        AuditEvent {
            id: uuid(row, "id")?,
            partition: opt_partition(row, "partition_id")?,
            actor_kind: parsed(row, "actor_kind", ActorKind::parse)?,
            actor_id: get(row, "actor_id")?,
            action: get(row, "action")?,
            object_type: get(row, "object_type")?,
            object_id: get(row, "object_id")?,
            at: time(row, "at")?,
            source_ip: get(row, "source_ip")?,
            outcome: parsed(row, "outcome", Outcome::parse)?,
            detail: get(row, "detail")?,
        },
    ))
}

#[async_trait]
impl AuditRepository for DbStore {
    async fn append_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        // Multi-row statements: at token-endpoint rates (10k events/s) one statement per row
        // costs more than the rest of the write path together.
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            let mut q: QueryBuilder<'_, Db> = QueryBuilder::new(
                "INSERT INTO audit_events (id, partition_id, actor_kind, actor_id, action, \
                 object_type, object_id, at, source_ip, outcome, detail) ",
            );
            q.push_values(chunk, |mut b, e| {
                b.push_bind(uid(e.id))
                    .push_bind(e.partition.as_ref().map(|p| p.as_str().to_owned()))
                    .push_bind(e.actor_kind.as_str())
                    .push_bind(e.actor_id.clone())
                    .push_bind(e.action.clone())
                    .push_bind(e.object_type.clone())
                    .push_bind(e.object_id.clone())
                    .push_bind(ts(e.at))
                    .push_bind(e.source_ip.clone())
                    .push_bind(e.outcome.as_str())
                    .push_bind(e.detail.clone());
            });
            // A batch retried after an ambiguous failure must not duplicate or fail on its events.
            q.push(" ON CONFLICT (id) DO NOTHING");
            // Not cached: every batch length is a different statement, and sqlx would otherwise
            // keep up to 100 large prepared statements per connection.
            q.build()
                .persistent(false)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn list_audit_events(
        &self,
        p: &PartitionId,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditEvent>> {
        let mut q: QueryBuilder<'_, Db> = QueryBuilder::new(
            "SELECT seq, id, partition_id, actor_kind, actor_id, action, object_type, object_id, \
             at, source_ip, outcome, detail FROM audit_events WHERE partition_id = ",
        );
        q.push_bind(p.as_str());
        // Newest first resumes below the cursor; oldest first above it (0 = the beginning).
        match (filter.newest_first, page.after) {
            (true, Some(seq)) => {
                q.push(" AND seq < ").push_bind(seq);
            }
            (true, None) => {}
            (false, _) => {
                q.push(" AND seq > ").push_bind(page.after_seq());
            }
        }
        let text_filters = [
            ("action", &filter.action),
            ("object_type", &filter.object_type),
            ("object_id", &filter.object_id),
            ("actor_id", &filter.actor_id),
        ];
        for (column, value) in text_filters {
            if let Some(v) = value {
                q.push(format_args!(" AND {column} = "))
                    .push_bind(v.as_str());
            }
        }
        if let Some(o) = filter.outcome {
            q.push(" AND outcome = ").push_bind(o.as_str());
        }
        if let Some(t) = filter.since {
            q.push(" AND at >= ").push_bind(ts(t));
        }
        if let Some(t) = filter.until {
            q.push(" AND at < ").push_bind(ts(t));
        }
        q.push(if filter.newest_first {
            " ORDER BY seq DESC LIMIT "
        } else {
            " ORDER BY seq LIMIT "
        })
        .push_bind(page.fetch());
        let rows = q
            .build()
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        let rows = rows.iter().map(event).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }
}
