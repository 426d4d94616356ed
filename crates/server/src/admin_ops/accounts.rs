//! What the `users` and `customers` operations share: an account of either realm is read,
//! changed, deleted and signed out the same way, through [`Account`], which names the realm,
//! the audit names and the store calls that differ.

use async_trait::async_trait;
use tessera_domain::audit::{Action, AuditEvent, ObjectType};
use tessera_domain::store::{Store, StoreResult};
use tessera_domain::validation::FieldErrors;
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;

use super::{OpError, PartitionAdmin, Resource};
use crate::crypto::password::PasswordError;
use crate::oauth::session_end::{self, Ending};
use crate::state::AppState;

/// A user or a customer, as the shared operations see it.
#[async_trait]
pub(super) trait Account: Clone + Send + Sync + Sized {
    /// The admin API's change set (`UserChanges`, `CustomerChanges`).
    type Changes: Send;
    /// The realm whose sessions the account signs in to.
    const REALM: Realm;
    /// What a failure names.
    const RESOURCE: Resource;
    /// The audit object type.
    const OBJECT: ObjectType;
    /// The audit actions of an update, a deletion and an administrator's sign-out.
    const UPDATE: Action;
    /// See [`Self::UPDATE`].
    const DELETE: Action;
    /// See [`Self::UPDATE`].
    const SESSIONS_END: Action;

    /// The account's id (the `sub` of its tokens).
    fn id(&self) -> uuid::Uuid;
    /// The new password a change set carries, if any.
    fn new_password(changes: &Self::Changes) -> Option<String>;
    /// Applies a change set (the domain's rules for the fields).
    fn apply_changes(
        &mut self,
        changes: Self::Changes,
        now: OffsetDateTime,
    ) -> Result<(), FieldErrors>;
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

/// One account of the partition.
pub(super) async fn get<A: Account>(
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
pub(super) async fn update<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: A::Changes,
) -> Result<A, OpError> {
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
pub(super) async fn delete<A: Account>(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    let audit = admin.event(state, A::DELETE, A::OBJECT, id.to_string(), None);
    A::remove(&*state.store, &admin.partition, id, &audit)
        .await
        .map_err(OpError::of(A::RESOURCE))
}

/// Signs the account out everywhere: ends every live browser session of the account and
/// revokes the grants made in them, and tells the applications that took part (OpenID Connect
/// Back-Channel Logout 1.0). An account with no live session is not an error.
pub(super) async fn end_sessions<A: Account>(
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
