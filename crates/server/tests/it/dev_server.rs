//! `tessera serve --dev` as a child process on a temporary SQLite database: what the tests that
//! need the real binary (a browser, the process's own memory) share.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long `serve --dev` may take to answer `/readyz` (a cold start creates the demo data).
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Starts tried before giving up when each finds its port taken.
const PORT_ATTEMPTS: usize = 3;

/// A port that was free a moment ago (the listener is dropped so a child process can bind it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tessera serve --dev` on a temporary SQLite database; killed when dropped.
#[derive(Debug)]
pub struct DevServer {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
    /// `tessera-dev.json`: what `serve --dev` printed (issuers, demo accounts and clients).
    pub dev: Value,
    pub dir: tempfile::TempDir,
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl DevServer {
    pub async fn start() -> Self {
        Self::start_with_env(&[]).await
    }

    /// As [`Self::start`], with extra environment variables (configuration overrides).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Self {
        Self::start_behind(None, env).await
    }

    /// As [`Self::start_with_env`], with `public_url` as the address clients see (a TLS front
    /// the test runs); the server itself listens on plain http at `base`.
    ///
    /// The port is one that was free a moment ago, so another process may take it first: then
    /// this child cannot listen and exits, and the server is started again on another port.
    pub async fn start_behind(public_url: Option<&str>, env: &[(&str, &str)]) -> Self {
        for _ in 0..PORT_ATTEMPTS {
            if let Some(server) = Self::try_start(public_url, env).await {
                return server;
            }
        }
        panic!("tessera serve --dev found its port taken {PORT_ATTEMPTS} times in a row");
    }

    /// One start; `None` when the port was taken before the child could listen on it.
    async fn try_start(public_url: Option<&str>, env: &[(&str, &str)]) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let public_url = public_url.unwrap_or(&base).to_owned();
        let log = dir.path().join("tessera.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(["serve", "--dev", "--database-url"])
            .arg(format!(
                "sqlite://{}",
                dir.path().join("tessera.db").display()
            ))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--public-url", &public_url])
            .env_remove("TESSERA_CONFIG")
            .env_remove("TESSERA_MASTER_KEY_FILE")
            // Cheap Argon2: the test signs in a handful of times; production uses the defaults.
            .env("TESSERA_PASSWORDS__MEMORY_KIB", "1024")
            .env("TESSERA_PASSWORDS__ITERATIONS", "1")
            .env("TESSERA_LOG", "info,sqlx=warn,tower_http=warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            // Standard output is what `--dev` prints for people (the demo credentials, on
            // purpose); the log is standard error.
            .stdout(std::fs::File::create(dir.path().join("stdout.txt")).unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let mut server = Self {
            child,
            base,
            log,
            dev: Value::Null,
            dir,
        };
        if !server.wait_ready().await {
            return None;
        }
        let notes = server.dir.path().join("tessera-dev.json");
        let text = std::fs::read_to_string(&notes).unwrap_or_else(|e| {
            panic!(
                "serve --dev wrote no {}: {e}\n{}",
                notes.display(),
                server.log_text()
            )
        });
        server.dev = serde_json::from_str(&text).unwrap();
        Some(server)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until this child listens and answers `/readyz`; `false` when it exited because its
    /// port was taken. A `/readyz` answer alone could come from another process that took the
    /// port, so the child's own log must also say it is listening.
    pub async fn wait_ready(&mut self) -> bool {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = self.log_text();
                if log.contains("cannot listen on") {
                    return false;
                }
                panic!("tessera serve --dev exited with {status}:\n{log}");
            }
            if self.log_text().contains("Tessera is listening") {
                let ready = http.get(format!("{}/readyz", self.base)).send().await;
                if ready.is_ok_and(|r| r.status().is_success()) {
                    return true;
                }
            }
            assert!(
                Instant::now() < deadline,
                "tessera serve --dev was not ready within {READY_TIMEOUT:?}:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn str(&self, pointer: &str) -> String {
        self.dev
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("tessera-dev.json has no {pointer}: {}", self.dev))
            .to_owned()
    }

    /// Sends an admin API request for the demo partition with the automation client's token.
    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let http = reqwest::Client::new();
        let token: Value = http
            .post(format!("{}/oauth2/token", self.str("/user_issuer")))
            .basic_auth(
                self.str("/automation_client_id"),
                Some(self.str("/automation_client_secret")),
            )
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", "app.core.admin.manage"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no admin token: {token}"));
        let mut req = http
            .request(
                method.clone(),
                format!("{}/admin/api/v1/partitions/demo{path}", self.base),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}
