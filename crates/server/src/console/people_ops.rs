//! The calls the Users, Customers, Departments and Identity providers pages make into the admin
//! operations (the same functions the admin API's handlers call; see [`super::ops`]). Lists are
//! followed to their end: the pages search and page them in memory, as the client list does.

use tessera_domain::customer::Customer;
use tessera_domain::department::Department;
use tessera_domain::identity_provider::{IdentityProvider, IdentityProviderChanges};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::user::User;

use super::ops::{admin, page};
use super::session::ConsoleUser;
use crate::admin_api::error::ApiError;
use crate::admin_ops::accounts::{self, Account};
use crate::admin_ops::customers::{self, NewCustomer};
use crate::admin_ops::identity_providers::{self, NewIdentityProvider};
use crate::admin_ops::users::{self, NewUser};
use crate::admin_ops::{OpError, PartitionAdmin, Resource, departments};
use crate::jwt::external::KeyCheck;
use crate::state::AppState;

/// The id in a console address; a malformed one is not found.
fn id(raw: &str, what: Resource) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound(what.noun()))
}

/// Every item of a paged list, following the cursor to the end.
async fn all<T, F, Fut>(mut next: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, OpError>>,
{
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let p = next(page(cursor.as_deref())?).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Every account of one kind (users or customers) in the partition, in creation order.
///
/// # Errors
/// As the admin API's list.
pub(crate) async fn all_accounts<A: Account>(
    state: &AppState,
    who: &ConsoleUser,
) -> Result<Vec<A>, ApiError> {
    let a: PartitionAdmin = admin(who);
    all(|p| accounts::list::<A>(state, &a, p)).await
}

/// Adds a user.
///
/// # Errors
/// As the admin API's create.
pub(crate) async fn create_user(
    state: &AppState,
    who: &ConsoleUser,
    new: NewUser,
) -> Result<User, ApiError> {
    Ok(users::create(state, &admin(who), new).await?)
}

/// Adds a customer.
///
/// # Errors
/// As the admin API's create.
pub(crate) async fn create_customer(
    state: &AppState,
    who: &ConsoleUser,
    new: NewCustomer,
) -> Result<Customer, ApiError> {
    Ok(customers::create(state, &admin(who), new).await?)
}

/// One account by the id in the address.
///
/// # Errors
/// Not found when it is not in the partition.
pub(crate) async fn account<A: Account>(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
) -> Result<A, ApiError> {
    Ok(accounts::get::<A>(state, &admin(who), id(raw, A::RESOURCE)?).await?)
}

/// Changes an account.
///
/// # Errors
/// As the admin API's update (and the refusal to lock oneself out).
pub(crate) async fn update_account<A: Account>(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
    changes: A::Changes,
) -> Result<A, ApiError> {
    Ok(accounts::update::<A>(state, &admin(who), id(raw, A::RESOURCE)?, changes).await?)
}

/// Deletes an account.
///
/// # Errors
/// As the admin API's delete (and the refusal to delete oneself).
pub(crate) async fn delete_account<A: Account>(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
) -> Result<(), ApiError> {
    Ok(accounts::delete::<A>(state, &admin(who), id(raw, A::RESOURCE)?).await?)
}

/// Signs an account out everywhere.
///
/// # Errors
/// As the admin API's `end-sessions`.
pub(crate) async fn end_account_sessions<A: Account>(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
) -> Result<(), ApiError> {
    Ok(accounts::end_sessions::<A>(state, &admin(who), id(raw, A::RESOURCE)?).await?)
}

/// Every department of the partition, in creation order.
///
/// # Errors
/// As the admin API's list.
pub(crate) async fn all_departments(
    state: &AppState,
    who: &ConsoleUser,
) -> Result<Vec<Department>, ApiError> {
    let a = admin(who);
    all(|p| departments::list(state, &a, p)).await
}

/// Adds a department.
///
/// # Errors
/// As the admin API's create: an invalid or taken name.
pub(crate) async fn create_department(
    state: &AppState,
    who: &ConsoleUser,
    name: String,
) -> Result<Department, ApiError> {
    Ok(departments::create(state, &admin(who), name).await?)
}

/// Renames a department (its users move with it).
///
/// # Errors
/// As the admin API's `PATCH`: unknown, an invalid or taken new name.
pub(crate) async fn rename_department(
    state: &AppState,
    who: &ConsoleUser,
    name: &str,
    new_name: String,
) -> Result<Department, ApiError> {
    Ok(departments::rename(state, &admin(who), name, new_name).await?)
}

/// Removes a department.
///
/// # Errors
/// As the admin API's delete: unknown, or users still belong to it.
pub(crate) async fn delete_department(
    state: &AppState,
    who: &ConsoleUser,
    name: &str,
) -> Result<(), ApiError> {
    Ok(departments::delete(state, &admin(who), name).await?)
}

/// Every identity provider of the partition, in creation order.
///
/// # Errors
/// As the admin API's list.
pub(crate) async fn all_identity_providers(
    state: &AppState,
    who: &ConsoleUser,
) -> Result<Vec<IdentityProvider>, ApiError> {
    let a = admin(who);
    all(|p| identity_providers::list(state, &a, p)).await
}

/// Registers an identity provider.
///
/// # Errors
/// As the admin API's create: field errors (refused addresses included), the limit.
pub(crate) async fn create_identity_provider(
    state: &AppState,
    who: &ConsoleUser,
    new: NewIdentityProvider,
) -> Result<IdentityProvider, ApiError> {
    Ok(identity_providers::create(state, &admin(who), new).await?)
}

/// One identity provider by the id in the address.
///
/// # Errors
/// Not found when it is not in the partition.
pub(crate) async fn identity_provider(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
) -> Result<IdentityProvider, ApiError> {
    Ok(identity_providers::get(state, &admin(who), id(raw, Resource::IdentityProvider)?).await?)
}

/// Changes an identity provider.
///
/// # Errors
/// As the admin API's update.
pub(crate) async fn update_identity_provider(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
    changes: IdentityProviderChanges,
) -> Result<IdentityProvider, ApiError> {
    Ok(identity_providers::update(
        state,
        &admin(who),
        id(raw, Resource::IdentityProvider)?,
        changes,
    )
    .await?)
}

/// Deletes an identity provider.
///
/// # Errors
/// As the admin API's delete.
pub(crate) async fn delete_identity_provider(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
) -> Result<(), ApiError> {
    Ok(
        identity_providers::delete(state, &admin(who), id(raw, Resource::IdentityProvider)?)
            .await?,
    )
}

/// Test this provider: its keys, fetched now, or why there are none.
///
/// # Errors
/// Not found when it is not in the partition.
pub(crate) async fn check_identity_provider(
    state: &AppState,
    who: &ConsoleUser,
    raw: &str,
) -> Result<KeyCheck, ApiError> {
    Ok(
        identity_providers::check_keys(state, &admin(who), id(raw, Resource::IdentityProvider)?)
            .await?,
    )
}
