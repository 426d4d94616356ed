//! What the `users` and `customers` operations share: an account of either realm is listed,
//! created, read, changed, deleted and signed out the same way, through [`Account`], which
//! names the realm, the audit names and the store calls that differ (implemented for each kind
//! by the `account!` macro).

use async_trait::async_trait;
use tessera_domain::audit::{Action, AuditEvent, ObjectType};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::{Store, StoreResult};
use tessera_domain::user::check_password;
use tessera_domain::validation::FieldErrors;
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;

use super::{OpError, PartitionAdmin, Resource};
use crate::crypto::password::PasswordError;
use crate::oauth::session_end::{self, Ending};
use crate::state::AppState;

/// A user or a customer, as the shared operations see it.
#[async_trait]
pub trait Account: Clone + Send + Sync + Sized {
    /// The admin API's change set (`UserChanges`, `CustomerChanges`).
    type Changes: Send;
    /// The realm whose sessions the account signs in to.
    const REALM: Realm;
    /// What a failure names.
    const RESOURCE: Resource;
    /// The audit object type.
    const OBJECT: ObjectType;
    /// The audit actions of a creation, an update, a deletion and an administrator's sign-out.
    const CREATE: Action;
    /// See [`Self::CREATE`].
    const UPDATE: Action;
    /// See [`Self::CREATE`].
    const DELETE: Action;
    /// See [`Self::CREATE`].
    const SESSIONS_END: Action;

    /// The account's id (the `sub` of its tokens).
    fn id(&self) -> uuid::Uuid;
    /// The domain's rules for a new account's fields.
    fn check(&self) -> Result<(), FieldErrors>;
    /// What the creation's audit event says beside the id, if anything.
    fn created_detail(&self) -> Option<String>;
    /// The new password a change set carries, if any.
    fn new_password(changes: &Self::Changes) -> Option<String>;
    /// Applies a change set (the domain's rules for the fields).
    fn apply_changes(
        &mut self,
        changes: Self::Changes,
        now: OffsetDateTime,
    ) -> Result<(), FieldErrors>;
    /// Refuses a change the administrator may not make to this account (to their own, say).
    ///
    /// # Errors
    /// [`OpError::OwnAccount`] and the like; by default every change may be made.
    fn refuse_update(
        _admin: &PartitionAdmin,
        _id: uuid::Uuid,
        _changes: &Self::Changes,
    ) -> Result<(), OpError> {
        Ok(())
    }
    /// Refuses a deletion the administrator may not make (of their own account, say).
    ///
    /// # Errors
    /// [`OpError::OwnAccount`] and the like; by default every account may be deleted.
    fn refuse_delete(_admin: &PartitionAdmin, _id: uuid::Uuid) -> Result<(), OpError> {
        Ok(())
    }
    /// Reads a page of the partition's accounts.
    async fn page(store: &dyn Store, p: &PartitionId, page: PageRequest)
    -> StoreResult<Page<Self>>;
    /// Stores a new account with its password hash.
    async fn insert(
        &self,
        store: &dyn Store,
        password_hash: String,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Reads the account.
    async fn load(store: &dyn Store, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Option<Self>>;
    /// Stores a changed account; returns the sessions the change ended.
    async fn save(
        &self,
        store: &dyn Store,
        password_hash: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>>;
    /// Deletes the account.
    async fn remove(
        store: &dyn Store,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}

/// Hashes a password with Argon2id (through the hashing limit: [`OpError::Busy`] when it is
/// full).
pub(super) async fn hash_password(state: &AppState, password: String) -> Result<String, OpError> {
    state
        .passwords
        .hash(&*state.rng, &password)
        .await
        .map_err(|e| match e {
            PasswordError::Busy(b) => OpError::Busy(b),
            PasswordError::Crypto(e) => {
                tracing::error!(error = %e, "password hashing failed");
                OpError::Internal
            }
        })
}

/// Implements [`Account`] for a kind of account from its names: the change set, the realm, the
/// `Resource`/`ObjectType` variant, the audit actions and the store calls, and last, in braces,
/// the kind's `refuse_update`/`refuse_delete` if it has any. A macro rather than hand-written
/// impls because the kinds differ only in these names.
macro_rules! account {
    (
        $kind:ident, $changes:ty, $realm:ident,
        actions: ($create:ident, $update:ident, $delete:ident, $sessions_end:ident),
        store: ($list:ident, $insert:ident, $record:ident { $field:ident }, $get:ident, $save:ident, $remove:ident),
        detail: |$a:ident| $detail:expr,
        { $($refusals:tt)* } $(,)?
    ) => {
        #[async_trait::async_trait]
        impl $crate::admin_ops::accounts::Account for $kind {
            type Changes = $changes;
            const REALM: tessera_domain::Realm = tessera_domain::Realm::$realm;
            const RESOURCE: $crate::admin_ops::Resource = $crate::admin_ops::Resource::$kind;
            const OBJECT: tessera_domain::audit::ObjectType =
                tessera_domain::audit::ObjectType::$kind;
            const CREATE: tessera_domain::audit::Action = tessera_domain::audit::Action::$create;
            const UPDATE: tessera_domain::audit::Action = tessera_domain::audit::Action::$update;
            const DELETE: tessera_domain::audit::Action = tessera_domain::audit::Action::$delete;
            const SESSIONS_END: tessera_domain::audit::Action =
                tessera_domain::audit::Action::$sessions_end;

            fn id(&self) -> uuid::Uuid {
                self.id
            }

            fn check(&self) -> Result<(), tessera_domain::validation::FieldErrors> {
                self.validate()
            }

            fn created_detail(&self) -> Option<String> {
                let $a = self;
                $detail
            }

            fn new_password(changes: &$changes) -> Option<String> {
                changes.password.clone()
            }

            fn apply_changes(
                &mut self,
                changes: $changes,
                now: time::OffsetDateTime,
            ) -> Result<(), tessera_domain::validation::FieldErrors> {
                self.apply(changes, now)
            }

            async fn page(
                store: &dyn tessera_domain::store::Store,
                p: &tessera_domain::PartitionId,
                page: tessera_domain::page::PageRequest,
            ) -> tessera_domain::store::StoreResult<tessera_domain::page::Page<Self>> {
                store.$list(p, page).await
            }

            async fn insert(
                &self,
                store: &dyn tessera_domain::store::Store,
                password_hash: String,
                audit: &tessera_domain::audit::AuditEvent,
            ) -> tessera_domain::store::StoreResult<()> {
                let record = tessera_domain::store::$record {
                    $field: self.clone(),
                    password_hash,
                };
                store.$insert(&record, audit).await
            }

            async fn load(
                store: &dyn tessera_domain::store::Store,
                p: &tessera_domain::PartitionId,
                id: uuid::Uuid,
            ) -> tessera_domain::store::StoreResult<Option<Self>> {
                store.$get(p, id).await
            }

            async fn save(
                &self,
                store: &dyn tessera_domain::store::Store,
                password_hash: Option<&str>,
                audit: &tessera_domain::audit::AuditEvent,
            ) -> tessera_domain::store::StoreResult<Vec<uuid::Uuid>> {
                store.$save(self, password_hash, audit).await
            }

            async fn remove(
                store: &dyn tessera_domain::store::Store,
                p: &tessera_domain::PartitionId,
                id: uuid::Uuid,
                audit: &tessera_domain::audit::AuditEvent,
            ) -> tessera_domain::store::StoreResult<()> {
                store.$remove(p, id, audit).await
            }

            $($refusals)*
        }
    };
}
pub(super) use account;

/// A page of the partition's accounts.
///
/// # Errors
/// Storage failures.
pub async fn list<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<A>, OpError> {
    A::page(&*state.store, &admin.partition, page)
        .await
        .map_err(OpError::of(A::RESOURCE))
}

/// Creates an account: the domain's field rules and the password rules are checked together
/// (every problem reported at once), then the password is hashed and the account stored with
/// its audit event.
///
/// # Errors
/// Invalid fields or password, a duplicate, the hashing limit, storage failures.
pub(super) async fn create<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    account: A,
    password: String,
) -> Result<A, OpError> {
    let mut e = account.check().err().unwrap_or_default();
    check_password(&mut e, "password", &password);
    e.into_result()?;
    let password_hash = hash_password(state, password).await?;
    let audit = admin.event(
        state,
        A::CREATE,
        A::OBJECT,
        account.id().to_string(),
        account.created_detail(),
    );
    account
        .insert(&*state.store, password_hash, &audit)
        .await
        .map_err(OpError::of(A::RESOURCE))?;
    Ok(account)
}

/// One account of the partition.
///
/// # Errors
/// [`OpError::NotFound`] when the partition has no such account.
pub async fn get<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<A, OpError> {
    A::load(&*state.store, &admin.partition, id)
        .await
        .map_err(OpError::of(A::RESOURCE))?
        .ok_or(OpError::NotFound(A::RESOURCE))
}

/// Changes an account (a new password is hashed; it is never returned). A new password or
/// disabling ends the account's sessions in the same transaction, and their applications are
/// told (OpenID Connect Back-Channel Logout 1.0).
///
/// # Errors
/// Unknown account, invalid fields, the hashing limit, storage failures, a refused change
/// ([`Account::refuse_update`]).
pub async fn update<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: A::Changes,
) -> Result<A, OpError> {
    A::refuse_update(admin, id, &changes)?;
    let mut account: A = get(state, admin, id).await?;
    let password = A::new_password(&changes);
    account.apply_changes(changes, state.clock.now())?;
    let hash = match password {
        Some(p) => Some(hash_password(state, p).await?),
        None => None,
    };
    let audit = admin.event(
        state,
        A::UPDATE,
        A::OBJECT,
        account.id().to_string(),
        hash.as_ref().map(|_| "password changed".to_owned()),
    );
    let ended = account
        .save(&*state.store, hash.as_deref(), &audit)
        .await
        .map_err(OpError::of(A::RESOURCE))?;
    session_end::end(
        state,
        &admin.partition,
        A::REALM,
        Ending::Ended {
            subject: account.id(),
            sessions: ended,
        },
    )
    .await
    .map_err(OpError::of(A::RESOURCE))?;
    Ok(account)
}

/// Deletes an account.
///
/// # Errors
/// Unknown account, storage failures, a refused deletion ([`Account::refuse_delete`]).
pub async fn delete<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    A::refuse_delete(admin, id)?;
    let audit = admin.event(state, A::DELETE, A::OBJECT, id.to_string(), None);
    A::remove(&*state.store, &admin.partition, id, &audit)
        .await
        .map_err(OpError::of(A::RESOURCE))
}

/// Signs the account out everywhere: ends every live browser session of the account and
/// revokes the grants made in them, and tells the applications that took part (OpenID Connect
/// Back-Channel Logout 1.0). An account with no live session is not an error.
///
/// # Errors
/// Unknown account, storage failures.
pub async fn end_sessions<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    let account: A = get(state, admin, id).await?;
    let audit = admin.event(
        state,
        A::SESSIONS_END,
        A::OBJECT,
        account.id().to_string(),
        None,
    );
    session_end::end(
        state,
        &admin.partition,
        A::REALM,
        Ending::Account {
            subject: account.id(),
            audit,
        },
    )
    .await
    .map_err(OpError::of(A::RESOURCE))?;
    Ok(())
}
