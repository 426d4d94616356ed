//! Test harness: a real Tessera on 127.0.0.1:0 with a fresh database and one partition.

use std::sync::Arc;

use serde_json::Value;
use tessera_domain::Clock;
use tessera_domain::PartitionId;
use tessera_domain::clock::SystemClock;
use tessera_server::AppState;
use tessera_server::config::Config;
use tessera_server::crypto::master_key::MasterKey;
use tessera_server::crypto::password::PasswordParams;
use tessera_server::crypto::rng::SystemRng;
use tessera_server::http_server::ConnectionLimits;
use tessera_server::provision::{Created, NewPartition};
use tessera_server::runtime;

/// Which database a test server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server.
pub struct TestServer {
    pub base: String,
    /// The separate metrics listener, when the configuration asked for one.
    pub metrics_base: Option<String>,
    pub state: AppState,
    pub created: Created,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
    pg_cleanup: Option<(String, String)>,
}

pub const PARTITION: &str = "acme";
pub const ADMIN_PASSWORD: &str = "correct-horse-battery";

/// The PostgreSQL URL for tests; `None` (skip) locally, a panic in CI where it is required.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TESSERA_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var_os("CI").is_some() => {
            panic!("TESSERA_TEST_POSTGRES_URL must be set in CI")
        }
        _ => {
            eprintln!("skipping PostgreSQL variant: TESSERA_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

/// Creates a throw-away database on the server at `base`; returns its URL and name.
pub async fn fresh_pg_database(base: &str) -> (String, String) {
    use sqlx::Connection as _;
    let name = format!("tessera_it_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("connect to TESSERA_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(base).expect("postgres url");
    url.set_path(&format!("/{name}"));
    (url.to_string(), name)
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_on(Backend::Sqlite).await
    }

    pub async fn start_on(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server whose configuration `tweak` adjusts first.
    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_clock(backend, Arc::new(SystemClock), tweak).await
    }

    /// [`Self::start_with`] on `clock` (a `MockClock` lets a test move the server's time — token
    /// expiry, sessions, codes — without sleeping; the browser's cookies keep real time).
    pub async fn start_with_clock(
        backend: Backend,
        clock: Arc<dyn Clock>,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            public_url: format!("http://{addr}"),
            listen: addr.to_string(),
            // Cheap Argon2 so tests that create users stay fast; production uses the defaults.
            passwords: PasswordParams {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            ..Config::default()
        };
        tweak(&mut config);
        let mut pg_cleanup = None;
        config.database_url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("tessera.db").display()),
            Backend::Postgres => {
                let base = postgres_url().expect("caller checked postgres_url()");
                let (url, name) = fresh_pg_database(&base).await;
                pg_cleanup = Some((base, name));
                url
            }
        };
        // A separate metrics listener, when the test asks for one, on a port of its own.
        let metrics_listener = match config.metrics.listen {
            Some(_) => {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                config.metrics.listen = Some(l.local_addr().unwrap().to_string());
                Some(l)
            }
            None => None,
        };
        let store = runtime::open_store(&config, true).await.unwrap();
        let rng = SystemRng::new();
        let mut key = [0u8; 32];
        tessera_domain::Rng::fill(&rng, &mut key);
        // As `tessera serve` does, except that the recorder is not installed process-wide.
        let metrics = runtime::metrics(&config, || {
            Some(
                metrics_exporter_prometheus::PrometheusBuilder::new()
                    .build_recorder()
                    .handle(),
            )
        })
        .unwrap();
        let state = runtime::build_state_with(
            config,
            store,
            MasterKey::from_bytes(key),
            metrics,
            clock,
            Arc::new(rng),
        )
        .unwrap();
        let metrics_base = metrics_listener.map(|l| {
            let base = format!("http://{}", l.local_addr().unwrap());
            let app = tessera_server::metrics_router(state.clone());
            tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
            base
        });
        let created = state
            .provisioner()
            .create(
                &**state.store(),
                &NewPartition {
                    id: PartitionId::parse(PARTITION).unwrap(),
                    admin_username: "pa".into(),
                    admin_password: ADMIN_PASSWORD.into(),
                    admin_email: None,
                    demo: false,
                },
            )
            .await
            .unwrap();
        // The listener `tessera serve` uses, with its connection limits.
        let app = tessera_server::router(state.clone());
        let limits = ConnectionLimits::from_config(&state.config().http);
        tokio::spawn(tessera_server::http_server::serve(
            listener,
            app,
            limits,
            std::future::pending(),
        ));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: format!("http://{addr}"),
            metrics_base,
            state,
            created,
            http,
            _dir: dir,
            pg_cleanup,
        }
    }

    /// Creates another partition in the same deployment; returns its `init` output.
    pub async fn other_partition(&self, id: &str) -> Created {
        let id = PartitionId::parse(id).unwrap();
        let created = self
            .state
            .provisioner()
            .create(
                &**self.state.store(),
                &NewPartition {
                    id: id.clone(),
                    admin_username: "pa".into(),
                    admin_password: ADMIN_PASSWORD.into(),
                    admin_email: None,
                    demo: false,
                },
            )
            .await
            .unwrap();
        // As `tessera serve` does for partitions it creates itself; another process's would be
        // seen within a second.
        self.state.partition_created(&id);
        created
    }

    pub fn issuer(&self, suffix: char) -> String {
        format!("{}/system/auth/{PARTITION}-{suffix}", self.base)
    }

    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.issuer('U'))
    }

    pub fn admin(&self, path: &str) -> String {
        format!("{}/admin/api/v1/partitions/{PARTITION}{path}", self.base)
    }

    /// POSTs a client-credentials request with Basic authentication to `url`.
    pub async fn client_credentials_at(
        &self,
        url: &str,
        id: &str,
        secret: &str,
        scope: &str,
    ) -> reqwest::Response {
        self.http
            .post(url)
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .unwrap()
    }

    /// POSTs a client-credentials request to this partition's users realm.
    pub async fn client_credentials(
        &self,
        id: &str,
        secret: &str,
        scope: &str,
    ) -> reqwest::Response {
        self.client_credentials_at(&self.token_url(), id, secret, scope)
            .await
    }

    /// A client-credentials token for the automation client.
    pub async fn admin_token(&self) -> String {
        let resp = self
            .client_credentials(
                &self.created.automation_client_id,
                &self.created.automation_client_secret,
                "app.core.admin.manage",
            )
            .await;
        assert_eq!(resp.status(), 200);
        resp.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Sends an admin request with the automation client's token.
    pub async fn admin_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let token = self.admin_token().await;
        let mut req = self
            .http
            .request(method, self.admin(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A Web client with `permissions`, a secret and the token exchange grant switched on;
    /// returns (client_id, secret).
    pub async fn token_exchange_client(
        &self,
        name: &str,
        permissions: &[&str],
    ) -> (String, String) {
        let (id, secret) = self.web_client(name, permissions).await;
        let (st, body) = self
            .admin_json(
                reqwest::Method::PATCH,
                &format!("/client-applications/{id}"),
                Some(serde_json::json!({"token_exchange_enabled": true})),
            )
            .await;
        assert_eq!(st, 200, "{body}");
        (id, secret)
    }

    /// Registers a Web client with `permissions` and a secret; returns (client_id, secret).
    pub async fn web_client(&self, name: &str, permissions: &[&str]) -> (String, String) {
        let (s, c) = self
            .admin_json(
                reqwest::Method::POST,
                "/client-applications",
                Some(serde_json::json!({"name": name, "platform": "web", "redirect_urls": ["https://app.example/cb"]})),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        let id = c["client_id"].as_str().unwrap().to_owned();
        let (s, b) = self
            .admin_json(
                reqwest::Method::PUT,
                &format!("/client-applications/{id}/permissions"),
                Some(serde_json::json!({"permissions": permissions})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, sec) = self
            .admin_json(
                reqwest::Method::POST,
                &format!("/client-applications/{id}/secrets"),
                Some(serde_json::json!({"name": "test"})),
            )
            .await;
        assert_eq!(s, 201, "{sec}");
        (id, sec["value"].as_str().unwrap().to_owned())
    }

    /// Verifies an access token against the realm's published JWKS, as a resource server would.
    pub async fn verify(&self, token: &str, suffix: char) -> Value {
        let header = jsonwebtoken::decode_header(token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
        let jwks: jsonwebtoken::jwk::JwkSet = self
            .http
            .get(format!("{}/oauth2/keys", self.issuer(suffix)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let jwk = jwks
            .find(header.kid.as_deref().unwrap())
            .expect("kid published");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let mut v = jsonwebtoken::Validation::new(header.alg);
        v.set_issuer(&[self.issuer(suffix)]);
        v.validate_aud = false;
        jsonwebtoken::decode::<Value>(token, &key, &v)
            .unwrap()
            .claims
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg_cleanup.take() {
            // Best effort: drop the throw-away database on a separate thread (Drop is sync).
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    use sqlx::Connection as _;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&base).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut c)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}
