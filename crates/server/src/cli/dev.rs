//! `tessera serve --dev`: on an empty database, the demo partition, its credentials printed for
//! the person at the terminal and saved beside the database (mode 0600).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tessera_domain::PartitionId;
use tessera_server::provision::NewPartition;
use tessera_server::runtime;

pub(crate) async fn partition(state: &tessera_server::AppState) -> anyhow::Result<()> {
    let existing = state.store().list_partitions().await?;
    let notes = runtime::sqlite_path(&state.config().database_url)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."))
        .join("tessera-dev.json");
    if !existing.is_empty() {
        eprintln!(
            "\n--dev: the database already has partitions ({}); the demo credentials were saved in {} when it was created.\n",
            existing
                .iter()
                .map(|p| p.id.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            notes.display()
        );
        return Ok(());
    }
    let rng = tessera_server::crypto::rng::SystemRng::new();
    let admin_password = tessera_server::crypto::rng::random_token(&rng, 12);
    let spec = NewPartition {
        id: PartitionId::parse("demo")?,
        admin_username: "admin".to_owned(),
        admin_password: admin_password.clone(),
        admin_email: Some("admin@demo.example".to_owned()),
        demo: true,
    };
    let created = state
        .provisioner()
        .create(&**state.store(), &spec)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the demo partition: {e}"))?;
    let mut saved = serde_json::to_value(&created)?;
    saved["admin_password"] = serde_json::Value::String(admin_password.clone());
    write_private(&notes, &serde_json::to_string_pretty(&saved)?)?;
    let token_url = format!("{}{}", created.user_issuer, tessera_server::TOKEN_ENDPOINT);
    let demo = created.demo.as_ref().context("demo data missing")?;
    // Standard output, not the log stream (standard error): the credentials are for the person
    // at the terminal and must not end up wherever the logs are collected.
    println!(
        "\n=== Tessera dev mode: created the demo partition ===\n\
         Partition Administrator : admin / {admin_password}\n\
         Agent (users realm)     : {} / {}\n\
         Customer                : {} / {}\n\
         Demo Web App            : client_id {}  secret {}\n\
         Demo SPA                : client_id {}\n\
         Automation (admin API)  : client_id {}  secret {}\n\
         Users realm issuer      : {}\n\
         Customers realm issuer  : {}\n\
         (saved to {}, mode 0600)\n\n\
         Try it:\n  curl -s -u '{}:{}' -d grant_type=client_credentials -d scope=.default {token_url}\n\n\
         Sign in in a browser (the demo SPA; needs Node.js and npm):\n  \
         npm ci --prefix examples/spa && TESSERA_ISSUER={} TESSERA_SPA_CLIENT_ID={} npm start --prefix examples/spa\n  \
         then open http://127.0.0.1:5173/ and sign in as {}\n",
        demo.agent.0,
        demo.agent.1,
        demo.customer.0,
        demo.customer.1,
        demo.web_client_id,
        demo.web_client_secret,
        demo.spa_client_id,
        created.automation_client_id,
        created.automation_client_secret,
        created.user_issuer,
        created.customer_issuer,
        notes.display(),
        demo.web_client_id,
        demo.web_client_secret,
        created.user_issuer,
        demo.spa_client_id,
        demo.agent.0,
    );
    Ok(())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    Ok(())
}
