//! The `tessera` command: serve, init, migrate, partition create, keys rotate and revoke, config
//! example, backup.
#![expect(
    clippy::print_stdout,
    reason = "printing results is the CLI's interface"
)]

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use tessera_domain::store::StoreError;
use tessera_domain::{PartitionId, Realm};
use tessera_server::audit::AuditContext;
use tessera_server::config::{Config, LogFormat, Overrides};
use tessera_server::provision::{Created, NewPartition, ProvisionError};
use tessera_server::runtime;

#[derive(Parser, Debug)]
#[command(
    name = "tessera",
    version,
    about = "OAuth 2.0 / OpenID Connect authorization server with a client-application registry"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server (applies pending database migrations first).
    Serve(ServeArgs),
    /// Create the first partition, its Partition Administrator and an admin automation client.
    Init(PartitionArgs),
    /// Apply pending database migrations and exit.
    Migrate(Common),
    /// Manage partitions.
    #[command(subcommand)]
    Partition(PartitionCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Copy a SQLite database to a new file while Tessera runs (a consistent snapshot). Back
    /// the master key file up too: without it the copy's signing keys and secrets are useless.
    /// PostgreSQL is backed up with pg_dump.
    Backup(BackupArgs),
}

#[derive(Args, Debug)]
struct BackupArgs {
    #[command(flatten)]
    common: Common,
    /// The file to write; it must not exist.
    #[arg(long)]
    to: PathBuf,
}

#[derive(Subcommand, Debug)]
enum PartitionCommand {
    /// Create another partition with its own administrator and automation client.
    Create(PartitionArgs),
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Rotate a partition's signing keys (next → active → retired; a new next key is made).
    Rotate {
        #[command(flatten)]
        common: Common,
        /// Partition id.
        #[arg(long)]
        partition: String,
        /// Realm to rotate: users, customers or both.
        #[arg(long, default_value = "both")]
        realm: String,
    },
    /// Withdraw a retired signing key at once (a leaked key): it leaves the JWKS and tokens it
    /// signed stop verifying. The active and next keys are refused: rotate first.
    Revoke {
        #[command(flatten)]
        common: Common,
        /// The key's id (`kid`). Key ids are base64url and may begin with `-`, so a value that
        /// does is the key id, not an option.
        #[arg(allow_hyphen_values = true)]
        kid: String,
        /// Partition id.
        #[arg(long)]
        partition: String,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print the reference configuration (every key, default and environment variable).
    Example,
}

/// Options every database-touching command shares (the env names are the config layer's).
#[derive(Args, Debug, Clone, Default)]
struct Common {
    /// sqlite://PATH or postgres://USER@HOST/DB [env: TESSERA_DATABASE_URL]
    #[arg(long)]
    database_url: Option<String>,
    /// Master key file [env: TESSERA_MASTER_KEY_FILE]
    #[arg(long)]
    master_key_file: Option<PathBuf>,
    /// Public URL; issuers are built from it [env: TESSERA_PUBLIC_URL]
    #[arg(long)]
    public_url: Option<String>,
    /// API domain [env: TESSERA_API_URL]
    #[arg(long)]
    api_url: Option<String>,
}

#[derive(Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    common: Common,
    /// Address to listen on [env: TESSERA_LISTEN]
    #[arg(long)]
    listen: Option<String>,
    /// On an empty database, create a demo partition with sample users and applications.
    #[arg(long)]
    dev: bool,
}

#[derive(Args, Debug)]
struct PartitionArgs {
    #[command(flatten)]
    common: Common,
    /// Partition id: 3-40 letters or digits.
    #[arg(long)]
    partition: String,
    /// Username of the first Partition Administrator.
    #[arg(long)]
    admin_username: String,
    /// File holding their password ("-" reads standard input).
    #[arg(long)]
    admin_password_file: PathBuf,
    /// Their email address.
    #[arg(long)]
    admin_email: Option<String>,
    /// Print the result as JSON for scripts.
    #[arg(long)]
    json: bool,
}

fn load_config(
    file: Option<&Path>,
    common: &Common,
    listen: Option<String>,
) -> anyhow::Result<Config> {
    let overrides = Overrides {
        listen,
        public_url: common.public_url.clone(),
        api_url: common.api_url.clone(),
        database_url: common.database_url.clone(),
        master_key_file: common.master_key_file.clone(),
    };
    Ok(Config::load(file, std::env::vars(), &overrides)?)
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TESSERA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = cli.config.as_deref();
    match cli.command {
        Command::Config(ConfigCommand::Example) => {
            print!("{}", tessera_server::config::reference());
            Ok(())
        }
        Command::Serve(args) => {
            serve(
                load_config(file, &args.common, args.listen.clone())?,
                args.dev,
            )
            .await
        }
        Command::Migrate(common) => {
            let config = load_config(file, &common, None)?;
            init_tracing(config.log_format);
            runtime::open_store(&config, true).await?;
            eprintln!(
                "database {} is up to date",
                runtime::redact_url(&config.database_url)
            );
            Ok(())
        }
        Command::Backup(args) => backup(file, &args).await,
        Command::Init(args) | Command::Partition(PartitionCommand::Create(args)) => {
            create_partition(file, args).await
        }
        Command::Keys(KeysCommand::Rotate {
            common,
            partition,
            realm,
        }) => {
            let config = load_config(file, &common, None)?;
            init_tracing(config.log_format);
            let partition = PartitionId::parse(&partition)?;
            let realms: Vec<Realm> = match realm.as_str() {
                "both" => Realm::ALL.to_vec(),
                other => {
                    vec![Realm::parse(other).context("--realm must be users, customers or both")?]
                }
            };
            let state = open(config, false).await?;
            let actor = AuditContext::system(Some(partition.clone()));
            for realm in realms {
                let keys = state
                    .provisioner()
                    .rotate_keys(&**state.store(), &partition, realm, &actor)
                    .await?;
                let kids: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{} ({})", k.kid, k.alg.as_str()))
                    .collect();
                println!(
                    "{partition}-{}: rotated; new next keys {}",
                    realm.suffix(),
                    kids.join(", ")
                );
            }
            state.close_audit().await;
            Ok(())
        }
        Command::Keys(KeysCommand::Revoke {
            common,
            kid,
            partition,
        }) => {
            let config = load_config(file, &common, None)?;
            init_tracing(config.log_format);
            let partition = PartitionId::parse(&partition)?;
            let state = open(config, false).await?;
            let actor = AuditContext::system(Some(partition.clone()));
            let withdrawn = state
                .provisioner()
                .withdraw_key(&**state.store(), &partition, &kid, &actor)
                .await;
            state.close_audit().await;
            let key = match withdrawn {
                Err(ProvisionError::Store(StoreError::NotFound)) => {
                    bail!("partition {partition} has no signing key {kid}")
                }
                other => other?,
            };
            println!(
                "{partition}-{}: withdrew key {}; other instances stop accepting it within a second",
                key.realm.suffix(),
                key.kid
            );
            Ok(())
        }
    }
}

/// `tessera backup`: a SQLite database's online copy (`VACUUM INTO`); PostgreSQL has pg_dump.
async fn backup(file: Option<&Path>, args: &BackupArgs) -> anyhow::Result<()> {
    let config = load_config(file, &args.common, None)?;
    init_tracing(config.log_format);
    if config.is_postgres() {
        bail!(
            "tessera backup copies a SQLite database; back PostgreSQL up with pg_dump (docs/operations.md)"
        );
    }
    let db = runtime::sqlite_path(&config.database_url)
        .context("the database is in memory: there is nothing to back up")?;
    // Opening a missing file would create an empty database and back that up.
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    if args.to.exists() {
        bail!(
            "{} exists; a backup is written to a new file",
            args.to.display()
        );
    }
    let store = tessera_store_sqlite::SqliteStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open {}", db.display()))?;
    if let Err(e) = store.backup_to(&args.to).await {
        // No half-written file left to be mistaken for a backup.
        let _ = std::fs::remove_file(&args.to);
        return Err(e).with_context(|| format!("cannot write the backup to {}", args.to.display()));
    }
    println!(
        "backed {} up to {}; keep the master key file with it (it is not in the copy)",
        db.display(),
        args.to.display()
    );
    Ok(())
}

/// Opens the store and builds the state; `serving` also sets up metrics (`tessera serve`).
async fn open(config: Config, serving: bool) -> anyhow::Result<tessera_server::AppState> {
    // The master key first: a missing key is a configuration error worth reporting before any
    // database connection is attempted.
    let rng = tessera_server::crypto::rng::SystemRng::new();
    let (master, path, created) = runtime::master_key(&config, &rng)?;
    let store = runtime::open_store(&config, true).await?;
    if created {
        tracing::info!(path = %path.display(), "created a new master key (mode 0600); back it up: signing keys cannot be decrypted without it");
    } else {
        tracing::info!(path = %path.display(), "using master key");
    }
    runtime::check_file_permissions(&config, &path);
    let metrics = if serving {
        runtime::metrics(&config, || {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .ok()
        })?
    } else {
        None
    };
    Ok(runtime::build_state(config, store, master, metrics)?)
}

fn read_password(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read password file {}", path.display()))?;
    }
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("the password file {} is empty", path.display());
    }
    Ok(password)
}

async fn create_partition(file: Option<&Path>, args: PartitionArgs) -> anyhow::Result<()> {
    let config = load_config(file, &args.common, None)?;
    init_tracing(config.log_format);
    let spec = NewPartition {
        id: PartitionId::parse(&args.partition)?,
        admin_username: args.admin_username.clone(),
        admin_password: read_password(&args.admin_password_file)?,
        admin_email: args.admin_email.clone(),
        demo: false,
    };
    let state = open(config, false).await?;
    let created = state
        .provisioner()
        .create(&**state.store(), &spec)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create partition {}: {e}", spec.id))?;
    state.close_audit().await;
    if args.json {
        println!("{}", serde_json::to_string(&created)?);
    } else {
        print_created(&created);
    }
    Ok(())
}

fn print_created(c: &Created) {
    println!("Created partition {}", c.partition);
    println!("  Partition Administrator: {}", c.admin_username);
    println!("  Users realm issuer:      {}", c.user_issuer);
    println!("  Customers realm issuer:  {}", c.customer_issuer);
    println!("  Automation client id:    {}", c.automation_client_id);
    println!(
        "  Automation secret:       {}   (shown once; store it now)",
        c.automation_client_secret
    );
}

async fn serve(config: Config, dev: bool) -> anyhow::Result<()> {
    init_tracing(config.log_format);
    let addr: SocketAddr = config.listen.parse()?;
    let metrics_addr: Option<SocketAddr> = config
        .metrics
        .listen
        .as_deref()
        .map(str::parse)
        .transpose()?;
    // Before anything is opened or written: a refused start changes nothing.
    let insecure = insecure_urls(&config);
    if !insecure.is_empty() && !config.insecure_public_url {
        anyhow::bail!(
            "plain http on a host other than loopback: {}. Tokens, passwords and cookies would cross the network in clear (OpenID Connect Core §16.17). Put Tessera behind a TLS-terminating proxy and set --public-url https://... (and --api-url, if set); for a closed test network only, set insecure_public_url = true (TESSERA_INSECURE_PUBLIC_URL=true)",
            insecure.join(", ")
        );
    }
    let state = open(config, true).await?;
    tracing::info!(backend = state.store().backend(), "storage ready");
    match state
        .provisioner()
        .complete_key_families(&**state.store())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            families = n,
            "created the signing keys that realms lacked (RS256 for ID tokens: OpenID Connect Core §15.1)"
        ),
        // Another instance starting at the same moment may have created them first.
        Err(e) => tracing::warn!(error = %e, "could not complete the realms' signing key families"),
    }
    if dev {
        dev_partition(&state).await?;
    }
    match tessera_server::ensure_console_clients(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            partitions = n,
            "set up the Administration Console's built-in client for the public URL"
        ),
        // Another instance starting at the same moment may have done it first.
        Err(e) => {
            tracing::warn!(error = %e, "could not set up the Administration Console's client")
        }
    }
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}; is another server running there? pass --listen to choose another address"))?;
    tracing::info!(%addr, public_url = %state.config().public_url, "Tessera is listening");
    if !insecure.is_empty() {
        // OpenID Connect Core §16.17 and RFC 9700 §2.6: issuers and every endpoint are https.
        tracing::warn!(
            urls = %insecure.join(", "),
            "plain http on a host other than loopback: tokens, passwords and cookies cross the network in clear (insecure_public_url is set)"
        );
    }
    let app = tessera_server::router(state.clone());
    let purger = tokio::spawn(runtime::purge_expired(state.clone()));
    let metrics_server = match metrics_addr {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
                format!(
                    "cannot listen on {addr} for metrics; set [metrics] listen to a free address"
                )
            })?;
            tracing::info!(%addr, "serving /metrics on its own listener");
            let app = tessera_server::metrics_router(state.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            }))
        }
        None => None,
    };
    let limits = tessera_server::http_server::ConnectionLimits::from_config(&state.config().http);
    tessera_server::http_server::serve(listener, app, limits, shutdown_signal()).await;
    purger.abort();
    if let Some(m) = metrics_server {
        m.abort();
    }
    tracing::info!("shutting down: writing pending audit events");
    state.close_audit().await;
    Ok(())
}

async fn dev_partition(state: &tessera_server::AppState) -> anyhow::Result<()> {
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Whether the issuers built from `public_url` are fit to leave this machine: https, or plain
/// http only on a loopback host (development) — the rule redirect URLs follow.
fn public_url_is_safe(public_url: &str) -> bool {
    tessera_domain::client::check_redirect_url(public_url).is_ok()
}

/// The configured addresses clients are sent to that break that rule: the public URL (issuers,
/// every OAuth endpoint) and the API URL (the compatibility token endpoints), each named.
fn insecure_urls(config: &Config) -> Vec<String> {
    [
        ("public_url", Some(&config.public_url)),
        ("api_url", config.api_url.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, url)| {
        url.filter(|u| !public_url_is_safe(u))
            .map(|u| format!("{name} {u}"))
    })
    .collect()
}

#[cfg(test)]
mod public_url_tests {
    use super::public_url_is_safe;

    #[test]
    fn only_https_or_loopback_http_is_safe() {
        for safe in [
            "https://auth.example",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(public_url_is_safe(safe), "{safe}");
        }
        for unsafe_url in ["http://auth.example", "http://10.0.0.5:8080", "not a url"] {
            assert!(!public_url_is_safe(unsafe_url), "{unsafe_url}");
        }
    }
}
