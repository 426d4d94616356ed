//! One issuer's keys, cached, with refreshes that are rate limited and coalesced.
//!
//! The guard looks a key up by `kid` on every request, so the hit path is a read lock and a hash
//! lookup. A miss may mean the issuer rotated keys (RFC 7517 §5 leaves publication timing to the
//! issuer; Tessera publishes the `next` key ahead of use, but a guard that started before that
//! still has to catch up), so a miss triggers a refresh — but at most once per
//! `min_refresh_interval`, so a flood of tokens with invented `kid`s cannot turn the guard into a
//! traffic amplifier against the issuer, and concurrent misses share one fetch.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use jsonwebtoken::Algorithm;
use tokio::time::Instant;

use super::set::{KeySet, LookupError};
use super::verifying::VerifyingKey;
use super::{KeySource, KeySourceError};

/// When a [`KeyCache`] asks its source again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSettings {
    /// Limit on one fetch, whatever the source.
    pub fetch_timeout: Duration,
    /// No fetch starts sooner than this after the previous attempt (success or failure).
    pub min_refresh_interval: Duration,
    /// A key set older than this is refreshed on next use, so withdrawn keys stop verifying.
    pub max_key_age: Duration,
}

impl Default for CacheSettings {
    /// The guard's defaults: 5 s per fetch, at most one fetch per 10 s, keys kept 10 min.
    fn default() -> Self {
        Self {
            fetch_timeout: super::http_source::DEFAULT_TIMEOUT,
            min_refresh_interval: Duration::from_secs(10),
            max_key_age: Duration::from_secs(600),
        }
    }
}

#[derive(Debug, Default)]
struct Snapshot {
    keys: KeySet,
    /// Bumped by every fetch attempt; a waiter that sees it move knows someone fetched for it.
    generation: u64,
    last_attempt: Option<Instant>,
    last_success: Option<Instant>,
    /// Why the last fetch failed, if it did.
    last_error: Option<Arc<str>>,
}

impl Snapshot {
    fn may_fetch(&self, now: Instant, settings: &CacheSettings) -> bool {
        self.last_attempt
            .is_none_or(|t| now.duration_since(t) >= settings.min_refresh_interval)
    }

    fn is_stale(&self, now: Instant, settings: &CacheSettings) -> bool {
        self.last_success
            .is_none_or(|t| now.duration_since(t) >= settings.max_key_age)
    }

    fn lookup(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, LookupError> {
        match self.keys.lookup(kid) {
            Ok(key) => Ok(key),
            // A failed last fetch means we do not know the issuer's current keys.
            Err(_) if self.last_error.is_some() || self.last_success.is_none() => {
                Err(LookupError::Unavailable(self.last_error.clone()))
            }
            Err(e) => Err(e),
        }
    }
}

/// One issuer's keys from a [`KeySource`], cached, with refreshes that are rate limited and
/// coalesced. The guard keeps one per trusted issuer; the server one per identity provider.
#[derive(Debug)]
pub struct KeyCache {
    issuer: String,
    source: Arc<dyn KeySource>,
    settings: CacheSettings,
    algorithms: Vec<Algorithm>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Held while fetching; waiters re-check the generation instead of fetching again.
    refresh: tokio::sync::Mutex<()>,
}

impl KeyCache {
    /// An empty cache of `issuer`'s keys (the name is for logs) from `source`, keeping the keys
    /// that verify one of `algorithms` (a [`TokenPolicy`](crate::TokenPolicy)'s). Nothing is
    /// fetched until the first lookup.
    #[must_use]
    pub fn new(
        issuer: impl Into<String>,
        source: Arc<dyn KeySource>,
        settings: CacheSettings,
        algorithms: &[Algorithm],
    ) -> Self {
        Self {
            issuer: issuer.into(),
            source,
            settings,
            algorithms: algorithms.to_vec(),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The settings this cache was built with.
    #[must_use]
    pub fn settings(&self) -> CacheSettings {
        self.settings
    }

    /// The key with id `kid` (see [`KeySet`] for a token without one), fetching the key set if
    /// needed and allowed.
    pub(crate) async fn key(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, LookupError> {
        let seen = self.current();
        let now = Instant::now();
        if seen.keys.contains(kid) && !seen.is_stale(now, &self.settings) {
            return seen.lookup(kid);
        }
        if !seen.may_fetch(now, &self.settings) {
            return seen.lookup(kid);
        }
        let _refreshing = self.refresh.lock().await;
        let latest = self.current();
        let latest = if latest.generation == seen.generation {
            self.fetch(&latest).await
        } else {
            // Someone fetched while we waited for the lock: use their result.
            latest
        };
        latest.lookup(kid)
    }

    /// Whether the last known key set holds at least one usable key.
    pub(crate) fn has_keys(&self) -> bool {
        !self.current().keys.is_empty()
    }

    /// Whether a fetch succeeded within `age`.
    pub(crate) fn confirmed_within(&self, age: Duration) -> bool {
        self.current()
            .last_success
            .is_some_and(|t| t.elapsed() < age)
    }

    /// Fetches and installs a new snapshot. On failure the previous keys stay (a briefly
    /// unreachable issuer must not lock out tokens signed with keys we already hold).
    async fn fetch(&self, previous: &Snapshot) -> Arc<Snapshot> {
        let started = Instant::now();
        let result =
            match tokio::time::timeout(self.settings.fetch_timeout, self.source.fetch()).await {
                Ok(result) => result,
                Err(_) => Err(KeySourceError::Timeout(self.settings.fetch_timeout)),
            };
        let next = match result {
            Ok(set) => {
                let keys = KeySet::from_jwks(&set, &self.algorithms);
                tracing::debug!(issuer = %self.issuer, keys = keys.len(), "JWKS refreshed");
                Snapshot {
                    keys,
                    generation: previous.generation + 1,
                    last_attempt: Some(started),
                    last_success: Some(started),
                    last_error: None,
                }
            }
            Err(error) => {
                let why = with_causes(&error);
                tracing::warn!(issuer = %self.issuer, error = %why, "JWKS refresh failed");
                Snapshot {
                    keys: previous.keys.clone(),
                    generation: previous.generation + 1,
                    last_attempt: Some(started),
                    last_success: previous.last_success,
                    last_error: Some(why.into()),
                }
            }
        };
        let next = Arc::new(next);
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::clone(&next);
        next
    }
}

/// An error with its causes: a transport's reason (a refused address, a refused connection)
/// sits several sources below the HTTP client's "error sending request".
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
