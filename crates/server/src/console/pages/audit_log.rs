//! The audit log: newest first, filtered by actor, action, object (type and id), outcome and
//! time range, a page at a time. Filtering and paging happen in the store (the admin API's
//! `audit-events` with `order=newest_first`); this page only reads the form and shows the rows.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tessera_domain::audit::{Action, AuditEvent, AuditFilter, ObjectType, Outcome};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::apis::failed;
use super::{Layout, Link, page};
use crate::admin_api::error::ApiError;
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// The filter form, as submitted (query string); every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AuditQuery {
    /// Actor id.
    #[serde(default)]
    pub actor: String,
    /// Action name.
    #[serde(default)]
    pub action: String,
    /// Object type.
    #[serde(default)]
    pub object_type: String,
    /// Object id.
    #[serde(default)]
    pub object_id: String,
    /// `success` or `failure`.
    #[serde(default)]
    pub outcome: String,
    /// From (UTC, `YYYY-MM-DDTHH:MM` as a `datetime-local` field sends it, or RFC 3339).
    #[serde(default)]
    pub from: String,
    /// To (exclusive), same forms.
    #[serde(default)]
    pub to: String,
    /// The page after this cursor.
    #[serde(default)]
    pub cursor: String,
}

/// A refused filter field.
#[derive(Debug, Clone)]
pub(crate) struct FieldMessage {
    /// The field's element id.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// One row of the log.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// When (UTC).
    pub at: String,
    /// Actor kind.
    pub actor_kind: &'static str,
    /// Actor id, if any.
    pub actor_id: String,
    /// The signed-in administrator themself.
    pub you: bool,
    /// Action.
    pub action: String,
    /// Object type.
    pub object_type: String,
    /// Object id.
    pub object_id: String,
    /// Outcome.
    pub outcome: &'static str,
    /// Source address.
    pub source_ip: String,
    /// Detail.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "console/audit_log.html")]
pub(super) struct Log {
    pub(super) l: Layout,
    pub(super) q: AuditQuery,
    pub(super) actions: Vec<&'static str>,
    pub(super) object_types: Vec<&'static str>,
    pub(super) errors: Vec<FieldMessage>,
    pub(super) rows: Vec<Row>,
    pub(super) filtered: bool,
    pub(super) first_href: Option<String>,
    pub(super) next_href: Option<String>,
}

impl Log {
    /// The message of `field`, if refused.
    #[must_use]
    pub(super) fn error_of(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// A time typed into From or To: `datetime-local` (`2026-01-31T12:00`, read as UTC) or RFC 3339.
fn time_field(raw: &str) -> Result<Option<OffsetDateTime>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(Some(t));
    }
    let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(raw, &minutes)
        .or_else(|_| PrimitiveDateTime::parse(raw, &seconds))
        .map(|t| Some(t.assume_utc()))
        .map_err(|_| "Enter a date and time such as 2026-01-31T12:00 (UTC).".to_owned())
}

/// The store's filter for the form, or the fields' messages.
///
/// # Errors
/// Each refused field with its message.
pub(crate) fn filter(q: &AuditQuery) -> Result<AuditFilter, Vec<FieldMessage>> {
    let mut errors = Vec::new();
    let text = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    };
    let mut f = AuditFilter {
        actor_id: text(&q.actor),
        action: text(&q.action),
        object_type: text(&q.object_type),
        object_id: text(&q.object_id),
        ..AuditFilter::default()
    };
    match q.outcome.as_str() {
        "" => {}
        o => match Outcome::parse(o) {
            Some(o) => f.outcome = Some(o),
            None => errors.push(FieldMessage {
                field: "outcome",
                message: "Choose Any, Success or Failure.".into(),
            }),
        },
    }
    for (field, raw, slot) in [("from", &q.from, &mut f.since), ("to", &q.to, &mut f.until)] {
        match time_field(raw) {
            Ok(t) => *slot = t,
            Err(message) => errors.push(FieldMessage { field, message }),
        }
    }
    if let (Some(a), Some(b)) = (f.since, f.until)
        && b <= a
    {
        errors.push(FieldMessage {
            field: "to",
            message: "To must be later than From.".into(),
        });
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    }
}

/// The query string of the form's filters (without the cursor).
fn filter_query(q: &AuditQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor", &q.actor),
        ("action", &q.action),
        ("object_type", &q.object_type),
        ("object_id", &q.object_id),
        ("outcome", &q.outcome),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if !v.trim().is_empty() {
            s.append_pair(k, v.trim());
        }
    }
    s.finish()
}

/// The rows of `events`, marking the administrator's own.
#[must_use]
pub(crate) fn rows(events: Vec<AuditEvent>, me: &str) -> Vec<Row> {
    events
        .into_iter()
        .map(|e| Row {
            at: e
                .at
                .to_offset(time::UtcOffset::UTC)
                .format(&format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .unwrap_or_default(),
            actor_kind: e.actor_kind.as_str(),
            you: e.actor_id.as_deref() == Some(me),
            actor_id: e.actor_id.unwrap_or_default(),
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id.unwrap_or_default(),
            outcome: e.outcome.as_str(),
            source_ip: e.source_ip.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
        })
        .collect()
}

/// `GET /admin/{partition}/audit-log`.
pub(crate) async fn show(
    State(state): State<AppState>,
    who: ConsoleUser,
    Query(q): Query<AuditQuery>,
) -> Response {
    let base = format!("/admin/{}/audit-log", who.partition);
    let l = super::layout(&who, "Audit Log").path(1, Some("Audit Log"));
    let filtered = !filter_query(&q).is_empty();
    let mut log = Log {
        l,
        q: q.clone(),
        actions: Action::ALL.iter().map(|a| a.as_str()).collect(),
        object_types: ObjectType::ALL.iter().map(|o| o.as_str()).collect(),
        errors: Vec::new(),
        rows: Vec::new(),
        filtered,
        first_href: None,
        next_href: None,
    };
    let f = match filter(&q) {
        Ok(f) => f,
        Err(errors) => {
            log.errors = errors;
            return page(StatusCode::UNPROCESSABLE_ENTITY, &log);
        }
    };
    let cursor = (!q.cursor.is_empty()).then_some(q.cursor.as_str());
    let events = match ops::audit::events(&state, &who, f, cursor).await {
        Ok(p) => p,
        Err(ApiError::BadRequest(_)) => {
            return failed(
                &who,
                ApiError::BadRequest(
                    "That page of the audit log is not one this console offered. Start from the newest events.".into(),
                ),
                Link {
                    label: "The newest events".into(),
                    href: base,
                },
            );
        }
        Err(e) => {
            return failed(
                &who,
                e,
                Link {
                    label: "Back to the audit log".into(),
                    href: base,
                },
            );
        }
    };
    let fq = filter_query(&q);
    let sep = if fq.is_empty() { "" } else { "&" };
    log.next_href = events.next_cursor.map(|c| {
        let c: String = form_urlencoded::byte_serialize(c.as_bytes()).collect();
        format!("{base}?{fq}{sep}cursor={c}")
    });
    log.first_href = cursor.map(|_| {
        if fq.is_empty() {
            base.clone()
        } else {
            format!("{base}?{fq}")
        }
    });
    log.rows = rows(events.items, &who.user.id.to_string());
    page(StatusCode::OK, &log)
}
