//! Where a verifier gets an issuer's public keys: the [`KeySource`] trait, its HTTP and in-memory
//! implementations, the decoded [`KeySet`], and the per-issuer [`KeyCache`] that decides when to
//! ask a source again.

use std::fmt::Debug;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use tessera_oauth_types::JwkSet;

pub(crate) mod cache;
pub(crate) mod http_source;
pub(crate) mod set;
pub(crate) mod verifying;

pub use cache::{CacheSettings, KeyCache};
pub use http_source::HttpKeySource;
pub use set::KeySet;

/// A boxed error from an underlying transport.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a [`KeySource`] could not produce a key set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeySourceError {
    /// The JWKS endpoint could not be reached or the connection failed mid-response.
    #[error("could not fetch the JWKS: {0}")]
    Transport(#[source] BoxError),
    /// The JWKS endpoint answered with a status other than 2xx.
    #[error("the JWKS endpoint answered HTTP {0}")]
    Status(u16),
    /// The document exceeds the configured size cap.
    #[error("the JWKS document exceeds {0} bytes")]
    TooLarge(usize),
    /// The document is not a JWK Set (RFC 7517 §5).
    #[error("the JWKS document is not a JWK Set: {0}")]
    Invalid(String),
    /// The source did not answer in time.
    #[error("fetching the JWKS took longer than {0:?}")]
    Timeout(Duration),
}

/// Produces an issuer's current public keys.
///
/// The guard calls [`KeySource::fetch`] only through its cache: once on first use, again when a
/// token names an unknown `kid` (at most once per minimum refresh interval) and when the cached
/// set is older than the maximum key age. Implementations need no caching of their own.
#[async_trait]
pub trait KeySource: Send + Sync + Debug {
    /// Fetches the whole key set.
    async fn fetch(&self) -> Result<JwkSet, KeySourceError>;
}

/// A key set held in memory, for tests and for resource servers that run in-process with the
/// issuer. [`StaticKeySource::replace`] swaps the set, as a key rotation would.
#[derive(Debug, Default)]
pub struct StaticKeySource {
    keys: RwLock<JwkSet>,
}

impl StaticKeySource {
    /// A source that always answers `keys` (until replaced).
    #[must_use]
    pub fn new(keys: JwkSet) -> Self {
        Self {
            keys: RwLock::new(keys),
        }
    }

    /// A shared source, ready for [`GuardBuilder::issuer_with_key_source`](crate::GuardBuilder::issuer_with_key_source).
    #[must_use]
    pub fn shared(keys: JwkSet) -> Arc<Self> {
        Arc::new(Self::new(keys))
    }

    /// Replaces the key set; the guard sees it at its next refresh.
    pub fn replace(&self, keys: JwkSet) {
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
    }
}

#[async_trait]
impl KeySource for StaticKeySource {
    async fn fetch(&self) -> Result<JwkSet, KeySourceError> {
        Ok(self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }
}

#[async_trait]
impl<T: KeySource + ?Sized> KeySource for Arc<T> {
    async fn fetch(&self) -> Result<JwkSet, KeySourceError> {
        (**self).fetch().await
    }
}
