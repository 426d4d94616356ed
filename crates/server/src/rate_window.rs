//! Requests per key in one-minute UTC windows (`tessera_domain::limits::window_start`), counted
//! in memory on the request path and, with PostgreSQL, reconciled with every other instance's
//! counts in the background (docs/operations.md#abuse-limits).
//!
//! The token endpoint is the hot path, so a request never waits for the database: it is
//! admitted or refused on this instance's view of the key, which is the shared total at the
//! last reconciliation plus what this instance admitted since. Every [`RECONCILE_EVERY`] the
//! reconciler adds the local counts to the shared table (`LimitRepository::add_rate_counts`,
//! one upsert per batch) and adopts the totals it returns. So several instances together admit
//! at most the limit plus what the *other* instances admit for the key during one
//! reconciliation interval before they learn the total (with two instances and a client sending
//! r requests a second to each, about r × 0.2 s); once a total reaches the limit, every instance
//! refuses the key until the window ends.
//!
//! When the database is unreachable the counts stay local and are added once it answers again:
//! each instance then enforces the limit on its own counts (fail open to the per-instance
//! limit, never a 500).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use tessera_domain::limits::{WINDOW, window_start};
use tessera_domain::store::LimitRepository;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How often local counts are added to the shared ones.
pub(crate) const RECONCILE_EVERY: Duration = Duration::from_millis(150);
/// Keys tracked before those of past windows are forgotten.
const MAX_TRACKED: usize = 100_000;

/// `X-RateLimit-Limit`: requests allowed per window (a minute).
pub(crate) const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`: requests left in the window.
pub(crate) const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`: when the window ends, an RFC 3339 UTC date-time (OpenAPI's
/// `date-time`, the format the modelled platform documents the header in).
pub(crate) const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// One key's allowance after a request, for the `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    /// Requests allowed per window.
    pub(crate) limit: u32,
    /// Requests left in the window.
    pub(crate) remaining: u32,
    /// When the window ends (for a refusal: when a request may be admitted again).
    pub(crate) reset: OffsetDateTime,
}

impl Quota {
    /// Whole seconds from `now` until [`Self::reset`], at least one: `Retry-After`.
    #[must_use]
    pub(crate) fn retry_after(&self, now: OffsetDateTime) -> u64 {
        let ms = u128::try_from((self.reset - now).whole_milliseconds()).unwrap_or(0);
        u64::try_from(ms.div_ceil(1000)).unwrap_or(1).max(1)
    }

    /// Sets the `X-RateLimit-*` headers.
    pub(crate) fn headers(&self, h: &mut HeaderMap) {
        h.insert(LIMIT, HeaderValue::from(self.limit));
        h.insert(REMAINING, HeaderValue::from(self.remaining));
        if let Some(v) = self
            .reset
            .format(&Rfc3339)
            .ok()
            .and_then(|s| HeaderValue::from_str(&s).ok())
        {
            h.insert(RESET, v);
        }
    }

    /// Sets the headers of a refusal: `Retry-After` (seconds) and the `X-RateLimit-*` ones.
    pub(crate) fn refusal_headers(&self, h: &mut HeaderMap, now: OffsetDateTime) {
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from(self.retry_after(now)),
        );
        self.headers(h);
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    window: OffsetDateTime,
    /// The total of every instance at the last reconciliation.
    shared: u64,
    /// Admitted here and being added to the shared total now.
    sending: u64,
    /// Admitted here since.
    pending: u64,
}

impl Slot {
    fn used(&self) -> u64 {
        self.shared + self.sending + self.pending
    }
}

/// Request counters by key (`c|{partition}|{client_id}`, `x|{address}`).
#[derive(Debug, Default)]
pub(crate) struct RateCounters {
    slots: Mutex<HashMap<String, Slot>>,
}

impl RateCounters {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a request for `key` against `limit` a minute (0: no limit, nothing counted).
    ///
    /// # Errors
    /// The key's quota (nothing remaining) when its window's limit is reached.
    pub(crate) fn check(&self, key: &str, limit: u32, now: OffsetDateTime) -> Result<Quota, Quota> {
        let window = window_start(now);
        let reset = window + WINDOW;
        if limit == 0 {
            return Ok(Quota {
                limit,
                remaining: 0,
                reset,
            });
        }
        let refused = |reset| Quota {
            limit,
            remaining: 0,
            reset,
        };
        let mut slots = self.lock();
        if !slots.contains_key(key) && slots.len() >= MAX_TRACKED {
            slots.retain(|_, s| s.window == window);
            if slots.len() >= MAX_TRACKED {
                // More keys busy this minute than the table holds: a flood. Newcomers wait a
                // moment rather than grow memory.
                return Err(refused(now + Duration::from_secs(1)));
            }
        }
        let fresh = Slot {
            window,
            shared: 0,
            sending: 0,
            pending: 0,
        };
        if !slots.contains_key(key) {
            slots.insert(key.to_owned(), fresh);
        }
        let Some(slot) = slots.get_mut(key) else {
            return Err(refused(reset));
        };
        if slot.window != window {
            *slot = fresh;
        }
        let used = slot.used();
        if used >= u64::from(limit) {
            return Err(refused(reset));
        }
        slot.pending += 1;
        Ok(Quota {
            limit,
            remaining: u32::try_from(u64::from(limit) - used - 1).unwrap_or(0),
            reset,
        })
    }

    /// Adds this instance's new counts to the shared ones and adopts the totals, and forgets
    /// the keys of windows over before `now`'s last one. Returns whether the store answered
    /// (or there was nothing to add).
    pub(crate) async fn reconcile<S>(&self, store: &S, now: OffsetDateTime) -> bool
    where
        S: LimitRepository + Sync + ?Sized,
    {
        let mut batches: BTreeMap<OffsetDateTime, Vec<(String, u64)>> = BTreeMap::new();
        {
            let mut slots = self.lock();
            // Keys of windows before the last one have nothing left to limit.
            let recent = window_start(now) - WINDOW;
            slots.retain(|_, s| s.window >= recent || s.pending > 0);
            for (key, s) in slots.iter_mut() {
                if s.pending > 0 {
                    s.sending = s.pending;
                    s.pending = 0;
                    batches
                        .entry(s.window)
                        .or_default()
                        .push((key.clone(), s.sending));
                }
            }
        }
        let mut answered = true;
        for (window, adds) in batches {
            let result = store.add_rate_counts(window, &adds).await;
            let mut slots = self.lock();
            for (i, (key, _)) in adds.iter().enumerate() {
                let Some(s) = slots.get_mut(key).filter(|s| s.window == window) else {
                    continue;
                };
                match &result {
                    Ok(totals) => {
                        s.shared = totals.get(i).copied().unwrap_or(s.shared + s.sending);
                    }
                    // Kept to add next time.
                    Err(_) => s.pending += s.sending,
                }
                s.sending = 0;
            }
            if let Err(e) = result {
                if answered {
                    tracing::warn!(error = %e, "adding request counts to the shared rate limits failed; each instance limits on its own counts until the database answers");
                }
                answered = false;
            }
        }
        answered
    }
}

/// Reconciles `counters` with the shared store every [`RECONCILE_EVERY`], for as long as the
/// server runs (only with PostgreSQL: a single SQLite process has nothing to share).
pub(crate) async fn reconcile_forever(
    counters: std::sync::Arc<RateCounters>,
    store: std::sync::Arc<dyn tessera_domain::store::Store>,
    clock: std::sync::Arc<dyn tessera_domain::Clock>,
) {
    let mut tick = tokio::time::interval(RECONCILE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        counters.reconcile(store.as_ref(), clock.now()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use tessera_domain::limits::{BackoffKey, Locked};
    use tessera_domain::store::{StoreError, StoreResult};
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-01-01 10:00:30 UTC);

    /// The shared table as two instances see it: one total per key and window.
    #[derive(Default)]
    struct Table(
        Mutex<HashMap<(String, OffsetDateTime), u64>>,
        std::sync::atomic::AtomicBool,
    );

    #[async_trait]
    impl LimitRepository for Table {
        async fn add_rate_counts(
            &self,
            window: OffsetDateTime,
            adds: &[(String, u64)],
        ) -> StoreResult<Vec<u64>> {
            if self.1.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(StoreError::Unavailable(Box::new(std::io::Error::other(
                    "down",
                ))));
            }
            let mut t = self.0.lock().unwrap();
            Ok(adds
                .iter()
                .map(|(k, n)| {
                    let c = t.entry((k.clone(), window)).or_default();
                    *c += n;
                    *c
                })
                .collect())
        }
        async fn purge_rate_counts(&self, _: OffsetDateTime) -> StoreResult<u64> {
            Ok(0)
        }
        async fn reserve_login_attempt(
            &self,
            _: &[BackoffKey],
            _: OffsetDateTime,
        ) -> StoreResult<Result<(), Locked>> {
            Ok(Ok(()))
        }
        async fn settle_login_attempt(&self, _: &[String], _: &[BackoffKey]) -> StoreResult<()> {
            Ok(())
        }
        async fn purge_login_attempts(&self, _: OffsetDateTime) -> StoreResult<u64> {
            Ok(0)
        }
    }

    #[test]
    fn a_key_is_refused_at_its_limit_until_the_window_ends() {
        let c = RateCounters::default();
        for left in (0..3).rev() {
            let q = c.check("c|k", 3, T0).unwrap();
            assert_eq!((q.limit, q.remaining), (3, left));
            assert_eq!(q.reset, datetime!(2026-01-01 10:01:00 UTC));
        }
        let refused = c.check("c|k", 3, T0).unwrap_err();
        assert_eq!(refused.retry_after(T0), 30);
        assert!(c.check("c|other", 3, T0).is_ok());
        assert!(c.check("c|k", 0, T0).is_ok(), "0 is no limit");
        assert!(
            c.check("c|k", 3, datetime!(2026-01-01 10:01:00 UTC))
                .is_ok(),
            "a new window"
        );
        let mut h = HeaderMap::new();
        refused.refusal_headers(&mut h, T0);
        assert_eq!(h["retry-after"], "30");
        assert_eq!(h["x-ratelimit-limit"], "3");
        assert_eq!(h["x-ratelimit-remaining"], "0");
        assert_eq!(h["x-ratelimit-reset"], "2026-01-01T10:01:00Z");
    }

    #[tokio::test]
    async fn instances_adopt_each_others_counts() {
        let table = Table::default();
        let (a, b) = (RateCounters::default(), RateCounters::default());
        let mut admitted = 0;
        // Alternating requests, reconciling after every four: the overshoot is at most what
        // the other instance admitted since its last reconciliation.
        for _ in 0..20 {
            for _ in 0..2 {
                admitted += usize::from(a.check("k", 10, T0).is_ok());
                admitted += usize::from(b.check("k", 10, T0).is_ok());
            }
            assert!(a.reconcile(&table, T0).await);
            assert!(b.reconcile(&table, T0).await);
        }
        assert!((10..=12).contains(&admitted), "{admitted}");
        assert!(a.check("k", 10, T0).is_err() && b.check("k", 10, T0).is_err());
    }

    #[tokio::test]
    async fn counts_made_while_the_store_is_down_are_kept_and_added_later() {
        let table = Table::default();
        let a = RateCounters::default();
        table.1.store(true, std::sync::atomic::Ordering::SeqCst);
        for _ in 0..3 {
            assert!(a.check("k", 3, T0).is_ok());
        }
        assert!(!a.reconcile(&table, T0).await);
        assert!(a.check("k", 3, T0).is_err(), "the limit holds locally");
        table.1.store(false, std::sync::atomic::Ordering::SeqCst);
        assert!(a.reconcile(&table, T0).await);
        assert_eq!(
            table.0.lock().unwrap()[&("k".to_owned(), window_start(T0))],
            3
        );
        // Slots of past windows are forgotten.
        assert!(a.reconcile(&table, T0 + Duration::from_secs(180)).await);
        assert!(a.lock().is_empty());
    }
}
