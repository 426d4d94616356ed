//! Shared application state and the cached views the hot path reads.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use tessera_domain::api::Catalog;
use tessera_domain::client::ClientApplication;
use tessera_domain::partition::Partition;
use tessera_domain::secret::StoredSecret;
use tessera_domain::signing_key::{KeyState, SigningAlg, SigningKey};
use tessera_domain::store::{Store, StoreError};
use tessera_domain::{ClientId, Clock, PartitionId, Realm, Rng};
use tessera_oauth_types::{Jwk, JwkSet};

use crate::audit_sink::AuditSink;
use crate::cache::TtlCache;
use crate::config::Config;
use crate::crypto::CryptoError;
use crate::crypto::jwt::JwsKey;
use crate::crypto::master_key::MasterKey;
use crate::crypto::password::PasswordHasher;
use crate::crypto::secret_hash::SecretHasher;
use crate::crypto::signing::Signer;

/// Everything handlers share. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The contents of [`AppState`]. Its fields are the crate's own; outside it (the `tessera`
/// command, the integration tests) the few parts they need are reached through [`AppState`]'s
/// accessors, so the types behind the others stay crate-private.
#[derive(Debug)]
pub struct Inner {
    /// Configuration.
    pub(crate) config: Config,
    /// Storage.
    pub(crate) store: Arc<dyn Store>,
    /// Time.
    pub(crate) clock: Arc<dyn Clock>,
    /// Randomness.
    pub(crate) rng: Arc<dyn Rng>,
    /// Master key (private keys at rest).
    pub(crate) master: Arc<MasterKey>,
    /// Client secret hashing.
    pub(crate) secrets: SecretHasher,
    /// Password hashing.
    pub(crate) passwords: PasswordHasher,
    /// Audit and last-used writer.
    pub(crate) audit: AuditSink,
    /// The queue of back-channel logout tokens on their way to relying parties.
    pub(crate) backchannel: crate::backchannel::Backchannel,
    /// The ids of every partition: requests naming any other id cost no query and no entry.
    pub(crate) known_partitions: Arc<crate::known_partitions::KnownPartitions>,
    /// Cached partitions (catalog, keys).
    pub(crate) partitions: TtlCache<PartitionId, Option<Arc<PartitionContext>>>,
    /// Cached clients with their secret hashes.
    pub(crate) clients: TtlCache<(PartitionId, ClientId), Option<Arc<ClientView>>>,
    /// External identity providers' keys (token exchange).
    pub(crate) external_keys: crate::jwt::external::ExternalKeys,
    /// Per-address limit of the anonymous-customer token endpoint.
    pub(crate) anonymous_limiter: crate::rate_limit::RateLimiter,
    /// Back-off against password guessing at the login pages.
    pub(crate) login_backoff: crate::login_backoff::LoginBackoff,
    /// Requests per key and minute: clients at the token endpoint, addresses at the
    /// anonymous one (reconciled with the other instances' counts when they share PostgreSQL).
    pub(crate) rate_counters: Arc<crate::rate_window::RateCounters>,
    /// The guard protecting the admin API.
    pub(crate) admin_guard: tessera_guard::Guard,
    /// Prometheus renderer and the token `/metrics` requires, when metrics are on.
    pub(crate) metrics: Option<crate::telemetry::Metrics>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Wraps the parts.
    #[must_use]
    pub(crate) fn new(inner: Inner) -> Self {
        Self(Arc::new(inner))
    }

    /// The configuration the server runs with.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The storage.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The server's clock (a `MockClock` in tests that move time).
    #[must_use]
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The server's random source.
    #[must_use]
    pub fn rng(&self) -> &Arc<dyn Rng> {
        &self.rng
    }

    /// Password hashing, with the gate that bounds concurrent hashing.
    #[must_use]
    pub fn passwords(&self) -> &PasswordHasher {
        &self.passwords
    }

    /// Whether `/metrics` is served (`[metrics]` configured).
    #[must_use]
    pub fn serves_metrics(&self) -> bool {
        self.metrics.is_some()
    }

    /// Writes the audit events queued so far and stops the writer; call once the server has
    /// finished its in-flight requests (or a command its work).
    pub async fn close_audit(&self) {
        self.audit.close().await;
    }

    /// The partition's cached context, `None` when it does not exist.
    ///
    /// # Errors
    /// When storage fails (and no earlier value is cached) or a key cannot be decrypted.
    pub(crate) async fn partition(
        &self,
        id: &PartitionId,
    ) -> Result<Option<Arc<PartitionContext>>, LoadError> {
        if !self.partition_exists(id).await? {
            return Ok(None);
        }
        let ctx = self
            .partitions
            .get_or_load(id, || self.load_partition(id))
            .await?;
        Ok((*ctx).clone())
    }

    /// Whether the partition exists, from the list of partitions (no query per unknown id).
    ///
    /// # Errors
    /// When storage fails and no list was ever loaded.
    pub(crate) async fn partition_exists(&self, id: &PartitionId) -> Result<bool, StoreError> {
        let store = &self.store;
        self.known_partitions
            .contains(id, || async {
                Ok(store
                    .list_partitions()
                    .await?
                    .into_iter()
                    .map(|p| p.id)
                    .collect())
            })
            .await
    }

    async fn load_partition(
        &self,
        id: &PartitionId,
    ) -> Result<Option<Arc<PartitionContext>>, LoadError> {
        let Some(partition) = self.store.get_partition(id).await? else {
            return Ok(None);
        };
        let (permissions, apis, keys) = tokio::try_join!(
            self.store.list_permissions(id),
            self.store.list_apis(id),
            self.store.list_signing_keys(id),
        )?;
        let catalog = Catalog::new(permissions, &apis);
        let prefix = partition.permission_prefix(self.config.api_url());
        let now = self.clock.now();
        let max_lifetime =
            time::Duration::seconds(i64::from(tessera_domain::client::MAX_ACCESS_TOKEN_TTL));
        let mut realms = HashMap::new();
        for realm in Realm::ALL {
            let mine: Vec<&SigningKey> = keys.iter().filter(|k| k.realm == realm).collect();
            // One active key per algorithm (docs/flows/authorization-code.md, ID tokens): the
            // configured algorithm's signs access tokens, each one can sign ID tokens.
            let mut id_token = HashMap::new();
            let mut active = None;
            for k in mine.iter().filter(|k| k.state == KeyState::Active) {
                let key = self.decrypt_key(k)?;
                // ID tokens are plain JWTs (OIDC Core §2); a distinct `typ` keeps an ID token
                // from being accepted where an access token is expected, and the other way round.
                id_token.insert(k.alg, Arc::new(key.retyped("JWT")));
                if k.alg == self.config.signing.algorithm || active.is_none() {
                    active = Some(Arc::new(key));
                }
            }
            let jwks = JwkSet {
                keys: mine
                    .iter()
                    .filter(|k| k.is_published(now, max_lifetime))
                    .filter_map(|k| serde_json::from_value::<Jwk>(k.public_jwk.clone()).ok())
                    .collect(),
            };
            let verifier = crate::jwt::own::Verifier::new(&jwks);
            realms.insert(
                realm,
                RealmKeys {
                    active,
                    id_token,
                    jwks: Arc::new(jwks),
                    verifier,
                },
            );
        }
        let spa_origins = self.spa_origins(id).await?;
        let documents = realms.keys().map(|r| (*r, OnceLock::new())).collect();
        Ok(Some(Arc::new(PartitionContext {
            partition,
            prefix,
            catalog,
            realms,
            spa_origins,
            documents,
        })))
    }

    /// The origins of the partition's SPA clients' redirect URLs: the browsers allowed to call
    /// the token, userinfo and revocation endpoints cross-origin (docs/product.md#cors).
    async fn spa_origins(&self, id: &PartitionId) -> Result<HashSet<String>, StoreError> {
        // One narrow query, not a walk over every client: this runs with each reload of the
        // partition view (twice a second), whatever the number of clients.
        let lists = self.store.enabled_spa_redirect_urls(id).await?;
        Ok(lists
            .iter()
            .flatten()
            .filter_map(|u| url::Url::parse(u).ok())
            .map(|url| url.origin().ascii_serialization())
            .collect())
    }

    fn decrypt_key(&self, k: &SigningKey) -> Result<JwsKey, CryptoError> {
        let pkcs8 = self.master.decrypt(
            key_context(&k.partition, k.realm, &k.kid).as_bytes(),
            &k.private_key_encrypted,
        )?;
        let signer = Signer::from_pkcs8(k.alg, &pkcs8)?;
        Ok(JwsKey::new(k.kid.clone(), signer, "at+jwt"))
    }

    /// The client with its secrets, `None` when it does not exist in the partition.
    ///
    /// # Errors
    /// When storage fails and no earlier value is cached.
    pub(crate) async fn client(
        &self,
        p: &PartitionId,
        id: ClientId,
    ) -> Result<Option<Arc<ClientView>>, LoadError> {
        let key = (p.clone(), id);
        let v = self
            .clients
            .get_or_load(&key, || async {
                let Some(client) = self.store.get_client(p, id).await? else {
                    return Ok::<_, LoadError>(None);
                };
                let secrets = self.store.client_secret_hashes(p, id).await?;
                let assigned = client.permissions.iter().cloned().collect();
                Ok(Some(Arc::new(ClientView {
                    client,
                    secrets,
                    assigned,
                })))
            })
            .await?;
        Ok((*v).clone())
    }

    /// Records a partition created through this process, so it is served at once.
    pub fn partition_created(&self, id: &PartitionId) {
        self.known_partitions.insert(id.clone());
        self.partitions.invalidate(id);
    }

    /// Forgets cached data of a partition after a change made here.
    pub fn invalidate_partition(&self, p: &PartitionId) {
        self.partitions.invalidate(p);
    }

    /// Forgets a cached client after a change made here, and the partition's view, whose CORS
    /// origins come from its clients.
    pub(crate) fn invalidate_client(&self, p: &PartitionId, id: ClientId) {
        self.clients.invalidate(&(p.clone(), id));
        self.partitions.invalidate(p);
    }
}

/// The associated data binding an encrypted private key to its row.
#[must_use]
pub(crate) fn key_context(p: &PartitionId, realm: Realm, kid: &str) -> String {
    format!("tessera/signing-key/v1/{p}/{}/{kid}", realm.as_str())
}

/// A partition as the hot path needs it.
#[derive(Debug)]
pub(crate) struct PartitionContext {
    /// The partition.
    pub partition: Partition,
    /// Its API permission prefix.
    pub prefix: String,
    /// Its catalog index.
    pub catalog: Catalog,
    /// Keys per realm.
    pub realms: HashMap<Realm, RealmKeys>,
    /// Browser origins allowed to call the token, userinfo and revocation endpoints.
    pub spa_origins: HashSet<String>,
    /// Each realm's discovery document and key set, serialised by the first request that needs
    /// them after each load (`oauth/discovery.rs`): the context is rebuilt whenever the catalog,
    /// the keys or the configuration can have changed, so the bytes are never stale, and no
    /// request re-serialises them (docs/performance.md).
    pub documents: HashMap<Realm, OnceLock<RealmDocuments>>,
}

/// A realm's two public documents, as served.
#[derive(Debug, Clone)]
pub(crate) struct RealmDocuments {
    /// `/.well-known/openid-configuration` (and the RFC 8414 address).
    pub discovery: axum::body::Bytes,
    /// `/oauth2/keys`.
    pub jwks: axum::body::Bytes,
}

/// A realm's signing key and published key set.
#[derive(Debug)]
pub(crate) struct RealmKeys {
    /// The key that signs access tokens now: the active key of the configured algorithm.
    pub active: Option<Arc<JwsKey>>,
    /// The active key of each algorithm, for ID tokens (`typ: JWT`).
    pub id_token: HashMap<SigningAlg, Arc<JwsKey>>,
    /// What `/oauth2/keys` publishes.
    pub jwks: Arc<JwkSet>,
    /// The published keys, ready to verify this realm's own tokens.
    pub verifier: crate::jwt::own::Verifier,
}

/// A client as the token endpoint needs it.
#[derive(Debug, Clone)]
pub(crate) struct ClientView {
    /// The client.
    pub client: ClientApplication,
    /// Its secrets with hashes.
    pub secrets: Vec<StoredSecret>,
    /// Assigned permissions as a set.
    pub assigned: HashSet<String>,
}

/// A cached view could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored key could not be decrypted (wrong master key?).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// Audit events built with the state take their ids and times from its random source and clock.
impl crate::audit::EventSource for AppState {
    fn new_id(&self) -> uuid::Uuid {
        self.rng.uuid()
    }
    fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}
