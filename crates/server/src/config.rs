//! One typed configuration, layered: built-in defaults, then the TOML file (`--config` or
//! `TESSERA_CONFIG`), then `TESSERA_*` environment variables (nested keys with `__`, e.g.
//! `TESSERA_TOKENS__ACCESS_TOKEN_TTL`), then command-line flags. Later layers win, so a container
//! can override a shipped file with its environment and an operator can override both by hand.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tessera_domain::signing_key::SigningAlg;

use crate::cidr::Cidr;
use crate::crypto::password::PasswordParams;
use crate::forwarded::ForwardedHeader;

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

/// Reverse proxies whose forwarding header names the client. Behind a proxy every connection
/// comes from the proxy, so without this the login back-off and the anonymous endpoint's rate
/// limit would treat all clients as one address; with it, a client that connects directly can
/// still not choose its address by sending the header itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// Peers (CIDR blocks) whose forwarding header is believed.
    #[serde(deserialize_with = "crate::cidr::deserialize_list")]
    pub trusted_proxies: Vec<Cidr>,
    /// The header those proxies append the client's address to.
    pub client_address_header: ForwardedHeader,
}

impl ProxyConfig {
    /// Whether `ip` is a trusted proxy.
    #[must_use]
    pub fn trusts(&self, ip: std::net::IpAddr) -> bool {
        self.trusted_proxies.iter().any(|c| c.contains(ip))
    }
}

/// Each Argon2id computation holds `passwords.memory_kib` of memory and a core for tens of
/// milliseconds, so they are limited: a burst of sign-ins waits briefly for a slot and is then
/// refused with 503 and `Retry-After`, instead of growing memory with the burst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordConcurrencyConfig {
    /// Computations at once; unset: one per CPU core.
    pub limit: Option<u32>,
    /// How long a request waits for a slot before it is refused, milliseconds.
    pub wait_ms: u64,
}

impl Default for PasswordConcurrencyConfig {
    fn default() -> Self {
        Self {
            limit: None,
            wait_ms: 1000,
        }
    }
}

impl PasswordConcurrencyConfig {
    /// The number of slots: the configured limit, or the CPU cores.
    #[must_use]
    pub fn slots(&self) -> usize {
        match self.limit {
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        }
    }
}

/// Identity providers' `jwks_uri` is chosen by whoever administers a partition, and Tessera
/// fetches it from inside the deployment: only public addresses are contacted, so a
/// registration cannot reach services on the host or its private network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// Also allow loopback (127.0.0.0/8, `::1`, `localhost`, and plain http to them) for an
    /// identity provider running on the same machine. Development and tests only: unsafe in
    /// production, where it exposes every service listening on the host.
    pub allow_loopback: bool,
}

impl FederationConfig {
    /// The address policy of outbound fetches.
    #[must_use]
    pub const fn policy(self) -> tessera_domain::address::OutboundPolicy {
        tessera_domain::address::OutboundPolicy {
            allow_loopback: self.allow_loopback,
        }
    }
}

/// When a session ends, Tessera POSTs a logout token to each application that took part in it
/// and registered a `backchannel_logout_uri` (OpenID Connect Back-Channel Logout 1.0 §2.5),
/// off the request path: a bounded queue feeds a limited number of deliveries at once, each
/// retried with back-off within a deadline. The URI is chosen by whoever administers a
/// partition, so it is contacted under the same address rules as identity providers' JWKS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogoutConfig {
    /// Also allow loopback (127.0.0.0/8, `::1`, `localhost`, and plain http to them), for a
    /// relying party on the same machine. Development and tests only.
    pub allow_loopback: bool,
    /// Attempts per delivery (the first included).
    pub attempts: u32,
    /// How long one attempt may take, connection included, milliseconds.
    pub attempt_timeout_ms: u64,
    /// The wait before the second attempt, milliseconds; it doubles before each further one.
    pub retry_backoff_ms: u64,
    /// No attempt starts later than this after the session ended, seconds.
    pub deadline_secs: u64,
    /// Deliveries waiting at most; beyond, new ones are dropped with a warning.
    pub queue_capacity: usize,
    /// Deliveries in flight at once.
    pub max_in_flight: usize,
}

impl Default for LogoutConfig {
    fn default() -> Self {
        Self {
            allow_loopback: false,
            attempts: 3,
            attempt_timeout_ms: 5_000,
            retry_backoff_ms: 1_000,
            deadline_secs: 30,
            queue_capacity: 1_024,
            max_in_flight: 16,
        }
    }
}

impl LogoutConfig {
    /// The address policy of logout deliveries.
    #[must_use]
    pub const fn policy(&self) -> tessera_domain::address::OutboundPolicy {
        tessera_domain::address::OutboundPolicy {
            allow_loopback: self.allow_loopback,
        }
    }
}

/// `/metrics` tells anyone who can read it the traffic, error rates and partitions of the
/// deployment, so it is off unless configured: on a separate address (`listen`, for a
/// scraper on an internal network; the main listener then does not serve it) and/or behind a
/// bearer token (`bearer_token_file`; with no `listen` it is then served on the main listener).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Socket address of a listener serving only `/metrics`.
    pub listen: Option<String>,
    /// File holding the token a scraper must send as `Authorization: Bearer`.
    pub bearer_token_file: Option<PathBuf>,
}

impl MetricsConfig {
    /// Whether metrics are collected and served at all.
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.listen.is_some() || self.bearer_token_file.is_some()
    }

    /// Whether the main listener serves `/metrics` (only behind a token, and only when no
    /// separate listener is configured).
    #[must_use]
    pub fn on_main_listener(&self) -> bool {
        self.listen.is_none() && self.bearer_token_file.is_some()
    }
}

/// The anonymous-customer endpoint needs no credentials, so it is limited per source address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnonymousConfig {
    /// Sustained requests a minute per address.
    pub requests_per_minute: u32,
    /// Burst allowance per address.
    pub burst: u32,
}

impl Default for AnonymousConfig {
    fn default() -> Self {
        Self {
            requests_per_minute: 120,
            burst: 30,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Token lifetimes in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    /// Access tokens (except token exchange, which uses the client's setting) and ID tokens.
    pub access_token_ttl: u32,
    /// Authorization codes (single use).
    pub authorization_code_ttl: u32,
    /// Refresh tokens, sliding: each rotation starts this period again.
    pub refresh_token_ttl: u32,
    /// Refresh token families, absolute: no rotation extends a family past this age.
    pub refresh_token_absolute_ttl: u32,
    /// Browser single sign-on sessions.
    pub session_ttl: u32,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            access_token_ttl: 3600,
            authorization_code_ttl: 60,
            refresh_token_ttl: 30 * 86_400,
            refresh_token_absolute_ttl: 90 * 86_400,
            session_ttl: 10 * 3600,
        }
    }
}

/// Client application limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientConfig {
    /// Unexpired secrets a client may hold at once.
    pub max_secrets: u32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            max_secrets: tessera_domain::secret::DEFAULT_MAX_SECRETS,
        }
    }
}

/// HTTP limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest request body accepted, bytes (OpenAPI imports may need more: see `import_limit_bytes`).
    pub body_limit_bytes: usize,
    /// Largest OpenAPI document accepted by the import endpoint, bytes.
    pub import_limit_bytes: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 64 * 1024,
            import_limit_bytes: 5 * 1024 * 1024,
            request_timeout_secs: 30,
        }
    }
}

/// Signing keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SigningConfig {
    /// Algorithm for new keys: `ES256`, `RS256` or `EdDSA`. It signs access tokens; realms also
    /// keep an RS256 key family for ID tokens (docs/flows/authorization-code.md).
    pub algorithm: SigningAlg,
}

impl Default for SigningConfig {
    fn default() -> Self {
        Self {
            algorithm: SigningAlg::ES256,
        }
    }
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

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// `TESSERA_*` names that are not configuration: the configuration file's path, the log
/// filter, the test suite's (`TESSERA_TEST_*`), and what the examples in `examples/` and their
/// end-to-end drivers read, so a shell set up to run an example can still start the server.
const NOT_CONFIGURATION: &[&str] = &[
    "CONFIG",
    "LOG",
    "ISSUER",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "SPA_CLIENT_ID",
    "SPA_SCOPE",
    "USERNAME",
    "PASSWORD",
];

fn is_not_configuration(rest: &str) -> bool {
    NOT_CONFIGURATION.contains(&rest) || rest.starts_with("TEST_")
}

/// `TESSERA_A__B=v` → `{a = {b = v}}`; values parse as TOML scalars when they can
/// (`3600` → integer, `true` → boolean), else as strings.
fn env_table(env: impl IntoIterator<Item = (String, String)>) -> toml::Table {
    let mut out = toml::Table::new();
    for (key, value) in env {
        let Some(rest) = key.strip_prefix("TESSERA_") else {
            continue;
        };
        if rest.is_empty() || is_not_configuration(rest) {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        let parsed = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .filter(|v| !v.is_table() && !v.is_array())
            .unwrap_or(toml::Value::String(value));
        let mut cur = &mut out;
        for (i, seg) in path.iter().enumerate() {
            if i + 1 == path.len() {
                cur.insert(seg.clone(), parsed.clone());
            } else {
                let entry = cur
                    .entry(seg.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if !entry.is_table() {
                    *entry = toml::Value::Table(toml::Table::new());
                }
                let toml::Value::Table(t) = entry else { break };
                cur = t;
            }
        }
    }
    out
}

/// The reference configuration file: every key with its default and environment variable.
#[must_use]
pub fn reference() -> String {
    let docs: &[(&str, &str)] = &[
        ("listen", "Socket address to listen on."),
        (
            "public_url",
            "Where Tessera is reached; realm issuers are {public_url}/system/auth/{partition}-U|C.",
        ),
        (
            "api_url",
            "The API domain (token audiences, permission prefix, compatibility endpoints). Defaults to public_url.",
        ),
        (
            "insecure_public_url",
            "UNSAFE: let `serve` start with a plain-http public_url on a host other than loopback (OpenID Connect Core §16.17 requires TLS). Off, such a public_url is refused at start.",
        ),
        (
            "database_url",
            "sqlite://PATH (created if missing, WAL) or postgres://USER@HOST:PORT/DB.",
        ),
        (
            "master_key_file",
            "File with the master key (32 random bytes, base64url). Created beside a SQLite database when absent; required with PostgreSQL.",
        ),
        ("log_format", "\"text\" or \"json\"."),
        (
            "tokens.access_token_ttl",
            "Access token lifetime, seconds (60-86400).",
        ),
        (
            "tokens.authorization_code_ttl",
            "Authorization code lifetime, seconds (10-600); codes are single use.",
        ),
        (
            "tokens.refresh_token_ttl",
            "Refresh token sliding lifetime, seconds: every rotation restarts it.",
        ),
        (
            "tokens.refresh_token_absolute_ttl",
            "Refresh token family absolute lifetime, seconds: rotation never extends past it.",
        ),
        (
            "tokens.session_ttl",
            "Browser sign-in (SSO) session lifetime, seconds.",
        ),
        (
            "clients.max_secrets",
            "Unexpired secrets a client application may hold at once.",
        ),
        ("passwords.memory_kib", "Argon2id memory cost, KiB."),
        ("passwords.iterations", "Argon2id iterations."),
        ("passwords.parallelism", "Argon2id lanes."),
        ("http.body_limit_bytes", "Largest request body accepted."),
        (
            "http.import_limit_bytes",
            "Largest OpenAPI document accepted by the catalog import.",
        ),
        (
            "http.request_timeout_secs",
            "Requests running longer are answered 408.",
        ),
        (
            "signing.algorithm",
            "Algorithm of new signing keys: ES256, RS256 or EdDSA. It signs access tokens; each realm also keeps an RS256 key family, the default for ID tokens.",
        ),
        (
            "anonymous.requests_per_minute",
            "Anonymous-customer tokens a minute per source address (the endpoint needs no credentials).",
        ),
        (
            "anonymous.burst",
            "Anonymous-customer burst allowance per source address.",
        ),
        (
            "proxy.trusted_proxies",
            "Reverse proxies whose client_address_header is believed, as CIDR blocks (a bare address is one host), e.g. [\"10.0.0.0/8\"]. From them, the client (login back-off, anonymous rate limit, audit log) is the header's rightmost address that is not a trusted proxy; from any other peer the header is ignored. In the environment: comma-separated.",
        ),
        (
            "proxy.client_address_header",
            "The header the trusted proxies append the client to: \"x-forwarded-for\" or \"forwarded\" (RFC 7239). Only this one is read, since a proxy passes the other through from the client.",
        ),
        (
            "password_concurrency.limit",
            "Password hashes and verifications (Argon2id, passwords.memory_kib each) at once; unset: one per CPU core. Beyond it, login pages and the admin API answer 503 with Retry-After.",
        ),
        (
            "password_concurrency.wait_ms",
            "How long a request waits for a free slot before that 503, milliseconds (0-10000).",
        ),
        (
            "federation.allow_loopback",
            "UNSAFE outside development: let identity providers' jwks_uri reach loopback (127.0.0.0/8, ::1, localhost; plain http allowed there). Off, only public addresses are fetched from.",
        ),
        (
            "metrics.listen",
            "Address of a separate listener serving only /metrics (e.g. 127.0.0.1:9100); the main listener then does not serve it. Metrics are off unless this or bearer_token_file is set.",
        ),
        (
            "metrics.bearer_token_file",
            "File holding a token (at least 32 characters) that /metrics requires as Authorization: Bearer; without metrics.listen, /metrics is then served on the main listener.",
        ),
        (
            "logout.allow_loopback",
            "UNSAFE outside development: let back-channel logout tokens be delivered to loopback (127.0.0.0/8, ::1, localhost; plain http allowed there). Off, only public addresses are contacted.",
        ),
        (
            "logout.attempts",
            "Attempts to deliver one back-channel logout token (1-10); a 200 or 204 answer ends them.",
        ),
        (
            "logout.attempt_timeout_ms",
            "How long one delivery attempt may take, connection included, milliseconds (100-60000).",
        ),
        (
            "logout.retry_backoff_ms",
            "Wait before the second attempt, milliseconds; it doubles before each further one.",
        ),
        (
            "logout.deadline_secs",
            "No attempt starts later than this after the session ended, seconds (1-600).",
        ),
        (
            "logout.queue_capacity",
            "Deliveries waiting at most; when full, new ones are dropped with a warning in the log.",
        ),
        (
            "logout.max_in_flight",
            "Deliveries in progress at once (1-1000).",
        ),
    ];
    let defaults = toml::Table::try_from(Config::default()).unwrap_or_default();
    let mut out = String::from(
        "# Tessera configuration reference (generated by `tessera config example`; do not edit by hand).\n\
         # Layers, later wins: defaults < this file (--config / TESSERA_CONFIG) < TESSERA_* env < flags.\n\
         # Nested keys use a double underscore in the environment: tokens.access_token_ttl = TESSERA_TOKENS__ACCESS_TOKEN_TTL.\n",
    );
    let mut section = "";
    for (key, doc) in docs {
        let (sec, name) = key.split_once('.').unwrap_or(("", key));
        if sec != section {
            out.push_str(&format!("\n[{sec}]\n"));
            section = sec;
        } else {
            out.push('\n');
        }
        let value = if sec.is_empty() {
            defaults.get(name)
        } else {
            defaults.get(sec).and_then(|t| t.get(name))
        };
        let env = format!("TESSERA_{}", key.replace('.', "__").to_ascii_uppercase());
        out.push_str(&format!("# {doc}\n# env: {env}\n"));
        match value {
            Some(v) => out.push_str(&format!("{name} = {v}\n")),
            None => out.push_str(&format!("# {name} = (unset)\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(
            &file,
            "public_url = \"https://file.example\"\n[tokens]\naccess_token_ttl = 600\n",
        )
        .unwrap();
        let env = vec![
            (
                "TESSERA_TOKENS__ACCESS_TOKEN_TTL".to_owned(),
                "900".to_owned(),
            ),
            ("TESSERA_LOG_FORMAT".to_owned(), "json".to_owned()),
            ("OTHER".to_owned(), "x".to_owned()),
            (
                "TESSERA_TEST_POSTGRES_URL".to_owned(),
                "postgres://elsewhere".to_owned(),
            ),
        ];
        let o = Overrides {
            listen: Some("0.0.0.0:9000".into()),
            ..Default::default()
        };
        let c = Config::load(Some(&file), env, &o).unwrap();
        assert_eq!(c.public_url, "https://file.example");
        assert_eq!(c.tokens.access_token_ttl, 900);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.api_url(), "https://file.example");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(&file, "lissen = \"x\"\n").unwrap();
        assert!(Config::load(Some(&file), vec![], &Overrides::default()).is_err());
        let env = vec![(
            "TESSERA_TOKENS__ACCESS_TOKEN_TTL".to_owned(),
            "ten".to_owned(),
        )];
        assert!(Config::load(None, env, &Overrides::default()).is_err());
        let o = Overrides {
            public_url: Some("not a url".into()),
            ..Default::default()
        };
        assert!(Config::load(None, vec![], &o).is_err());
    }

    #[test]
    fn unknown_environment_variables_are_refused() {
        let load = |name: &str| {
            Config::load(
                None,
                vec![(name.to_owned(), "x".to_owned())],
                &Overrides::default(),
            )
        };
        let e = load("TESSERA_PUBLIK_URL").unwrap_err().to_string();
        assert!(
            e.contains("TESSERA_PUBLIK_URL") && e.contains("config example"),
            "{e}"
        );
        let e = load("TESSERA_TOKENS__ACCES_TOKEN_TTL")
            .unwrap_err()
            .to_string();
        assert!(e.contains("acces_token_ttl"), "{e}");
        // What other tools read is not configuration, and not an error.
        for other in [
            "TESSERA_CONFIG",
            "TESSERA_LOG",
            "TESSERA_TEST_POSTGRES_URL",
            "TESSERA_ISSUER",
            "TESSERA_SPA_CLIENT_ID",
            "OTHER",
        ] {
            assert!(load(other).is_ok(), "{other}");
        }
    }

    #[test]
    fn trusted_proxies_are_checked_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(
            &file,
            "[proxy]\ntrusted_proxies = [\"10.0.0.0/8\", \"10.0.0/8\"]\n",
        )
        .unwrap();
        let e = Config::load(Some(&file), vec![], &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"10.0.0/8\" is not a CIDR block such as 10.0.0.0/8"),
            "{e}"
        );
        let env = vec![(
            "TESSERA_PROXY__TRUSTED_PROXIES".to_owned(),
            "10.0.0.0/8, 2001:db8::/32".to_owned(),
        )];
        let c = Config::load(None, env, &Overrides::default()).unwrap();
        assert!(c.proxy.trusts("10.1.2.3".parse().unwrap()));
        assert!(c.proxy.trusts("2001:db8::1".parse().unwrap()));
        assert!(!c.proxy.trusts("192.0.2.1".parse().unwrap()));
        assert!(Config::default().proxy.trusted_proxies.is_empty());
    }

    #[test]
    fn loopback_fetches_are_off_unless_switched_on() {
        let c = Config::load(None, vec![], &Overrides::default()).unwrap();
        assert!(!c.federation.policy().allow_loopback);
        let env = vec![(
            "TESSERA_FEDERATION__ALLOW_LOOPBACK".to_owned(),
            "true".to_owned(),
        )];
        let c = Config::load(None, env, &Overrides::default()).unwrap();
        assert!(c.federation.policy().allow_loopback);
    }

    #[test]
    fn logout_delivery_has_sane_defaults_and_bounds() {
        let c = Config::load(None, vec![], &Overrides::default()).unwrap();
        assert!(
            !c.logout.policy().allow_loopback,
            "loopback is off by default"
        );
        assert_eq!(c.logout.attempts, 3);
        assert!(
            u64::from(c.logout.attempts) * c.logout.attempt_timeout_ms / 1000
                <= c.logout.deadline_secs
        );
        for (key, bad) in [
            ("TESSERA_LOGOUT__ATTEMPTS", "0"),
            ("TESSERA_LOGOUT__ATTEMPT_TIMEOUT_MS", "10"),
            ("TESSERA_LOGOUT__DEADLINE_SECS", "0"),
            ("TESSERA_LOGOUT__QUEUE_CAPACITY", "0"),
            ("TESSERA_LOGOUT__MAX_IN_FLIGHT", "0"),
        ] {
            let env = vec![(key.to_owned(), bad.to_owned())];
            assert!(
                Config::load(None, env, &Overrides::default()).is_err(),
                "{key}={bad}"
            );
        }
        let env = vec![(
            "TESSERA_LOGOUT__ALLOW_LOOPBACK".to_owned(),
            "true".to_owned(),
        )];
        let c = Config::load(None, env, &Overrides::default()).unwrap();
        assert!(c.logout.policy().allow_loopback);
    }

    #[test]
    fn metrics_are_off_unless_configured() {
        let c = Config::default();
        assert!(!c.metrics.enabled() && !c.metrics.on_main_listener());
        let env = vec![(
            "TESSERA_METRICS__BEARER_TOKEN_FILE".to_owned(),
            "/run/secrets/metrics".to_owned(),
        )];
        let c = Config::load(None, env, &Overrides::default()).unwrap();
        assert!(c.metrics.enabled() && c.metrics.on_main_listener());
        let env = vec![(
            "TESSERA_METRICS__LISTEN".to_owned(),
            "127.0.0.1:9100".to_owned(),
        )];
        let c = Config::load(None, env, &Overrides::default()).unwrap();
        assert!(c.metrics.enabled() && !c.metrics.on_main_listener());
        for bad in ["nowhere", "127.0.0.1:8080"] {
            let env = vec![("TESSERA_METRICS__LISTEN".to_owned(), bad.to_owned())];
            assert!(
                Config::load(None, env, &Overrides::default()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn committed_reference_is_current() {
        let committed = include_str!("../../../config.example.toml");
        assert_eq!(
            committed,
            reference(),
            "run `cargo run -p tessera-server -- config example > config.example.toml`"
        );
    }
}
