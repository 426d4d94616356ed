//! The SPA example (`examples/spa`, oidc-client-ts) in a real browser: the `tessera` binary runs
//! `serve --dev` on a fresh database, and `e2e/spa/run.mjs` drives Debian's chromium through
//! playwright-core — sign in on Tessera's login page (and a wrong password first), tokens in the
//! browser, refresh, userinfo, single sign-on in a second tab, sign-out — at both realms.
//!
//! Needs `node`, chromium (`/usr/bin/chromium` or `CHROMIUM`) and the npm packages of
//! `examples/spa` and `e2e/spa` (`npm ci --prefix ...`; `.ci/run` installs all of them). Without
//! them the test is skipped with the reason, except in CI (`CI` set), where it fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Upper bound for one run of `run.mjs` (it budgets 60 s itself).
const BROWSER_RUN_TIMEOUT: Duration = Duration::from_secs(90);
/// How long `serve --dev` may take to answer `/readyz` (a cold start creates the demo data).
const READY_TIMEOUT: Duration = Duration::from_secs(30);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The chromium to drive, or why the test cannot run here.
fn prerequisites() -> Result<PathBuf, String> {
    let node = Command::new("node").arg("--version").output();
    match node {
        Ok(out) if out.status.success() => {}
        Ok(out) => return Err(format!("`node --version` failed: {}", out.status)),
        Err(e) => {
            return Err(format!(
                "node is not installed ({e}); apt-get install nodejs npm"
            ));
        }
    }
    let chromium = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.exists() {
        return Err(format!(
            "no browser at {} (apt-get install chromium, or set CHROMIUM)",
            chromium.display()
        ));
    }
    let root = workspace_root();
    for (dir, package) in [
        ("examples/spa", "oidc-client-ts"),
        ("e2e/spa", "playwright-core"),
    ] {
        if !root.join(dir).join("node_modules").join(package).exists() {
            return Err(format!(
                "{dir} has no node_modules/{package}: run `npm ci --prefix {dir}`"
            ));
        }
    }
    Ok(chromium)
}

/// A port that was free a moment ago (the listener is dropped so a child process can bind it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tessera serve --dev` on a temporary SQLite database; killed when dropped.
#[derive(Debug)]
struct DevServer {
    child: Child,
    base: String,
    log: PathBuf,
    /// `tessera-dev.json`: what `serve --dev` printed (issuers, demo accounts and clients).
    dev: Value,
    dir: tempfile::TempDir,
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl DevServer {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let log = dir.path().join("tessera.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(["serve", "--dev", "--database-url"])
            .arg(format!(
                "sqlite://{}",
                dir.path().join("tessera.db").display()
            ))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--public-url", &base])
            .env_remove("TESSERA_CONFIG")
            .env_remove("TESSERA_MASTER_KEY_FILE")
            // Cheap Argon2: the test signs in a handful of times; production uses the defaults.
            .env("TESSERA_PASSWORDS__MEMORY_KIB", "1024")
            .env("TESSERA_PASSWORDS__ITERATIONS", "1")
            .env("TESSERA_LOG", "info,sqlx=warn,tower_http=warn")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
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
        server.wait_ready().await;
        let notes = server.dir.path().join("tessera-dev.json");
        let text = std::fs::read_to_string(&notes).unwrap_or_else(|e| {
            panic!(
                "serve --dev wrote no {}: {e}\n{}",
                notes.display(),
                server.log_text()
            )
        });
        server.dev = serde_json::from_str(&text).unwrap();
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "tessera serve --dev exited with {status}:\n{}",
                    self.log_text()
                );
            }
            let ready = http.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tessera serve --dev was not ready within {READY_TIMEOUT:?}:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn str(&self, pointer: &str) -> String {
        self.dev
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("tessera-dev.json has no {pointer}: {}", self.dev))
            .to_owned()
    }

    /// Sends an admin API request for the demo partition with the automation client's token.
    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
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

    /// Registers a SPA whose redirect URIs are on `spa_port` with the Demo SPA's permissions: the
    /// Demo SPA's own URIs name port 5173, which a test cannot count on having.
    async fn spa_client(&self, spa_port: u16) -> String {
        let demo_spa = self
            .admin(
                reqwest::Method::GET,
                &format!("/client-applications/{}", self.str("/demo/spa_client_id")),
                None,
            )
            .await;
        assert_eq!(demo_spa["platform"], "spa", "{demo_spa}");
        let permissions = demo_spa["permissions"].clone();
        assert!(
            permissions.as_array().is_some_and(|p| !p.is_empty()),
            "the Demo SPA has no permissions: {demo_spa}"
        );
        let origin = format!("http://127.0.0.1:{spa_port}");
        let created = self
            .admin(
                reqwest::Method::POST,
                "/client-applications",
                Some(json!({
                    "name": format!("SPA browser test {spa_port}"),
                    "platform": "spa",
                    "redirect_urls": [format!("{origin}/callback.html")],
                    "post_logout_redirect_urls": [format!("{origin}/")],
                })),
            )
            .await;
        let id = created["client_id"].as_str().unwrap().to_owned();
        self.admin(
            reqwest::Method::PUT,
            &format!("/client-applications/{id}/permissions"),
            Some(json!({ "permissions": permissions })),
        )
        .await;
        id
    }
}

/// Runs `node e2e/spa/run.mjs` with `env`; returns (success, what it printed).
fn run_browser(chromium: &Path, env: &[(&str, String)]) -> (bool, String) {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("run.log");
    let out_file = std::fs::File::create(&out).unwrap();
    let root = workspace_root();
    let mut cmd = Command::new("node");
    cmd.arg(root.join("e2e/spa/run.mjs"))
        .current_dir(&root)
        .env("CHROMIUM", chromium)
        .stdin(Stdio::null())
        .stdout(out_file.try_clone().unwrap())
        .stderr(out_file);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > BROWSER_RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut printed = std::fs::read_to_string(&out).unwrap_or_default();
    if status.is_none() {
        printed.push_str(&format!(
            "\n(killed: run.mjs took longer than {BROWSER_RUN_TIMEOUT:?})\n"
        ));
    }
    (status.is_some_and(|s| s.success()), printed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spa_signs_in_renews_and_signs_out_in_chromium() {
    let chromium = match prerequisites() {
        Ok(c) => c,
        Err(reason) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "the SPA browser test cannot run: {reason}"
            );
            eprintln!("skipping the SPA browser test: {reason}");
            return;
        }
    };
    let server = DevServer::start().await;
    let spa_port = free_port();
    let client_id = server.spa_client(spa_port).await;
    let agent = server.str("/demo/agent/0");
    let customer = server.str("/demo/customer/0");
    let realms = [
        (
            "users",
            server.str("/user_issuer"),
            agent,
            server.str("/demo/agent/1"),
        ),
        (
            "customers",
            server.str("/customer_issuer"),
            customer,
            server.str("/demo/customer/1"),
        ),
    ];
    for (realm, issuer, username, password) in realms {
        let env = [
            ("TESSERA_ISSUER", issuer),
            ("TESSERA_SPA_CLIENT_ID", client_id.clone()),
            ("TESSERA_USERNAME", username),
            ("TESSERA_PASSWORD", password),
            ("SPA_PORT", spa_port.to_string()),
        ];
        let chromium = chromium.clone();
        let (ok, printed) = tokio::task::spawn_blocking(move || run_browser(&chromium, &env))
            .await
            .unwrap();
        eprintln!("--- e2e/spa/run.mjs at the {realm} realm ---\n{printed}");
        assert!(
            ok,
            "the SPA browser run at the {realm} realm failed (output above); server log:\n{}",
            server.log_text()
        );
    }
}
