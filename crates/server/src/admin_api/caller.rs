//! Who is calling the admin API: a bearer token from the partition's users realm, checked by
//! our own guard crate, carrying `app.core.admin.manage` (an automation client) or
//! `core.admin.manage` (a user who is a Partition Administrator).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use tessera_domain::PartitionId;

use super::error::ApiError;
use crate::admin_ops::PartitionAdmin;
use crate::audit::AuditContext;
use crate::request_meta::RequestMeta;
use crate::state::AppState;

/// An authorised admin caller of one partition: the [`PartitionAdmin`] the operations act as.
#[derive(Debug, Clone)]
pub(crate) struct AdminCaller(pub PartitionAdmin);

impl std::ops::Deref for AdminCaller {
    type Target = PartitionAdmin;

    fn deref(&self) -> &PartitionAdmin {
        &self.0
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
        Ok(Self(PartitionAdmin {
            audit: AuditContext {
                partition: Some(partition.clone()),
                actor_kind: principal.kind,
                actor_id: Some(principal.id),
                source_ip: meta.source_ip,
            },
            partition,
        }))
    }
}
