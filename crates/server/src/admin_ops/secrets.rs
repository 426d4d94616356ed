//! Client secrets: listed without values, shown once when added, deleted at once.

use serde::{Deserialize, Serialize};
use tessera_domain::ClientId;
use tessera_domain::audit::{Action, ObjectType};
use tessera_domain::client::Platform;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::secret::{ClientSecret, StoredSecret, expiry, hint};
use tessera_domain::store::StoreError;
use tessera_domain::validation::FieldErrors;
use time::OffsetDateTime;

use super::{OpError, PartitionAdmin, Resource, clients};
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

/// A page of a client's secrets (metadata only).
///
/// # Errors
/// Unknown client, storage failures.
pub async fn list(
    state: &AppState,
    admin: &PartitionAdmin,
    client_id: ClientId,
    page: PageRequest,
) -> Result<Page<ClientSecret>, OpError> {
    let client = clients::get(state, admin, client_id).await?;
    state
        .store
        .list_client_secrets(&admin.partition, client.client_id, page)
        .await
        .map_err(OpError::of(Resource::ClientApplication))
}

/// Adds a secret; at most the configured number (default 2) may be unexpired at once.
///
/// # Errors
/// Unknown client, a public client, invalid fields, the secret limit, storage failures.
pub async fn add(
    state: &AppState,
    admin: &PartitionAdmin,
    client_id: ClientId,
    new: NewSecret,
) -> Result<CreatedSecret, OpError> {
    clients::refuse_builtin(client_id)?;
    let client = clients::get(state, admin, client_id).await?;
    if client.platform == Platform::Spa {
        return Err(OpError::PublicClientSecret);
    }
    let now = state.clock.now();
    let mut e = FieldErrors::default();
    e.check_len("name", &new.name, 1, 100);
    let expires_at = match expiry(new.expires_in_days, now) {
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
        partition: admin.partition.clone(),
        client_id: client.client_id,
        name: new.name,
        hint: hint(&value),
        created_at: now,
        expires_at,
        last_used_at: None,
    };
    let audit = admin.event(
        state,
        Action::ClientSecretCreate,
        ObjectType::ClientSecret,
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
    let max = state.config.clients.max_secrets;
    state
        .store
        .add_client_secret(&stored, max, now, &audit)
        .await
        .map_err(|e| match e {
            StoreError::LimitReached(_) => OpError::SecretLimit(max),
            e => OpError::store(Resource::ClientApplication, e),
        })?;
    state.invalidate_client(&admin.partition, client.client_id);
    Ok(CreatedSecret {
        id: secret.id,
        name: secret.name,
        value,
        hint: secret.hint,
        created_at: now,
        expires_at,
    })
}

/// Deletes a secret; it stops working at once on this instance and within a second elsewhere.
/// The secret id is taken as given: one that is not an id is simply not found, once the client
/// has been.
///
/// # Errors
/// Unknown client or secret, storage failures.
pub async fn delete(
    state: &AppState,
    admin: &PartitionAdmin,
    client_id: ClientId,
    secret_id: &str,
) -> Result<(), OpError> {
    let client = clients::get(state, admin, client_id).await?;
    let secret_id =
        uuid::Uuid::parse_str(secret_id).map_err(|_| OpError::NotFound(Resource::ClientSecret))?;
    let audit = admin.event(
        state,
        Action::ClientSecretDelete,
        ObjectType::ClientSecret,
        secret_id.to_string(),
        Some(format!("client_id={}", client.client_id)),
    );
    state
        .store
        .delete_client_secret(&admin.partition, client.client_id, secret_id, &audit)
        .await
        .map_err(OpError::of(Resource::ClientSecret))?;
    state.invalidate_client(&admin.partition, client.client_id);
    Ok(())
}
