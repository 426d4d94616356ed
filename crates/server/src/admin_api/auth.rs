//! Admin API authorisation, done by our own guard crate (so the guard is exercised by every
//! admin test): the token must come from the path partition's users realm, be for the admin API
//! audience, and carry `app.core.admin.manage` as a client or `core.admin.manage` as a user who
//! is an enabled Partition Administrator. A valid signature is not enough: the token must still
//! stand (`oauth::access_check::standing`) — not revoked, its grant not revoked, its client
//! present and enabled and still assigned the admin permission, its user still enabled and
//! still a Partition Administrator.
//!
//! The guard only ever learns keys of partitions that exist ([`KnownPartitions`]): an invented
//! issuer in a junk token gets no key source, so it costs no query and no cache entry.

use std::sync::Arc;

use async_trait::async_trait;
use axum::http::request::Parts;
use tessera_domain::audit::ActorKind;
use tessera_domain::signing_key::SigningKey;
use tessera_domain::store::Store;
use tessera_domain::{Clock, PartitionId, Realm};
use tessera_guard::{
    Guard, IssuerResolver, KeySource, KeySourceError, Rejection, SecurityRequirement,
    SecurityScheme,
};
use tessera_oauth_types::{Actor, Jwk, JwkSet, ProblemDetails};

use super::error::ApiError;
use crate::admin_ops::Resource;
use crate::known_partitions::KnownPartitions;
use crate::oauth::access_check::{Inactive, TokenFacts, standing};
use crate::oauth::subject::Person;
use crate::provision::{ADMIN_APP_PERMISSION, ADMIN_DELEGATED_PERMISSION};
use crate::state::AppState;
use crate::urls;

/// Trusts the users realm of every existing partition of this deployment, reading keys from
/// storage (public halves only, nothing to decrypt).
#[derive(Debug)]
struct RealmResolver {
    prefix: String,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    known: Arc<KnownPartitions>,
}

impl IssuerResolver for RealmResolver {
    fn key_source(&self, issuer: &str) -> Option<Arc<dyn KeySource>> {
        let segment = issuer.strip_prefix(&self.prefix)?;
        match Realm::split_issuer_segment(segment)? {
            // The caller consulted the partition list for the path's partition before the guard
            // runs, so a partition created elsewhere a moment ago is already in it.
            (partition, Realm::Users) if self.known.contains_now(&partition) => {
                Some(Arc::new(StoredKeys {
                    partition,
                    store: self.store.clone(),
                    clock: self.clock.clone(),
                }))
            }
            _ => None,
        }
    }
}

#[derive(Debug)]
struct StoredKeys {
    partition: PartitionId,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[async_trait]
impl KeySource for StoredKeys {
    async fn fetch(&self) -> Result<JwkSet, KeySourceError> {
        let keys = self
            .store
            .list_signing_keys(&self.partition)
            .await
            .map_err(|e| KeySourceError::Transport(Box::new(e)))?;
        let now = self.clock.now();
        let max = time::Duration::seconds(i64::from(tessera_domain::client::MAX_ACCESS_TOKEN_TTL));
        Ok(JwkSet {
            keys: keys
                .iter()
                .filter(|k: &&SigningKey| k.realm == Realm::Users && k.is_published(now, max))
                .filter_map(|k| serde_json::from_value::<Jwk>(k.public_jwk.clone()).ok())
                .collect(),
        })
    }
}

/// The guard protecting the admin API.
///
/// # Errors
/// When the guard cannot be built (never with a valid public URL).
pub(crate) fn admin_guard(
    public_url: &str,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    known: Arc<KnownPartitions>,
) -> Result<Guard, tessera_guard::BuildError> {
    // The application's clock judges `exp`, `nbf` and `iat`, as it does for every token it issued.
    let guard_clock = crate::jwt::clock(&clock);
    Guard::builder()
        .issuer_resolver(Arc::new(RealmResolver {
            prefix: format!("{public_url}{}/", urls::ISSUERS),
            store,
            clock,
            known,
        }))
        .clock(guard_clock)
        .audience(urls::admin_audience(public_url))
        // Rotation announces the next key ahead of use; a short interval still bounds the work
        // an attacker's unknown `kid`s can cause (one cheap query per interval and partition).
        .min_refresh_interval(crate::cache::TTL)
        // A withdrawn (leaked) key must stop opening the admin API on every instance within the
        // 1 s every admin change promises (docs/product.md#storage-and-deployment), not after
        // the guard's default ten minutes: the keys are re-read from storage once they are as
        // old as any cache entry may be.
        .max_key_age(crate::cache::TTL)
        .build()
}

fn rejection(r: &Rejection) -> ApiError {
    ApiError::Problem(Box::new(r.problem()), r.challenge())
}

/// Authorises the request for `partition`.
///
/// # Errors
/// 401/403 problem JSON from the guard, 404 when the token belongs to another partition.
pub(crate) async fn authorize(
    state: &AppState,
    parts: &Parts,
    partition: &PartitionId,
) -> Result<Principal, ApiError> {
    let alternatives = [
        SecurityRequirement::new(SecurityScheme::OAuthClient, [ADMIN_APP_PERMISSION]),
        SecurityRequirement::new(SecurityScheme::OAuthUser, [ADMIN_DELEGATED_PERMISSION]),
    ];
    // Refreshes the partition list on a miss, so the guard's resolver knows a partition created
    // by another instance a moment ago; the answer itself is given below, after the token.
    state
        .partition_exists(partition)
        .await
        .map_err(|e| ApiError::store(Resource::Partition, e))?;
    let claims = state
        .admin_guard
        .authorize(&parts.headers, &alternatives)
        .await
        .map_err(|r| rejection(&r))?;
    // Another partition's valid token must not even confirm this partition exists.
    if claims.tenant != partition.as_str()
        || claims.iss != urls::issuer(&state.config.public_url, partition, Realm::Users)
    {
        return Err(ApiError::NotFound("partition"));
    }
    let needed = match claims.actor {
        Actor::Client => ADMIN_APP_PERMISSION,
        Actor::User => ADMIN_DELEGATED_PERMISSION,
        _ => return Err(forbidden("this actor may not use the admin API")),
    };
    let facts = TokenFacts {
        jti: &claims.jti,
        client_id: &claims.client_id,
        sub: &claims.sub,
        actor: claims.actor,
    };
    let person = match standing(state, partition, Realm::Users, facts, &[needed]).await? {
        Ok(person) => person,
        Err(Inactive::PermissionWithdrawn) => {
            return Err(forbidden(
                "the token's client application is no longer assigned the admin permission",
            ));
        }
        Err(why) => return Err(rejection(&Rejection::InvalidToken(why.to_string()))),
    };
    match (claims.actor, person) {
        (Actor::Client, _) => Ok(Principal {
            kind: ActorKind::Client,
            id: claims.client_id,
        }),
        // `standing` found the user enabled; being an administrator is this API's own rule.
        (_, Some(Person::User(u))) if u.partition_admin => Ok(Principal {
            kind: ActorKind::User,
            id: u.id.to_string(),
        }),
        _ => Err(forbidden(
            "only an enabled Partition Administrator may use the admin API",
        )),
    }
}

fn forbidden(detail: &str) -> ApiError {
    ApiError::Problem(
        Box::new(ProblemDetails::new(403, "Forbidden", detail).with_code("403-178")),
        None,
    )
}

/// The authenticated principal behind an admin call.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    /// User or client.
    pub kind: ActorKind,
    /// User id or client id.
    pub id: String,
}
