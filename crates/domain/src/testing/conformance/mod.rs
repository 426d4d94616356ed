//! The storage conformance suite: what every [`Store`] must do, written once and run by each
//! store crate against its own database (docs/design.md#habits, habit 7).
//!
//! Each function takes a store with migrations applied and nothing else in it, and panics on
//! the first broken rule. A store crate runs them all with [`conformance_tests!`], so a function
//! added here runs on every backend without touching the store crates.
//!
//! [`conformance_tests!`]: crate::conformance_tests

use std::future::Future;
use std::pin::Pin;

use time::OffsetDateTime;

use crate::audit::{ActorKind, AuditEvent, AuditFilter, Outcome};
use crate::department::Department;
use crate::ids::{PartitionId, Realm};
use crate::page::{Page, PageRequest};
use crate::permission::{Hub, Permission};
use crate::signing_key::KeyState;
use crate::store::{Reference, Store, StoreError, StoreResult};
use crate::testing::fixtures::{
    T0, at, customer, event, fresh_id, identity_provider, permission, pid, sample_api, sample_seed,
    secret, seed_ids, signing_key, user, web_client,
};

mod accounts;
mod audit;
mod catalog;
mod client_edits;
mod clients;
mod console;
mod grants;
mod keys;
mod limits;
mod partitions;
mod rotations;

pub use accounts::{
    departments_guard_their_users, departments_rename_with_their_users, pagination_follows_cursors,
    standard_claims_round_trip, times_are_kept_to_the_microsecond,
    usernames_and_emails_ignore_case, users_and_customers_update_and_delete,
};
pub use audit::{audit_events_filter_and_page, changes_write_audit_events};
pub use catalog::{
    admin_lists_page_in_creation_order, catalog_import_upserts,
    identity_providers_round_trip_and_cap,
};
pub use client_edits::{name_search_pages_and_counts, optimistic_updates_refuse_stale_versions};
pub use clients::{
    concurrent_writers_respect_caps, delete_client_removes_secrets_and_permissions,
    duplicate_names_conflict, id_token_alg_round_trips, permissions_are_replaced_and_checked,
    secret_cap_ignores_expired_secrets, touch_records_last_use,
};
pub use console::console_sessions_round_trip;
pub use grants::{
    a_password_change_signs_the_account_out, access_tokens_are_revoked_by_jti,
    account_changes_report_the_sessions_they_end, account_sessions_end_and_name_their_clients,
    browser_sessions_round_trip, claims_requests_are_kept_with_the_grant,
    codes_are_found_without_being_consumed, codes_are_redeemed_once,
    concurrent_redemptions_have_one_winner, deleting_a_client_removes_its_grants,
    expired_grants_are_purged, refresh_tokens_rotate_once,
    revoking_a_grant_revokes_its_access_tokens,
};
pub use keys::{
    key_families_rotate_together, retired_keys_are_withdrawn_at_once,
    rotation_without_next_key_keeps_active, signing_key_rotation,
};
pub use limits::{login_backoff_counts_and_locks, rate_counters_add_up_per_window};
pub use partitions::{cross_partition_isolation, partition_seed_round_trip};
pub use rotations::many_rotations_at_once_each_rotate_once;

/// A suite function applied to a store: what a store crate's runner receives.
pub type SuiteFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Expands to one `#[tokio::test]` per suite function. `$run` is an async function taking a
/// `for<'a> FnOnce(&'a dyn Store) -> SuiteFuture<'a>`: it prepares a fresh, migrated store,
/// calls the closure with it and cleans up. The calling crate needs `tokio` (macros, rt) as a
/// dev-dependency.
#[macro_export]
macro_rules! conformance_tests {
    ($run:path) => {
        $crate::conformance_tests!(@each $run;
            partition_seed_round_trip,
            cross_partition_isolation,
            duplicate_names_conflict,
            usernames_and_emails_ignore_case,
            pagination_follows_cursors,
            admin_lists_page_in_creation_order,
            secret_cap_ignores_expired_secrets,
            concurrent_writers_respect_caps,
            permissions_are_replaced_and_checked,
            delete_client_removes_secrets_and_permissions,
            signing_key_rotation,
            rotation_without_next_key_keeps_active,
            key_families_rotate_together,
            id_token_alg_round_trips,
            retired_keys_are_withdrawn_at_once,
            changes_write_audit_events,
            audit_events_filter_and_page,
            catalog_import_upserts,
            identity_providers_round_trip_and_cap,
            touch_records_last_use,
            departments_guard_their_users,
            departments_rename_with_their_users,
            users_and_customers_update_and_delete,
            standard_claims_round_trip,
            times_are_kept_to_the_microsecond,
            codes_are_redeemed_once,
            codes_are_found_without_being_consumed,
            a_password_change_signs_the_account_out,
            account_sessions_end_and_name_their_clients,
            account_changes_report_the_sessions_they_end,
            concurrent_redemptions_have_one_winner,
            refresh_tokens_rotate_once,
            many_rotations_at_once_each_rotate_once,
            revoking_a_grant_revokes_its_access_tokens,
            access_tokens_are_revoked_by_jti,
            claims_requests_are_kept_with_the_grant,
            deleting_a_client_removes_its_grants,
            browser_sessions_round_trip,
            expired_grants_are_purged,
            console_sessions_round_trip,
            optimistic_updates_refuse_stale_versions,
            name_search_pages_and_counts,
            rate_counters_add_up_per_window,
            login_backoff_counts_and_locks,
        );
    };
    (@each $run:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                $run(|store| ::std::boxed::Box::pin(
                    $crate::testing::conformance::$name(store),
                ))
                .await;
            }
        )*
    };
}

/// Unwraps a store result or fails the test naming the operation.
pub(super) fn ok<T>(r: StoreResult<T>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what} failed: {e:?}"),
    }
}

/// Unwraps a lookup that must find something.
pub(super) fn found<T>(r: StoreResult<Option<T>>, what: &str) -> T {
    match ok(r, what) {
        Some(v) => v,
        None => panic!("{what} found nothing"),
    }
}

pub(super) fn page(limit: u32, cursor: Option<&str>) -> PageRequest {
    match PageRequest::parse(Some(limit), cursor) {
        Ok(p) => p,
        Err(e) => panic!("bad page request: {e}"),
    }
}

pub(super) fn assert_not_found<T: std::fmt::Debug>(r: StoreResult<T>, what: &str) {
    assert!(
        matches!(r, Err(StoreError::NotFound)),
        "{what}: expected NotFound, got {r:?}"
    );
}

pub(super) fn assert_conflict<T: std::fmt::Debug>(r: StoreResult<T>, field: &str, what: &str) {
    match r {
        Err(StoreError::Conflict(f)) => assert_eq!(f, field, "{what}: conflict names the field"),
        other => panic!("{what}: expected Conflict({field}), got {other:?}"),
    }
}

pub(super) async fn seeded(store: &dyn Store, p: &str) -> PartitionId {
    let p = pid(p);
    ok(
        store
            .create_partition(
                &sample_seed(&p),
                &event(&p, "partition.create", "partition", p.as_str()),
            )
            .await,
        "create_partition",
    );
    p
}

pub(super) async fn audit_actions(store: &dyn Store, p: &PartitionId) -> Vec<String> {
    let filter = AuditFilter::default();
    let events = ok(
        store.list_audit_events(p, &filter, page(200, None)).await,
        "list_audit_events",
    );
    events.items.into_iter().map(|e| e.action).collect()
}

/// Collects every item of a paged list by following cursors, checking page sizes on the way.
pub(super) async fn all_pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = StoreResult<Page<T>>>,
{
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let p = ok(fetch(page(limit, cursor.as_deref())).await, "list page");
        assert!(
            p.items.len() <= limit as usize,
            "a page holds at most `limit` items"
        );
        let full = p.items.len() == limit as usize;
        items.extend(p.items);
        match p.next_cursor {
            Some(c) => {
                assert!(full, "only a full page has a next cursor");
                cursor = Some(c);
            }
            None => return items,
        }
    }
    panic!("pagination never ended");
}
