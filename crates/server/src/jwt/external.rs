//! Verifying an external identity provider's JWT for token exchange (RFC 8693) with the guard
//! crate's verifier: keys from the provider's JWKS (fetched with a timeout and size cap, cached
//! in a [`KeyCache`], refreshed on an unknown `kid` at most every few seconds) or its inline JWK
//! Set; asymmetric algorithms only; `iss`, `aud`, `exp`, `nbf` and `iat` checked with a small
//! leeway by the server's clock ([`ExternalKeys::policy`]). Refusals say why without echoing
//! keys.
//!
//! Fetches go through [`crate::outbound`], which reaches public addresses only
//! (loopback too with `[federation] allow_loopback`): its key source `ProviderJwks` is the only one
//! for a provider's `jwks_uri`. Why a fetch failed is never told to the caller — connection
//! errors and response bodies would make the token endpoint a port scanner and a reader of
//! internal services — only to the server log and the audit trail.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};
use tessera_domain::address::OutboundPolicy;
use tessera_domain::identity_provider::IdentityProvider;
use tessera_guard::{
    ASYMMETRIC_ALGORITHMS, CacheSettings, HttpKeySource, KeyCache, KeySet, KeySource,
    KeySourceError, TokenPolicy, VerifyError,
};
use tessera_oauth_types::JwkSet;

use crate::outbound;

/// When a provider's key set is fetched again: reused 10 minutes, an unknown `kid` refetches
/// at most every 5 seconds, a fetch takes at most 5 seconds.
const CACHE: CacheSettings = CacheSettings {
    fetch_timeout: Duration::from_secs(5),
    min_refresh_interval: Duration::from_secs(5),
    max_key_age: Duration::from_secs(600),
};
/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Providers tracked before the table is cleared (deleted providers and changed addresses leave
/// entries behind; clearing only costs a refetch).
const MAX_PROVIDERS: usize = 10_000;

/// Per-provider key caches, each locked on its own so a slow provider never delays another's.
#[derive(Debug)]
pub(crate) struct ExternalKeys {
    caches: std::sync::Mutex<HashMap<(uuid::Uuid, String), Arc<KeyCache>>>,
    client: OnceLock<reqwest::Client>,
    policy: OutboundPolicy,
    clock: Arc<dyn tessera_guard::Clock>,
}

/// The whole answer when a provider's keys cannot be had, whatever the reason.
pub(crate) const KEYS_UNAVAILABLE: &str =
    "the identity provider's signing keys could not be fetched";

/// Why a subject token was refused (the text goes into `error_description`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum SubjectTokenError {
    /// Not a JWS we accept.
    #[error("the subject_token is not a valid JWT: {0}")]
    Malformed(String),
    /// Signature, issuer, audience or time checks failed.
    #[error("the subject_token was refused: {0}")]
    Invalid(String),
    /// The provider's keys could not be obtained. The text answered is fixed; the detail is
    /// for the server log and the audit event only.
    #[error("{}", KEYS_UNAVAILABLE)]
    KeysUnavailable(String),
}

impl From<VerifyError> for SubjectTokenError {
    fn from(e: VerifyError) -> Self {
        let invalid = |why: &str| Self::Invalid(why.to_owned());
        match e {
            VerifyError::TooLong => Self::Malformed("longer than 16 KiB".into()),
            VerifyError::Malformed => Self::Malformed("the header does not decode, or names an algorithm that is not allowed (none is never allowed)".into()),
            VerifyError::Algorithm(alg) => Self::Invalid(format!(
                "algorithm {alg:?} is not allowed; only asymmetric signatures are accepted"
            )),
            VerifyError::Type => invalid("its typ says it is a logout or security event token"),
            VerifyError::Critical => invalid("it has critical header parameters"),
            VerifyError::KeysUnavailable(detail) => Self::KeysUnavailable(
                detail.unwrap_or_else(|| "no key set was fetched".into()),
            ),
            VerifyError::UnusableKey => {
                Self::KeysUnavailable("the provider published an unusable key".into())
            }
            VerifyError::KeyAlgorithm => invalid("its algorithm does not match the key"),
            VerifyError::Signature => invalid("the signature does not verify"),
            VerifyError::MissingClaim(c) => Self::Invalid(format!("the {c} claim is missing")),
            VerifyError::Issuer => {
                invalid("its issuer (iss) is not the registered identity provider's")
            }
            VerifyError::Audience => {
                invalid("its audience (aud) is not one the registration accepts")
            }
            VerifyError::Expired => invalid("it has expired"),
            VerifyError::NotYetValid => invalid("it is not valid yet (nbf)"),
            VerifyError::IssuedInFuture => invalid("it was issued in the future (iat)"),
            // Without a `kid`, only an unambiguous single-key set can be used.
            VerifyError::NoKid | VerifyError::UnknownKey => {
                invalid("it is signed by a key the identity provider does not publish")
            }
            _ => invalid("it does not verify"),
        }
    }
}

/// A provider's `jwks_uri`, fetched through [`outbound`] only.
#[derive(Debug)]
struct ProviderJwks {
    url: reqwest::Url,
    client: reqwest::Client,
    policy: OutboundPolicy,
}

#[async_trait]
impl KeySource for ProviderJwks {
    async fn fetch(&self) -> Result<JwkSet, KeySourceError> {
        // The client's resolver refuses names that resolve to refused addresses; literals and
        // the scheme are checked here, before any connection.
        outbound::check_url(&self.url, self.policy)
            .map_err(|refused| KeySourceError::Transport(Box::new(refused)))?;
        HttpKeySource::with_client(self.client.clone(), self.url.clone(), MAX_JWKS_BYTES)
            .fetch()
            .await
    }
}

impl ExternalKeys {
    /// Key sets fetched only from addresses `policy` allows; token times judged by `clock`.
    #[must_use]
    pub(crate) fn new(policy: OutboundPolicy, clock: Arc<dyn tessera_guard::Clock>) -> Self {
        Self {
            caches: std::sync::Mutex::default(),
            client: OnceLock::new(),
            policy,
            clock,
        }
    }

    /// What a subject token from `idp` must be: asymmetrically signed, not a logout or
    /// security event token, for one of the registration's audiences, unexpired; a token
    /// without `kid` is verified by the provider's only key.
    pub(crate) fn policy(&self, idp: &IdentityProvider) -> TokenPolicy {
        TokenPolicy::identity_provider_token(idp.audiences.iter().cloned())
            .clock(Arc::clone(&self.clock))
    }

    /// The key cache of `idp`'s `jwks_uri`.
    fn cache(&self, idp: &IdentityProvider) -> Result<Arc<KeyCache>, SubjectTokenError> {
        let uri = idp.jwks_uri.clone().ok_or_else(|| {
            SubjectTokenError::KeysUnavailable("no jwks_uri is registered".into())
        })?;
        let mut caches = self.caches.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cache) = caches.get(&(idp.id, uri.clone())) {
            return Ok(Arc::clone(cache));
        }
        let url = reqwest::Url::parse(&uri).map_err(|_| {
            SubjectTokenError::KeysUnavailable("the registered jwks_uri is not a URL".into())
        })?;
        let source = ProviderJwks {
            url,
            client: self.client()?,
            policy: self.policy,
        };
        if caches.len() >= MAX_PROVIDERS {
            caches.clear();
        }
        let cache = Arc::new(KeyCache::new(
            idp.issuer.clone(),
            Arc::new(source),
            CACHE,
            &ASYMMETRIC_ALGORITHMS,
        ));
        caches.insert((idp.id, uri), Arc::clone(&cache));
        Ok(cache)
    }

    /// The HTTP client for provider JWKS, built on first use.
    fn client(&self) -> Result<reqwest::Client, SubjectTokenError> {
        if let Some(c) = self.client.get() {
            return Ok(c.clone());
        }
        let c = outbound::build(self.policy, CACHE.fetch_timeout)
            .map_err(|e| SubjectTokenError::KeysUnavailable(e.to_string()))?;
        Ok(self.client.get_or_init(|| c).clone())
    }

    /// Fetches `idp`'s keys now, bypassing the cache, through the same client and address
    /// checks as token exchange, for an administrator's "Test this provider". Unlike
    /// [`Self::verify`], the answer says exactly why a fetch failed: it goes only to the
    /// partition's administrator, who registered the address, never to a token endpoint caller.
    pub(crate) async fn check(&self, idp: &IdentityProvider) -> KeyCheck {
        let (source, set) = match (&idp.jwks, &idp.jwks_uri) {
            (Some(inline), _) => (
                KeyOrigin::Inline,
                serde_json::from_value::<JwkSet>(inline.clone())
                    .map_err(|e| format!("the inline JWK Set is not a JWK Set: {e}")),
            ),
            (None, Some(uri)) => (KeyOrigin::JwksUri(uri.clone()), self.fetch_now(uri).await),
            (None, None) => (
                KeyOrigin::Unregistered,
                Err("neither a JWKS URI nor an inline JWK Set is registered".to_owned()),
            ),
        };
        let outcome = set.map(|set| {
            set.keys
                .into_iter()
                .map(|k| {
                    let one = JwkSet {
                        keys: vec![k.clone()],
                    };
                    KeySummary {
                        usable: !KeySet::from_jwks(&one, &ASYMMETRIC_ALGORITHMS).is_empty(),
                        kid: k.kid,
                        kty: k.kty,
                        alg: k.alg,
                        crv: k.crv,
                    }
                })
                .collect()
        });
        match outcome {
            Ok(keys) => KeyCheck {
                origin: source,
                keys,
                error: None,
            },
            Err(e) => KeyCheck {
                origin: source,
                keys: Vec::new(),
                error: Some(e),
            },
        }
    }

    /// One fetch of `uri` through [`ProviderJwks`], the error's whole chain as text.
    async fn fetch_now(&self, uri: &str) -> Result<JwkSet, String> {
        let url =
            reqwest::Url::parse(uri).map_err(|e| format!("the JWKS URI is not a URL: {e}"))?;
        let client = self.client().map_err(|e| e.to_string())?;
        let source = ProviderJwks {
            url,
            client,
            policy: self.policy,
        };
        source.fetch().await.map_err(|e| chain(&e))
    }

    /// Verifies `token` against the provider and returns its claims.
    ///
    /// # Errors
    /// [`SubjectTokenError`] saying why.
    pub(crate) async fn verify(
        &self,
        idp: &IdentityProvider,
        token: &str,
    ) -> Result<Map<String, Value>, SubjectTokenError> {
        let policy = self.policy(idp);
        let verified = match &idp.jwks {
            Some(inline) => {
                let set: JwkSet = serde_json::from_value(inline.clone()).map_err(|_| {
                    SubjectTokenError::KeysUnavailable(
                        "the registered inline JWK Set is invalid".into(),
                    )
                })?;
                let keys = KeySet::from_jwks(&set, policy.algorithms());
                policy.verify(token, &idp.issuer, &keys)
            }
            None => {
                let cache = self.cache(idp)?;
                policy.verify_cached(token, &idp.issuer, &cache).await
            }
        };
        Ok(verified?)
    }
}

/// An error and its sources, each once (`reqwest` repeats its source in its own text).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = s.source();
    }
    out
}

/// Where a provider's keys come from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "url", rename_all = "snake_case")]
pub enum KeyOrigin {
    /// Fetched from its `jwks_uri`.
    JwksUri(String),
    /// Its inline `jwks`.
    Inline,
    /// Neither is registered.
    Unregistered,
}

/// One key a provider publishes, as "Test this provider" shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct KeySummary {
    /// Its `kid`.
    pub kid: String,
    /// Its `kty`.
    pub kty: String,
    /// Its `alg`, when published.
    pub alg: Option<String>,
    /// Its `crv`, when published.
    pub crv: Option<String>,
    /// Whether token exchange can verify signatures with it (an asymmetric algorithm Tessera
    /// accepts, a well-formed key).
    pub usable: bool,
}

/// What fetching a provider's keys found: the keys, or exactly why there are none.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct KeyCheck {
    /// Where the keys were looked for.
    pub origin: KeyOrigin,
    /// The keys found (empty when the fetch failed).
    pub keys: Vec<KeySummary>,
    /// Why no key set was had (a refused address says so before any connection is made);
    /// `null` when the fetch succeeded.
    pub error: Option<String>,
}
