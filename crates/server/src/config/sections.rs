//! The configuration's sections (`[tokens]`, `[proxy]`, `[logout]`, …): each with its defaults,
//! bounds and the reason it exists.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tessera_domain::signing_key::SigningAlg;

use crate::cidr::Cidr;
use crate::forwarded::ForwardedHeader;

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
    /// Sustained requests a minute per address; also the most per UTC minute across all
    /// instances (or `burst`, when larger).
    pub requests_per_minute: u32,
    /// Burst allowance per address (per instance).
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
    /// Token requests a client may make per UTC minute, across all instances (0: no limit).
    /// Generous by default: it stops a runaway client, not ordinary traffic.
    pub token_requests_per_minute: u32,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            max_secrets: tessera_domain::secret::DEFAULT_MAX_SECRETS,
            token_requests_per_minute: 6000,
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
    /// Time a client has to send a request's headers, and an idle keep-alive connection stays
    /// open (slowloris clients are cut off here: `http_server.rs`).
    pub header_read_timeout_secs: u64,
    /// Connections served at once; more wait in the listen backlog until one closes.
    pub max_connections: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 64 * 1024,
            import_limit_bytes: 5 * 1024 * 1024,
            request_timeout_secs: 30,
            header_read_timeout_secs: 10,
            max_connections: 4096,
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
