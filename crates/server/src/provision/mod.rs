//! Creating partitions: the seed a new partition starts with (departments, catalog, first
//! Partition Administrator, automation client and secret, signing keys), and the demo data of
//! `tessera serve --dev`.

use std::collections::BTreeSet;

use serde::Serialize;
use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::client::{
    ClientApplication, DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_ID_TOKEN_ALG, Platform, ResourceType,
};
use tessera_domain::customer::Customer;
use tessera_domain::department::{DEFAULT_DEPARTMENT, Department};
use tessera_domain::partition::Partition;
use tessera_domain::permission::Permission;
use tessera_domain::secret::{ClientSecret, StoredSecret, hint};
use tessera_domain::signing_key::KeyState;
use tessera_domain::standard_claims::StandardClaims;
use tessera_domain::store::{CustomerRecord, PartitionSeed, Store, StoreError, UserRecord};
use tessera_domain::user::{User, check_password};
use tessera_domain::validation::FieldErrors;
use tessera_domain::{Clock, PartitionId, Realm, Rng};

use crate::audit::AuditContext;
use crate::config::Config;
use crate::crypto::CryptoError;
use crate::crypto::master_key::MasterKey;
use crate::crypto::password::{PasswordError, PasswordHasher};
use crate::crypto::rng::random_token;
use crate::crypto::secret_hash::SecretHasher;
use crate::state::AppState;
use crate::urls;
use tessera_catalog as catalog;

mod keys;

pub use keys::{KeyInUse, key_algorithms};

/// The permission the automation client gets: the admin API as an application.
pub const ADMIN_APP_PERMISSION: &str = "app.core.admin.manage";
/// The delegated admin permission (for a Partition Administrator's own tokens).
pub const ADMIN_DELEGATED_PERMISSION: &str = tessera_domain::permission::ADMIN_DELEGATED;

/// What is needed to create a partition.
#[derive(Debug, Clone)]
pub struct NewPartition {
    /// Id.
    pub id: PartitionId,
    /// First Partition Administrator's username.
    pub admin_username: String,
    /// Their password.
    pub admin_password: String,
    /// Their email (defaults to `{username}@{partition}.invalid`).
    pub admin_email: Option<String>,
    /// Whether to add the demo data of `serve --dev`.
    pub demo: bool,
}

/// What `init` / `partition create` print (the `--json` shape of docs/product.md#cli).
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    /// Partition id.
    pub partition: String,
    /// The first Partition Administrator.
    pub admin_username: String,
    /// Client id of the automation client.
    pub automation_client_id: String,
    /// Its secret (shown once).
    pub automation_client_secret: String,
    /// Users realm issuer.
    pub user_issuer: String,
    /// Customers realm issuer.
    pub customer_issuer: String,
    /// Demo credentials, when `demo` was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<DemoData>,
}

/// The demo partition's sample accounts and applications.
#[derive(Debug, Clone, Serialize)]
pub struct DemoData {
    /// A Web app with a secret, client credentials and code flow.
    pub web_client_id: String,
    /// Its secret.
    pub web_client_secret: String,
    /// A SPA.
    pub spa_client_id: String,
    /// A sample agent and password.
    pub agent: (String, String),
    /// A sample customer and password.
    pub customer: (String, String),
}

/// Why a partition could not be created.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// Bad input.
    #[error("{0}")]
    Invalid(#[from] FieldErrors),
    /// The shipped catalog is broken (a bug).
    #[error("shipped catalog: {0}")]
    Catalog(String),
    /// Crypto failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A password could not be hashed (hashing at its concurrency limit, or Argon2 failed).
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// Storage failed (e.g. the partition exists).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A key that signs (active) or is about to (next) cannot be withdrawn.
    #[error(transparent)]
    KeyInUse(#[from] KeyInUse),
}

/// The tools provisioning needs.
#[derive(Debug)]
pub struct Provisioner<'a> {
    /// Config (URLs, signing algorithm).
    pub config: &'a Config,
    /// Clock.
    pub clock: &'a dyn Clock,
    /// Rng.
    pub rng: &'a dyn Rng,
    /// Master key.
    pub master: &'a MasterKey,
    /// Secret hashing.
    pub secrets: &'a SecretHasher,
    /// Password hashing.
    pub passwords: &'a PasswordHasher,
}

impl Provisioner<'_> {
    /// Creates the partition in one transaction and returns what to print.
    ///
    /// # Errors
    /// Invalid input, an existing partition, or a storage failure.
    pub async fn create(
        &self,
        store: &dyn Store,
        spec: &NewPartition,
    ) -> Result<Created, ProvisionError> {
        let mut e = FieldErrors::default();
        check_password(&mut e, "admin_password", &spec.admin_password);
        e.into_result()?;
        let now = self.clock.now();
        let api_url = self.config.api_url();
        let data = catalog::shipped(api_url, &self.config.public_url)
            .map_err(|e| ProvisionError::Catalog(e.to_string()))?;
        let partition = Partition {
            id: spec.id.clone(),
            api_permission_prefix: None,
            created_at: now,
        };
        let admin = User {
            id: self.rng.uuid(),
            partition: spec.id.clone(),
            username: spec.admin_username.clone(),
            email: spec.admin_email.clone().unwrap_or_else(|| {
                format!(
                    "{}@{}.invalid",
                    spec.admin_username.to_lowercase(),
                    spec.id.as_str().to_lowercase()
                )
            }),
            display_name: "Partition Administrator".to_owned(),
            department: DEFAULT_DEPARTMENT.to_owned(),
            partition_admin: true,
            enabled: true,
            claims: StandardClaims::default(),
            created_at: now,
            updated_at: now,
        };
        admin.validate()?;
        let mut seed = PartitionSeed {
            partition,
            departments: vec![Department {
                name: DEFAULT_DEPARTMENT.to_owned(),
                created_at: now,
            }],
            permissions: data.permissions,
            apis: data.apis,
            users: vec![UserRecord {
                user: admin,
                password_hash: self.passwords.hash(self.rng, &spec.admin_password).await?,
            }],
            customers: vec![],
            clients: vec![],
            secrets: vec![],
            signing_keys: vec![],
        };
        let automation = self.client(
            &seed,
            "Tessera automation",
            Platform::Web,
            vec![],
            &[ADMIN_APP_PERMISSION],
        );
        let automation_secret = self.secret(&mut seed, &automation, "automation");
        let automation_id = automation.client_id;
        seed.clients.push(automation);
        // The Administration Console's built-in client (docs/product.md#console).
        seed.clients.push(ClientApplication::console(
            spec.id.clone(),
            urls::console_callback(&self.config.public_url, &spec.id),
            urls::console_signed_out(&self.config.public_url, &spec.id),
            now,
        ));
        let demo = if spec.demo {
            Some(self.demo(&mut seed).await?)
        } else {
            None
        };
        // Generated concurrently: with an RSA family per realm this is the slow part of
        // creating a partition.
        let mut keys = Vec::new();
        for realm in Realm::ALL {
            for alg in key_algorithms(self.config.signing.algorithm) {
                for state in [KeyState::Active, KeyState::Next] {
                    keys.push(self.signing_key(&spec.id, realm, state, alg, now));
                }
            }
        }
        seed.signing_keys = futures::future::try_join_all(keys).await?;
        let audit = AuditContext::system(Some(spec.id.clone())).event(
            &(self.clock, self.rng),
            Action::PartitionCreate,
            ObjectType::Partition,
            Some(spec.id.to_string()),
            Outcome::Success,
            Some(format!("admin={} demo={}", spec.admin_username, spec.demo)),
        );
        store.create_partition(&seed, &audit).await?;
        Ok(Created {
            partition: spec.id.to_string(),
            admin_username: spec.admin_username.clone(),
            automation_client_id: automation_id.to_string(),
            automation_client_secret: automation_secret,
            user_issuer: urls::issuer(&self.config.public_url, &spec.id, Realm::Users),
            customer_issuer: urls::issuer(&self.config.public_url, &spec.id, Realm::Customers),
            demo,
        })
    }

    fn client<S: AsRef<str>>(
        &self,
        seed: &PartitionSeed,
        name: &str,
        platform: Platform,
        redirect_urls: Vec<String>,
        permissions: &[S],
    ) -> ClientApplication {
        let now = self.clock.now();
        let known: BTreeSet<&str> = seed
            .permissions
            .iter()
            .map(|p: &Permission| p.name.as_str())
            .collect();
        ClientApplication {
            partition: seed.partition.id.clone(),
            client_id: self.rng.uuid(),
            name: name.to_owned(),
            resource_type: ResourceType::Global,
            platform,
            redirect_urls,
            post_logout_redirect_urls: vec![],
            obo_enabled: false,
            token_exchange_enabled: false,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            enabled: true,
            id_token_signed_response_alg: DEFAULT_ID_TOKEN_ALG,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: true,
            frontchannel_logout_uri: None,
            frontchannel_logout_session_required: true,
            permissions: permissions
                .iter()
                .map(AsRef::as_ref)
                .filter(|p| known.contains(p))
                .map(str::to_owned)
                .collect(),
            created_at: now,
            updated_at: now,
        }
    }

    fn secret(&self, seed: &mut PartitionSeed, client: &ClientApplication, name: &str) -> String {
        let now = self.clock.now();
        let value = SecretHasher::generate(self.rng);
        seed.secrets.push(StoredSecret {
            secret: ClientSecret {
                id: self.rng.uuid(),
                partition: client.partition.clone(),
                client_id: client.client_id,
                name: name.to_owned(),
                hint: hint(&value),
                created_at: now,
                expires_at: None,
                last_used_at: None,
            },
            hash: self.secrets.hash(&value),
        });
        value
    }

    async fn demo(&self, seed: &mut PartitionSeed) -> Result<DemoData, ProvisionError> {
        let now = self.clock.now();
        let p = seed.partition.id.clone();
        let delegated: Vec<String> = seed
            .permissions
            .iter()
            .filter(|x| {
                x.kind == tessera_domain::permission::PermissionKind::Delegated
                    && x.name != ADMIN_DELEGATED_PERMISSION
            })
            .map(|x| x.name.clone())
            .collect();
        let all_non_admin: Vec<String> = seed
            .permissions
            .iter()
            .filter(|x| x.name != ADMIN_APP_PERMISSION && x.name != ADMIN_DELEGATED_PERMISSION)
            .map(|x| x.name.clone())
            .collect();
        let mut web = self.client(
            seed,
            "Demo Web App",
            Platform::Web,
            vec![
                "http://127.0.0.1:8081/callback".to_owned(),
                "http://localhost:8081/callback".to_owned(),
            ],
            &all_non_admin,
        );
        web.post_logout_redirect_urls = vec!["http://127.0.0.1:8081/".to_owned()];
        web.obo_enabled = true;
        web.token_exchange_enabled = true;
        let web_secret = self.secret(seed, &web, "demo");
        let mut spa = self.client(
            seed,
            "Demo SPA",
            Platform::Spa,
            vec![
                "http://127.0.0.1:5173/callback.html".to_owned(),
                "http://localhost:5173/callback.html".to_owned(),
            ],
            &delegated,
        );
        spa.post_logout_redirect_urls = vec![
            "http://127.0.0.1:5173/".to_owned(),
            "http://localhost:5173/".to_owned(),
        ];
        let agent_password = random_token(self.rng, 12);
        let customer_password = random_token(self.rng, 12);
        let agent = User {
            id: self.rng.uuid(),
            partition: p.clone(),
            username: "agent1".to_owned(),
            email: "agent1@demo.example".to_owned(),
            display_name: "Agent One".to_owned(),
            department: DEFAULT_DEPARTMENT.to_owned(),
            partition_admin: false,
            enabled: true,
            claims: StandardClaims::default(),
            created_at: now,
            updated_at: now,
        };
        seed.users.push(UserRecord {
            user: agent,
            password_hash: self.passwords.hash(self.rng, &agent_password).await?,
        });
        let customer = Customer {
            id: self.rng.uuid(),
            partition: p,
            email: "customer1@demo.example".to_owned(),
            display_name: "Customer One".to_owned(),
            enabled: true,
            claims: StandardClaims::default(),
            created_at: now,
            updated_at: now,
        };
        seed.customers.push(CustomerRecord {
            customer,
            password_hash: self.passwords.hash(self.rng, &customer_password).await?,
        });
        let demo = DemoData {
            web_client_id: web.client_id.to_string(),
            web_client_secret: web_secret,
            spa_client_id: spa.client_id.to_string(),
            agent: ("agent1".to_owned(), agent_password),
            customer: ("customer1@demo.example".to_owned(), customer_password),
        };
        seed.clients.push(web);
        seed.clients.push(spa);
        Ok(demo)
    }
}

/// Defined here rather than in `state.rs`, so that the state module depends on no feature
/// module (provisioning depends on the state, not the other way round).
impl AppState {
    /// The partition and key provisioning tools bound to this state.
    #[must_use]
    pub fn provisioner(&self) -> Provisioner<'_> {
        Provisioner {
            config: &self.config,
            clock: &*self.clock,
            rng: &*self.rng,
            master: &self.master,
            secrets: &self.secrets,
            passwords: &self.passwords,
        }
    }
}
