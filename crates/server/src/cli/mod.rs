//! The `tessera` binary's commands, one module each. They belong to the binary, not to the
//! `tessera_server` library: each reads the command line, opens what it needs through
//! [`tessera_server::runtime`] and prints for the person at the terminal.

pub(crate) mod args;
pub(crate) mod backup;
pub(crate) mod dev;
pub(crate) mod keys;
pub(crate) mod partition;
pub(crate) mod serve;

use std::path::Path;

use tessera_server::config::{Config, LogFormat, Overrides};
use tessera_server::runtime;

use args::Common;

/// The configuration: file, then environment, then the command line's options.
pub(crate) fn load_config(
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

/// Logs go to standard error, so what a command prints on standard output stays parseable.
pub(crate) fn init_tracing(format: LogFormat) {
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

/// `tessera migrate`: opening the store applies pending migrations.
pub(crate) async fn migrate(file: Option<&Path>, common: &Common) -> anyhow::Result<()> {
    let config = load_config(file, common, None)?;
    init_tracing(config.log_format);
    runtime::open_store(&config, true).await?;
    eprintln!(
        "database {} is up to date",
        runtime::redact_url(&config.database_url)
    );
    Ok(())
}

/// Opens the store and builds the state; `serving` also sets up metrics (`tessera serve`).
pub(crate) async fn open(
    config: Config,
    serving: bool,
) -> anyhow::Result<tessera_server::AppState> {
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
