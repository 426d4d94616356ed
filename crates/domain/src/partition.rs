//! Partitions (tenants).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::PartitionId;

/// A tenant. Owns everything else; nothing is visible across partitions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    /// Slug id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: PartitionId,
    /// The API permission prefix; `None` means the deployment default `{api_url}/auth/`.
    pub api_permission_prefix: Option<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Partition {
    /// The effective permission prefix.
    #[must_use]
    pub fn permission_prefix(&self, api_url: &str) -> String {
        self.api_permission_prefix
            .clone()
            .unwrap_or_else(|| default_permission_prefix(api_url))
    }
}

/// `{api_url}/auth/`.
#[must_use]
pub fn default_permission_prefix(api_url: &str) -> String {
    format!("{}/auth/", api_url.trim_end_matches('/'))
}
