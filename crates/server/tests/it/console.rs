//! The Administration Console in a real browser: the `tessera` binary runs `serve --dev` on a
//! fresh database, and `e2e/console/run.mjs` drives Debian's chromium through playwright-core,
//! with axe-core on every page it visits — the Partition Administrator signs in through the
//! users realm, follows Department → Partition → Integration → Client Application, sees the
//! validation messages, registers a Web application (with markup in its name) and reads its
//! Client ID; adds and renames a department, adds, edits, disables, signs out and deletes a
//! user, is refused disabling itself, adds a customer, registers an identity provider at a
//! loopback JWKS served here and tests it; a POST without the CSRF field is refused; sign-out
//! ends the realm session too; a user who is not an administrator gets the 403 page. Then the
//! admin API confirms what the browser did, and that the built-in console client refuses every
//! change.
//!
//! Needs `node`, chromium (`/usr/bin/chromium` or `CHROMIUM`) and the npm packages of
//! `e2e/console` (`npm ci --prefix e2e/console`; `.ci/run` installs them). Without them the
//! browser test is skipped with the reason, except in CI (`CI` set), where it fails.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::dev_server::DevServer;
use crate::node_e2e;

/// Upper bound for one run of `run.mjs` (it budgets 300 s itself).
const BROWSER_RUN_TIMEOUT: Duration = Duration::from_secs(360);

/// The built-in console client's fixed Client ID.
const CONSOLE_CLIENT_ID: &str = "00000000-0000-4000-8000-00000000c0de";

fn prerequisites() -> Result<PathBuf, String> {
    node_e2e::prerequisites(&[
        ("e2e/console", "playwright-core"),
        ("e2e/console", "axe-core"),
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

/// An admin API request that may fail: (status, body).
async fn admin_raw(
    server: &DevServer,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{}/oauth2/token", server.str("/user_issuer")))
        .basic_auth(
            server.str("/automation_client_id"),
            Some(server.str("/automation_client_secret")),
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
    let mut req = http
        .request(
            method,
            format!("{}/admin/api/v1/partitions/demo{path}", server.base),
        )
        .bearer_auth(token["access_token"].as_str().unwrap());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builtin_console_client_refuses_every_change() {
    let server = DevServer::start().await;
    let console = server
        .admin(
            reqwest::Method::GET,
            &format!("/client-applications/{CONSOLE_CLIENT_ID}"),
            None,
        )
        .await;
    assert_eq!(console["platform"], "spa", "{console}");
    assert_eq!(console["name"], "Administration Console");
    assert_eq!(
        console["redirect_urls"],
        json!([format!("{}/admin/demo/callback", server.base)]),
        "serve points the console at its public URL"
    );
    for (method, path, body) in [
        (
            reqwest::Method::DELETE,
            format!("/client-applications/{CONSOLE_CLIENT_ID}"),
            None,
        ),
        (
            reqwest::Method::PATCH,
            format!("/client-applications/{CONSOLE_CLIENT_ID}"),
            Some(json!({ "enabled": false })),
        ),
        (
            reqwest::Method::PATCH,
            format!("/client-applications/{CONSOLE_CLIENT_ID}"),
            Some(json!({ "redirect_urls": ["https://evil.example/cb"] })),
        ),
        (
            reqwest::Method::POST,
            format!("/client-applications/{CONSOLE_CLIENT_ID}/secrets"),
            Some(json!({ "name": "stolen" })),
        ),
        (
            reqwest::Method::PUT,
            format!("/client-applications/{CONSOLE_CLIENT_ID}/permissions"),
            Some(json!({ "permissions": ["core.admin.manage"] })),
        ),
    ] {
        let (status, problem) = admin_raw(&server, method.clone(), &path, body).await;
        assert_eq!(status, 409, "{method} {path}: {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Administration Console is built into every partition")),
            "{problem}"
        );
    }
    let after = server
        .admin(
            reqwest::Method::GET,
            &format!("/client-applications/{CONSOLE_CLIENT_ID}"),
            None,
        )
        .await;
    assert_eq!(after, console, "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_signs_in_registers_a_web_app_and_refuses_the_rest_in_chromium() {
    let chromium = match prerequisites() {
        Ok(c) => c,
        Err(reason) => return node_e2e::skip("the console browser test", &reason),
    };
    // The identity provider the browser registers: a loopback JWKS (the token exchange tests'
    // fixture), which the server may fetch only under the development switch.
    let idp = crate::token_exchange::idp().await;
    let server = DevServer::start_with_env(&[("TESSERA_FEDERATION__ALLOW_LOOPBACK", "true")]).await;
    let shots = std::env::var("TESSERA_TEST_CONSOLE_SCREENSHOTS").unwrap_or_default();
    let env = [
        ("TESSERA_BASE", server.base.clone()),
        ("TESSERA_PARTITION", "demo".to_owned()),
        ("TESSERA_ADMIN_USERNAME", server.str("/admin_username")),
        ("TESSERA_ADMIN_PASSWORD", server.str("/admin_password")),
        ("TESSERA_AGENT_USERNAME", server.str("/demo/agent/0")),
        ("TESSERA_AGENT_PASSWORD", server.str("/demo/agent/1")),
        (
            "TESSERA_AUTOMATION_CLIENT_ID",
            server.str("/automation_client_id"),
        ),
        (
            "TESSERA_AUTOMATION_CLIENT_SECRET",
            server.str("/automation_client_secret"),
        ),
        ("TESSERA_IDP_JWKS_URI", idp.jwks_uri.clone()),
        ("TESSERA_IDP_KID", "idp-1".to_owned()),
        ("CHROMIUM", chromium.display().to_string()),
        ("E2E_SCREENSHOTS", shots),
    ];
    let (ok, printed) = tokio::task::spawn_blocking(move || {
        node_e2e::run_script("e2e/console/run.mjs", &env, BROWSER_RUN_TIMEOUT)
    })
    .await
    .unwrap();
    eprintln!("--- e2e/console/run.mjs ---\n{printed}");
    assert!(
        ok,
        "the console browser run failed (output above); server log:\n{}",
        server.log_text()
    );
    let result: Value = printed
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(|r| serde_json::from_str(r).unwrap())
        .expect("run.mjs printed no RESULT line");
    for page in [
        "the console home",
        "the client application list",
        "the Add form",
        "the Add form with errors",
        "the client application page",
        "the Edit form",
        "the Edit form with errors",
        "the stale Edit form",
        "a disabled application",
        "the Metadata page with ready requests",
        "the delete confirmation",
        "the 403 page",
        "the Departments page",
        "the Rename department page",
        "the Users list",
        "the Add user form with errors",
        "a user page",
        "the delete confirmation",
        "the Customers list",
        "the Identity providers list",
        "the Add identity provider form with errors",
        "the identity provider test result",
    ] {
        assert!(
            result["audited"]
                .as_array()
                .is_some_and(|a| a.iter().any(|p| p == page)),
            "axe-core did not check {page}: {result}"
        );
    }
    // The admin API sees exactly what the browser registered, under the name as typed.
    let id = result["client_id"].as_str().unwrap();
    let created = server
        .admin(
            reqwest::Method::GET,
            &format!("/client-applications/{id}"),
            None,
        )
        .await;
    assert_eq!(created["name"], result["name"], "{created}");
    assert_eq!(created["platform"], "web");
    assert_eq!(
        created["redirect_urls"],
        json!([
            "http://127.0.0.1:9/callback",
            "https://app.example/callback"
        ])
    );
    let list = server
        .admin(reqwest::Method::GET, "/client-applications?limit=200", None)
        .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        !names.contains(&"CSRF probe") && !names.contains(&""),
        "a refused or invalid form saved something: {names:?}"
    );
    // What the people pages did, as the admin API sees it.
    let departments = server
        .admin(reqwest::Method::GET, "/departments?limit=200", None)
        .await;
    assert!(
        departments["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == result["department"]),
        "the department added in the browser: {departments}"
    );
    let customers = server
        .admin(reqwest::Method::GET, "/customers?limit=200", None)
        .await;
    assert!(
        customers["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["email"] == result["customer"] && c["display_name"] == "Customer One"),
        "the customer added in the browser: {customers}"
    );
    let providers = server
        .admin(reqwest::Method::GET, "/identity-providers", None)
        .await;
    assert_eq!(
        providers["items"],
        json!([]),
        "the provider deleted in the browser is gone"
    );
    let log = server.log_text();
    assert!(
        !log.contains(&server.str("/admin_password")),
        "the password reached the log"
    );
}
