//! **Assign to a client application** (docs/console.md#apis): the scopes one operation of the
//! API catalog needs under one of its security schemes, added to an application's permissions in
//! one step.
//!
//! It is the permission replacement of [`clients::replace_permissions`] called with the union of
//! what the application holds and what the operation needs, so its rules (unknown permissions,
//! kinds a single-page application cannot hold, the built-in console client) and its audit event
//! are that operation's, and nothing already assigned is removed.

use serde::{Deserialize, Serialize};
use tessera_domain::ClientId;
use tessera_domain::permission::DEFAULT_SCOPE;
use tessera_domain::validation::FieldErrors;
use tessera_oauth_types::SecurityScheme;

use super::{OpError, PartitionAdmin, Resource, catalog, clients};
use crate::state::AppState;

/// Which operation's scopes, under which of its schemes, go to which application.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignOperation {
    /// The application that gets the scopes.
    #[schema(value_type = String, format = Uuid)]
    pub client_id: ClientId,
    /// The scheme whose required scopes are assigned (e.g. `oAuthClient`).
    pub scheme: SecurityScheme,
}

/// What an assignment changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// The scopes the operation requires under the scheme (short form), in its order.
    pub required: Vec<String>,
    /// Those that were newly assigned.
    pub added: Vec<String>,
    /// Those the application already held (nothing was written for them).
    pub already_assigned: Vec<String>,
    /// Every permission the application holds now, sorted.
    pub permissions: Vec<String>,
}

/// Adds to the application the scopes `api_id`'s operation `operation_id` requires under
/// `body.scheme`, keeping every permission it already has.
///
/// # Errors
/// [`OpError::NotFound`] for an unknown API, operation or application; [`OpError::Invalid`]
/// when the operation does not accept the scheme, when the scheme needs no named scope
/// (`.default`), or when the application cannot hold a required scope's kind (the message says
/// which and why); [`OpError::BuiltIn`] for the console client; storage failures.
pub async fn assign(
    state: &AppState,
    admin: &PartitionAdmin,
    api_id: &str,
    operation_id: &str,
    body: &AssignOperation,
) -> Result<Assigned, OpError> {
    let api = catalog::api(state, admin, api_id).await?;
    let op = api
        .operations
        .iter()
        .find(|o| o.operation_id == operation_id)
        .ok_or(OpError::NotFound(Resource::Operation))?;
    let Some(requirement) = op.security.iter().find(|r| r.scheme == body.scheme) else {
        let offered: Vec<&str> = op.security.iter().map(|r| r.scheme.as_str()).collect();
        return Err(FieldErrors::single(
            "scheme",
            format!(
                "{} does not accept {}; its schemes are {}",
                op.operation_id,
                body.scheme,
                if offered.is_empty() {
                    "none".to_owned()
                } else {
                    offered.join(", ")
                }
            ),
        )
        .into());
    };
    let required: Vec<String> = requirement
        .scopes
        .iter()
        .filter(|s| s.as_str() != DEFAULT_SCOPE)
        .cloned()
        .collect();
    if required.is_empty() {
        return Err(FieldErrors::single(
            "scheme",
            format!(
                "under {} the operation asks for {DEFAULT_SCOPE}, which stands for the application permissions a client already holds; assign application permissions on the application's Permissions page",
                body.scheme
            ),
        )
        .into());
    }
    let client = clients::get(state, admin, body.client_id).await?;
    let (already, added): (Vec<String>, Vec<String>) = required
        .iter()
        .cloned()
        .partition(|s| client.permissions.contains(s));
    if added.is_empty() {
        let mut permissions = client.permissions;
        permissions.sort();
        return Ok(Assigned {
            required,
            added,
            already_assigned: already,
            permissions,
        });
    }
    // What is added comes first, so a refusal's `permissions[i]` is `added[i]`.
    let union: Vec<String> = added
        .iter()
        .chain(client.permissions.iter())
        .cloned()
        .collect();
    let permissions = clients::replace_permissions(state, admin, body.client_id, &union)
        .await
        .map_err(|e| match e {
            OpError::Invalid(errors) => OpError::Invalid(FieldErrors(
                errors
                    .0
                    .into_iter()
                    .map(|mut f| {
                        f.field = "scheme".to_owned();
                        f
                    })
                    .collect(),
            )),
            other => other,
        })?;
    Ok(Assigned {
        required,
        added,
        already_assigned: already,
        permissions,
    })
}
