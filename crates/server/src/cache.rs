//! In-memory caches for the hot path (clients, partition catalogs and keys).
//!
//! Entries live at most [`TTL`]: that bounds how long another instance's admin change takes to be
//! in force here (within 1 s: docs/product.md#storage-and-deployment). Changes made through this
//! instance invalidate at once. When an entry expires, one request reloads it while the others
//! keep using the stale value, so an expiry never becomes a stampede on the database. Why this is
//! not a cache crate: docs/design.md#where-the-code-departs-from-the-original-design-and-why.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Longest an entry is served. Another instance's change is seen here after at most this long
/// plus one reload, and the reload of a partition (its catalog and decrypted keys) takes well
/// over 100 ms on a loaded machine: at 900 ms the scale-out test measured a withdrawn key still
/// published 1,053 ms after the change. Half a second leaves the reload room within the 1 s
/// promise, for one cheap reload per entry and instance every half second.
pub(crate) const TTL: Duration = Duration::from_millis(500);
/// Entries kept at most (bounds memory under a spray of unknown ids, which the caller cannot
/// tell from real ones before asking storage).
const MAX_ENTRIES: usize = 100_000;

struct Slot<V> {
    value: Arc<V>,
    loaded: Instant,
    refreshing: Arc<AtomicBool>,
}

/// A map of values loaded on demand and reloaded after [`TTL`].
pub(crate) struct TtlCache<K, V> {
    map: RwLock<HashMap<K, Slot<V>>>,
}

impl<K, V> std::fmt::Debug for TtlCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TtlCache")
    }
}

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
        }
    }
}

/// Resets `flag` when dropped, so a failed or cancelled reload lets the next request try.
struct ClearOnDrop(Arc<AtomicBool>);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<K: Eq + Hash + Clone, V> TtlCache<K, V> {
    /// The cached value, loading it with `load` when absent or expired.
    ///
    /// # Errors
    /// The loader's error, when there is no value to fall back on.
    pub(crate) async fn get_or_load<E, F, Fut>(&self, key: &K, load: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        let (stale, flag) = {
            let map = self
                .map
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match map.get(key) {
                Some(slot) if slot.loaded.elapsed() < TTL => return Ok(slot.value.clone()),
                Some(slot) => (Some(slot.value.clone()), Some(slot.refreshing.clone())),
                None => (None, None),
            }
        };
        let guard = match (&stale, flag) {
            (Some(v), Some(flag)) => {
                if flag.swap(true, Ordering::AcqRel) {
                    // Someone else is reloading; the stale value is at most one reload old.
                    return Ok(v.clone());
                }
                Some(ClearOnDrop(flag))
            }
            _ => None,
        };
        let loaded = match load().await {
            Ok(v) => Arc::new(v),
            Err(e) => {
                drop(guard);
                return match stale {
                    // Serving a slightly old value beats failing while the database blips.
                    Some(v) => Ok(v),
                    None => Err(e),
                };
            }
        };
        let mut map = self
            .map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            // Expired entries go first; only a spray of fresh ids within one TTL clears the rest.
            map.retain(|_, slot| slot.loaded.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(
            key.clone(),
            Slot {
                value: loaded.clone(),
                loaded: Instant::now(),
                refreshing: Arc::new(AtomicBool::new(false)),
            },
        );
        drop(guard);
        Ok(loaded)
    }

    /// Drops one entry.
    pub(crate) fn invalidate(&self, key: &K) {
        self.map
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[tokio::test]
    async fn loads_once_until_invalidated() {
        let cache: TtlCache<u32, u32> = TtlCache::default();
        let calls = AtomicU32::new(0);
        for _ in 0..3 {
            let v = cache
                .get_or_load(&1, || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, ()>(7)
                })
                .await
                .unwrap();
            assert_eq!(*v, 7);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache.invalidate(&1);
        let _ = cache.get_or_load(&1, || async { Ok::<_, ()>(8) }).await;
        assert_eq!(
            *cache.get_or_load(&1, || async { Err(()) }).await.unwrap(),
            8
        );
    }

    #[tokio::test]
    async fn errors_without_stale_value_propagate() {
        let cache: TtlCache<u32, u32> = TtlCache::default();
        assert!(
            cache
                .get_or_load(&1, || async { Err::<u32, _>("down") })
                .await
                .is_err()
        );
    }
}
