//! Departments users belong to.

use tessera_domain::audit::{Action, ObjectType};
use tessera_domain::department::Department;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::StoreError;

use super::{OpError, PartitionAdmin, Resource};
use crate::state::AppState;

/// A page of departments in creation order.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<Department>, OpError> {
    state
        .store
        .list_departments(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::Department))
}

/// Adds a department named `name`.
///
/// # Errors
/// An invalid or duplicate name, storage failures.
pub async fn create(
    state: &AppState,
    admin: &PartitionAdmin,
    name: String,
) -> Result<Department, OpError> {
    let d = Department {
        name,
        created_at: state.clock.now(),
    };
    d.validate()?;
    let audit = admin.event(
        state,
        Action::DepartmentCreate,
        ObjectType::Department,
        d.name.clone(),
        None,
    );
    state
        .store
        .create_department(&admin.partition, &d, &audit)
        .await
        .map_err(OpError::of(Resource::Department))?;
    Ok(d)
}

/// Removes a department that no user belongs to.
///
/// # Errors
/// Unknown department, [`OpError::DepartmentInUse`], storage failures.
pub async fn delete(state: &AppState, admin: &PartitionAdmin, name: &str) -> Result<(), OpError> {
    let audit = admin.event(
        state,
        Action::DepartmentDelete,
        ObjectType::Department,
        name.to_owned(),
        None,
    );
    state
        .store
        .delete_department(&admin.partition, name, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => OpError::DepartmentInUse(name.to_owned()),
            e => OpError::store(Resource::Department, e),
        })
}
