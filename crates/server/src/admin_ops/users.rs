//! Users: agents of the partition's users realm.

use async_trait::async_trait;
use serde::Deserialize;
use tessera_domain::audit::{Action, ActorKind, AuditEvent, ObjectType};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::{Store, StoreResult, UserRecord};
use tessera_domain::user::{User, UserChanges, check_password};
use tessera_domain::validation::FieldErrors;
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;

use super::accounts::{self, Account, hash_password};
use super::{OpError, PartitionAdmin, Resource};
use crate::state::AppState;

/// The body of `POST users`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Unique in the partition (case-insensitive).
    pub username: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Password, at least 10 characters (stored as Argon2id).
    pub password: String,
    /// Department (default `Service`).
    #[serde(default = "service")]
    pub department: String,
    /// Partition Administrator flag.
    #[serde(default)]
    pub partition_admin: bool,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The optional OpenID Connect standard claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
}

fn service() -> String {
    tessera_domain::department::DEFAULT_DEPARTMENT.to_owned()
}

const fn yes() -> bool {
    true
}

/// A page of users.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<User>, OpError> {
    state
        .store
        .list_users(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::User))
}

/// One user of the partition.
///
/// # Errors
/// [`OpError::NotFound`] when the partition has no such user.
pub async fn get(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<User, OpError> {
    accounts::get(state, admin, id).await
}

/// Creates a user.
///
/// # Errors
/// Invalid fields or password, an unknown department, a duplicate username or email, the
/// hashing limit, storage failures.
pub async fn create(
    state: &AppState,
    admin: &PartitionAdmin,
    new: NewUser,
) -> Result<User, OpError> {
    let now = state.clock.now();
    let user = User {
        id: state.rng.uuid(),
        partition: admin.partition.clone(),
        username: new.username,
        email: new.email,
        display_name: new.display_name,
        department: new.department,
        partition_admin: new.partition_admin,
        enabled: new.enabled,
        claims: new.claims,
        created_at: now,
        updated_at: now,
    };
    let mut e = user.validate().err().unwrap_or_default();
    check_password(&mut e, "password", &new.password);
    e.into_result()?;
    let password_hash = hash_password(state, new.password).await?;
    let audit = admin.event(
        state,
        Action::UserCreate,
        ObjectType::User,
        user.id.to_string(),
        Some(format!(
            "username={:?} partition_admin={}",
            user.username, user.partition_admin
        )),
    );
    state
        .store
        .create_user(
            &UserRecord {
                user: user.clone(),
                password_hash,
            },
            &audit,
        )
        .await
        .map_err(OpError::of(Resource::User))?;
    Ok(user)
}

/// Changes a user (a new password is hashed; it is never returned). A new password or
/// disabling ends the user's sessions, and their applications are told.
///
/// # Errors
/// Unknown user, invalid fields, the hashing limit, storage failures;
/// [`OpError::OwnAccount`] when an administrator disables themselves or withdraws their own
/// administrator role.
pub async fn update(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: UserChanges,
) -> Result<User, OpError> {
    if acting_on_self(admin, id) {
        if changes.enabled == Some(false) {
            return Err(OpError::OwnAccount(
                "you cannot disable your own account; another Partition Administrator can",
            ));
        }
        if changes.partition_admin == Some(false) {
            return Err(OpError::OwnAccount(
                "you cannot withdraw your own Partition Administrator role; another Partition Administrator can",
            ));
        }
    }
    accounts::update(state, admin, id, changes).await
}

/// Whether the administrator is a user acting on their own account (a delegated token or the
/// console), as opposed to an automation client or another administrator.
#[must_use]
pub fn acting_on_self(admin: &PartitionAdmin, id: uuid::Uuid) -> bool {
    admin.audit.actor_kind == ActorKind::User
        && admin
            .audit
            .actor_id
            .as_deref()
            .and_then(|a| uuid::Uuid::parse_str(a).ok())
            == Some(id)
}

/// Deletes a user.
///
/// # Errors
/// Unknown user, storage failures; [`OpError::OwnAccount`] for an administrator's own account.
pub async fn delete(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    if acting_on_self(admin, id) {
        return Err(OpError::OwnAccount(
            "you cannot delete your own account; another Partition Administrator can",
        ));
    }
    accounts::delete::<User>(state, admin, id).await
}

/// Signs the user out everywhere: ends every live browser session and revokes the grants made
/// in them, and tells the applications that took part (OpenID Connect Back-Channel Logout 1.0).
/// A user with no live session is not an error.
///
/// # Errors
/// Unknown user, storage failures.
pub async fn end_sessions(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    accounts::end_sessions::<User>(state, admin, id).await
}

#[async_trait]
impl Account for User {
    type Changes = UserChanges;
    const REALM: Realm = Realm::Users;
    const RESOURCE: Resource = Resource::User;
    const OBJECT: ObjectType = ObjectType::User;
    const UPDATE: Action = Action::UserUpdate;
    const DELETE: Action = Action::UserDelete;
    const SESSIONS_END: Action = Action::UserSessionsEnd;

    fn id(&self) -> uuid::Uuid {
        self.id
    }

    fn new_password(changes: &UserChanges) -> Option<String> {
        changes.password.clone()
    }

    fn apply_changes(
        &mut self,
        changes: UserChanges,
        now: OffsetDateTime,
    ) -> Result<(), FieldErrors> {
        self.apply(changes, now)
    }

    async fn load(store: &dyn Store, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Option<Self>> {
        store.get_user(p, id).await
    }

    async fn save(
        &self,
        store: &dyn Store,
        password_hash: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>> {
        store.update_user(self, password_hash, audit).await
    }

    async fn remove(
        store: &dyn Store,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        store.delete_user(p, id, audit).await
    }
}
