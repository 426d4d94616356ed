//! `client-applications/{client_id}/secrets`: list (no values), create (value shown once), delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tessera_domain::client::Platform;
use tessera_domain::secret::{ClientSecret, StoredSecret, expiry, hint};
use tessera_domain::validation::FieldErrors;
use tessera_oauth_types::ProblemDetails;
use time::OffsetDateTime;

use super::caller::AdminCaller;
use super::clients::load;
use super::error::ApiError;
use super::extract::{ListQuery, StrictJson, path_id};
use crate::crypto::secret_hash::SecretHasher;
use crate::state::AppState;

/// The body of `POST .../secrets`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSecret {
    /// A label, 1-100 characters.
    pub name: String,
    /// 30, 90, 180, 365 or 730; `null` never expires; absent means 365.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub expires_in_days: Option<Option<i64>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// A created secret: the only time its value is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedSecret {
    /// Secret id.
    pub id: uuid::Uuid,
    /// Label.
    pub name: String,
    /// The secret value. Store it now: it is not shown again.
    pub value: String,
    /// `…` and the last four characters.
    pub hint: String,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Expiry, or `null`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// The list response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecretList {
    /// Secrets, without values, in creation order.
    pub items: Vec<ClientSecret>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/secrets", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path), ("limit" = Option<u32>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = SecretList), (status = 400, body = ProblemDetails), (status = 404, body = ProblemDetails)))]
/// Lists a client's secrets (metadata only), a page at a time.
pub async fn list(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    ListQuery(page): ListQuery,
) -> Result<Json<SecretList>, ApiError> {
    let client = load(&state, &caller, &id).await?;
    let page = state
        .store
        .list_client_secrets(&caller.partition, client.client_id, page)
        .await
        .map_err(|e| ApiError::store("client application", e))?;
    Ok(Json(SecretList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/secrets", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path)), request_body = NewSecret,
    responses((status = 201, body = CreatedSecret), (status = 409, body = ProblemDetails), (status = 422, body = ProblemDetails)))]
/// Adds a secret; at most the configured number (default 2) may be unexpired at once.
pub async fn create(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
    StrictJson(body): StrictJson<NewSecret>,
) -> Result<(StatusCode, Json<CreatedSecret>), ApiError> {
    let client = load(&state, &caller, &id).await?;
    super::clients::refuse_builtin(client.client_id)?;
    if client.platform == Platform::Spa {
        return Err(ApiError::Conflict(
            "a single-page application is a public client and cannot have secrets".into(),
        ));
    }
    let now = state.clock.now();
    let mut e = FieldErrors::default();
    e.check_len("name", &body.name, 1, 100);
    let expires_at = match expiry(body.expires_in_days, now) {
        Ok(x) => x,
        Err(fe) => {
            e.0.extend(fe.0);
            None
        }
    };
    e.into_result()?;
    let value = SecretHasher::generate(&*state.rng);
    let secret = ClientSecret {
        id: state.rng.uuid(),
        partition: caller.partition.clone(),
        client_id: client.client_id,
        name: body.name,
        hint: hint(&value),
        created_at: now,
        expires_at,
        last_used_at: None,
    };
    let audit = caller.event(
        &state,
        "client_secret.create",
        "client_secret",
        secret.id.to_string(),
        Some(format!(
            "client_id={} hint={}",
            client.client_id, secret.hint
        )),
    );
    let stored = StoredSecret {
        secret: secret.clone(),
        hash: state.secrets.hash(&value),
    };
    state
        .store
        .add_client_secret(&stored, state.config.clients.max_secrets, now, &audit)
        .await
        .map_err(|e| match e {
            tessera_domain::store::StoreError::LimitReached(_) => ApiError::Conflict(format!(
                "this client application already has {} unexpired secrets; delete one before adding another",
                state.config.clients.max_secrets
            )),
            e => ApiError::store("client application", e),
        })?;
    state.invalidate_client(&caller.partition, client.client_id);
    Ok((
        StatusCode::CREATED,
        Json(CreatedSecret {
            id: secret.id,
            name: secret.name,
            value,
            hint: secret.hint,
            created_at: now,
            expires_at,
        }),
    ))
}

#[utoipa::path(delete, path = "/admin/api/v1/partitions/{partition}/client-applications/{client_id}/secrets/{secret_id}", tag = "client-applications",
    params(("partition" = String, Path), ("client_id" = String, Path), ("secret_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ProblemDetails)))]
/// Deletes a secret; it stops working at once on this instance and within a second elsewhere.
pub async fn delete(
    caller: AdminCaller,
    State(state): State<AppState>,
    Path((_, id, secret_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let client = load(&state, &caller, &id).await?;
    let secret_id = path_id(&secret_id, "client secret")?;
    let audit = caller.event(
        &state,
        "client_secret.delete",
        "client_secret",
        secret_id.to_string(),
        Some(format!("client_id={}", client.client_id)),
    );
    state
        .store
        .delete_client_secret(&caller.partition, client.client_id, secret_id, &audit)
        .await
        .map_err(|e| ApiError::store("client secret", e))?;
    state.invalidate_client(&caller.partition, client.client_id);
    Ok(StatusCode::NO_CONTENT)
}
