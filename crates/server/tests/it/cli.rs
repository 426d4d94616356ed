//! The `tessera` binary: `init --json` prints the documented shape, `keys rotate` works, and
//! errors say what to do.

use std::process::Command;

use serde_json::Value;

fn tessera() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tessera"))
}

#[test]
fn init_prints_the_documented_json_and_refuses_a_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a-very-long-password\n").unwrap();
    let run = |partition: &str| {
        tessera()
            .args([
                "init",
                "--database-url",
                &db,
                "--partition",
                partition,
                "--admin-username",
                "pa",
                "--admin-password-file",
            ])
            .arg(&pw)
            .args(["--json", "--public-url", "https://id.example"])
            .env("TESSERA_PASSWORDS__MEMORY_KIB", "1024")
            .output()
            .unwrap()
    };
    let out = run("acme");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "admin_username",
            "automation_client_id",
            "automation_client_secret",
            "customer_issuer",
            "partition",
            "user_issuer"
        ]
    );
    assert_eq!(v["user_issuer"], "https://id.example/system/auth/acme-U");
    assert_eq!(
        v["customer_issuer"],
        "https://id.example/system/auth/acme-C"
    );
    assert!(
        dir.path().join("master.key").exists(),
        "master key created beside the database"
    );
    let again = run("acme");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let rotate = tessera()
        .args([
            "keys",
            "rotate",
            "--database-url",
            &db,
            "--partition",
            "acme",
            "--realm",
            "users",
        ])
        .output()
        .unwrap();
    assert!(
        rotate.status.success(),
        "{}",
        String::from_utf8_lossy(&rotate.stderr)
    );
    assert!(String::from_utf8_lossy(&rotate.stdout).contains("acme-U: rotated"));
    let bad = tessera()
        .args([
            "keys",
            "rotate",
            "--database-url",
            &db,
            "--partition",
            "nobody",
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn postgres_without_master_key_explains_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a-very-long-password").unwrap();
    let out = tessera()
        .args([
            "init",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/none",
            "--partition",
            "acme",
            "--admin-username",
            "pa",
            "--admin-password-file",
        ])
        .arg(&pw)
        .env_remove("TESSERA_MASTER_KEY_FILE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--master-key-file"), "{err}");
}

#[test]
fn config_example_is_printed() {
    let out = tessera().args(["config", "example"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("TESSERA_TOKENS__ACCESS_TOKEN_TTL"));
}

#[tokio::test]
async fn keys_revoke_withdraws_only_a_retired_key() {
    use tessera_domain::signing_key::KeyState;
    use tessera_domain::store::SigningKeyRepository as _;

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "a-very-long-password\n").unwrap();
    let run = |args: &[&str]| {
        tessera()
            .args(args)
            .args(["--database-url", &db])
            .env("TESSERA_PASSWORDS__MEMORY_KIB", "1024")
            .output()
            .unwrap()
    };
    let init = tessera()
        .args(["init", "--database-url", &db, "--partition", "acme"])
        .args(["--admin-username", "pa", "--admin-password-file"])
        .arg(&pw)
        .env("TESSERA_PASSWORDS__MEMORY_KIB", "1024")
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let users_key = |state: KeyState| {
        let db = db.clone();
        async move {
            let store = tessera_store_sqlite::SqliteStore::connect(&db)
                .await
                .unwrap();
            let acme = tessera_domain::PartitionId::parse("acme").unwrap();
            let keys = store.list_signing_keys(&acme).await.unwrap();
            store.pool().close().await;
            keys.into_iter()
                .find(|k| {
                    k.realm == tessera_domain::Realm::Users
                        && k.state == state
                        && k.alg == tessera_domain::signing_key::SigningAlg::ES256
                })
                .map(|k| k.kid)
        }
    };
    let active = users_key(KeyState::Active).await.unwrap();

    let refused = run(&["keys", "revoke", &active, "--partition", "acme"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("rotate first"), "{err}");
    let unknown = run(&["keys", "revoke", "no-such-kid", "--partition", "acme"]);
    assert!(!unknown.status.success());
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("no signing key no-such-kid"), "{err}");
    // Key ids are base64url: one may begin with `-` and is still a key id, not an option.
    let hyphen = run(&["keys", "revoke", "-3no-such", "--partition", "acme"]);
    assert!(!hyphen.status.success());
    let err = String::from_utf8_lossy(&hyphen.stderr);
    assert!(err.contains("no signing key -3no-such"), "{err}");

    let rotate = run(&["keys", "rotate", "--partition", "acme", "--realm", "users"]);
    assert!(rotate.status.success());
    assert_eq!(
        users_key(KeyState::Retired).await.as_deref(),
        Some(active.as_str())
    );
    let done = run(&["keys", "revoke", &active, "--partition", "acme"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        String::from_utf8_lossy(&done.stdout).contains(&format!("acme-U: withdrew key {active}")),
        "{}",
        String::from_utf8_lossy(&done.stdout)
    );
    assert_eq!(users_key(KeyState::Retired).await, None, "the key is gone");
}

/// `serve` refuses, before it listens, a plain-http public URL that leaves the machine (OpenID
/// Connect Core §16.17), unless `insecure_public_url` says so; and a `TESSERA_*` variable that
/// names no setting. Each refusal says what to do.
#[tokio::test]
async fn serve_refuses_plain_http_issuers_and_unknown_variables() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let serve = |public_url: &str, env: &[(&str, &str)]| {
        let mut cmd = tessera();
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &db, "--public-url", public_url])
            .env_remove("TESSERA_MASTER_KEY_FILE")
            .env("TESSERA_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().unwrap()
    };
    let out = serve("http://auth.example", &[])
        .wait_with_output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plain http")
            && err.contains("https://")
            && err.contains("insecure_public_url"),
        "{err}"
    );
    assert!(
        !dir.path().join("t.db").exists(),
        "a refused start opens no database"
    );
    // The API URL (compatibility token endpoints) is held to the same rule.
    let out = serve(
        "https://auth.example",
        &[("TESSERA_API_URL", "http://api.example")],
    )
    .wait_with_output()
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("api_url http://api.example"), "{err}");

    let out = serve(
        "http://127.0.0.1:8080",
        &[("TESSERA_PUBLIK_URL", "https://x.example")],
    )
    .wait_with_output()
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TESSERA_PUBLIK_URL"), "{err}");

    // With the opt-in it serves, and says at start what it is doing.
    let mut child = serve(
        "http://auth.example",
        &[("TESSERA_INSECURE_PUBLIC_URL", "true")],
    );
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("serve exited: {status}");
        }
        let ok = http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await;
        if ok.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(up, "serve did not come up with the opt-in: {err}");
    assert!(err.contains("insecure_public_url is set"), "{err}");
}

/// A `tessera serve` child on a free loopback port, killed when dropped.
struct Serving {
    child: std::process::Child,
    base: String,
}

impl Serving {
    /// Starts `serve` on `db` and waits until `/healthz` answers.
    async fn start(db: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = tessera()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--database-url")
            .arg(format!("sqlite://{}", db.display()))
            .env("TESSERA_LOG", "info")
            .env_remove("TESSERA_LOG_FORMAT")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let mut serving = Self { child, base };
        for _ in 0..300 {
            if let Ok(r) = reqwest::get(format!("{}/healthz", serving.base)).await
                && r.status() == 200
            {
                return serving;
            }
            if let Some(status) = serving.child.try_wait().unwrap() {
                panic!("serve exited early: {status}: {}", serving.stop());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("serve did not come up: {}", serving.stop());
    }

    /// Stops the server; returns what it logged.
    fn stop(&mut self) -> String {
        use std::io::Read as _;
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut log = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut log);
        }
        log
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The database, its WAL files and the master key are the server user's alone, and `/metrics`
/// is not served unless configured.
#[cfg(unix)]
#[tokio::test]
async fn serve_creates_private_files_and_no_public_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut s = Serving::start(&db).await;
    for name in ["t.db", "t.db-wal", "t.db-shm", "master.key"] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
    }
    let resp = reqwest::get(format!("{}/metrics", s.base)).await.unwrap();
    assert_eq!(resp.status(), 404);
    let log = s.stop();
    assert!(
        !log.contains("chmod"),
        "no warning for private files: {log}"
    );
}

/// Files others can read are reported at start with the command that fixes them.
#[cfg(unix)]
#[tokio::test]
async fn serve_warns_about_files_others_can_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut s = Serving::start(&db).await;
    s.stop();
    for name in ["t.db", "master.key"] {
        std::fs::set_permissions(
            dir.path().join(name),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let mut s = Serving::start(&db).await;
    let log = s.stop();
    for name in ["t.db", "master.key"] {
        let fix = format!("chmod 600 {}", dir.path().join(name).display());
        assert!(log.contains(&fix), "{fix} missing from: {log}");
    }
}
