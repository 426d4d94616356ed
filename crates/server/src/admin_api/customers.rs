//! `customers`: end customers of the partition's customers realm (adapters over
//! [`crate::admin_ops::customers`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tessera_domain::customer::{Customer, CustomerChanges};
use tessera_domain::page::Page;
use tessera_oauth_types::ProblemDetails;

use super::caller::AdminCaller;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::admin_ops::customers::{self as ops, NewCustomer};
use crate::admin_ops::{Resource, accounts};
use crate::state::AppState;

fn customer_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    path_id(raw, Resource::Customer)
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/customers", tag = "customers",
    params(("partition" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)), responses((status = 200, description = "A page of customers")))]
/// Lists customers.
pub(crate) async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    ListQuery(page): ListQuery,
) -> Result<Json<Page<Customer>>, ApiError> {
    Ok(Json(
        accounts::list::<Customer>(&state, &caller, page).await?,
    ))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/customers", tag = "customers",
    params(("partition" = String, Path)), request_body = NewCustomer,
    responses((status = 201, body = Customer), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Creates a customer.
pub(crate) async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    StrictJson(body): StrictJson<NewCustomer>,
) -> Result<(StatusCode, Json<Customer>), ApiError> {
    let customer = ops::create(&state, &caller, body).await?;
    Ok((StatusCode::CREATED, Json(customer)))
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), responses((status = 200, body = Customer), (status = 404, body = ProblemDetails)))]
/// One customer.
pub(crate) async fn get(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(
        accounts::get::<Customer>(&state, &caller, customer_id(&id)?).await?,
    ))
}

#[utoipa::path(patch, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), request_body = CustomerChanges,
    responses((status = 200, body = Customer), (status = 404, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Changes a customer.
pub(crate) async fn update(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(changes): StrictJson<CustomerChanges>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(
        accounts::update::<Customer>(&state, &caller, customer_id(&id)?, changes).await?,
    ))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes a customer.
pub(crate) async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    accounts::delete::<Customer>(&state, &caller, customer_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/customers/{customer_id}/sessions", tag = "customers",
    params(("partition" = String, Path), ("customer_id" = String, Path)), responses((status = 204, description = "Every live session ended"), (status = 404, body = ProblemDetails)))]
/// Signs the customer out everywhere: ends every live browser session of the customer and revokes
/// the grants made in them, and tells the applications that took part (OpenID Connect
/// Back-Channel Logout 1.0). A customer with no live session is not an error.
pub(crate) async fn end_sessions(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    accounts::end_sessions::<Customer>(&state, &caller, customer_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
