//! An unmodified relying party: panva's Node `openid-client` (a certified OpenID Connect RP
//! library) in its default configuration runs `e2e/openid-client/run.mjs` against `tessera
//! serve --dev` at both realms — discovery, code flow with PKCE (RS256 ID tokens, which the
//! library expects when a client registered no algorithm), userinfo, refresh, introspection,
//! single sign-on, RP-initiated logout and revocation.
//!
//! The library's defaults refuse plain http, so Tessera's public URL is https on a TLS front
//! that `run.mjs` serves with a throwaway certificate made here by `openssl` (trusted by node
//! through `NODE_EXTRA_CA_CERTS`), the way production puts a TLS-terminating proxy in front.
//!
//! Needs `node`, `openssl` and `npm ci --prefix e2e/openid-client` (`.ci/run` installs them).

use std::process::Command;
use std::time::Duration;

use crate::dev_server::{DevServer, free_port};
use crate::node_e2e;

/// Upper bound for one run of `run.mjs` (it budgets 60 s itself).
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

/// Writes a self-signed certificate for 127.0.0.1 (`cert.pem`, `key.pem`) into `dir`.
fn make_certificate(dir: &std::path::Path) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:P-256")
        .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .map_err(|e| format!("openssl is not installed ({e}); apt-get install openssl"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl could not make a certificate: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_in_its_default_configuration_completes_every_step() {
    let tls = tempfile::tempdir().unwrap();
    let ready = node_e2e::prerequisites(&[("e2e/openid-client", "openid-client")])
        .and_then(|()| make_certificate(tls.path()));
    if let Err(reason) = ready {
        return node_e2e::skip("the openid-client test", &reason);
    }
    let public_port = free_port();
    let server =
        DevServer::start_behind(Some(&format!("https://127.0.0.1:{public_port}")), &[]).await;
    let env = [
        ("E2E_BACKEND", server.base.clone()),
        ("E2E_PUBLIC_PORT", public_port.to_string()),
        (
            "E2E_DEV_JSON",
            server
                .dir
                .path()
                .join("tessera-dev.json")
                .display()
                .to_string(),
        ),
        ("TLS_DIR", tls.path().display().to_string()),
        (
            "NODE_EXTRA_CA_CERTS",
            tls.path().join("cert.pem").display().to_string(),
        ),
    ];
    let (ok, printed) = tokio::task::spawn_blocking(move || {
        node_e2e::run_script("e2e/openid-client/run.mjs", &env, RUN_TIMEOUT)
    })
    .await
    .unwrap();
    eprintln!("--- e2e/openid-client/run.mjs ---\n{printed}");
    assert!(
        ok,
        "openid-client could not complete the flows (output above); server log:\n{}",
        server.log_text()
    );
}
