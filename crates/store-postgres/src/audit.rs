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

/// One column per field, for `UNNEST`: a whole batch is one statement.
#[derive(Default)]
struct Columns {
    id: Vec<uuid::Uuid>,
    partition: Vec<Option<String>>,
    actor_kind: Vec<&'static str>,
    actor_id: Vec<Option<String>>,
    action: Vec<String>,
    object_type: Vec<String>,
    object_id: Vec<Option<String>>,
    at: Vec<time::OffsetDateTime>,
    source_ip: Vec<Option<String>>,
    outcome: Vec<&'static str>,
    detail: Vec<Option<String>>,
}

impl Columns {
    fn of(events: &[AuditEvent]) -> Self {
        let mut c = Self::default();
        for e in events {
            c.id.push(e.id);
            c.partition
                .push(e.partition.as_ref().map(|p| p.as_str().to_owned()));
            c.actor_kind.push(e.actor_kind.as_str());
            c.actor_id.push(e.actor_id.clone());
            c.action.push(e.action.clone());
            c.object_type.push(e.object_type.clone());
            c.object_id.push(e.object_id.clone());
            c.at.push(e.at);
            c.source_ip.push(e.source_ip.clone());
            c.outcome.push(e.outcome.as_str());
            c.detail.push(e.detail.clone());
        }
        c
    }
}

#[async_trait]
impl AuditRepository for DbStore {
    async fn append_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let c = Columns::of(events);
        // WITH ORDINALITY keeps the batch order in `seq`; ON CONFLICT makes a batch retried after
        // an ambiguous failure harmless.
        sqlx::query(
            "INSERT INTO audit_events (id, partition_id, actor_kind, actor_id, action, object_type, \
             object_id, at, source_ip, outcome, detail) \
             SELECT id, partition_id, actor_kind, actor_id, action, object_type, object_id, at, \
             source_ip, outcome, detail \
             FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::text[]) WITH ORDINALITY \
             AS e(id, partition_id, actor_kind, actor_id, action, object_type, object_id, at, \
             source_ip, outcome, detail, ord) \
             ORDER BY ord \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&c.id)
        .bind(&c.partition)
        .bind(&c.actor_kind)
        .bind(&c.actor_id)
        .bind(&c.action)
        .bind(&c.object_type)
        .bind(&c.object_id)
        .bind(&c.at)
        .bind(&c.source_ip)
        .bind(&c.outcome)
        .bind(&c.detail)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
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
        let rows = q.build().fetch_all(&self.pool).await.map_err(db)?;
        let rows = rows.iter().map(event).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(rows, page))
    }
}
