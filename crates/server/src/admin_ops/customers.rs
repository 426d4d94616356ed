//! Customers: end customers of the partition's customers realm.

use serde::Deserialize;
use tessera_domain::customer::{Customer, CustomerChanges};
use tessera_domain::standard_claims::StandardClaims;

use super::accounts::{self, account};
use super::{OpError, PartitionAdmin};
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
    #[serde(default = "super::yes")]
    pub enabled: bool,
    /// The optional OpenID Connect standard claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
}

/// Creates a customer. Read, change, delete and sign out customers with the generic
/// operations of [`accounts`].
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
    accounts::create(state, admin, customer, new.password).await
}

account!(
    Customer,
    CustomerChanges,
    Customers,
    actions: (CustomerCreate, CustomerUpdate, CustomerDelete, CustomerSessionsEnd),
    store: (list_customers, create_customer, CustomerRecord { customer }, get_customer, update_customer, delete_customer),
    detail: |_c| None,
    {},
);
