//! `customers`: end customers of the partition's customers realm.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::customer::{Customer, CustomerChanges};
use tessera_domain::page::Page;
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::CustomerRecord;
use tessera_domain::user::check_password;
use tessera_oauth_types::ProblemDetails;

use super::accounts::hash_password;
use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
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

async fn load(state: &AppState, caller: &AdminCaller, raw: &str) -> Result<Customer, ApiError> {
    let id = path_id(raw, "customer")?;
    state
        .store
        .get_customer(&caller.partition, id)
        .await
        .map_err(|e| ApiError::store("customer", e))?
        .ok_or(ApiError::NotFound("customer"))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/customers", tag = "customers",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)), responses((status = 200, description = "A page of customers")))]
/// Lists customers.
pub async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<Customer>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_customers(&caller.partition, page)
            .await
            .map_err(|e| ApiError::store("customer", e))?,
    ))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/customers", tag = "customers",
    params(("partition" = String, Path)), request_body = NewCustomer,
    responses((status = 201, body = Customer), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Creates a customer.
pub async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<NewCustomer>,
) -> Result<(StatusCode, Json<Customer>), ApiError> {
    let now = state.clock.now();
    let customer = Customer {
        id: state.rng.uuid(),
        partition: caller.partition.clone(),
        email: body.email,
        display_name: body.display_name,
        enabled: body.enabled,
        claims: body.claims,
        created_at: now,
        updated_at: now,
    };
    let mut e = customer.validate().err().unwrap_or_default();
    check_password(&mut e, "password", &body.password);
    e.into_result()?;
    let password_hash = hash_password(&state, body.password).await?;
    let audit = caller.event(
        &state,
        "customer.create",
        "customer",
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
        .map_err(|e| ApiError::store("customer", e))?;
    Ok((StatusCode::CREATED, Json(customer)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), responses((status = 200, body = Customer), (status = 404, body = ProblemDetails)))]
/// One customer.
pub async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(load(&state, &caller, &id).await?))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), request_body = CustomerChanges,
    responses((status = 200, body = Customer), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes a customer.
pub async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(changes): StrictJson<CustomerChanges>,
) -> Result<Json<Customer>, ApiError> {
    let mut customer = load(&state, &caller, &id).await?;
    let password = changes.password.clone();
    customer.apply(changes, state.clock.now())?;
    let hash = match password {
        Some(p) => Some(hash_password(&state, p).await?),
        None => None,
    };
    let audit = caller.event(
        &state,
        "customer.update",
        "customer",
        customer.id.to_string(),
        hash.as_ref().map(|_| "password changed".to_owned()),
    );
    let ended = state
        .store
        .update_customer(&customer, hash.as_deref(), &audit)
        .await
        .map_err(|e| ApiError::store("customer", e))?;
    // A new password or disabling ended the customer's sessions: tell their applications.
    session_end::end(
        &state,
        &caller.partition,
        Realm::Customers,
        Ending::Ended {
            subject: customer.id,
            sessions: ended,
        },
    )
    .await
    .map_err(|e| ApiError::store("customer", e))?;
    Ok(Json(customer))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes a customer.
pub async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = path_id(&id, "customer")?;
    let audit = caller.event(&state, "customer.delete", "customer", id.to_string(), None);
    state
        .store
        .delete_customer(&caller.partition, id, &audit)
        .await
        .map_err(|e| ApiError::store("customer", e))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}/sessions", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), responses((status = 204, description = "Every live session ended"), (status = 404, body = ProblemDetails)))]
/// Signs the customer out everywhere: ends every live browser session of the customer and revokes
/// the grants made in them, and tells the applications that took part (OpenID Connect
/// Back-Channel Logout 1.0). A customer with no live session is not an error.
pub async fn end_sessions(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let customer = load(&state, &caller, &id).await?;
    let audit = caller.event(
        &state,
        "customer.sessions.end",
        "customer",
        customer.id.to_string(),
        None,
    );
    session_end::end(
        &state,
        &caller.partition,
        Realm::Customers,
        Ending::Account {
            subject: customer.id,
            audit,
        },
    )
    .await
    .map_err(|e| ApiError::store("customer", e))?;
    Ok(StatusCode::NO_CONTENT)
}
