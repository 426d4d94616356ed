//! One typed configuration, layered: built-in defaults, then the TOML file (`--config` or
//! `TESSERA_CONFIG`), then `TESSERA_*` environment variables (nested keys with `__`, e.g.
//! `TESSERA_TOKENS__ACCESS_TOKEN_TTL`), then command-line flags. Later layers win, so a container
//! can override a shipped file with its environment and an operator can override both by hand.

mod layers;
mod reference;
mod sections;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::crypto::password::PasswordParams;
use layers::{env_table, merge};
pub use reference::reference;
pub use sections::{
    AnonymousConfig, ClientConfig, FederationConfig, HttpConfig, LogFormat, LogoutConfig,
    MetricsConfig, PasswordConcurrencyConfig, ProxyConfig, SigningConfig, TokenConfig,
};

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Socket address to listen on.
    pub listen: String,
    /// Where Tessera is reached; issuers are built from it.
    pub public_url: String,
    /// The API domain (defaults to `public_url`).
    pub api_url: Option<String>,
    /// Let `serve` run with a plain-http `public_url` on a host other than loopback (tokens and
    /// passwords in clear on the network: for a closed test network only).
    pub insecure_public_url: bool,
    /// `sqlite://PATH` (created if missing) or `postgres://...`.
    pub database_url: String,
    /// File holding the master key; created beside a SQLite database when absent.
    pub master_key_file: Option<PathBuf>,
    /// `text` or `json` logs.
    pub log_format: LogFormat,
    /// Token lifetimes.
    pub tokens: TokenConfig,
    /// Client application limits.
    pub clients: ClientConfig,
    /// Argon2id parameters for user and customer passwords.
    pub passwords: PasswordParams,
    /// HTTP limits.
    pub http: HttpConfig,
    /// Signing keys.
    pub signing: SigningConfig,
    /// The anonymous-customer token endpoint.
    pub anonymous: AnonymousConfig,
    /// Reverse proxies in front of Tessera.
    pub proxy: ProxyConfig,
    /// How many passwords are hashed or verified at once.
    pub password_concurrency: PasswordConcurrencyConfig,
    /// Fetches from external identity providers.
    pub federation: FederationConfig,
    /// Where Prometheus metrics are served, and to whom.
    pub metrics: MetricsConfig,
    /// Back-channel logout deliveries to client applications.
    pub logout: LogoutConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            api_url: None,
            insecure_public_url: false,
            database_url: "sqlite://tessera.db".to_owned(),
            master_key_file: None,
            log_format: LogFormat::Text,
            tokens: TokenConfig::default(),
            clients: ClientConfig::default(),
            passwords: PasswordParams::default(),
            http: HttpConfig::default(),
            signing: SigningConfig::default(),
            anonymous: AnonymousConfig::default(),
            proxy: ProxyConfig::default(),
            password_concurrency: PasswordConcurrencyConfig::default(),
            federation: FederationConfig::default(),
            metrics: MetricsConfig::default(),
            logout: LogoutConfig::default(),
        }
    }
}

/// Why the configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The merged configuration is not valid.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Overrides from command-line flags; `None` keeps the layered value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<String>,
    /// `--public-url`.
    pub public_url: Option<String>,
    /// `--api-url`.
    pub api_url: Option<String>,
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--master-key-file`.
    pub master_key_file: Option<PathBuf>,
}

impl Config {
    /// Builds the configuration from the layers.
    ///
    /// # Errors
    /// When the file is unreadable, a value has the wrong type, a key is unknown, or a value is
    /// out of range.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut table = toml::Table::try_from(Self::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.display().to_string(),
                source,
            })?;
            let file_table: toml::Table = text
                .parse()
                .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))?;
            merge(&mut table, file_table);
        }
        // Every TESSERA_* variable is configuration except the few other tools read
        // ([`NOT_CONFIGURATION`]): a misspelt one is an error, as an unknown key in the file is,
        // rather than a setting silently not applied.
        let env = env_table(env);
        if let Some(unknown) = env
            .keys()
            .find(|k| !table.contains_key(*k) && *k != "api_url" && *k != "master_key_file")
        {
            return Err(ConfigError::Invalid(format!(
                "unknown environment variable TESSERA_{}: there is no configuration key `{unknown}` \
                 (`tessera config example` lists every key and its variable; TESSERA_CONFIG, \
                 TESSERA_LOG and TESSERA_TEST_* are the only other names Tessera reads)",
                unknown.to_ascii_uppercase()
            )));
        }
        merge(&mut table, env);
        let mut config: Self = table.try_into_config()?;
        if let Some(v) = &overrides.listen {
            config.listen.clone_from(v);
        }
        if let Some(v) = &overrides.public_url {
            config.public_url.clone_from(v);
        }
        if let Some(v) = &overrides.api_url {
            config.api_url = Some(v.clone());
        }
        if let Some(v) = &overrides.database_url {
            config.database_url.clone_from(v);
        }
        if let Some(v) = &overrides.master_key_file {
            config.master_key_file = Some(v.clone());
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks values that types cannot.
    ///
    /// # Errors
    /// The first invalid value, with what is accepted.
    pub fn validate(&mut self) -> Result<(), ConfigError> {
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
        if let Some(a) = &mut self.api_url {
            *a = a.trim_end_matches('/').to_owned();
        }
        for (name, value) in [
            ("public_url", Some(&self.public_url)),
            ("api_url", self.api_url.as_ref()),
        ] {
            if let Some(v) = value {
                let u = url::Url::parse(v).map_err(|e| {
                    ConfigError::Invalid(format!("{name} {v:?} is not an absolute URL: {e}"))
                })?;
                if !matches!(u.scheme(), "http" | "https")
                    || u.query().is_some()
                    || u.fragment().is_some()
                {
                    return Err(ConfigError::Invalid(format!(
                        "{name} must be an http(s) URL without query or fragment"
                    )));
                }
            }
        }
        self.listen.parse::<std::net::SocketAddr>().map_err(|_| {
            ConfigError::Invalid(format!(
                "listen {:?} must be an address:port such as 127.0.0.1:8080",
                self.listen
            ))
        })?;
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid(
                "database_url must start with sqlite:// or postgres://".into(),
            ));
        }
        if !(60..=86_400).contains(&self.tokens.access_token_ttl) {
            return Err(ConfigError::Invalid(
                "tokens.access_token_ttl must be 60 to 86400 seconds".into(),
            ));
        }
        if !(10..=600).contains(&self.tokens.authorization_code_ttl) {
            return Err(ConfigError::Invalid(
                "tokens.authorization_code_ttl must be 10 to 600 seconds".into(),
            ));
        }
        if self.tokens.refresh_token_ttl < 60
            || self.tokens.refresh_token_absolute_ttl < self.tokens.refresh_token_ttl
        {
            return Err(ConfigError::Invalid(
                "tokens.refresh_token_ttl must be at least 60 seconds and at most tokens.refresh_token_absolute_ttl".into(),
            ));
        }
        if !(60..=30 * 86_400).contains(&self.tokens.session_ttl) {
            return Err(ConfigError::Invalid(
                "tokens.session_ttl must be 60 seconds to 30 days".into(),
            ));
        }
        if let Some(m) = &self.metrics.listen {
            let addr = m.parse::<std::net::SocketAddr>().map_err(|_| {
                ConfigError::Invalid(format!(
                    "metrics.listen {m:?} must be an address:port such as 127.0.0.1:9100"
                ))
            })?;
            if self.listen.parse::<std::net::SocketAddr>().ok() == Some(addr) {
                return Err(ConfigError::Invalid(
                    "metrics.listen must differ from listen: it is a separate listener".into(),
                ));
            }
        }
        if !(1..=300).contains(&self.http.header_read_timeout_secs) {
            return Err(ConfigError::Invalid(
                "http.header_read_timeout_secs must be 1 to 300 seconds".into(),
            ));
        }
        if !(1..=1_000_000).contains(&self.http.max_connections) {
            return Err(ConfigError::Invalid(
                "http.max_connections must be 1 to 1000000".into(),
            ));
        }
        if !(1..=10).contains(&self.clients.max_secrets) {
            return Err(ConfigError::Invalid(
                "clients.max_secrets must be 1 to 10".into(),
            ));
        }
        if self.password_concurrency.limit == Some(0) || self.password_concurrency.wait_ms > 10_000
        {
            return Err(ConfigError::Invalid(
                "password_concurrency.limit must be at least 1 (or unset for one per CPU core) and password_concurrency.wait_ms at most 10000".into(),
            ));
        }
        let l = &self.logout;
        if !(1..=10).contains(&l.attempts)
            || !(100..=60_000).contains(&l.attempt_timeout_ms)
            || l.retry_backoff_ms > 60_000
            || !(1..=600).contains(&l.deadline_secs)
            || !(1..=1_000_000).contains(&l.queue_capacity)
            || !(1..=1_000).contains(&l.max_in_flight)
        {
            return Err(ConfigError::Invalid(
                "logout: attempts must be 1 to 10, attempt_timeout_ms 100 to 60000, retry_backoff_ms at most 60000, deadline_secs 1 to 600, queue_capacity 1 to 1000000 and max_in_flight 1 to 1000".into(),
            ));
        }
        Ok(())
    }

    /// The API domain.
    #[must_use]
    pub fn api_url(&self) -> &str {
        self.api_url.as_deref().unwrap_or(&self.public_url)
    }

    /// Whether the database is PostgreSQL.
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

trait IntoConfig {
    fn try_into_config(self) -> Result<Config, ConfigError>;
}

impl IntoConfig for toml::Table {
    fn try_into_config(self) -> Result<Config, ConfigError> {
        toml::Value::Table(self)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().to_owned()))
    }
}
