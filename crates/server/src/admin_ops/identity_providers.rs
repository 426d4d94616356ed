//! Identity providers: external SSO providers whose tokens can be exchanged (at most
//! [`MAX_IDENTITY_PROVIDERS`]).

use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::audit::{Action, ObjectType};
use tessera_domain::identity_provider::{
    IdentityProvider, IdentityProviderChanges, MAX_IDENTITY_PROVIDERS, MatchAttribute,
};
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::store::StoreError;

use super::{OpError, PartitionAdmin, Resource};
use crate::jwt::external::KeyCheck;
use crate::state::AppState;

/// The body of `POST identity-providers`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIdentityProvider {
    /// Display name.
    pub name: String,
    /// Expected `iss` of its tokens.
    pub issuer: String,
    /// JWKS address: https to a public address (loopback, and plain http to it, only where the
    /// deployment sets `[federation] allow_loopback` for development).
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Inline JWK Set instead of `jwks_uri`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// Accepted audiences.
    pub audiences: Vec<String>,
    /// `users` or `customers`.
    #[serde(default = "users")]
    pub realm: Realm,
    /// Claim to match (default `email`).
    #[serde(default = "email")]
    pub match_claim: String,
    /// Attribute matched (`email` or `username`).
    #[serde(default)]
    pub match_attribute: MatchAttribute,
    /// When matching on email, require `email_verified: true` in the provider's token (default
    /// true). Unsafe to switch off unless the provider verifies every address it asserts.
    #[serde(default = "super::yes")]
    pub require_email_verified: bool,
    /// Enabled (default true).
    #[serde(default = "super::yes")]
    pub enabled: bool,
}

const fn users() -> Realm {
    Realm::Users
}

fn email() -> String {
    "email".to_owned()
}

/// A page of identity providers.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<IdentityProvider>, OpError> {
    state
        .store
        .list_identity_providers(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::IdentityProvider))
}

/// One identity provider of the partition.
///
/// # Errors
/// [`OpError::NotFound`] when the partition has no such provider.
pub async fn get(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<IdentityProvider, OpError> {
    state
        .store
        .get_identity_provider(&admin.partition, id)
        .await
        .map_err(OpError::of(Resource::IdentityProvider))?
        .ok_or(OpError::NotFound(Resource::IdentityProvider))
}

/// Registers an identity provider; its generated id is the `registration_id` of token exchange.
///
/// # Errors
/// Invalid fields (addresses the deployment's federation policy refuses included), the
/// provider limit, storage failures.
pub async fn create(
    state: &AppState,
    admin: &PartitionAdmin,
    new: NewIdentityProvider,
) -> Result<IdentityProvider, OpError> {
    let now = state.clock.now();
    let idp = IdentityProvider {
        id: state.rng.uuid(),
        partition: admin.partition.clone(),
        name: new.name,
        issuer: new.issuer,
        jwks_uri: new.jwks_uri,
        jwks: new.jwks,
        audiences: new.audiences,
        realm: new.realm,
        match_claim: new.match_claim,
        match_attribute: new.match_attribute,
        require_email_verified: new.require_email_verified,
        enabled: new.enabled,
        created_at: now,
        updated_at: now,
    };
    idp.validate(state.config.federation.policy())?;
    let audit = admin.event(
        state,
        Action::IdentityProviderCreate,
        ObjectType::IdentityProvider,
        idp.id.to_string(),
        Some(format!("issuer={}", idp.issuer)),
    );
    state
        .store
        .create_identity_provider(&idp, MAX_IDENTITY_PROVIDERS, &audit)
        .await
        .map_err(|e| match e {
            StoreError::LimitReached(_) => OpError::IdentityProviderLimit(MAX_IDENTITY_PROVIDERS),
            e => OpError::store(Resource::IdentityProvider, e),
        })?;
    Ok(idp)
}

/// Changes an identity provider.
///
/// # Errors
/// Unknown provider, invalid fields, storage failures.
pub async fn update(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
    changes: IdentityProviderChanges,
) -> Result<IdentityProvider, OpError> {
    let mut idp = get(state, admin, id).await?;
    idp.apply(changes, state.clock.now(), state.config.federation.policy())?;
    let audit = admin.event(
        state,
        Action::IdentityProviderUpdate,
        ObjectType::IdentityProvider,
        idp.id.to_string(),
        None,
    );
    state
        .store
        .update_identity_provider(&idp, &audit)
        .await
        .map_err(OpError::of(Resource::IdentityProvider))?;
    Ok(idp)
}

/// Deletes an identity provider.
///
/// # Errors
/// Unknown provider, storage failures.
pub async fn delete(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<(), OpError> {
    let audit = admin.event(
        state,
        Action::IdentityProviderDelete,
        ObjectType::IdentityProvider,
        id.to_string(),
        None,
    );
    state
        .store
        .delete_identity_provider(&admin.partition, id, &audit)
        .await
        .map_err(OpError::of(Resource::IdentityProvider))
}

/// "Test this provider": fetches the provider's keys now through the fetcher token exchange
/// uses (its address checks included: a refused address is refused before any connection) and
/// says what it found — each key's `kid`, type and algorithm, or exactly why there are none.
/// Nothing is stored or cached.
///
/// # Errors
/// Unknown provider, storage failures. A failed fetch is not an error: it is the answer.
pub async fn check_keys(
    state: &AppState,
    admin: &PartitionAdmin,
    id: uuid::Uuid,
) -> Result<KeyCheck, OpError> {
    let idp = get(state, admin, id).await?;
    Ok(state.external_keys.check(&idp).await)
}
