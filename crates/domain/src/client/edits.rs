//! Client applications edited from a version read earlier, and searched by name a page at a
//! time (the console's edit form and list, docs/console.md): part of [`crate::store::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::ClientApplication;
use super::search::{ClientQuery, Counted};
use crate::audit::AuditEvent;
use crate::ids::PartitionId;
use crate::store::StoreResult;

/// Optimistic updates and the name search of client applications.
#[async_trait]
pub trait ClientEditRepository {
    /// Replaces a client's fields only if its stored `updated_at` is still `read_at` (the value
    /// read before the change): [`crate::store::StoreError::Stale`] when another update came first, so no
    /// update is lost between reading and writing.
    async fn update_client_if(
        &self,
        c: &ClientApplication,
        read_at: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The clients whose name contains the search, ignoring case, a page in creation order
    /// with the number of matches.
    async fn search_clients(
        &self,
        p: &PartitionId,
        q: &ClientQuery,
    ) -> StoreResult<Counted<ClientApplication>>;
}
