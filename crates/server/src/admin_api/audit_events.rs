//! `audit-events`: the partition's audit log, filterable and paginated.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use tessera_domain::audit::{AuditEvent, AuditFilter, Outcome};
use tessera_domain::page::{Page, PageRequest};

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::page_and_rest;
use crate::admin_ops;
use crate::state::AppState;

/// Filters and page from the query string.
#[derive(Debug)]
pub(crate) struct AuditQuery(AuditFilter, PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for AuditQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut f = AuditFilter::default();
        let time = |k: &str, v: &str| {
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).map_err(
                |_| {
                    ApiError::BadRequest(format!(
                        "{k} must be an RFC 3339 time such as 2026-01-31T12:00:00Z"
                    ))
                },
            )
        };
        let (page, rest) = page_and_rest(&parts.uri)?;
        for (k, v) in rest {
            match k.as_str() {
                "action" => f.action = Some(v),
                "object_type" => f.object_type = Some(v),
                "object_id" => f.object_id = Some(v),
                "actor_id" => f.actor_id = Some(v),
                "outcome" => {
                    f.outcome = Some(Outcome::parse(&v).ok_or_else(|| {
                        ApiError::BadRequest("outcome must be success or failure".into())
                    })?)
                }
                "since" => f.since = Some(time(&k, &v)?),
                "until" => f.until = Some(time(&k, &v)?),
                "order" => {
                    f.newest_first = match v.as_str() {
                        "newest_first" => true,
                        "oldest_first" => false,
                        _ => {
                            return Err(ApiError::BadRequest(
                                "order must be oldest_first or newest_first".into(),
                            ));
                        }
                    }
                }
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown query parameter {other:?}; filters are action, object_type, object_id, actor_id, outcome, since, until, and order"
                    )));
                }
            }
        }
        Ok(Self(f, page))
    }
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/audit-events", tag = "audit-events",
    params(("partition" = String, Path), ("action" = Option<String>, Query), ("object_type" = Option<String>, Query), ("object_id" = Option<String>, Query),
        ("actor_id" = Option<String>, Query), ("outcome" = Option<String>, Query), ("since" = Option<String>, Query), ("until" = Option<String>, Query),
        ("order" = Option<String>, Query, description = "oldest_first (default) or newest_first"),
        ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, description = "A page of audit events, oldest first unless order=newest_first")))]
/// Lists audit events.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    AuditQuery(filter, page): AuditQuery,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    Ok(Json(
        admin_ops::audit_events(&state, &caller, &filter, page).await?,
    ))
}
