//! Opening the parts a process needs: the store chosen by the database URL, the master key, and
//! the application state around them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tessera_domain::clock::SystemClock;
use tessera_domain::store::Store;
use tessera_domain::{Clock, Rng};

use crate::audit_sink::AuditSink;
use crate::cache::TtlCache;
use crate::config::Config;
use crate::crypto::master_key::{MasterKey, MasterKeyError};
use crate::crypto::password::PasswordHasher;
use crate::crypto::password_gate::PasswordGate;
use crate::crypto::rng::SystemRng;
use crate::crypto::secret_hash::SecretHasher;
use crate::state::{AppState, Inner};
use crate::telemetry::Metrics;

/// Why the process could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("database {url}: {message}")]
    Database {
        /// URL without credentials.
        url: String,
        /// What failed.
        message: String,
    },
    /// The master key could not be loaded.
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    /// PostgreSQL needs an explicit, shared master key.
    #[error(
        "with PostgreSQL every instance must share one master key: pass --master-key-file (or TESSERA_MASTER_KEY_FILE) pointing at a file holding 32 random bytes, base64url; create one with `head -c32 /dev/urandom | basenc --base64url | tr -d '=\\n' > master.key`"
    )]
    MasterKeyRequired,
    /// Bad password parameters, or another invalid setting.
    #[error("{0}")]
    Passwords(String),
    /// The metrics token file is missing, unreadable or too short (its content is never shown).
    #[error("metrics.bearer_token_file {path}: {message}")]
    MetricsToken {
        /// File.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The database URL with any password removed, for messages.
#[must_use]
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Opens the store named by `config.database_url` and, when `migrate`, applies pending migrations.
///
/// # Errors
/// When the database cannot be reached or migrated.
pub async fn open_store(config: &Config, migrate: bool) -> Result<Arc<dyn Store>, StartError> {
    let url = &config.database_url;
    let db_err = |e: &dyn std::fmt::Display| StartError::Database {
        url: redact_url(url),
        message: e.to_string(),
    };
    if config.is_postgres() {
        let store = tessera_store_postgres::PgStore::connect(url)
            .await
            .map_err(|e| db_err(&e))?;
        if migrate {
            store.migrate().await.map_err(|e| db_err(&e))?;
        }
        Ok(Arc::new(store))
    } else {
        let store = tessera_store_sqlite::SqliteStore::connect(url)
            .await
            .map_err(|e| db_err(&e))?;
        if migrate {
            store.migrate().await.map_err(|e| db_err(&e))?;
        }
        Ok(Arc::new(store))
    }
}

/// The SQLite database file named by a `sqlite:` URL, if it names a file.
#[must_use]
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Loads the master key. With SQLite and no file configured, `master.key` beside the database
/// is created (mode 0600) or reused; with PostgreSQL a configured, existing file is required.
/// Returns the key and the path it came from.
///
/// # Errors
/// When the key cannot be loaded or created, or PostgreSQL has none configured.
pub fn master_key(
    config: &Config,
    rng: &dyn Rng,
) -> Result<(MasterKey, PathBuf, bool), StartError> {
    match (&config.master_key_file, config.is_postgres()) {
        (Some(path), true) => Ok((MasterKey::load(path)?, path.clone(), false)),
        (None, true) => Err(StartError::MasterKeyRequired),
        (Some(path), false) => {
            let (key, created) = MasterKey::load_or_create(path, rng)?;
            Ok((key, path.clone(), created))
        }
        (None, false) => {
            let dir = sqlite_path(&config.database_url)
                .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            let path = dir.join("master.key");
            let (key, created) = MasterKey::load_or_create(&path, rng)?;
            Ok((key, path, created))
        }
    }
}

/// The shortest metrics token accepted: a scraper's token is generated, never typed.
const MIN_METRICS_TOKEN: usize = 32;

/// The `/metrics` endpoint `config.metrics` asks for, or `None` when metrics are off; `handle`
/// installs the recorder and is only called when they are on.
///
/// # Errors
/// When the token file cannot be read or holds a token shorter than 32 characters.
pub fn metrics(
    config: &Config,
    handle: impl FnOnce() -> Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> Result<Option<Metrics>, StartError> {
    if !config.metrics.enabled() {
        return Ok(None);
    }
    let token = match &config.metrics.bearer_token_file {
        Some(path) => {
            let err = |message: String| StartError::MetricsToken {
                path: path.display().to_string(),
                message,
            };
            let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
            let token = text.trim().to_owned();
            if token.chars().count() < MIN_METRICS_TOKEN {
                return Err(err(format!(
                    "the token must be at least {MIN_METRICS_TOKEN} characters; create one with `head -c32 /dev/urandom | basenc --base64url | tr -d '=\\n' > FILE`"
                )));
            }
            warn_if_readable_by_others(path, "the metrics token file");
            Some(token)
        }
        None => None,
    };
    Ok(handle().map(|h| Metrics::new(h, token.as_deref())))
}

/// Whether group or others may read `path` (never on platforms without Unix modes).
#[must_use]
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Logs a warning, with the command that fixes it, when `path` is readable by group or others.
pub fn warn_if_readable_by_others(path: &Path, what: &str) {
    if readable_by_others(path) {
        tracing::warn!(
            path = %path.display(),
            "{what} is readable by group or others; only the server's user should read it: run `chmod 600 {}`",
            path.display()
        );
    }
}

/// Warns about every file holding secrets that is readable by group or others: the master key,
/// and with SQLite the database and its `-wal`/`-shm` files.
pub fn check_file_permissions(config: &Config, master_key: &Path) {
    warn_if_readable_by_others(master_key, "the master key");
    if let Some(db) = sqlite_path(&config.database_url) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            warn_if_readable_by_others(Path::new(&name), "the database");
        }
    }
}

/// Builds the application state and starts the audit writer.
///
/// # Errors
/// When the password parameters are invalid.
pub fn build_state(
    config: Config,
    store: Arc<dyn Store>,
    master: MasterKey,
    metrics: Option<Metrics>,
) -> Result<AppState, StartError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rng: Arc<dyn Rng> = Arc::new(SystemRng::new());
    build_state_with(config, store, master, metrics, clock, rng)
}

/// [`build_state`] with an explicit clock and rng (tests).
///
/// # Errors
/// When the password parameters are invalid.
pub fn build_state_with(
    config: Config,
    store: Arc<dyn Store>,
    master: MasterKey,
    metrics: Option<Metrics>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Rng>,
) -> Result<AppState, StartError> {
    let gate = PasswordGate::new(
        config.password_concurrency.slots(),
        std::time::Duration::from_millis(config.password_concurrency.wait_ms),
    );
    let passwords = PasswordHasher::new(config.passwords, gate)
        .map_err(|e| StartError::Passwords(e.to_string()))?;
    let audit = AuditSink::start(store.clone());
    let backchannel = crate::backchannel::Backchannel::start(
        &config.logout,
        audit.clone(),
        clock.clone(),
        rng.clone(),
    );
    let known_partitions = Arc::new(crate::known_partitions::KnownPartitions::default());
    let admin_guard = crate::admin_api::auth::admin_guard(
        &config.public_url,
        store.clone(),
        clock.clone(),
        known_partitions.clone(),
    )
    .map_err(|e| StartError::Passwords(format!("admin guard: {e}")))?;
    let anonymous_limiter = crate::rate_limit::RateLimiter::new(
        config.anonymous.requests_per_minute,
        config.anonymous.burst,
    );
    // Several instances share PostgreSQL, so they share the abuse limits' counts through it; a
    // single SQLite process keeps them in memory (docs/operations.md#abuse-limits).
    let rate_counters = Arc::new(crate::rate_window::RateCounters::default());
    let login_backoff = if config.is_postgres() {
        tokio::spawn(crate::rate_window::reconcile_forever(
            rate_counters.clone(),
            store.clone(),
            clock.clone(),
        ));
        crate::login_backoff::LoginBackoff::shared(store.clone())
    } else {
        crate::login_backoff::LoginBackoff::default()
    };
    let state = AppState::new(Inner {
        admin_guard,
        anonymous_limiter,
        login_backoff,
        rate_counters,
        external_keys: crate::jwt::external::ExternalKeys::new(
            config.federation.policy(),
            crate::jwt::clock(&clock),
        ),
        secrets: SecretHasher::new(&master),
        master: Arc::new(master),
        config,
        store,
        clock,
        rng,
        passwords,
        audit,
        backchannel,
        known_partitions,
        partitions: TtlCache::default(),
        clients: TtlCache::default(),
        metrics,
    });
    Ok(state)
}

/// How often expired codes, refresh tokens, sessions and revocations are deleted.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Deletes expired grant and session rows every 15 minutes (`PURGE_EVERY`), for as long as
/// the server runs. Several instances purging at once is harmless: each deletes what the
/// others left.
pub async fn purge_expired(state: AppState) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Rows are kept one access-token lifetime past their expiry, so a code replayed that
        // late is still recognised as a replay and still revokes what it issued.
        let margin = time::Duration::seconds(i64::from(state.config.tokens.access_token_ttl));
        match state
            .store
            .purge_expired_grants(state.clock.now() - margin)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired codes, tokens and sessions"),
            Err(e) => tracing::warn!(error = %e, "purging expired grants failed; will retry"),
        }
        // Rate windows are a minute long; back-off entries are forgotten an hour after their
        // last attempt (tessera_domain::limits).
        let now = state.clock.now();
        let windows = state
            .store
            .purge_rate_counts(now - time::Duration::minutes(2))
            .await;
        let attempts = state
            .store
            .purge_login_attempts(now - tessera_domain::limits::FORGET_AFTER)
            .await;
        if let Err(e) = windows.and(attempts) {
            tracing::warn!(error = %e, "purging rate counters and login attempts failed; will retry");
        }
    }
}
