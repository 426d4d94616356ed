//! Users: agents of the partition's users realm.

use serde::Deserialize;
use tessera_domain::audit::ActorKind;
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::user::{User, UserChanges};

use super::accounts::{self, account};
use super::{OpError, PartitionAdmin};
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
    #[serde(default = "super::yes")]
    pub enabled: bool,
    /// The optional OpenID Connect standard claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
}

fn service() -> String {
    tessera_domain::department::DEFAULT_DEPARTMENT.to_owned()
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
    accounts::create(state, admin, user, new.password).await
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
    accounts::delete::<User>(state, admin, id).await
}

/// An administrator may not lock themselves out: disable their own account or withdraw their
/// own administrator role (another Partition Administrator can).
fn refuse_own_lockout(
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: &UserChanges,
) -> Result<(), OpError> {
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
    Ok(())
}

/// An administrator may not delete their own account (another Partition Administrator can).
fn refuse_own_deletion(admin: &PartitionAdmin, id: uuid::Uuid) -> Result<(), OpError> {
    if acting_on_self(admin, id) {
        return Err(OpError::OwnAccount(
            "you cannot delete your own account; another Partition Administrator can",
        ));
    }
    Ok(())
}

account!(
    User,
    UserChanges,
    Users,
    actions: (UserCreate, UserUpdate, UserDelete, UserSessionsEnd),
    store: (list_users, create_user, UserRecord { user }, get_user, update_user, delete_user),
    detail: |u| Some(format!(
        "username={:?} partition_admin={}",
        u.username, u.partition_admin
    )),
    {
        fn refuse_update(
            admin: &PartitionAdmin,
            id: uuid::Uuid,
            changes: &UserChanges,
        ) -> Result<(), OpError> {
            refuse_own_lockout(admin, id, changes)
        }

        fn refuse_delete(admin: &PartitionAdmin, id: uuid::Uuid) -> Result<(), OpError> {
            refuse_own_deletion(admin, id)
        }
    },
);
