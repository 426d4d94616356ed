//! The reference configuration file (`tessera config example`, committed as
//! `config.example.toml`): every key with its default, its environment variable and what it does.

use super::Config;

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
        (
            "clients.token_requests_per_minute",
            "Token requests a client application may make per UTC minute (counted after it authenticates), across all instances; past it 429 with Retry-After and X-RateLimit-*. 0: no limit.",
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
            "http.header_read_timeout_secs",
            "Time a client has to send a request's headers; idle keep-alive connections close after it too.",
        ),
        (
            "http.max_connections",
            "Connections served at once; more wait in the listen backlog.",
        ),
        (
            "signing.algorithm",
            "Algorithm of new signing keys: ES256, RS256 or EdDSA. It signs access tokens; each realm also keeps an RS256 key family, the default for ID tokens.",
        ),
        (
            "anonymous.requests_per_minute",
            "Anonymous-customer tokens a minute per source address (the endpoint needs no credentials); also the most per UTC minute across all instances (or burst, if larger), past which 429 with Retry-After and X-RateLimit-*.",
        ),
        (
            "anonymous.burst",
            "Anonymous-customer burst allowance per source address, per instance (refills at requests_per_minute).",
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
