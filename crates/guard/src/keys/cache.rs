//! One issuer's keys, cached, with refreshes that are rate limited and coalesced.
//!
//! The guard looks a key up by `kid` on every request, so the hit path is a read lock and a hash
//! lookup. A miss may mean the issuer rotated keys (RFC 7517 §5 leaves publication timing to the
//! issuer; Tessera publishes the `next` key ahead of use, but a guard that started before that
//! still has to catch up), so a miss triggers a refresh — but at most once per
//! `min_refresh_interval`, so a flood of tokens with invented `kid`s cannot turn the guard into a
//! traffic amplifier against the issuer, and concurrent misses share one fetch.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use super::verifying::VerifyingKey;
use super::{KeySource, KeySourceError};

/// Timing knobs of the cache.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CacheSettings {
    /// Limit on one fetch, whatever the source.
    pub(crate) fetch_timeout: Duration,
    /// No fetch starts sooner than this after the previous attempt (success or failure).
    pub(crate) min_refresh_interval: Duration,
    /// A key set older than this is refreshed on next use, so withdrawn keys stop verifying.
    pub(crate) max_key_age: Duration,
}

/// Why a key could not be produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LookupError {
    /// The issuer's key set is known and has no such key: the token is at fault.
    UnknownKid,
    /// The key set could not be fetched: the guard cannot decide (503, not 401, so clients do
    /// not throw away good tokens).
    Unavailable,
}

#[derive(Debug, Default)]
struct Snapshot {
    keys: HashMap<String, Arc<VerifyingKey>>,
    /// Bumped by every fetch attempt; a waiter that sees it move knows someone fetched for it.
    generation: u64,
    last_attempt: Option<Instant>,
    last_success: Option<Instant>,
    last_failed: bool,
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

    fn lookup(&self, kid: &str) -> Result<Arc<VerifyingKey>, LookupError> {
        match self.keys.get(kid) {
            Some(key) => Ok(Arc::clone(key)),
            // A failed last fetch means we do not know the issuer's current keys.
            None if self.last_failed || self.last_success.is_none() => {
                Err(LookupError::Unavailable)
            }
            None => Err(LookupError::UnknownKid),
        }
    }
}

/// The cached keys of one issuer.
#[derive(Debug)]
pub(crate) struct IssuerKeys {
    issuer: String,
    source: Arc<dyn KeySource>,
    settings: CacheSettings,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Held while fetching; waiters re-check the generation instead of fetching again.
    refresh: tokio::sync::Mutex<()>,
}

impl IssuerKeys {
    pub(crate) fn new(issuer: String, source: Arc<dyn KeySource>, settings: CacheSettings) -> Self {
        Self {
            issuer,
            source,
            settings,
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The key with id `kid`, fetching the key set if needed and allowed.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<VerifyingKey>, LookupError> {
        let seen = self.current();
        let now = Instant::now();
        let hit = seen.keys.get(kid);
        if hit.is_some() && !seen.is_stale(now, &self.settings) {
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
                let mut keys = HashMap::with_capacity(set.keys.len());
                for jwk in &set.keys {
                    match VerifyingKey::from_jwk(jwk) {
                        Ok(key) => {
                            // A set with duplicate ids is ambiguous; the first one wins and the
                            // other can never verify anything.
                            keys.entry(jwk.kid.clone()).or_insert_with(|| Arc::new(key));
                        }
                        Err(why) => tracing::debug!(
                            issuer = %self.issuer, kid = %jwk.kid, why, "ignoring unusable JWK"
                        ),
                    }
                }
                tracing::debug!(issuer = %self.issuer, keys = keys.len(), "JWKS refreshed");
                Snapshot {
                    keys,
                    generation: previous.generation + 1,
                    last_attempt: Some(started),
                    last_success: Some(started),
                    last_failed: false,
                }
            }
            Err(error) => {
                tracing::warn!(issuer = %self.issuer, %error, "JWKS refresh failed");
                Snapshot {
                    keys: previous.keys.clone(),
                    generation: previous.generation + 1,
                    last_attempt: Some(started),
                    last_success: previous.last_success,
                    last_failed: true,
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
