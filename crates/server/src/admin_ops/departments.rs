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

/// Renames department `name` to `new_name`; its users move with it and it keeps its place in
/// the list. The same name again changes nothing.
///
/// # Errors
/// Unknown department, an invalid or taken new name, storage failures.
pub async fn rename(
    state: &AppState,
    admin: &PartitionAdmin,
    name: &str,
    new_name: String,
) -> Result<Department, OpError> {
    let renamed = Department {
        name: new_name,
        created_at: state.clock.now(),
    };
    renamed.validate()?;
    if renamed.name != name {
        let audit = admin.event(
            state,
            Action::DepartmentRename,
            ObjectType::Department,
            name.to_owned(),
            Some(format!("new name {:?}", renamed.name)),
        );
        state
            .store
            .rename_department(&admin.partition, name, &renamed.name, &audit)
            .await
            .map_err(OpError::of(Resource::Department))?;
    }
    find(state, admin, &renamed.name).await
}

/// The department named `name`, looked up page by page (a partition has few).
async fn find(state: &AppState, admin: &PartitionAdmin, name: &str) -> Result<Department, OpError> {
    let mut cursor: Option<String> = None;
    loop {
        let req = PageRequest::parse(Some(tessera_domain::page::MAX_LIMIT), cursor.as_deref())
            .map_err(|e| {
                tracing::error!(error = %e, "a cursor of our own did not parse");
                OpError::Internal
            })?;
        let page = list(state, admin, req).await?;
        if let Some(d) = page.items.into_iter().find(|d| d.name == name) {
            return Ok(d);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Err(OpError::NotFound(Resource::Department)),
        }
    }
}
