//! Customers: end customers of the partition's customers realm.

use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::audit::{Action, ObjectType};
use tessera_domain::customer::{Customer, CustomerChanges};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::CustomerRecord;
use tessera_domain::user::check_password;

use super::accounts::hash_password;
use super::{OpError, PartitionAdmin, Resource};
use crate::oauth::session_end::{self, Ending};
use crate::state::AppState;

/// The body of `POST customers`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// Unique in the partition (case-insensitive).
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Password, at least 10 characters.
    pub password: String,
    /// Enabled (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The optional OpenID Connect standard claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
}

const fn yes() -> bool {
    true
}

/// A page of customers.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<Customer>, OpError> {
    state
        .store
        .list_customers(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::Customer))
}

/// One customer of the partition.
///
/// # Errors
/// [`OpError::NotFound`] when the partition has no such customer.
pub async fn get(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<Customer, OpError> {
    state
        .store
        .get_customer(&admin.partition, id)
        .await
        .map_err(OpError::of(Resource::Customer))?
        .ok_or(OpError::NotFound(Resource::Customer))
}

/// Creates a customer.
///
/// # Errors
/// Invalid fields or password, a duplicate email, the hashing limit, storage failures.
pub async fn create(
    state: &AppState,
    admin: &PartitionAdmin,
    new: NewCustomer,
) -> Result<Customer, OpError> {
    let now = state.clock.now();
    let customer = Customer {
        id: state.rng.uuid(),
        partition: admin.partition.clone(),
        email: new.email,
        display_name: new.display_name,
        enabled: new.enabled,
        claims: new.claims,
        created_at: now,
        updated_at: now,
    };
    let mut e = customer.validate().err().unwrap_or_default();
    check_password(&mut e, "password", &new.password);
    e.into_result()?;
    let password_hash = hash_password(state, new.password).await?;
    let audit = admin.event(
        state,
        Action::CustomerCreate,
        ObjectType::Customer,
        customer.id.to_string(),
        None,
    );
    state
        .store
        .create_customer(
            &CustomerRecord {
                customer: customer.clone(),
                password_hash,
            },
            &audit,
        )
        .await
        .map_err(OpError::of(Resource::Customer))?;
    Ok(customer)
}

/// Changes a customer. A new password or disabling ends the customer's sessions, and their
/// applications are told.
///
/// # Errors
/// Unknown customer, invalid fields, the hashing limit, storage failures.
pub async fn update(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: CustomerChanges,
) -> Result<Customer, OpError> {
    let mut customer = get(state, admin, id).await?;
    let password = changes.password.clone();
    customer.apply(changes, state.clock.now())?;
    let hash = match password {
        Some(p) => Some(hash_password(state, p).await?),
        None => None,
    };
    let audit = admin.event(
        state,
        Action::CustomerUpdate,
        ObjectType::Customer,
        customer.id.to_string(),
        hash.as_ref().map(|_| "password changed".to_owned()),
    );
    let ended = state
        .store
        .update_customer(&customer, hash.as_deref(), &audit)
        .await
        .map_err(OpError::of(Resource::Customer))?;
    session_end::end(
        state,
        &admin.partition,
        Realm::Customers,
        Ending::Ended {
            subject: customer.id,
            sessions: ended,
        },
    )
    .await
    .map_err(OpError::of(Resource::Customer))?;
    Ok(customer)
}

/// Deletes a customer.
///
/// # Errors
/// Unknown customer, storage failures.
pub async fn delete(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    let audit = admin.event(
        state,
        Action::CustomerDelete,
        ObjectType::Customer,
        id.to_string(),
        None,
    );
    state
        .store
        .delete_customer(&admin.partition, id, &audit)
        .await
        .map_err(OpError::of(Resource::Customer))
}

/// Signs the customer out everywhere: ends every live browser session of the customer and
/// revokes the grants made in them, and tells the applications that took part (OpenID Connect
/// Back-Channel Logout 1.0). A customer with no live session is not an error.
///
/// # Errors
/// Unknown customer, storage failures.
pub async fn end_sessions(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    let customer = get(state, admin, id).await?;
    let audit = admin.event(
        state,
        Action::CustomerSessionsEnd,
        ObjectType::Customer,
        customer.id.to_string(),
        None,
    );
    session_end::end(
        state,
        &admin.partition,
        Realm::Customers,
        Ending::Account {
            subject: customer.id,
            audit,
        },
    )
    .await
    .map_err(OpError::of(Resource::Customer))?;
    Ok(())
}
