//! Client applications and the rules for registering and changing them
//! (docs/product.md#client-applications).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{ClientId, PartitionId};
use crate::signing_key::SigningAlg;
use crate::validation::FieldErrors;

pub mod edits;
pub mod flows;
pub mod revision;
pub mod search;

/// Where the application runs, which decides whether it can keep a secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// A confidential server-side application with secrets.
    Web,
    /// A public browser application: no secret, PKCE S256 required.
    Spa,
}

impl Platform {
    /// Stored and wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Spa => "spa",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "web" => Some(Self::Web),
            "spa" => Some(Self::Spa),
            _ => None,
        }
    }
}

/// The console's Resource Type; the platform offers only `global`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    /// The only type.
    #[default]
    Global,
}

/// Lowest Access Token Expiry Time, seconds.
pub const MIN_ACCESS_TOKEN_TTL: u32 = 300;
/// Highest Access Token Expiry Time, seconds.
pub const MAX_ACCESS_TOKEN_TTL: u32 = 86_400;
/// Default Access Token Expiry Time, seconds.
pub const DEFAULT_ACCESS_TOKEN_TTL: u32 = 3_600;
/// Most redirect URLs (of each list) a client may register.
pub const MAX_REDIRECT_URLS: usize = 20;
/// The ID token algorithm of a client that chose none: RS256, the one every OpenID Provider
/// must support and every relying party assumes by default (OIDC Core §15.1, OpenID Connect
/// Dynamic Client Registration §2 `id_token_signed_response_alg`).
pub const DEFAULT_ID_TOKEN_ALG: SigningAlg = SigningAlg::RS256;

/// A registered client application.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientApplication {
    /// The partition it is registered in; only that partition's realms issue it tokens.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// Generated on save, immutable.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub client_id: ClientId,
    /// Unique in the partition, 1–100 characters.
    pub name: String,
    /// Always `global`.
    pub resource_type: ResourceType,
    /// Web or SPA; immutable after creation.
    pub platform: Platform,
    /// Registered redirect URLs, matched string for string.
    pub redirect_urls: Vec<String>,
    /// Registered post-logout redirect URLs.
    pub post_logout_redirect_urls: Vec<String>,
    /// Client On-Behalf-Of (OBO) Flow switch (Web only).
    pub obo_enabled: bool,
    /// Token Exchange Grant Type switch (Web only).
    pub token_exchange_enabled: bool,
    /// Access Token Expiry Time for token exchange, seconds.
    pub access_token_ttl: u32,
    /// A disabled client fails every flow with `invalid_client`.
    pub enabled: bool,
    /// How its ID tokens are signed (`id_token_signed_response_alg`); RS256 unless chosen.
    pub id_token_signed_response_alg: SigningAlg,
    /// Where logout tokens are POSTed when a session it took part in ends (OpenID Connect
    /// Back-Channel Logout 1.0 §2.2 `backchannel_logout_uri`).
    pub backchannel_logout_uri: Option<String>,
    /// Whether the application needs `sid` in logout tokens (Back-Channel Logout 1.0 §2.2);
    /// Tessera always sends it, so this only records what the application asked for.
    pub backchannel_logout_session_required: bool,
    /// The page the signed-out page loads in an iframe when a session it took part in ends at
    /// the logout endpoint (OpenID Connect Front-Channel Logout 1.0 §2 `frontchannel_logout_uri`).
    pub frontchannel_logout_uri: Option<String>,
    /// Whether `iss` and `sid` are added to the front-channel URI (Front-Channel Logout 1.0 §2).
    pub frontchannel_logout_session_required: bool,
    /// Assigned permission names (short form), sorted.
    pub permissions: Vec<String>,
    /// When it was registered; admin lists are in creation order.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its settings last changed (an update); assigning permissions or managing secrets
    /// does not touch it.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The changeable fields of a client application; `None` leaves a field as it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientChanges {
    /// Must stay unique in the partition.
    pub name: Option<String>,
    /// Must stay `global`.
    pub resource_type: Option<ResourceType>,
    /// Must equal the current platform (platform is immutable).
    pub platform: Option<Platform>,
    /// Replaces the whole list.
    pub redirect_urls: Option<Vec<String>>,
    /// Replaces the whole list.
    pub post_logout_redirect_urls: Option<Vec<String>>,
    /// Web applications only.
    pub obo_enabled: Option<bool>,
    /// Web applications only.
    pub token_exchange_enabled: Option<bool>,
    /// Seconds, 300–86,400.
    pub access_token_ttl: Option<u32>,
    /// `false` makes every flow fail with `invalid_client` at once.
    pub enabled: Option<bool>,
    /// ID token signing algorithm.
    pub id_token_signed_response_alg: Option<SigningAlg>,
    /// New back-channel logout URI (`null` removes it).
    #[serde(default, with = "crate::identity_provider::double_option")]
    pub backchannel_logout_uri: Option<Option<String>>,
    /// Whether logout tokens must carry `sid`.
    pub backchannel_logout_session_required: Option<bool>,
    /// New front-channel logout URI (`null` removes it).
    #[serde(default, with = "crate::identity_provider::double_option")]
    pub frontchannel_logout_uri: Option<Option<String>>,
    /// Whether `iss` and `sid` are added to the front-channel URI.
    pub frontchannel_logout_session_required: Option<bool>,
}

/// The Client ID of the Administration Console, the built-in public client every partition's
/// users realm has (docs/product.md#console). Client IDs are unique per partition, so it is the
/// same fixed value in every partition; generated ids are random (version 4) and never take it.
pub const CONSOLE_CLIENT_ID: ClientId =
    uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_c0de);

/// Whether `id` is the built-in Administration Console's Client ID.
#[must_use]
pub fn is_builtin(id: ClientId) -> bool {
    id == CONSOLE_CLIENT_ID
}

/// The Administration Console's name in client lists.
pub const CONSOLE_CLIENT_NAME: &str = "Administration Console";

impl ClientApplication {
    /// The Administration Console of `partition`: a public client (authorization code with
    /// PKCE) whose redirect and post-logout addresses are the console's own.
    #[must_use]
    pub fn console(
        partition: PartitionId,
        redirect_url: String,
        post_logout_redirect_url: String,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            partition,
            client_id: CONSOLE_CLIENT_ID,
            name: CONSOLE_CLIENT_NAME.to_owned(),
            resource_type: ResourceType::Global,
            platform: Platform::Spa,
            redirect_urls: vec![redirect_url],
            post_logout_redirect_urls: vec![post_logout_redirect_url],
            obo_enabled: false,
            token_exchange_enabled: false,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            enabled: true,
            id_token_signed_response_alg: DEFAULT_ID_TOKEN_ALG,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: true,
            frontchannel_logout_uri: None,
            frontchannel_logout_session_required: true,
            permissions: vec![],
            created_at: now,
            updated_at: now,
        }
    }

    /// Whether this is the built-in Administration Console, which cannot be changed, disabled,
    /// deleted or given secrets or permissions: the partition's administrators sign in with it.
    #[must_use]
    pub fn is_builtin(&self) -> bool {
        is_builtin(self.client_id)
    }

    /// Applies `changes` and validates the result.
    ///
    /// # Errors
    /// Every rule the changed client would break.
    pub fn apply(
        &mut self,
        changes: ClientChanges,
        now: OffsetDateTime,
    ) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if let Some(p) = changes.platform
            && p != self.platform
        {
            e.add("platform", "cannot be changed after creation; register a new client application for the other platform");
        }
        let ClientChanges {
            name,
            redirect_urls,
            post_logout_redirect_urls,
            obo_enabled,
            token_exchange_enabled,
            access_token_ttl,
            enabled,
            id_token_signed_response_alg,
            backchannel_logout_uri,
            backchannel_logout_session_required,
            frontchannel_logout_uri,
            frontchannel_logout_session_required,
            ..
        } = changes;
        if let Some(v) = name {
            self.name = v;
        }
        if let Some(v) = redirect_urls {
            self.redirect_urls = v;
        }
        if let Some(v) = post_logout_redirect_urls {
            self.post_logout_redirect_urls = v;
        }
        if let Some(v) = obo_enabled {
            self.obo_enabled = v;
        }
        if let Some(v) = token_exchange_enabled {
            self.token_exchange_enabled = v;
        }
        if let Some(v) = access_token_ttl {
            self.access_token_ttl = v;
        }
        if let Some(v) = enabled {
            self.enabled = v;
        }
        if let Some(v) = id_token_signed_response_alg {
            self.id_token_signed_response_alg = v;
        }
        if let Some(v) = backchannel_logout_uri {
            self.backchannel_logout_uri = v;
        }
        if let Some(v) = backchannel_logout_session_required {
            self.backchannel_logout_session_required = v;
        }
        if let Some(v) = frontchannel_logout_uri {
            self.frontchannel_logout_uri = v;
        }
        if let Some(v) = frontchannel_logout_session_required {
            self.frontchannel_logout_session_required = v;
        }
        self.updated_at = revision::next_update_time(self.updated_at, now);
        validate_fields(self, &mut e);
        e.into_result()
    }

    /// Checks every field rule of docs/product.md#client-applications.
    ///
    /// # Errors
    /// Every rule the client breaks.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        validate_fields(self, &mut e);
        e.into_result()
    }

    /// Checks that the ID token algorithm is one the deployment keeps keys for (`available`):
    /// a client must never be promised ID tokens the realm cannot sign.
    ///
    /// # Errors
    /// The field, naming the algorithms that are available.
    pub fn check_id_token_alg(&self, available: &[SigningAlg]) -> Result<(), FieldErrors> {
        if available.contains(&self.id_token_signed_response_alg) {
            return Ok(());
        }
        let names: Vec<&str> = available.iter().map(|a| a.as_str()).collect();
        Err(FieldErrors::single(
            "id_token_signed_response_alg",
            format!(
                "{} is not available here (the realms keep no key for it); use one of {}",
                self.id_token_signed_response_alg.as_str(),
                names.join(", ")
            ),
        ))
    }

    /// Whether `uri` is one of the registered redirect URLs (exact string match, RFC 9700 §4.1.3).
    #[must_use]
    pub fn has_redirect_url(&self, uri: &str) -> bool {
        self.redirect_urls.iter().any(|r| r == uri)
    }
}

fn validate_fields(c: &ClientApplication, e: &mut FieldErrors) {
    e.check_len("name", &c.name, 1, 100);
    if c.platform == Platform::Spa && c.redirect_urls.is_empty() {
        e.add(
            "redirect_urls",
            "a single-page application needs at least one redirect URL",
        );
    }
    check_url_list(e, "redirect_urls", &c.redirect_urls);
    check_url_list(e, "post_logout_redirect_urls", &c.post_logout_redirect_urls);
    if let Some(u) = &c.backchannel_logout_uri
        && let Err(msg) = check_logout_uri(u)
    {
        e.add("backchannel_logout_uri", msg);
    }
    if let Some(u) = &c.frontchannel_logout_uri {
        if let Err(msg) = check_logout_uri(u) {
            e.add("frontchannel_logout_uri", msg);
        } else if !same_origin_as_a_redirect_url(u, &c.redirect_urls) {
            // Front-Channel Logout 1.0 §2: "The domain, port, and scheme of this URL MUST be
            // the same as that of a registered Redirection URI value."
            e.add(
                "frontchannel_logout_uri",
                "must have the scheme, host and port of one of the redirect URLs",
            );
        }
    }
    if c.platform == Platform::Spa {
        if c.obo_enabled {
            e.add(
                "obo_enabled",
                "on-behalf-of needs a client secret, so only Web applications can enable it",
            );
        }
        if c.token_exchange_enabled {
            e.add(
                "token_exchange_enabled",
                "token exchange needs a client secret, so only Web applications can enable it",
            );
        }
    }
    if !(MIN_ACCESS_TOKEN_TTL..=MAX_ACCESS_TOKEN_TTL).contains(&c.access_token_ttl) {
        e.add(
            "access_token_ttl",
            format!("must be between {MIN_ACCESS_TOKEN_TTL} and {MAX_ACCESS_TOKEN_TTL} seconds (got {})", c.access_token_ttl),
        );
    }
}

fn check_url_list(e: &mut FieldErrors, field: &str, urls: &[String]) {
    if urls.len() > MAX_REDIRECT_URLS {
        e.add(field, format!("at most {MAX_REDIRECT_URLS} URLs"));
        return;
    }
    for (i, u) in urls.iter().enumerate() {
        if let Err(msg) = check_redirect_url(u) {
            e.add(format!("{field}[{i}]"), msg);
        } else if urls[..i].contains(u) {
            e.add(format!("{field}[{i}]"), "is listed twice");
        }
    }
}

/// Checks a back- or front-channel logout URI: the redirect URL rules (absolute, `https` or
/// `http` on a loopback host, no fragment, no user information). Back-Channel Logout 1.0 §2.2
/// and Front-Channel Logout 1.0 §2 require an absolute URI without a fragment; the rest keeps a
/// logout token or a session id from crossing the network in the clear.
///
/// # Errors
/// A message saying what is wrong and what is accepted.
pub fn check_logout_uri(raw: &str) -> Result<(), String> {
    check_redirect_url(raw)
}

fn same_origin_as_a_redirect_url(uri: &str, redirect_urls: &[String]) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    redirect_urls
        .iter()
        .filter_map(|r| url::Url::parse(r).ok())
        .any(|r| r.origin() == u.origin())
}

/// Checks one redirect URL: absolute, `https` (or `http` on a loopback host), no fragment, no
/// user information, no spaces or control characters, at most 2000 characters.
///
/// # Errors
/// A message saying what is wrong and what is accepted.
pub fn check_redirect_url(raw: &str) -> Result<(), String> {
    if raw.len() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    // The URL parser drops tabs and newlines anywhere and trims leading and trailing spaces and
    // control characters: a registration carrying them would be accepted yet, compared by exact
    // string (RFC 9700 §4.1.3), never match the redirect_uri a client sends. RFC 3986 §2 has no
    // such characters in a URI. (Found by the `redirect_url` fuzz target, docs/fuzzing.md.)
    if raw.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err("must not contain spaces or control characters".into());
    }
    let url = url::Url::parse(raw).map_err(|e| format!("must be an absolute URL ({e})"))?;
    if url.fragment().is_some() || raw.contains('#') {
        return Err("must not contain a fragment (#...)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user information (user@host)".into());
    }
    let host = url.host_str().unwrap_or("");
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match url.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(
            "must use https (plain http is allowed only for localhost, 127.0.0.1 and [::1])".into(),
        ),
        _ => Err("must be an https URL (or http on localhost, 127.0.0.1 or [::1])".into()),
    }
}

#[cfg(test)]
mod tests;
