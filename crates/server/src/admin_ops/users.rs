//! Users: agents of the partition's users realm.

use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::audit::{Action, ObjectType};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::UserRecord;
use tessera_domain::user::{User, UserChanges, check_password};

use super::accounts::hash_password;
use super::{OpError, PartitionAdmin, Resource};
use crate::oauth::session_end::{self, Ending};
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
    state
        .store
        .get_user(&admin.partition, id)
        .await
        .map_err(OpError::of(Resource::User))?
        .ok_or(OpError::NotFound(Resource::User))
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
/// Unknown user, invalid fields, the hashing limit, storage failures.
pub async fn update(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: UserChanges,
) -> Result<User, OpError> {
    let mut user = get(state, admin, id).await?;
    let password = changes.password.clone();
    user.apply(changes, state.clock.now())?;
    let hash = match password {
        Some(p) => Some(hash_password(state, p).await?),
        None => None,
    };
    let audit = admin.event(
        state,
        Action::UserUpdate,
        ObjectType::User,
        user.id.to_string(),
        hash.as_ref().map(|_| "password changed".to_owned()),
    );
    let ended = state
        .store
        .update_user(&user, hash.as_deref(), &audit)
        .await
        .map_err(OpError::of(Resource::User))?;
    session_end::end(
        state,
        &admin.partition,
        Realm::Users,
        Ending::Ended {
            subject: user.id,
            sessions: ended,
        },
    )
    .await
    .map_err(OpError::of(Resource::User))?;
    Ok(user)
}

/// Deletes a user.
///
/// # Errors
/// Unknown user, storage failures.
pub async fn delete(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    let audit = admin.event(
        state,
        Action::UserDelete,
        ObjectType::User,
        id.to_string(),
        None,
    );
    state
        .store
        .delete_user(&admin.partition, id, &audit)
        .await
        .map_err(OpError::of(Resource::User))
}

/// Signs the user out everywhere: ends every live browser session of the user and revokes the
/// grants made in them, and tells the applications that took part (OpenID Connect Back-Channel
/// Logout 1.0). A user with no live session is not an error.
///
/// # Errors
/// Unknown user, storage failures.
pub async fn end_sessions(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    let user = get(state, admin, id).await?;
    let audit = admin.event(
        state,
        Action::UserSessionsEnd,
        ObjectType::User,
        user.id.to_string(),
        None,
    );
    session_end::end(
        state,
        &admin.partition,
        Realm::Users,
        Ending::Account {
            subject: user.id,
            audit,
        },
    )
    .await
    .map_err(OpError::of(Resource::User))?;
    Ok(())
}
