//! Repository traits: the only way the server reaches storage.
//!
//! One trait per aggregate; [`Store`] combines them. Every method that changes data takes the
//! [`AuditEvent`] describing the change and writes both in **one transaction**, so an admin change
//! is never recorded without its audit trail or the other way round. Lookups return `Option`;
//! writes aimed at a row outside the caller's partition find nothing and return
//! [`StoreError::NotFound`] — the partition is part of every key.

mod records;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::api::Api;
use crate::audit::{AuditEvent, AuditFilter};
use crate::client::{ClientApplication, edits::ClientEditRepository};
use crate::customer::Customer;
use crate::department::Department;
use crate::grant::{
    AuthorizationCode, CodeLookup, CodeRedemption, Grant, IssuedAccessToken, RefreshToken, Rotation,
};
use crate::identity_provider::IdentityProvider;
use crate::ids::{ClientId, PartitionId, Realm};
use crate::limits::{BackoffKey, Locked};
use crate::page::{Page, PageRequest};
use crate::partition::Partition;
use crate::permission::Permission;
use crate::secret::{ClientSecret, StoredSecret};
use crate::session::{BrowserSession, ConsoleSession};
use crate::signing_key::SigningKey;
use crate::user::User;

pub use records::{CustomerRecord, PartitionSeed, UserRecord};

/// A storage failure, erased to what callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist in this partition.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated; the text names the field (e.g. `name`).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The row changed since the caller read it (an optimistic update found a newer version).
    #[error("changed since it was read")]
    Stale,
    /// A per-parent cap was reached (secrets per client, identity providers per partition).
    #[error("limit reached: {0}")]
    LimitReached(String),
    /// A referenced row does not exist (e.g. a permission name, a department).
    #[error("unknown reference: {0}")]
    UnknownReference(Reference),
    /// The database could not be reached; retrying later may succeed.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else.
    #[error("storage error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// What a [`StoreError::UnknownReference`] refers to, so callers can point at the input that
/// named it without reading the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reference {
    /// A permission name missing from the partition's catalog.
    #[error("permission {0}")]
    Permission(String),
    /// A department the partition does not have.
    #[error("department {0}")]
    Department(String),
    /// A row a foreign key names (a client, grant or account) that does not exist; the database
    /// does not say which.
    #[error("referenced row")]
    Row,
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Partitions.
#[async_trait]
pub trait PartitionRepository {
    /// Creates a partition with everything in `seed`.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the partition exists.
    async fn create_partition(&self, seed: &PartitionSeed, audit: &AuditEvent) -> StoreResult<()>;
    /// Looks a partition up.
    async fn get_partition(&self, id: &PartitionId) -> StoreResult<Option<Partition>>;
    /// Every partition, in creation order.
    async fn list_partitions(&self) -> StoreResult<Vec<Partition>>;
}

/// Departments.
#[async_trait]
pub trait DepartmentRepository {
    /// A page of the partition's departments, in creation order.
    async fn list_departments(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<Department>>;
    /// Adds a department; [`StoreError::Conflict`] on a duplicate name.
    async fn create_department(
        &self,
        p: &PartitionId,
        d: &Department,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Renames a department and moves its users with it, keeping its place in the creation
    /// order; [`StoreError::NotFound`] for an unknown one, [`StoreError::Conflict`] when the
    /// new name is taken.
    async fn rename_department(
        &self,
        p: &PartitionId,
        from: &str,
        to: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Removes a department; [`StoreError::Conflict`] while users belong to it.
    async fn delete_department(
        &self,
        p: &PartitionId,
        name: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// Users (agents).
#[async_trait]
pub trait UserRepository {
    /// Adds a user; [`StoreError::Conflict`] on a duplicate username (case-insensitive),
    /// [`StoreError::UnknownReference`] for an unknown department.
    async fn create_user(&self, u: &UserRecord, audit: &AuditEvent) -> StoreResult<()>;
    /// Looks a user up by id.
    async fn get_user(&self, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Option<User>>;
    /// Looks a user and password hash up by username, case-insensitively.
    async fn find_user_by_username(
        &self,
        p: &PartitionId,
        username: &str,
    ) -> StoreResult<Option<UserRecord>>;
    /// Looks a user up by email, case-insensitively (the first created, if several share it).
    async fn find_user_by_email(&self, p: &PartitionId, email: &str) -> StoreResult<Option<User>>;
    /// A page of users.
    async fn list_users(&self, p: &PartitionId, page: PageRequest) -> StoreResult<Page<User>>;
    /// Replaces a user's fields (and password hash, when given). A new password hash, or
    /// disabling (`enabled` from true to false), also ends the user's browser sessions and revokes their grants at
    /// `u.updated_at`, in the same transaction: whoever knew the old password keeps nothing it
    /// obtained, and a disabled account keeps no session to come back to. Returns the ids of
    /// the sessions it ended, so their applications can be told (Back-Channel Logout 1.0).
    async fn update_user(
        &self,
        u: &User,
        password_hash: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>>;
    /// Deletes a user.
    async fn delete_user(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// Customers.
#[async_trait]
pub trait CustomerRepository {
    /// Adds a customer; [`StoreError::Conflict`] on a duplicate email (case-insensitive).
    async fn create_customer(&self, c: &CustomerRecord, audit: &AuditEvent) -> StoreResult<()>;
    /// Looks a customer up by id.
    async fn get_customer(&self, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Option<Customer>>;
    /// Looks a customer and password hash up by email, case-insensitively.
    async fn find_customer_by_email(
        &self,
        p: &PartitionId,
        email: &str,
    ) -> StoreResult<Option<CustomerRecord>>;
    /// A page of customers.
    async fn list_customers(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<Customer>>;
    /// Replaces a customer's fields (and password hash, when given); a new password hash or
    /// disabling ends the customer's sessions and revokes their grants as
    /// [`UserRepository::update_user`] does, and returns the ids of the sessions it ended.
    async fn update_customer(
        &self,
        c: &Customer,
        password_hash: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>>;
    /// Deletes a customer.
    async fn delete_customer(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// Client applications, their permissions and secrets.
#[async_trait]
pub trait ClientRepository {
    /// Adds a client with its `permissions`; [`StoreError::Conflict`] on a duplicate name.
    async fn create_client(&self, c: &ClientApplication, audit: &AuditEvent) -> StoreResult<()>;
    /// Looks a client up, permissions included.
    async fn get_client(
        &self,
        p: &PartitionId,
        id: ClientId,
    ) -> StoreResult<Option<ClientApplication>>;
    /// A page of clients.
    async fn list_clients(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<ClientApplication>>;
    /// The redirect URLs of the partition's enabled single-page applications, one list per
    /// client: the browser origins the server's CORS rules allow (docs/product.md#cors). One
    /// query that reads two columns, because the server reloads it with its partition view
    /// twice a second and a partition may hold 100,000 clients (docs/performance.md).
    async fn enabled_spa_redirect_urls(&self, p: &PartitionId) -> StoreResult<Vec<Vec<String>>>;
    /// Replaces a client's fields (not its permissions or secrets).
    async fn update_client(&self, c: &ClientApplication, audit: &AuditEvent) -> StoreResult<()>;
    /// Deletes a client with its secrets and permission assignments.
    async fn delete_client(
        &self,
        p: &PartitionId,
        id: ClientId,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Replaces the assigned permissions; [`StoreError::UnknownReference`] names a permission
    /// missing from the catalog.
    async fn set_client_permissions(
        &self,
        p: &PartitionId,
        id: ClientId,
        permissions: &[String],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A page of the client's secrets (metadata only), in creation order.
    async fn list_client_secrets(
        &self,
        p: &PartitionId,
        id: ClientId,
        page: PageRequest,
    ) -> StoreResult<Page<ClientSecret>>;
    /// The client's secrets with hashes, for authentication.
    async fn client_secret_hashes(
        &self,
        p: &PartitionId,
        id: ClientId,
    ) -> StoreResult<Vec<StoredSecret>>;
    /// Adds a secret unless the client already has `max_unexpired` secrets unexpired at `now`
    /// ([`StoreError::LimitReached`]); counting and inserting happen in one transaction.
    async fn add_client_secret(
        &self,
        s: &StoredSecret,
        max_unexpired: u32,
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a secret.
    async fn delete_client_secret(
        &self,
        p: &PartitionId,
        client: ClientId,
        secret: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records when secrets were last used (batched off the request path; missing rows ignored).
    async fn touch_client_secrets(&self, used: &[(uuid::Uuid, OffsetDateTime)]) -> StoreResult<()>;
}

/// The permission and API catalog.
#[async_trait]
pub trait CatalogRepository {
    /// Every permission of the partition, by name.
    async fn list_permissions(&self, p: &PartitionId) -> StoreResult<Vec<Permission>>;
    /// Every API with its operations, in creation order.
    async fn list_apis(&self, p: &PartitionId) -> StoreResult<Vec<Api>>;
    /// A page of the permissions, in creation order (an import that updates a permission keeps
    /// its place), for the admin API; the caches read [`Self::list_permissions`].
    async fn page_permissions(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<Permission>>;
    /// A page of the APIs with their operations, in creation order (an import that replaces an
    /// API keeps its place).
    async fn page_apis(&self, p: &PartitionId, page: PageRequest) -> StoreResult<Page<Api>>;
    /// One API with its operations.
    async fn get_api(&self, p: &PartitionId, id: &str) -> StoreResult<Option<Api>>;
    /// Adds or replaces (by id) APIs and adds or updates (by name) permissions, in one transaction.
    async fn import_catalog(
        &self,
        p: &PartitionId,
        permissions: &[Permission],
        apis: &[Api],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// External identity providers.
#[async_trait]
pub trait IdentityProviderRepository {
    /// Adds a provider; [`StoreError::LimitReached`] past the cap, [`StoreError::Conflict`] on a
    /// duplicate name.
    async fn create_identity_provider(
        &self,
        idp: &IdentityProvider,
        max: u32,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Looks a provider up.
    async fn get_identity_provider(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
    ) -> StoreResult<Option<IdentityProvider>>;
    /// A page of providers.
    async fn list_identity_providers(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<IdentityProvider>>;
    /// Replaces a provider's fields.
    async fn update_identity_provider(
        &self,
        idp: &IdentityProvider,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes a provider.
    async fn delete_identity_provider(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// Signing keys.
#[async_trait]
pub trait SigningKeyRepository {
    /// Every key of the partition (all realms and states), in creation order.
    async fn list_signing_keys(&self, p: &PartitionId) -> StoreResult<Vec<SigningKey>>;
    /// A page of the keys (all realms and states), in creation order, for the admin API.
    async fn page_signing_keys(
        &self,
        p: &PartitionId,
        page: PageRequest,
    ) -> StoreResult<Page<SigningKey>>;
    /// Rotates a realm's keys in one transaction, one algorithm (key family) per key of
    /// `new_next`: that algorithm's active key becomes retired (at `now`), its next key becomes
    /// active, and the new key is added as next. Families not named are left as they are.
    async fn rotate_signing_keys(
        &self,
        p: &PartitionId,
        realm: Realm,
        new_next: &[SigningKey],
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Withdraws a retired key at once (a leaked key): it is deleted with `audit` in one
    /// transaction, so it leaves the JWKS and verifies nothing more. [`StoreError::NotFound`]
    /// when the partition has no *retired* key `kid` — an active or next key is never withdrawn
    /// here, so a realm always keeps a key to sign with.
    async fn withdraw_signing_key(
        &self,
        p: &PartitionId,
        kid: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Deletes retired keys retired before `before`; returns how many.
    async fn purge_retired_keys(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// The audit log.
#[async_trait]
pub trait AuditRepository {
    /// Appends events written off the request path (token issuance, refusals), in one transaction.
    async fn append_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// A page of a partition's events, filtered, oldest first (newest first when the filter
    /// says `newest_first`).
    async fn list_audit_events(
        &self,
        p: &PartitionId,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditEvent>>;
}

/// Grants of the authorization code flow: codes, refresh tokens, issued access tokens and
/// revocation. These writes happen on token requests, not admin changes; their audit events go
/// through the batched audit writer instead of the same transaction.
///
/// Unlike admin writes, the revocations here are idempotent: revoking (or ending) an id that is
/// unknown, or already revoked, is `Ok(())` — the caller got the id from the store, and a
/// second revocation must not fail a request.
#[async_trait]
pub trait GrantRepository {
    /// Stores a new grant and the code that starts it, in one transaction.
    async fn create_grant(&self, grant: &Grant, code: &AuthorizationCode) -> StoreResult<()>;
    /// Looks a code up with its grant, consumed or not, without changing anything.
    async fn find_code(&self, p: &PartitionId, hash: &[u8]) -> StoreResult<Option<CodeLookup>>;
    /// Consumes a code atomically (a compare-and-set on its consumption): of two concurrent redemptions exactly one sees
    /// [`CodeRedemption::Redeemed`]; every later one sees [`CodeRedemption::Replayed`].
    async fn redeem_code(
        &self,
        p: &PartitionId,
        hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<CodeRedemption>;
    /// Records tokens issued from a grant (at code redemption): the access token's `jti` and,
    /// when `offline_access` was granted, the first refresh token, in one transaction.
    async fn record_issued(
        &self,
        access: &IssuedAccessToken,
        refresh: Option<&RefreshToken>,
    ) -> StoreResult<()>;
    /// Looks a refresh token up with its grant (used, expired and revoked ones included: the
    /// caller decides, and detects reuse).
    async fn find_refresh_token(
        &self,
        p: &PartitionId,
        hash: &[u8],
    ) -> StoreResult<Option<(RefreshToken, Grant)>>;
    /// Marks `old_hash` used at `now` and stores `new` and `access`, in one transaction — unless
    /// it was used already, in which case nothing is written ([`Rotation::AlreadyUsed`]).
    async fn rotate_refresh_token(
        &self,
        p: &PartitionId,
        old_hash: &[u8],
        now: OffsetDateTime,
        new: &RefreshToken,
        access: &IssuedAccessToken,
    ) -> StoreResult<Rotation>;
    /// Revokes a grant (idempotent): its refresh tokens stop working and its access tokens
    /// become inactive at introspection.
    async fn revoke_grant(
        &self,
        p: &PartitionId,
        grant_id: uuid::Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Revokes one access token by `jti` until its `exp` (idempotent).
    async fn revoke_access_token(
        &self,
        p: &PartitionId,
        jti: uuid::Uuid,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Whether an access token was revoked, directly or through its grant.
    async fn is_access_token_revoked(&self, p: &PartitionId, jti: uuid::Uuid) -> StoreResult<bool>;
    /// The grant an access token was issued from, by its `jti` (revoked or not: the caller has
    /// checked the token's standing); `None` for tokens of other grant types, which record no
    /// grant. Userinfo reads the grant's claims request (OIDC Core §5.5) with it.
    async fn access_token_grant(
        &self,
        p: &PartitionId,
        jti: uuid::Uuid,
    ) -> StoreResult<Option<Grant>>;
    /// Deletes codes, refresh tokens, revocations, grants and sessions past their expiry before
    /// `before`; returns how many rows went.
    async fn purge_expired_grants(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// Browser single sign-on sessions.
#[async_trait]
pub trait SessionRepository {
    /// Stores a new session.
    async fn create_session(&self, s: &BrowserSession) -> StoreResult<()>;
    /// Looks a session up by the hash of its cookie value, within a partition and realm.
    async fn find_session(
        &self,
        p: &PartitionId,
        realm: Realm,
        hash: &[u8],
    ) -> StoreResult<Option<BrowserSession>>;
    /// Looks a session up by id (`sid`).
    async fn get_session(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
    ) -> StoreResult<Option<BrowserSession>>;
    /// Ends a session (idempotent).
    async fn end_session(
        &self,
        p: &PartitionId,
        id: uuid::Uuid,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Ends every session of an account live at `now` and revokes the grants made in them, with
    /// `audit`, in one transaction (an administrator signing the account out). Returns the
    /// sessions it ended; none is not an error.
    async fn end_account_sessions(
        &self,
        p: &PartitionId,
        realm: Realm,
        subject: uuid::Uuid,
        now: OffsetDateTime,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<BrowserSession>>;
    /// The distinct client applications that hold a grant made in session `id` (revoked ones
    /// included: their application still holds the session's ID token), in no particular
    /// order — the relying parties to tell when it ends (Back-Channel Logout 1.0 §2.7).
    async fn session_clients(&self, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Vec<ClientId>>;
}

/// The Administration Console's server-side sessions (docs/product.md#console).
#[async_trait]
pub trait ConsoleSessionRepository {
    /// Stores a new console session.
    async fn create_console_session(&self, s: &ConsoleSession) -> StoreResult<()>;
    /// Looks a console session up by the hash of its cookie value, within a partition.
    async fn find_console_session(
        &self,
        p: &PartitionId,
        hash: &[u8],
    ) -> StoreResult<Option<ConsoleSession>>;
    /// Records activity at `now` (the idle limit counts from the last one).
    async fn touch_console_session(
        &self,
        p: &PartitionId,
        hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Deletes a console session (sign-out); an unknown one is not an error.
    async fn delete_console_session(&self, p: &PartitionId, hash: &[u8]) -> StoreResult<()>;
    /// Deletes the console sessions whose absolute limit passed before `before`; returns how
    /// many went.
    async fn purge_console_sessions(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// The abuse limits' shared state (docs/operations.md#abuse-limits): request counters per key
/// and one-minute window, and the login back-off's entries. Several instances on one database
/// share them; a single SQLite process keeps the same state in memory instead and never calls
/// these (they are implemented there for parity, and the conformance suite runs on both).
#[async_trait]
pub trait LimitRepository {
    /// Adds each `(key, n)` of `adds` to the key's counter of the window that starts at
    /// `window`, in one statement per chunk of keys, and returns the keys' totals in the same
    /// order. Keys must be distinct.
    async fn add_rate_counts(
        &self,
        window: OffsetDateTime,
        adds: &[(String, u64)],
    ) -> StoreResult<Vec<u64>>;
    /// Deletes the counters of windows that started before `before`; returns how many.
    async fn purge_rate_counts(&self, before: OffsetDateTime) -> StoreResult<u64>;
    /// Counts a login attempt against every key at once, unless one of them is locked at `now`
    /// ([`crate::limits::reserve`], in one transaction holding the keys' rows, so attempts at
    /// several instances are counted one after the other). `Ok(Err(_))` is the lock that
    /// refuses it; nothing is counted then.
    async fn reserve_login_attempt(
        &self,
        keys: &[BackoffKey],
        now: OffsetDateTime,
    ) -> StoreResult<Result<(), Locked>>;
    /// Settles a reserved attempt: the `forget` keys' entries are deleted (a right password
    /// clears its account), and each `refund` key gets one attempt back
    /// ([`crate::limits::BackoffEntry::refund`]), in one transaction.
    async fn settle_login_attempt(
        &self,
        forget: &[String],
        refund: &[BackoffKey],
    ) -> StoreResult<()>;
    /// Deletes back-off entries whose last attempt was before `before`; returns how many.
    async fn purge_login_attempts(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// All repositories of one backend.
#[async_trait]
pub trait Store:
    PartitionRepository
    + DepartmentRepository
    + UserRepository
    + CustomerRepository
    + ClientRepository
    + ClientEditRepository
    + CatalogRepository
    + IdentityProviderRepository
    + SigningKeyRepository
    + AuditRepository
    + GrantRepository
    + SessionRepository
    + ConsoleSessionRepository
    + LimitRepository
    + std::fmt::Debug
    + Send
    + Sync
{
    /// Checks the database answers (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;
    /// Which backend, for logs: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}
