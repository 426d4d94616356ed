//! Client applications: register, change, delete, assign permissions, and what a developer
//! needs to call Tessera with one.

use serde::{Deserialize, Serialize};
use tessera_domain::ClientId;
use tessera_domain::Realm;
use tessera_domain::audit::{Action, ObjectType};
use tessera_domain::client::search::{ClientQuery, Counted, MAX_QUERY_CHARS};
use tessera_domain::client::{
    ClientApplication, ClientChanges, DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_ID_TOKEN_ALG, Platform,
    ResourceType,
};
use tessera_domain::page::{MAX_LIMIT, Page, PageRequest};
use tessera_domain::permission::{PermissionKind, short_form};
use tessera_domain::signing_key::SigningAlg;
use tessera_domain::store::StoreError;
use tessera_domain::validation::FieldErrors;

use super::{OpError, PartitionAdmin, Resource, partition_view};
use crate::metadata::{SchemeMetadata, schemes};
use crate::provision::key_algorithms;
use crate::state::AppState;
use crate::urls;

/// The body of `POST client-applications` (docs/product.md#admin-api).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientApplication {
    /// Unique in the partition, 1-100 characters.
    pub name: String,
    /// `web` (confidential) or `spa` (public, PKCE).
    pub platform: Platform,
    /// Only `global`.
    #[serde(default)]
    pub resource_type: ResourceType,
    /// Redirect URLs (https, or http on loopback; no fragment).
    #[serde(default)]
    pub redirect_urls: Vec<String>,
    /// Post-logout redirect URLs.
    #[serde(default)]
    pub post_logout_redirect_urls: Vec<String>,
    /// On-behalf-of switch (Web only).
    #[serde(default)]
    pub obo_enabled: bool,
    /// Token exchange switch (Web only).
    #[serde(default)]
    pub token_exchange_enabled: bool,
    /// Access Token Expiry Time for token exchange, 300-86400 s.
    #[serde(default = "default_ttl")]
    pub access_token_ttl: u32,
    /// Enabled (default true).
    #[serde(default = "super::yes")]
    pub enabled: bool,
    /// How its ID tokens are signed: `RS256` (the default every OpenID Connect library
    /// assumes), `ES256`, or `EdDSA` where the deployment's signing algorithm is EdDSA.
    #[serde(default = "default_id_token_alg")]
    pub id_token_signed_response_alg: SigningAlg,
    /// Where logout tokens are POSTed when a session the application took part in ends
    /// (OpenID Connect Back-Channel Logout 1.0): https, or http on loopback; no fragment.
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    /// Whether the application needs `sid` in logout tokens (default true; Tessera always
    /// sends it).
    #[serde(default = "super::yes")]
    pub backchannel_logout_session_required: bool,
    /// The page loaded in an iframe by the signed-out page (OpenID Connect Front-Channel
    /// Logout 1.0): the scheme, host and port of one of the redirect URLs; no fragment.
    #[serde(default)]
    pub frontchannel_logout_uri: Option<String>,
    /// Whether `iss` and `sid` are added to the front-channel URI (default true).
    #[serde(default = "super::yes")]
    pub frontchannel_logout_session_required: bool,
}

const fn default_id_token_alg() -> SigningAlg {
    DEFAULT_ID_TOKEN_ALG
}

const fn default_ttl() -> u32 {
    DEFAULT_ACCESS_TOKEN_TTL
}

/// What a developer needs to call Tessera with this client.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClientMetadata {
    /// The client.
    pub client_id: uuid::Uuid,
    /// Where users sign in (users realm).
    pub authorization_url: String,
    /// Where tokens are requested (users realm).
    pub access_token_url: String,
    /// Where APIs are called.
    pub domain_url: String,
    /// Where this metadata can be fetched for the partition.
    pub metadata_url: String,
    /// Prefix of full-form permission names.
    pub api_permission_prefix: String,
    /// Personas this client can act as or for.
    pub actors: Vec<&'static str>,
    /// Per-scheme flow and addresses.
    pub schemes: Vec<SchemeMetadata>,
}

/// Refuses an ID token algorithm the realms keep no key for (a per-field error).
fn check_id_token_alg(state: &AppState, client: &ClientApplication) -> Result<(), OpError> {
    Ok(client.check_id_token_alg(&key_algorithms(state.config.signing.algorithm))?)
}

/// A page of client applications in creation order.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<ClientApplication>, OpError> {
    state
        .store
        .list_clients(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::ClientApplication))
}

/// One client application of the partition.
///
/// # Errors
/// [`OpError::NotFound`] when the partition has no such client.
pub async fn get(
    state: &AppState,
    admin: &PartitionAdmin,
    id: ClientId,
) -> Result<ClientApplication, OpError> {
    state
        .store
        .get_client(&admin.partition, id)
        .await
        .map_err(OpError::of(Resource::ClientApplication))?
        .ok_or(OpError::NotFound(Resource::ClientApplication))
}

/// Registers a client application; the Client ID is generated.
///
/// # Errors
/// Invalid fields, an ID token algorithm without keys, a duplicate name, storage failures.
pub async fn create(
    state: &AppState,
    admin: &PartitionAdmin,
    new: NewClientApplication,
) -> Result<ClientApplication, OpError> {
    let now = state.clock.now();
    let client = ClientApplication {
        partition: admin.partition.clone(),
        client_id: state.rng.uuid(),
        name: new.name,
        resource_type: new.resource_type,
        platform: new.platform,
        redirect_urls: new.redirect_urls,
        post_logout_redirect_urls: new.post_logout_redirect_urls,
        obo_enabled: new.obo_enabled,
        token_exchange_enabled: new.token_exchange_enabled,
        access_token_ttl: new.access_token_ttl,
        enabled: new.enabled,
        id_token_signed_response_alg: new.id_token_signed_response_alg,
        backchannel_logout_uri: new.backchannel_logout_uri,
        backchannel_logout_session_required: new.backchannel_logout_session_required,
        frontchannel_logout_uri: new.frontchannel_logout_uri,
        frontchannel_logout_session_required: new.frontchannel_logout_session_required,
        permissions: vec![],
        created_at: now,
        updated_at: now,
    };
    client.validate()?;
    check_id_token_alg(state, &client)?;
    let audit = admin.event(
        state,
        Action::ClientApplicationCreate,
        ObjectType::ClientApplication,
        client.client_id.to_string(),
        Some(format!(
            "name={:?} platform={}",
            client.name,
            client.platform.as_str()
        )),
    );
    state
        .store
        .create_client(&client, &audit)
        .await
        .map_err(OpError::of(Resource::ClientApplication))?;
    // A new SPA's origin may call the token endpoint (CORS) at once on this instance.
    state.invalidate_partition(&admin.partition);
    Ok(client)
}

/// How often an update without an expected revision is applied again to a newer version
/// after losing a race to another update (a PATCH names only the fields it changes, so it can
/// be applied to whatever version is current).
const UPDATE_ATTEMPTS: usize = 3;

/// Changes fields of a client application (platform and Client ID are immutable).
///
/// With `expected` (the revisions the caller accepts, usually the one it loaded,
/// [`ClientApplication::revision`]), the change is made only to such a version: if the application changed meanwhile nothing is saved
/// and the answer is [`OpError::Stale`], so nobody's change is overwritten unseen. The store
/// checks the version in the statement that writes, so two editors cannot both win.
///
/// # Errors
/// Unknown client, a stale revision, invalid fields, a taken name, storage failures.
pub async fn update(
    state: &AppState,
    admin: &PartitionAdmin,
    id: ClientId,
    changes: ClientChanges,
    expected: Option<&[String]>,
) -> Result<ClientApplication, OpError> {
    refuse_builtin(id)?;
    for _ in 0..UPDATE_ATTEMPTS {
        let read = get(state, admin, id).await?;
        if expected.is_some_and(|revs| !revs.contains(&read.revision())) {
            return Err(OpError::Stale(Resource::ClientApplication));
        }
        let mut client = read.clone();
        client.apply(changes.clone(), state.clock.now())?;
        check_id_token_alg(state, &client)?;
        let audit = admin.event(
            state,
            Action::ClientApplicationUpdate,
            ObjectType::ClientApplication,
            client.client_id.to_string(),
            None,
        );
        match state
            .store
            .update_client_if(&client, read.updated_at, &audit)
            .await
        {
            Ok(()) => {
                state.invalidate_client(&admin.partition, client.client_id);
                return Ok(client);
            }
            Err(StoreError::Stale) if expected.is_none() => {}
            Err(e) => return Err(OpError::store(Resource::ClientApplication, e)),
        }
    }
    Err(OpError::Stale(Resource::ClientApplication))
}

/// A page of the partition's client applications whose name contains `name_contains`
/// (ignoring case), in creation order, with the number of matches: searched and paged by the
/// store, so a partition with thousands of applications costs one page.
///
/// # Errors
/// Storage failures.
pub async fn search(
    state: &AppState,
    admin: &PartitionAdmin,
    name_contains: &str,
    offset: u32,
    limit: u32,
) -> Result<Counted<ClientApplication>, OpError> {
    let name_contains: String = name_contains
        .trim()
        .chars()
        .take(MAX_QUERY_CHARS + 1)
        .collect();
    let q = ClientQuery {
        name_contains,
        offset,
        limit: limit.clamp(1, MAX_LIMIT),
    };
    state
        .store
        .search_clients(&admin.partition, &q)
        .await
        .map_err(OpError::of(Resource::ClientApplication))
}

/// Deletes a client application with its secrets and permission assignments.
///
/// # Errors
/// Unknown client, storage failures.
pub async fn delete(state: &AppState, admin: &PartitionAdmin, id: ClientId) -> Result<(), OpError> {
    refuse_builtin(id)?;
    let audit = admin.event(
        state,
        Action::ClientApplicationDelete,
        ObjectType::ClientApplication,
        id.to_string(),
        None,
    );
    state
        .store
        .delete_client(&admin.partition, id, &audit)
        .await
        .map_err(OpError::of(Resource::ClientApplication))?;
    state.invalidate_client(&admin.partition, id);
    Ok(())
}

/// Replaces a client's assigned permissions with `requested` (short or full form), answering
/// the assigned short names, sorted. A SPA may hold only delegated permissions (it has no flow
/// that could use the others).
///
/// # Errors
/// Unknown client, unknown or unusable permissions (per entry), storage failures.
pub async fn replace_permissions(
    state: &AppState,
    admin: &PartitionAdmin,
    id: ClientId,
    requested: &[String],
) -> Result<Vec<String>, OpError> {
    refuse_builtin(id)?;
    let client = get(state, admin, id).await?;
    let ctx = partition_view(state, admin).await?;
    let mut e = FieldErrors::default();
    let mut names: Vec<String> = Vec::new();
    for (i, raw) in requested.iter().enumerate() {
        let name = short_form(raw, &ctx.prefix);
        match ctx.catalog.permissions.get(name) {
            None => e.add(format!("permissions[{i}]"), format!("unknown permission {:?}", raw.chars().take(200).collect::<String>())),
            Some(p) if client.platform == Platform::Spa && p.kind != PermissionKind::Delegated => e.add(
                format!("permissions[{i}]"),
                format!("{} is a {} permission; a single-page application can only use delegated permissions", p.name, p.kind.as_str()),
            ),
            Some(p) => {
                if !names.contains(&p.name) {
                    names.push(p.name.clone());
                }
            }
        }
    }
    e.into_result()?;
    names.sort();
    let audit = admin.event(
        state,
        Action::ClientPermissionsReplace,
        ObjectType::ClientApplication,
        client.client_id.to_string(),
        Some(names.join(" ")),
    );
    state
        .store
        .set_client_permissions(&admin.partition, client.client_id, &names, &audit)
        .await
        .map_err(OpError::of(Resource::ClientApplication))?;
    state.invalidate_client(&admin.partition, client.client_id);
    Ok(names)
}

/// The addresses, prefix, personas and per-scheme flows a developer needs for this client.
///
/// # Errors
/// Unknown client, storage failures.
pub async fn metadata(
    state: &AppState,
    admin: &PartitionAdmin,
    id: ClientId,
) -> Result<ClientMetadata, OpError> {
    let client = get(state, admin, id).await?;
    let ctx = partition_view(state, admin).await?;
    let p = &admin.partition;
    let public = &state.config.public_url;
    let actors = match client.platform {
        Platform::Web => vec!["user", "customer", "client"],
        Platform::Spa => vec!["user", "customer"],
    };
    Ok(ClientMetadata {
        client_id: client.client_id,
        authorization_url: urls::endpoint(public, p, Realm::Users, urls::AUTHORIZE),
        access_token_url: urls::endpoint(public, p, Realm::Users, urls::TOKEN),
        domain_url: state.config.api_url().to_owned(),
        metadata_url: urls::tenant_metadata(state.config.api_url(), p),
        api_permission_prefix: ctx.prefix.clone(),
        actors,
        schemes: schemes(&state.config, p),
    })
}

/// Refuses any change to the built-in Administration Console client (docs/product.md#console).
///
/// # Errors
/// [`OpError::BuiltIn`] for the console's client id.
pub fn refuse_builtin(id: ClientId) -> Result<(), OpError> {
    if tessera_domain::client::is_builtin(id) {
        return Err(OpError::BuiltIn);
    }
    Ok(())
}
