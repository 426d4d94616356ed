//! The SPA example (`examples/spa`, oidc-client-ts) in a real browser: the `tessera` binary runs
//! `serve --dev` on a fresh database, and `e2e/spa/run.mjs` drives Debian's chromium through
//! playwright-core — sign in on Tessera's login page (and a wrong password first), tokens in the
//! browser, refresh, userinfo, single sign-on in a second tab, sign-out — at both realms.
//!
//! Needs `node`, chromium (`/usr/bin/chromium` or `CHROMIUM`) and the npm packages of
//! `examples/spa` and `e2e/spa` (`npm ci --prefix ...`; `.ci/run` installs all of them). Without
//! them the test is skipped with the reason, except in CI (`CI` set), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::dev_server::{DevServer, free_port};

/// Upper bound for one run of `run.mjs` (it budgets 60 s itself).
const BROWSER_RUN_TIMEOUT: Duration = Duration::from_secs(90);

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

impl DevServer {
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
