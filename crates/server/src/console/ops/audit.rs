//! The console's call into the audit log: the admin API's `audit-events`, filtered and paged
//! by the store, newest first.

use tessera_domain::audit::{AuditEvent, AuditFilter};
use tessera_domain::page::{Page, PageRequest};

use super::admin;
use crate::admin_api::error::ApiError;
use crate::admin_ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// Events on one page of the audit log.
pub(crate) const PER_PAGE: u32 = 50;

/// A page of the audit log matching `filter`, newest first, after `cursor`.
///
/// # Errors
/// A cursor this server did not issue; storage failures.
pub(crate) async fn events(
    state: &AppState,
    who: &ConsoleUser,
    filter: AuditFilter,
    cursor: Option<&str>,
) -> Result<Page<AuditEvent>, ApiError> {
    let page = PageRequest::parse(Some(PER_PAGE), cursor)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let filter = AuditFilter {
        newest_first: true,
        ..filter
    };
    Ok(admin_ops::audit_events(state, &admin(who), &filter, page).await?)
}
