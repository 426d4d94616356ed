//! The set of partitions this deployment has, so that a partition id taken from a request — a
//! path segment or an unverified token's `iss` — costs neither a database query nor a cache
//! entry unless the partition exists.
//!
//! Without it every invented id (`/system/auth/<random>-U/...`, or a junk admin token whose `iss`
//! names a random partition) would be looked up in the database and remembered, so an
//! unauthenticated caller could grow memory and load the database at will (RFC 9700 §4.16 asks
//! authorization servers to withstand such abuse). Here a miss triggers at most one reload of the
//! whole id list per [`MIN_RELOAD`], shared by every concurrent caller, whatever the number of
//! junk ids; memory is bounded by the number of real partitions.
//!
//! A partition created through this process is added at once ([`KnownPartitions::insert`]); one
//! created by another instance or the CLI is seen at the first miss after [`MIN_RELOAD`], which
//! keeps the deployment's one-second propagation bound (docs/product.md#storage-and-deployment).

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tessera_domain::PartitionId;
use tessera_domain::store::StoreError;

/// A miss reloads the list at most this often (the hot-path caches' lifetime).
pub(crate) const MIN_RELOAD: Duration = crate::cache::TTL;

#[derive(Debug, Default)]
struct Snapshot {
    ids: HashSet<PartitionId>,
    /// When the list was last read from storage; `None` before the first read.
    loaded: Option<Instant>,
}

/// The ids of every partition, reloaded on a miss at most every [`MIN_RELOAD`].
#[derive(Debug, Default)]
pub(crate) struct KnownPartitions {
    current: RwLock<Arc<Snapshot>>,
    /// Held while reloading; callers that waited use the reload they waited for.
    reload: tokio::sync::Mutex<()>,
}

impl KnownPartitions {
    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Whether `id` is known now, without reading storage (for synchronous callers such as the
    /// admin guard's issuer resolver, which runs after [`Self::contains`] has been consulted
    /// for the request's partition).
    #[must_use]
    pub(crate) fn contains_now(&self, id: &PartitionId) -> bool {
        self.snapshot().ids.contains(id)
    }

    /// Whether `id` exists, reloading the list with `load` on a miss when the last reload is
    /// older than [`MIN_RELOAD`].
    ///
    /// # Errors
    /// The loader's error when no list has ever been loaded; afterwards a failed reload answers
    /// from the last list (a partition created during a database outage waits for recovery).
    pub(crate) async fn contains<F, Fut>(
        &self,
        id: &PartitionId,
        load: F,
    ) -> Result<bool, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<PartitionId>, StoreError>>,
    {
        let seen = self.snapshot();
        if seen.ids.contains(id) {
            return Ok(true);
        }
        if seen.loaded.is_some_and(|t| t.elapsed() < MIN_RELOAD) {
            return Ok(false);
        }
        let _reloading = self.reload.lock().await;
        let latest = self.snapshot();
        if latest.loaded != seen.loaded {
            // Someone reloaded (or inserted) while we waited: their answer is fresh enough.
            return Ok(latest.ids.contains(id));
        }
        match load().await {
            Ok(ids) => {
                let next = Arc::new(Snapshot {
                    ids: ids.into_iter().collect(),
                    loaded: Some(Instant::now()),
                });
                let found = next.ids.contains(id);
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = next;
                Ok(found)
            }
            Err(e) if latest.loaded.is_none() => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "reloading the partition list failed; using the last one");
                Ok(false)
            }
        }
    }

    /// Records a partition created through this process, so it is served at once.
    pub(crate) fn insert(&self, id: PartitionId) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.ids.contains(&id) {
            return;
        }
        let mut ids = current.ids.clone();
        ids.insert(id);
        *current = Arc::new(Snapshot {
            ids,
            loaded: current.loaded,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn id(s: &str) -> PartitionId {
        PartitionId::parse(s).unwrap()
    }

    #[tokio::test]
    async fn junk_ids_cost_one_reload_per_interval_whatever_their_number() {
        let known = KnownPartitions::default();
        let loads = AtomicU32::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(vec![id("acme")])
        };
        assert!(known.contains(&id("acme"), load).await.unwrap());
        for n in 0..10_000 {
            let junk = id(&format!("junk{n}"));
            assert!(!known.contains(&junk, load).await.unwrap());
        }
        assert_eq!(
            loads.load(Ordering::SeqCst),
            1,
            "misses within the interval reload nothing"
        );
        assert_eq!(known.snapshot().ids.len(), 1, "junk ids are not remembered");
    }

    #[tokio::test]
    async fn a_miss_after_the_interval_sees_a_partition_created_elsewhere() {
        let known = KnownPartitions::default();
        assert!(
            !known
                .contains(&id("beta"), || async { Ok(vec![id("acme")]) })
                .await
                .unwrap()
        );
        tokio::time::sleep(MIN_RELOAD + Duration::from_millis(50)).await;
        let found = known
            .contains(&id("beta"), || async { Ok(vec![id("acme"), id("beta")]) })
            .await
            .unwrap();
        assert!(found);
    }

    #[tokio::test]
    async fn inserted_ids_are_known_at_once_and_failed_reloads_keep_the_last_list() {
        let known = KnownPartitions::default();
        let down = || async { Err(StoreError::Unavailable("down".into())) };
        assert!(
            known.contains(&id("acme"), down).await.is_err(),
            "nothing to fall back on"
        );
        known.insert(id("acme"));
        assert!(known.contains_now(&id("acme")));
        assert!(known.contains(&id("acme"), down).await.unwrap());

        let ok = || async { Ok(vec![id("acme")]) };
        assert!(!known.contains(&id("other"), ok).await.unwrap());
        tokio::time::sleep(MIN_RELOAD + Duration::from_millis(50)).await;
        assert!(
            !known.contains(&id("other"), down).await.unwrap(),
            "the last list answers"
        );
        assert!(known.contains_now(&id("acme")));
    }
}
