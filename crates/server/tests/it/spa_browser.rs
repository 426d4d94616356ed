//! The SPA example (`examples/spa`, oidc-client-ts) in a real browser: the `tessera` binary runs
//! `serve --dev` on a fresh database, and `e2e/spa/run.mjs` drives Debian's chromium through
//! playwright-core — sign in on Tessera's login page (and a wrong password first), tokens in the
//! browser, refresh, userinfo, single sign-on in a second tab, sign-out — at both realms.
//!
//! Needs `node`, chromium (`/usr/bin/chromium` or `CHROMIUM`) and the npm packages of
//! `examples/spa` and `e2e/spa` (`npm ci --prefix ...`; `.ci/run` installs all of them). Without
//! them the test is skipped with the reason, except in CI (`CI` set), where it fails.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use crate::dev_server::{DevServer, free_port};
use crate::node_e2e;

/// Upper bound for one run of `run.mjs` (it budgets 60 s itself).
const BROWSER_RUN_TIMEOUT: Duration = Duration::from_secs(90);

/// The chromium to drive and the packages the run needs, or why the test cannot run here.
fn prerequisites() -> Result<PathBuf, String> {
    node_e2e::prerequisites(&[
        ("examples/spa", "oidc-client-ts"),
        ("e2e/spa", "playwright-core"),
    ])?;
    let chromium = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.exists() {
        return Err(format!(
            "no browser at {} (apt-get install chromium, or set CHROMIUM)",
            chromium.display()
        ));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spa_signs_in_renews_and_signs_out_in_chromium() {
    let chromium = match prerequisites() {
        Ok(c) => c,
        Err(reason) => return node_e2e::skip("the SPA browser test", &reason),
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
            ("CHROMIUM", chromium.display().to_string()),
        ];
        let (ok, printed) = tokio::task::spawn_blocking(move || {
            node_e2e::run_script("e2e/spa/run.mjs", &env, BROWSER_RUN_TIMEOUT)
        })
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
