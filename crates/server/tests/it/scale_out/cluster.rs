//! Several `tessera serve` processes on one PostgreSQL database with one master key, as a
//! deployment behind a load balancer runs them (docs/operations.md): each instance listens on
//! its own loopback port, all share one public URL, so a token or code minted through one is
//! presented to another unchanged.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};

use crate::dev_server::free_port;
use crate::support::{fresh_pg_database, postgres_url};

/// How long an instance may take to answer `/readyz` (a loaded 2-core machine, migrations).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long an instance may take to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
pub const PARTITION: &str = "acme";
const ADMIN_PASSWORD: &str = "correct-horse-battery";

/// One `tessera serve` process.
#[derive(Debug)]
pub struct Instance {
    child: Option<Child>,
    pub base: String,
    port: u16,
    log: PathBuf,
}

impl Instance {
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the process with SIGTERM (a graceful shutdown) and waits for it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                assert!(
                    status.success(),
                    "{} exited with {status} after SIGTERM:\n{}",
                    self.base,
                    self.log_text()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "{} did not stop within {STOP_TIMEOUT:?} of SIGTERM",
            self.base
        );
    }

    /// Kills the process at once (SIGKILL): no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The throw-away database of one cluster, dropped with it.
#[derive(Debug)]
struct Database {
    admin_url: String,
    name: String,
}

impl Drop for Database {
    fn drop(&mut self) {
        let (base, name) = (self.admin_url.clone(), self.name.clone());
        // Drop is sync: a thread of its own with a small runtime, as `TestServer` does.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use sqlx::Connection as _;
                if let Ok(mut c) = sqlx::PgConnection::connect(&base).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Instances of one deployment and what `tessera init` printed.
#[derive(Debug)]
pub struct Cluster {
    pub instances: Vec<Instance>,
    /// The address clients see (a load balancer's); issuers are built from it.
    pub public_url: String,
    pub database_url: String,
    pub automation_id: String,
    pub automation_secret: String,
    pub http: reqwest::Client,
    dir: tempfile::TempDir,
    /// Extra environment of every instance.
    env: Vec<(String, String)>,
    _db: Option<Database>,
}

impl Cluster {
    /// `n` instances on a fresh database of `TESSERA_TEST_POSTGRES_URL`; `None` when that is not
    /// set outside CI (the test then skips, as the other PostgreSQL variants do).
    pub async fn start(n: usize) -> Option<Self> {
        let base = postgres_url()?;
        let (url, name) = fresh_pg_database(&base).await;
        let db = Database {
            admin_url: base,
            name,
        };
        Some(Self::start_on(&url, n, Some(db)).await)
    }

    /// [`Self::start`] with extra environment variables for every instance (configuration,
    /// e.g. `TESSERA_CLIENTS__TOKEN_REQUESTS_PER_MINUTE`).
    pub async fn start_with_env(n: usize, env: &[(&str, &str)]) -> Option<Self> {
        let base = postgres_url()?;
        let (url, name) = fresh_pg_database(&base).await;
        let db = Database {
            admin_url: base,
            name,
        };
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let ports = (0..n).map(|_| free_port()).collect();
        let dir = tempfile::tempdir().unwrap();
        Some(Self::start_in(dir, &url, ports, Some(db), None, env).await)
    }

    /// `n` instances on the database at `url` (one the caller made and will remove).
    pub async fn start_on_url(url: &str, n: usize) -> Self {
        Self::start_on(url, n, None).await
    }

    /// One instance on a SQLite database file in the cluster's directory: the single-instance
    /// deployment (SQLite has one writer, so one process), started the same way.
    pub async fn start_sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
        Self::start_in(dir, &url, vec![free_port()], None, None, Vec::new()).await
    }

    /// `n` instances on an existing database at `url` (a restored backup) with the master key
    /// file `master_key` (copied) and the automation client `tessera init` made for it; no
    /// `init` runs. The first instance listens on `port`, the public URL's (the stopped
    /// deployment's), so issuers — and the `iss` of tokens issued before — are unchanged.
    /// `drop_with`: the PostgreSQL server's admin URL and the database's name, to drop it with
    /// the cluster.
    pub async fn start_restored(
        url: &str,
        master_key: &Path,
        automation: (&str, &str),
        port: u16,
        drop_with: Option<(String, String)>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(master_key, dir.path().join("master.key")).unwrap();
        let db = drop_with.map(|(admin_url, name)| Database { admin_url, name });
        Self::start_in(dir, url, vec![port], db, Some(automation), Vec::new()).await
    }

    async fn start_on(url: &str, n: usize, db: Option<Database>) -> Self {
        let ports = (0..n).map(|_| free_port()).collect();
        Self::start_in(
            tempfile::tempdir().unwrap(),
            url,
            ports,
            db,
            None,
            Vec::new(),
        )
        .await
    }

    async fn start_in(
        dir: tempfile::TempDir,
        url: &str,
        ports: Vec<u16>,
        db: Option<Database>,
        existing: Option<(&str, &str)>,
        env: Vec<(String, String)>,
    ) -> Self {
        let key = dir.path().join("master.key");
        if !key.exists() {
            write_master_key(&key);
        }
        let n = ports.len();
        let public_url = format!("http://127.0.0.1:{}", ports[0]);
        let (automation_id, automation_secret) = match existing {
            Some((id, secret)) => (id.to_owned(), secret.to_owned()),
            None => init(dir.path(), url, &public_url),
        };
        let mut cluster = Self {
            instances: Vec::new(),
            public_url,
            database_url: url.to_owned(),
            automation_id,
            automation_secret,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            dir,
            env,
            _db: db,
        };
        for (i, port) in ports.into_iter().enumerate() {
            let instance = cluster.spawn(i, port);
            cluster.instances.push(instance);
        }
        for i in 0..n {
            cluster.wait_ready(i).await;
        }
        cluster
    }

    /// The master key file every instance reads.
    pub fn master_key_file(&self) -> PathBuf {
        self.dir.path().join("master.key")
    }

    /// `tessera` with this cluster's settings (database, master key, public URL), for the
    /// commands a test runs beside the instances.
    pub fn command(&self) -> Command {
        tessera(self.dir.path(), &self.database_url, &self.public_url)
    }

    fn spawn(&self, i: usize, port: u16) -> Instance {
        let log = self.dir.path().join(format!("instance-{i}.log"));
        let child = tessera(self.dir.path(), &self.database_url, &self.public_url)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::options()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .unwrap(),
            )
            .spawn()
            .unwrap();
        Instance {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            port,
            log,
        }
    }

    /// Starts instance `i` again on its port (after [`Instance::kill`]).
    pub async fn restart(&mut self, i: usize) {
        self.instances[i].kill();
        let port = self.instances[i].port;
        self.instances[i] = self.spawn(i, port);
        self.wait_ready(i).await;
    }

    async fn wait_ready(&mut self, i: usize) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let inst = &mut self.instances[i];
            if let Some(child) = inst.child.as_mut()
                && let Some(status) = child.try_wait().unwrap()
            {
                panic!("instance {i} exited with {status}:\n{}", inst.log_text());
            }
            let ready = self
                .http
                .get(format!("{}/readyz", inst.base))
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "instance {i} was not ready within {READY_TIMEOUT:?}:\n{}",
                inst.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The port instance `i` listens on (the first one's is the public URL's).
    pub fn port(&self, i: usize) -> u16 {
        self.instances[i].port
    }

    /// The process id of instance `i`.
    pub fn pid(&self, i: usize) -> u32 {
        self.instances[i].child.as_ref().unwrap().id()
    }

    pub fn base(&self, i: usize) -> &str {
        &self.instances[i].base
    }

    /// The issuer path of `realm` (`'U'` or `'C'`) as reached through instance `i`.
    pub fn issuer_at(&self, i: usize, realm: char) -> String {
        format!("{}/system/auth/{PARTITION}-{realm}", self.base(i))
    }

    /// A client-credentials request at instance `i`'s users realm: (status, body).
    pub async fn client_credentials(
        &self,
        i: usize,
        id: &str,
        secret: &str,
        scope: &str,
    ) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}/oauth2/token", self.issuer_at(i, 'U')))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("scope", scope)])
            .send()
            .await
            .unwrap();
        status_json(resp).await
    }

    /// An admin API token for the automation client, minted at instance `i`.
    pub async fn admin_token(&self, i: usize) -> String {
        let (st, body) = self
            .client_credentials(
                i,
                &self.automation_id,
                &self.automation_secret,
                "app.core.admin.manage",
            )
            .await;
        assert_eq!(st, 200, "admin token at instance {i}: {body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// An admin API request through instance `i`: (status, body).
    pub async fn admin(
        &self,
        i: usize,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let token = self.admin_token(i).await;
        let mut req = self
            .http
            .request(
                method,
                format!("{}/admin/api/v1/partitions/{PARTITION}{path}", self.base(i)),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        status_json(req.send().await.unwrap()).await
    }

    /// As [`Self::admin`], asserting a 2xx answer.
    pub async fn admin_ok(
        &self,
        i: usize,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let (st, v) = self.admin(i, method.clone(), path, body).await;
        assert!((200..300).contains(&st), "{method} {path} at {i}: {st} {v}");
        v
    }

    /// Registers a Web client through instance `i` with `permissions` and one secret; returns
    /// (client_id, secret).
    pub async fn web_client(&self, i: usize, name: &str, permissions: &[&str]) -> (String, String) {
        let c = self
            .admin_ok(
                i,
                Method::POST,
                "/client-applications",
                Some(json!({"name": name, "platform": "web",
                    "redirect_urls": [crate::code_flow_support::WEB_REDIRECT]})),
            )
            .await;
        let id = c["client_id"].as_str().unwrap().to_owned();
        self.admin_ok(
            i,
            Method::PUT,
            &format!("/client-applications/{id}/permissions"),
            Some(json!({ "permissions": permissions })),
        )
        .await;
        let secret = self.new_secret(i, &id).await.1;
        (id, secret)
    }

    /// Adds a secret to client `id` through instance `i`; returns (secret id, value).
    pub async fn new_secret(&self, i: usize, id: &str) -> (String, String) {
        let s = self
            .admin_ok(
                i,
                Method::POST,
                &format!("/client-applications/{id}/secrets"),
                Some(json!({"name": "test"})),
            )
            .await;
        (
            s["id"].as_str().unwrap().to_owned(),
            s["value"].as_str().unwrap().to_owned(),
        )
    }
}

impl Drop for Cluster {
    /// Stops every instance with SIGTERM, as an orchestrator would; after a failed assertion it
    /// only kills them, so the failure is what the test reports.
    fn drop(&mut self) {
        for inst in &mut self.instances {
            if std::thread::panicking() {
                inst.kill();
            } else {
                inst.stop();
            }
        }
    }
}

/// The status and the JSON body (or the text as a JSON string).
pub async fn status_json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// `tessera` with the cluster's shared settings and a clean environment.
fn tessera(dir: &Path, database_url: &str, public_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.env_remove("TESSERA_CONFIG")
        .env("TESSERA_DATABASE_URL", database_url)
        .env("TESSERA_MASTER_KEY_FILE", dir.join("master.key"))
        .env("TESSERA_PUBLIC_URL", public_url)
        // Cheap Argon2: the tests sign in often; production uses the defaults.
        .env("TESSERA_PASSWORDS__MEMORY_KIB", "1024")
        .env("TESSERA_PASSWORDS__ITERATIONS", "1")
        .env("TESSERA_LOG", "info,sqlx=warn,tower_http=warn")
        .stdin(Stdio::null());
    cmd
}

/// `tessera init` of the partition on the database at `url`: (automation client id, secret).
fn init(dir: &Path, url: &str, public_url: &str) -> (String, String) {
    let password = dir.join("admin-password");
    std::fs::write(&password, ADMIN_PASSWORD).unwrap();
    let out = tessera(dir, url, public_url)
        .args(["init", "--json", "--partition", PARTITION])
        .args(["--admin-username", "pa", "--admin-password-file"])
        .arg(&password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tessera init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        created["automation_client_id"].as_str().unwrap().to_owned(),
        created["automation_client_secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// 32 random bytes, base64url, mode 0600: the key every instance shares.
fn write_master_key(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut f = std::fs::File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    std::io::Write::write_all(&mut f, text.as_bytes()).unwrap();
}
