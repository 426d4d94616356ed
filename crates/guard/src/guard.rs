//! The guard: trusted issuers with their cached keys, and the token rules of RFC 9068 §4.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use serde::Deserialize;
use tessera_oauth_types::AccessTokenClaims;

use crate::Rejection;
use crate::bearer::bearer_token;
use crate::clock::{Clock, SystemClock};
use crate::keys::http_source as jwks_http;
use crate::keys::{CacheSettings, HttpKeySource, KeyCache, KeySource, KeySourceError};
use crate::layer::RequireLayer;
use crate::requirement::{Policy, SecurityRequirement};
use crate::verify::{TokenPolicy, VerifyError};

/// Decides, for issuers not listed on the builder, whether to trust them and where their keys
/// are. A server with one realm pair per partition uses it instead of listing every issuer.
pub trait IssuerResolver: Send + Sync + Debug {
    /// The key source of `issuer`, or `None` to refuse tokens from it.
    fn key_source(&self, issuer: &str) -> Option<Arc<dyn KeySource>>;
}

/// Why [`GuardBuilder::build`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Neither an issuer nor an issuer resolver was configured: the guard would refuse everything.
    #[error("a guard needs at least one issuer or an issuer resolver")]
    NoIssuer,
    /// An issuer is not an absolute http(s) URL, or the HTTP client could not be built.
    #[error("issuer {issuer:?}: {source}")]
    Issuer {
        /// The offending issuer.
        issuer: String,
        /// What went wrong.
        #[source]
        source: KeySourceError,
    },
}

/// Validates bearer tokens from configured issuers and produces route layers.
///
/// Cheap to clone (an `Arc`); every clone shares the key caches.
#[derive(Debug, Clone)]
pub struct Guard {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Issuers configured on the builder, fixed for the guard's lifetime.
    issuers: HashMap<String, Arc<KeyCache>>,
    /// Issuers the resolver vouched for whose key sets turned out to hold keys; bounded by
    /// `max_resolved_issuers`, since the issuer name comes from an unverified token.
    resolved: RwLock<HashMap<String, Arc<KeyCache>>>,
    max_resolved_issuers: usize,
    resolver: Option<Arc<dyn IssuerResolver>>,
    /// Access tokens (`typ: at+jwt`) signed with Tessera's algorithms, for the configured
    /// audiences, by the configured clock and leeway.
    policy: TokenPolicy,
    tenant: Option<String>,
    cache: CacheSettings,
}

/// Configures a [`Guard`].
///
/// ```
/// use std::time::Duration;
/// use tessera_guard::Guard;
///
/// let guard = Guard::builder()
///     // Keys are fetched lazily from `{issuer}/oauth2/keys`.
///     .issuer("http://127.0.0.1:8080/system/auth/acme-U")
///     .issuer("http://127.0.0.1:8080/system/auth/acme-C")
///     .audience("http://127.0.0.1:8080/knowledge/portalmgr/v4")
///     .tenant("acme")
///     .leeway(Duration::from_secs(30))
///     .build()?;
/// # Ok::<(), tessera_guard::BuildError>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct GuardBuilder {
    issuers: Vec<(String, Option<Arc<dyn KeySource>>)>,
    resolver: Option<Arc<dyn IssuerResolver>>,
    audiences: Vec<String>,
    tenant: Option<String>,
    leeway: Duration,
    fetch_timeout: Duration,
    max_jwks_bytes: usize,
    min_refresh_interval: Duration,
    max_key_age: Duration,
    clock: Arc<dyn Clock>,
    http_client: Option<reqwest::Client>,
    max_resolved_issuers: usize,
}

/// Default cap on the issuers a resolver may add to the cache.
const DEFAULT_MAX_RESOLVED_ISSUERS: usize = 1024;

impl Default for GuardBuilder {
    fn default() -> Self {
        Self {
            issuers: Vec::new(),
            resolver: None,
            audiences: Vec::new(),
            tenant: None,
            leeway: Duration::from_secs(30),
            fetch_timeout: CacheSettings::default().fetch_timeout,
            max_jwks_bytes: jwks_http::DEFAULT_MAX_BYTES,
            min_refresh_interval: CacheSettings::default().min_refresh_interval,
            max_key_age: CacheSettings::default().max_key_age,
            clock: Arc::new(SystemClock),
            http_client: None,
            max_resolved_issuers: DEFAULT_MAX_RESOLVED_ISSUERS,
        }
    }
}

impl GuardBuilder {
    /// Trusts tokens whose `iss` is exactly `issuer`, verified with the JWKS at
    /// `{issuer}/oauth2/keys` (docs/product.md#endpoints) fetched over HTTP(S).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push((issuer.into(), None));
        self
    }

    /// Trusts tokens whose `iss` is exactly `issuer`, verified with keys from `source` (for
    /// example a [`StaticKeySource`](crate::StaticKeySource), or an [`HttpKeySource`] at
    /// another URL).
    pub fn issuer_with_key_source(
        mut self,
        issuer: impl Into<String>,
        source: Arc<dyn KeySource>,
    ) -> Self {
        self.issuers.push((issuer.into(), Some(source)));
        self
    }

    /// Consults `resolver` for issuers not listed with [`issuer`](Self::issuer). An issuer the
    /// resolver vouches for is cached only once its key set proves to hold keys, and at most
    /// [`max_resolved_issuers`](Self::max_resolved_issuers) are kept: the issuer name comes from
    /// a token not yet verified, so neither may let junk tokens grow memory.
    pub fn issuer_resolver(mut self, resolver: Arc<dyn IssuerResolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// How many resolver-provided issuers the key cache keeps (default 1024). When full, issuers
    /// whose keys were not confirmed within [`max_key_age`](Self::max_key_age) are dropped
    /// first, then all of them (they are fetched again on next use).
    pub fn max_resolved_issuers(mut self, max: usize) -> Self {
        self.max_resolved_issuers = max.max(1);
        self
    }

    /// Accepts tokens whose `aud` contains `audience` (RFC 9068 §4 step 4). May be repeated;
    /// one match suffices. With no audience configured, `aud` is not checked — only sensible
    /// when every issuer's tokens are meant for this server.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Accepts only tokens whose `tenant` claim is `tenant` (the partition id).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 30 s; RFC 7519 §4.1.4 allows
    /// "some small leeway").
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Limit on one JWKS fetch (default 5 s). A request waiting for keys waits at most this long.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// Largest JWKS document accepted over HTTP (default 256 KiB).
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.max_jwks_bytes = bytes;
        self
    }

    /// Least time between two fetches of one issuer's keys (default 10 s). Tokens with an
    /// unknown `kid` inside this window are refused without asking the issuer again.
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// Age after which a cached key set is fetched again on next use (default 10 min), so keys
    /// the issuer withdrew stop verifying. If that fetch fails, the cached keys stay in use.
    pub fn max_key_age(mut self, age: Duration) -> Self {
        self.max_key_age = age;
        self
    }

    /// The clock for `exp`/`nbf`/`iat` (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP client for JWKS fetches from [`issuer`](Self::issuer). By default the guard
    /// builds one with the fetch timeout.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Builds the guard. No network I/O happens here: keys are fetched on first use.
    ///
    /// # Errors
    /// [`BuildError::NoIssuer`] without issuers or resolver; [`BuildError::Issuer`] when an
    /// issuer is not an http(s) URL or the HTTP client cannot be built.
    pub fn build(self) -> Result<Guard, BuildError> {
        if self.issuers.is_empty() && self.resolver.is_none() {
            return Err(BuildError::NoIssuer);
        }
        // Pin jsonwebtoken's crypto backend to aws-lc-rs (what our signer uses) even if another
        // crate in the build enables its RustCrypto backend too; an error means a provider was
        // already installed, which is fine.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
        let cache = CacheSettings {
            fetch_timeout: self.fetch_timeout,
            min_refresh_interval: self.min_refresh_interval,
            max_key_age: self.max_key_age,
        };
        let mut client = self.http_client;
        let mut issuers = HashMap::new();
        for (issuer, source) in self.issuers {
            let source = match source {
                Some(source) => source,
                None => {
                    let fail = |source| BuildError::Issuer {
                        issuer: issuer.clone(),
                        source,
                    };
                    let url = jwks_http::parse_url(&jwks_uri(&issuer)).map_err(fail)?;
                    let client = match &client {
                        Some(c) => c.clone(),
                        None => client
                            .insert(jwks_http::default_client(self.fetch_timeout).map_err(fail)?)
                            .clone(),
                    };
                    Arc::new(HttpKeySource::with_client(client, url, self.max_jwks_bytes))
                }
            };
            let keys = Arc::new(KeyCache::new(
                issuer.clone(),
                source,
                cache,
                &crate::TESSERA_ALGORITHMS,
            ));
            issuers.insert(issuer, keys);
        }
        let mut policy = TokenPolicy::access_token()
            .leeway(self.leeway)
            .clock(self.clock);
        if self.audiences.is_empty() {
            tracing::warn!("guard built without an audience: tokens for any API will be accepted");
        } else {
            policy = policy.audiences(self.audiences);
        }
        Ok(Guard {
            inner: Arc::new(Inner {
                issuers,
                resolved: RwLock::new(HashMap::new()),
                max_resolved_issuers: self.max_resolved_issuers,
                resolver: self.resolver,
                policy,
                tenant: self.tenant,
                cache,
            }),
        })
    }
}

/// A realm's JWKS address (docs/product.md#endpoints).
fn jwks_uri(issuer: &str) -> String {
    format!("{}/oauth2/keys", issuer.trim_end_matches('/'))
}

impl Guard {
    /// Starts configuring a guard.
    pub fn builder() -> GuardBuilder {
        GuardBuilder::default()
    }

    /// A layer admitting a request when its token satisfies at least one of `alternatives`
    /// (an OpenAPI `security` array). An empty list admits no token at all (403-112).
    ///
    /// ```no_run
    /// # fn f(guard: tessera_guard::Guard) {
    /// use tessera_guard::{SecurityRequirement, SecurityScheme};
    /// let layer = guard.require([
    ///     SecurityRequirement::new(SecurityScheme::OAuthUser, ["knowledge.portalmgr.read"]),
    ///     SecurityRequirement::new(SecurityScheme::OAuthClient, [".default"]),
    /// ]);
    /// # }
    /// ```
    pub fn require(
        &self,
        alternatives: impl IntoIterator<Item = SecurityRequirement>,
    ) -> RequireLayer {
        RequireLayer::new(self.clone(), Policy::alternatives(alternatives))
    }

    /// A layer admitting any request with a valid token, whatever its actor and scopes.
    pub fn authenticate(&self) -> RequireLayer {
        RequireLayer::new(self.clone(), Policy::AnyToken)
    }

    /// Validates the bearer token of `headers` and checks it against `alternatives`: what the
    /// layer does, for callers that need the decision without the layer.
    ///
    /// # Errors
    /// The [`Rejection`] to answer with.
    pub async fn authorize(
        &self,
        headers: &HeaderMap,
        alternatives: &[SecurityRequirement],
    ) -> Result<AccessTokenClaims, Rejection> {
        let policy = Policy::alternatives(alternatives.iter().cloned());
        self.authorize_with(headers, &policy).await
    }

    pub(crate) async fn authorize_with(
        &self,
        headers: &HeaderMap,
        policy: &Policy,
    ) -> Result<AccessTokenClaims, Rejection> {
        let token = bearer_token(headers)?;
        let claims = self.validate(token).await?;
        policy.check(&claims)?;
        Ok(claims)
    }

    /// Validates an access token by the guard's [`TokenPolicy`] (signature with the issuer's
    /// key named by `kid`, `typ`, `iss`, `aud`, `exp`/`nbf`/`iat` with leeway) and, if
    /// configured, its `tenant`.
    ///
    /// # Errors
    /// [`Rejection::InvalidToken`] with a description safe to show the caller, or
    /// [`Rejection::KeysUnavailable`] when the issuer's keys cannot be fetched.
    pub async fn validate(&self, token: &str) -> Result<AccessTokenClaims, Rejection> {
        let result = self.validate_inner(token).await;
        if let Err(rejection) = &result {
            // The reason, never the token (it is a credential).
            tracing::debug!(%rejection, "bearer token refused");
        }
        result
    }

    async fn validate_inner(&self, token: &str) -> Result<AccessTokenClaims, Rejection> {
        let policy = &self.inner.policy;
        let header = policy.check_header(token).map_err(|e| self.rejection(&e))?;
        // The issuer decides which keys verify the signature, so it is read before the
        // signature is checked — only to pick the key set; it is checked again once verified.
        let issuer = unverified_issuer(token).ok_or_else(|| invalid("the token has no iss"))?;
        let (keys, cached) = self
            .issuer_keys(&issuer)
            .ok_or_else(|| invalid("the token's issuer is not trusted here"))?;
        let found = keys.key(header.kid.as_deref()).await;
        if self.inner.resolver.is_some() && !self.inner.issuers.contains_key(&issuer) {
            self.settle_resolved(&issuer, &keys, cached);
        }
        let claims = found
            .map_err(crate::verify::lookup_failed)
            .and_then(|key| policy.check_signed(token, &header, &key, &issuer))
            .map_err(|e| self.rejection(&e))?;
        let claims: AccessTokenClaims = serde_json::from_value(serde_json::Value::Object(claims))
            .map_err(|_| invalid(NOT_AN_ACCESS_TOKEN))?;
        if self
            .inner
            .tenant
            .as_ref()
            .is_some_and(|tenant| &claims.tenant != tenant)
        {
            return Err(invalid("the token belongs to another tenant"));
        }
        Ok(claims)
    }

    /// The guard's wording of each refusal (the `developerMessage` of its 401s).
    fn rejection(&self, e: &VerifyError) -> Rejection {
        invalid(match e {
            VerifyError::TooLong => "the token is too long",
            VerifyError::Malformed => "the token is not a signed JWT",
            VerifyError::Algorithm(_) => "the token's signing algorithm is not accepted",
            VerifyError::Type => "the token is not an access token (typ must be at+jwt)",
            VerifyError::Critical => "the token has critical header parameters",
            VerifyError::NoKid => "the token header has no kid",
            VerifyError::KeysUnavailable(_) => {
                return Rejection::KeysUnavailable {
                    retry_after_secs: self.inner.cache.min_refresh_interval.as_secs().max(1),
                };
            }
            VerifyError::KeyAlgorithm => "the token's algorithm does not match its key",
            VerifyError::Signature => "the token's signature is invalid",
            VerifyError::MissingClaim("iss") | VerifyError::Issuer => {
                "the token's issuer is not trusted here"
            }
            VerifyError::MissingClaim("aud") | VerifyError::Audience => {
                "the token is not meant for this API (aud)"
            }
            VerifyError::Expired => "the token has expired",
            VerifyError::NotYetValid => "the token is not valid yet (nbf)",
            VerifyError::IssuedInFuture => "the token was issued in the future (iat)",
            // An unusable published key is one the guard cannot know the token by.
            VerifyError::UnknownKey | VerifyError::UnusableKey => {
                "the token's signing key is unknown"
            }
            VerifyError::Claims | VerifyError::MissingClaim(_) => NOT_AN_ACCESS_TOKEN,
        })
    }

    /// The key cache of `issuer` and whether it came from the cache (`false`: a provisional
    /// one the resolver just vouched for, not yet remembered).
    fn issuer_keys(&self, issuer: &str) -> Option<(Arc<KeyCache>, bool)> {
        if let Some(keys) = self.inner.issuers.get(issuer) {
            return Some((Arc::clone(keys), true));
        }
        if let Some(keys) = self
            .inner
            .resolved
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(issuer)
        {
            return Some((Arc::clone(keys), true));
        }
        let source = self.inner.resolver.as_ref()?.key_source(issuer)?;
        Some((
            Arc::new(KeyCache::new(
                issuer,
                source,
                self.inner.cache,
                self.inner.policy.algorithms(),
            )),
            false,
        ))
    }

    /// After a lookup: remembers a resolver-provided issuer whose key set holds keys, and
    /// forgets a remembered one whose key set came back empty (the issuer went away).
    fn settle_resolved(&self, issuer: &str, keys: &Arc<KeyCache>, cached: bool) {
        let has_keys = keys.has_keys();
        if cached == has_keys {
            return;
        }
        let mut resolved = self
            .inner
            .resolved
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if !has_keys {
            resolved.remove(issuer);
            return;
        }
        if resolved.len() >= self.inner.max_resolved_issuers {
            let max_age = self.inner.cache.max_key_age;
            resolved.retain(|_, k| k.confirmed_within(max_age));
            if resolved.len() >= self.inner.max_resolved_issuers {
                resolved.clear();
            }
        }
        // A concurrent first request may have remembered it already: keep that one.
        resolved
            .entry(issuer.to_owned())
            .or_insert_with(|| Arc::clone(keys));
    }

    /// How many resolver-provided issuers the key cache holds (for tests and metrics).
    #[must_use]
    pub fn resolved_issuer_count(&self) -> usize {
        self.inner
            .resolved
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The refusal of a signed token whose claims are not an access token's.
const NOT_AN_ACCESS_TOKEN: &str = "the token's claims are not those of a Tessera access token";

fn invalid(why: &str) -> Rejection {
    Rejection::InvalidToken(why.to_owned())
}

/// The `iss` of an unverified token, to choose its key set.
fn unverified_issuer(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Iss {
        iss: String,
    }
    let payload = token.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<Iss>(&json).ok().map(|c| c.iss)
}
