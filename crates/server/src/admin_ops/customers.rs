//! Customers: end customers of the partition's customers realm.

use async_trait::async_trait;
use serde::Deserialize;
use tessera_domain::audit::{Action, AuditEvent, ObjectType};
use tessera_domain::customer::{Customer, CustomerChanges};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::{CustomerRecord, Store, StoreResult};
use tessera_domain::user::check_password;
use tessera_domain::validation::FieldErrors;
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;

use super::accounts::{self, Account, hash_password};
use super::{OpError, PartitionAdmin, Resource};
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
    accounts::get(state, admin, id).await
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

/// Changes a customer (a new password is hashed; it is never returned). A new password or
/// disabling ends the customer's sessions, and their applications are told.
///
/// # Errors
/// Unknown customer, invalid fields, the hashing limit, storage failures.
pub async fn update(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: CustomerChanges,
) -> Result<Customer, OpError> {
    accounts::update(state, admin, id, changes).await
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
    accounts::delete::<Customer>(state, admin, id).await
}

/// Signs the customer out everywhere: ends every live browser session and revokes the grants made
/// in them, and tells the applications that took part (OpenID Connect Back-Channel Logout 1.0).
/// A customer with no live session is not an error.
///
/// # Errors
/// Unknown customer, storage failures.
pub async fn end_sessions(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    accounts::end_sessions::<Customer>(state, admin, id).await
}

#[async_trait]
impl Account for Customer {
    type Changes = CustomerChanges;
    const REALM: Realm = Realm::Customers;
    const RESOURCE: Resource = Resource::Customer;
    const OBJECT: ObjectType = ObjectType::Customer;
    const UPDATE: Action = Action::CustomerUpdate;
    const DELETE: Action = Action::CustomerDelete;
    const SESSIONS_END: Action = Action::CustomerSessionsEnd;

    fn id(&self) -> uuid::Uuid {
        self.id
    }

    fn new_password(changes: &CustomerChanges) -> Option<String> {
        changes.password.clone()
    }

    fn apply_changes(
        &mut self,
        changes: CustomerChanges,
        now: OffsetDateTime,
    ) -> Result<(), FieldErrors> {
        self.apply(changes, now)
    }

    async fn load(store: &dyn Store, p: &PartitionId, id: uuid::Uuid) -> StoreResult<Option<Self>> {
        store.get_customer(p, id).await
    }

    async fn save(
        &self,
        store: &dyn Store,
        password_hash: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<uuid::Uuid>> {
        store.update_customer(self, password_hash, audit).await
    }

    async fn remove(
        store: &dyn Store,
        p: &PartitionId,
        id: uuid::Uuid,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        store.delete_customer(p, id, audit).await
    }
}
