//! The operations of partition administration (docs/product.md#admin-api), one function per
//! operation: each takes typed input and the administrator acting on their partition, does the
//! validation, the storage and the audit event, and answers a typed result or an [`OpError`].
//! The admin API's JSON handlers (`admin_api/`) and the console are adapters over these
//! functions: they parse a request, call one, and render its answer, so every rule lives here.

pub mod accounts;
pub mod assign;
pub mod catalog;
pub mod clients;
pub mod customers;
pub mod departments;
pub mod identity_providers;
pub mod secrets;
pub mod signing_keys;
pub mod users;

use tessera_domain::PartitionId;
use tessera_domain::audit::{Action, AuditEvent, AuditFilter, ObjectType, Outcome};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{Reference, StoreError};
use tessera_domain::validation::FieldErrors;

use crate::audit::AuditContext;
use crate::crypto::password_gate::Busy;
use crate::provision::KeyInUse;
use crate::state::{AppState, LoadError, PartitionContext};

/// An administrator acting on one partition: the partition every operation is confined to, and
/// who is acting from where, for the audit trail.
#[derive(Debug, Clone)]
pub struct PartitionAdmin {
    /// The partition administered.
    pub partition: PartitionId,
    /// Actor and source address of the events the operations record.
    pub audit: AuditContext,
}

impl PartitionAdmin {
    /// A successful-change audit event by this administrator.
    #[must_use]
    pub fn event(
        &self,
        state: &AppState,
        action: Action,
        object_type: ObjectType,
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

/// What an operation acts on, as its messages name it ("no such user in this partition").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// The partition itself.
    Partition,
    /// A client application.
    ClientApplication,
    /// A client secret.
    ClientSecret,
    /// A permission of the catalog.
    Permission,
    /// An API of the catalog.
    Api,
    /// An operation of an API of the catalog.
    Operation,
    /// A user.
    User,
    /// A customer.
    Customer,
    /// A department.
    Department,
    /// An identity provider.
    IdentityProvider,
    /// A signing key.
    SigningKey,
    /// An audit event.
    AuditEvent,
    /// Whatever the partition's cached view was being loaded for.
    Object,
}

impl Resource {
    /// The noun used in messages.
    #[must_use]
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Partition => "partition",
            Self::ClientApplication => "client application",
            Self::ClientSecret => "client secret",
            Self::Permission => "permission",
            Self::Api => "API",
            Self::Operation => "operation",
            Self::User => "user",
            Self::Customer => "customer",
            Self::Department => "department",
            Self::IdentityProvider => "identity provider",
            Self::SigningKey => "signing key",
            Self::AuditEvent => "audit event",
            Self::Object => "object",
        }
    }
}

/// Why an admin operation did not happen. The message is the one shown to the administrator.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The input has invalid fields.
    #[error("the request has invalid fields")]
    Invalid(#[from] FieldErrors),
    /// Not in the partition (or nowhere).
    #[error("no such {} in this partition", .0.noun())]
    NotFound(Resource),
    /// A uniqueness rule: another object of the partition has this `field`.
    #[error("{} {} with this {field} already exists in the partition", article(.resource.noun()), .resource.noun())]
    Duplicate {
        /// What was being stored.
        resource: Resource,
        /// The field that must be unique.
        field: String,
    },
    /// The object changed since the version the caller loaded (a stale form, or an `If-Match`
    /// naming an older revision): nothing was saved, so nobody's change is overwritten.
    #[error("this {} was changed by someone else since it was loaded; nothing was saved", .0.noun())]
    Stale(Resource),
    /// A per-parent cap, as the store words it.
    #[error("{0}")]
    Limit(String),
    /// The input names a permission, department or row that does not exist.
    #[error("unknown {0}")]
    UnknownReference(Reference),
    /// A single-page application is a public client.
    #[error("a single-page application is a public client and cannot have secrets")]
    PublicClientSecret,
    /// The built-in Administration Console client (docs/product.md#console): the partition's
    /// administrators sign in with it, so no operation may change it.
    #[error(
        "the Administration Console is built into every partition: it cannot be changed, disabled, deleted, or given secrets or permissions"
    )]
    BuiltIn,
    /// The client already has the configured number of unexpired secrets.
    #[error(
        "this client application already has {0} unexpired secrets; delete one before adding another"
    )]
    SecretLimit(u32),
    /// The partition already has the most identity providers it may register.
    #[error("a partition can register at most {0} identity providers; delete one first")]
    IdentityProviderLimit(u32),
    /// Users still belong to the department.
    #[error("department {0:?} still has users; move them first")]
    DepartmentInUse(String),
    /// A Partition Administrator acting on their own account in a way that would lock them
    /// out (disabling or deleting it, or withdrawing their own administrator flag): another
    /// administrator must do it, so a partition is never left without one by accident.
    #[error("{0}")]
    OwnAccount(&'static str),
    /// A key that signs (active) or is about to (next) cannot be withdrawn.
    #[error(transparent)]
    KeyInUse(KeyInUse),
    /// The database is unreachable (logged where it happened).
    #[error("the database is unreachable; retry shortly")]
    Unavailable,
    /// Password hashing is at its concurrency limit.
    #[error(transparent)]
    Busy(Busy),
    /// An unexpected failure (logged where it happened, not described).
    #[error("an unexpected error occurred; it has been logged")]
    Internal,
}

impl OpError {
    /// Maps a storage error met while acting on `resource`.
    #[must_use]
    pub fn store(resource: Resource, e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound(resource),
            StoreError::Conflict(field) => Self::Duplicate { resource, field },
            StoreError::LimitReached(msg) => Self::Limit(msg),
            StoreError::Stale => Self::Stale(resource),
            StoreError::UnknownReference(r) => Self::UnknownReference(r),
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::Unavailable
            }
            StoreError::Internal(e) => {
                tracing::error!(error = %e, "storage error in the admin API");
                Self::Internal
            }
        }
    }

    /// A closure for `map_err` mapping storage errors about `resource`.
    pub(crate) fn of(resource: Resource) -> impl FnOnce(StoreError) -> Self {
        move |e| Self::store(resource, e)
    }
}

impl From<LoadError> for OpError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Store(s) => Self::store(Resource::Object, s),
            LoadError::Crypto(c) => {
                tracing::error!(error = %c, "key material unreadable");
                Self::Internal
            }
        }
    }
}

/// The default of the request bodies' flags that are on unless said otherwise (`enabled`, …).
const fn yes() -> bool {
    true
}

/// "a" or "an" before `word`.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// The administered partition's cached view (prefix, catalog).
pub(crate) async fn partition_view(
    state: &AppState,
    admin: &PartitionAdmin,
) -> Result<std::sync::Arc<PartitionContext>, OpError> {
    state
        .partition(&admin.partition)
        .await?
        .ok_or(OpError::NotFound(Resource::Partition))
}

/// A page of the partition's audit events, oldest first or, when the filter says so, newest
/// first; filters and paging are applied by the store.
///
/// # Errors
/// Storage failures.
pub async fn audit_events(
    state: &AppState,
    admin: &PartitionAdmin,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditEvent>, OpError> {
    state
        .store
        .list_audit_events(&admin.partition, filter, page)
        .await
        .map_err(OpError::of(Resource::AuditEvent))
}
