//! Verifying an external identity provider's JWT for token exchange (RFC 8693): keys from the
//! provider's JWKS (fetched with a timeout and size cap, cached, refreshed on an unknown `kid`
//! at most every few seconds) or its inline JWK Set; asymmetric algorithms only; `iss`, `aud`,
//! `exp`, `nbf` and `iat` checked with a small leeway. Refusals say why without echoing keys.
//!
//! Fetches go through [`crate::outbound`], which reaches public addresses only
//! (loopback too with `[federation] allow_loopback`). Why a fetch failed is never told to the
//! caller — connection errors and response bodies would make the token endpoint a port scanner
//! and a reader of internal services — only to the server log and the audit trail.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tessera_domain::address::OutboundPolicy;
use tessera_domain::identity_provider::IdentityProvider;
use tessera_guard::{HttpKeySource, KeySource};
use tessera_oauth_types::JwkSet;
use tokio::sync::Mutex;

use crate::outbound;

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
const LEEWAY_SECS: u64 = 30;
/// A fetched key set is reused this long.
const MAX_KEY_AGE: Duration = Duration::from_secs(600);
/// An unknown `kid` triggers a refetch at most this often per provider.
const MIN_REFRESH: Duration = Duration::from_secs(5);
/// Longest a provider's JWKS fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Largest subject token accepted.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Asymmetric algorithms only: `none` and HMAC (whose "key" would be public) are refused.
const ALLOWED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

#[derive(Debug)]
struct Entry {
    keys: Arc<JwkSet>,
    fetched: Instant,
}

/// One provider's cached keys, locked on its own so a slow provider never delays another's.
type Slot = Arc<Mutex<Option<Entry>>>;

/// Providers tracked before the table is cleared (deleted providers and changed addresses leave
/// entries behind; clearing only costs a refetch).
const MAX_PROVIDERS: usize = 10_000;

/// Per-provider key sets.
#[derive(Debug)]
pub struct ExternalKeys {
    slots: std::sync::Mutex<HashMap<(uuid::Uuid, String), Slot>>,
    client: std::sync::OnceLock<reqwest::Client>,
    policy: OutboundPolicy,
}

/// The whole answer when a provider's keys cannot be had, whatever the reason.
pub const KEYS_UNAVAILABLE: &str = "the identity provider's signing keys could not be fetched";

/// Why a subject token was refused (the text goes into `error_description`).
#[derive(Debug, thiserror::Error)]
pub enum SubjectTokenError {
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

impl ExternalKeys {
    /// Key sets fetched only from addresses `policy` allows.
    #[must_use]
    pub fn new(policy: OutboundPolicy) -> Self {
        Self {
            slots: std::sync::Mutex::default(),
            client: std::sync::OnceLock::new(),
            policy,
        }
    }

    async fn keys(
        &self,
        idp: &IdentityProvider,
        force: bool,
    ) -> Result<Arc<JwkSet>, SubjectTokenError> {
        if let Some(inline) = &idp.jwks {
            let set: JwkSet = serde_json::from_value(inline.clone()).map_err(|_| {
                SubjectTokenError::KeysUnavailable(
                    "the registered inline JWK Set is invalid".into(),
                )
            })?;
            return Ok(Arc::new(set));
        }
        let uri = idp.jwks_uri.clone().ok_or_else(|| {
            SubjectTokenError::KeysUnavailable("no jwks_uri is registered".into())
        })?;
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if slots.len() >= MAX_PROVIDERS {
                slots.clear();
            }
            slots.entry((idp.id, uri.clone())).or_default().clone()
        };
        let mut entry = slot.lock().await;
        if let Some(e) = entry.as_ref() {
            let age = e.fetched.elapsed();
            if age < MAX_KEY_AGE && (!force || age < MIN_REFRESH) {
                return Ok(e.keys.clone());
            }
        }
        let url = reqwest::Url::parse(&uri).map_err(|_| {
            SubjectTokenError::KeysUnavailable("the registered jwks_uri is not a URL".into())
        })?;
        let fetched = match outbound::check_url(&url, self.policy) {
            Ok(()) => HttpKeySource::with_client(self.client()?, url, MAX_JWKS_BYTES)
                .fetch()
                .await
                .map_err(|e| chain(&e)),
            Err(refused) => Err(refused.to_string()),
        };
        match fetched {
            Ok(set) => {
                let keys = Arc::new(set);
                *entry = Some(Entry {
                    keys: keys.clone(),
                    fetched: Instant::now(),
                });
                Ok(keys)
            }
            Err(e) => match entry.as_ref() {
                // A provider blip must not refuse tokens signed with keys we already hold.
                Some(old) => {
                    tracing::warn!(error = %e, registration_id = %idp.id, "identity provider JWKS refetch failed; using cached keys");
                    Ok(old.keys.clone())
                }
                None => Err(SubjectTokenError::KeysUnavailable(e)),
            },
        }
    }

    /// The HTTP client for provider JWKS, built on first use.
    fn client(&self) -> Result<reqwest::Client, SubjectTokenError> {
        if let Some(c) = self.client.get() {
            return Ok(c.clone());
        }
        let c = outbound::build(self.policy, FETCH_TIMEOUT)
            .map_err(|e| SubjectTokenError::KeysUnavailable(e.to_string()))?;
        Ok(self.client.get_or_init(|| c).clone())
    }

    /// Verifies `token` against the provider and returns its claims.
    ///
    /// # Errors
    /// [`SubjectTokenError`] saying why.
    pub async fn verify(
        &self,
        idp: &IdentityProvider,
        token: &str,
    ) -> Result<serde_json::Map<String, Value>, SubjectTokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(SubjectTokenError::Malformed("longer than 16 KiB".into()));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| SubjectTokenError::Malformed("the header does not decode, or names an algorithm that is not allowed (none is never allowed)".into()))?;
        if !ALLOWED.contains(&header.alg) {
            return Err(SubjectTokenError::Invalid(format!(
                "algorithm {:?} is not allowed; only asymmetric signatures are accepted",
                header.alg
            )));
        }
        let mut keys = self.keys(idp, false).await?;
        let mut jwk = find(&keys, header.kid.as_deref());
        if jwk.is_none() {
            keys = self.keys(idp, true).await?;
            jwk = find(&keys, header.kid.as_deref());
        }
        let jwk = jwk.ok_or_else(|| {
            SubjectTokenError::Invalid(
                "it is signed by a key the identity provider does not publish".into(),
            )
        })?;
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::to_value(jwk)
            .and_then(serde_json::from_value)
            .map_err(|_| {
                SubjectTokenError::KeysUnavailable(
                    "the provider published a key of an unsupported type".into(),
                )
            })?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| {
            SubjectTokenError::KeysUnavailable("the provider published an unusable key".into())
        })?;
        let mut v = Validation::new(header.alg);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        v.set_issuer(&[idp.issuer.as_str()]);
        v.set_audience(&idp.audiences);
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = jsonwebtoken::decode::<serde_json::Map<String, Value>>(token, &key, &v)
            .map_err(|e| SubjectTokenError::Invalid(reason(&e)))?;
        if let Some(iat) = data.claims.get("iat").and_then(Value::as_i64) {
            let now = jsonwebtoken::get_current_timestamp();
            if u64::try_from(iat).unwrap_or(0) > now + LEEWAY_SECS {
                return Err(SubjectTokenError::Invalid(
                    "it was issued in the future (iat)".into(),
                ));
            }
        }
        Ok(data.claims)
    }
}

/// An error with its causes, for the log: the connector's reason (a refused address, a refused
/// connection) sits several sources below the HTTP client's "error sending request".
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

fn find<'a>(set: &'a JwkSet, kid: Option<&str>) -> Option<&'a tessera_oauth_types::Jwk> {
    match kid {
        Some(kid) => set.find(kid),
        // Without a `kid`, only an unambiguous single-key set can be used.
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
}

fn reason(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidSignature => "the signature does not verify".into(),
        ErrorKind::ExpiredSignature => "it has expired".into(),
        ErrorKind::ImmatureSignature => "it is not valid yet (nbf)".into(),
        ErrorKind::InvalidIssuer => {
            "its issuer (iss) is not the registered identity provider's".into()
        }
        ErrorKind::InvalidAudience => {
            "its audience (aud) is not one the registration accepts".into()
        }
        ErrorKind::MissingRequiredClaim(c) => format!("the {c} claim is missing"),
        ErrorKind::InvalidAlgorithm => "its algorithm does not match the key".into(),
        _ => "it does not verify".into(),
    }
}
