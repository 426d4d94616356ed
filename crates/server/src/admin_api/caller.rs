//! Who is calling the admin API: a bearer token from the partition's users realm, checked by
//! our own guard crate, carrying `app.core.admin.manage` (an automation client) or
//! `core.admin.manage` (a user who is a Partition Administrator).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use tessera_domain::PartitionId;
use tessera_domain::audit::{AuditEvent, Outcome};

use super::error::ApiError;
use crate::audit::AuditContext;
use crate::request_meta::RequestMeta;
use crate::state::AppState;

/// An authorised admin caller of one partition.
#[derive(Debug, Clone)]
pub struct AdminCaller {
    /// The partition in the path (the token's partition).
    pub partition: PartitionId,
    /// Audit context (actor and source).
    pub audit: AuditContext,
}

impl AdminCaller {
    /// A successful-change audit event by this caller.
    #[must_use]
    pub fn event(
        &self,
        state: &AppState,
        action: &str,
        object_type: &str,
        object_id: String,
        detail: Option<String>,
    ) -> AuditEvent {
        self.audit.event(
            state,
            action,
            object_type,
            Some(object_id),
            Outcome::Success,
            detail,
        )
    }
}

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("partition"))?;
        let raw = params
            .iter()
            .find(|(k, _)| *k == "partition")
            .map(|(_, v)| v.to_owned())
            .ok_or(ApiError::NotFound("partition"))?;
        let partition = PartitionId::parse(&raw).map_err(|_| ApiError::NotFound("partition"))?;
        let Ok(meta) = RequestMeta::from_request_parts(parts, state).await;
        let principal = super::auth::authorize(state, parts, &partition).await?;
        Ok(Self {
            audit: AuditContext {
                partition: Some(partition.clone()),
                actor_kind: principal.kind,
                actor_id: Some(principal.id),
                source_ip: meta.source_ip,
            },
            partition,
        })
    }
}
