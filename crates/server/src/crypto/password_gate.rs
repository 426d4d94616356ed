//! The limit on concurrent password hashing. Every Argon2id computation holds its memory cost
//! (19 MiB by default) for tens of milliseconds, so an unbounded burst of sign-ins grows memory
//! with the burst. A fixed number of slots bounds it; a request waits briefly for one, and only
//! a few may wait, so the queue is bounded in time and in length. Beyond that the caller answers
//! 503 with `Retry-After` (RFC 9110 §15.6.4).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Requests that may wait for a slot, per slot.
const WAITING_PER_SLOT: usize = 8;

/// What a refused caller tells its client to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Every slot is taken and the wait is over (or too many already wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is at capacity; retry in {} s", .retry_after.as_secs())]
pub struct Busy {
    /// How long the client should wait before retrying.
    pub retry_after: Duration,
}

/// The slots.
#[derive(Debug)]
pub struct PasswordGate {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    wait: Duration,
}

/// A slot, held until the computation ends (dropping it frees the slot).
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl PasswordGate {
    /// `slots` computations at once (at least one); a caller waits at most `wait` for one.
    #[must_use]
    pub fn new(slots: usize, wait: Duration) -> Self {
        let slots = slots.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            waiting: AtomicUsize::new(0),
            max_waiting: slots.saturating_mul(WAITING_PER_SLOT),
            wait,
        }
    }

    /// Takes a slot, waiting a bounded time for one.
    ///
    /// # Errors
    /// [`Busy`] when none became free in time, or too many callers already wait.
    pub async fn enter(&self) -> Result<Slot, Busy> {
        let slot = self.acquire().await;
        if slot.is_none() {
            // Operators watch this to size `password_concurrency`.
            metrics::counter!("tessera_password_hashing_refused_total").increment(1);
        }
        slot.map(|permit| Slot { _permit: permit }).ok_or(Busy {
            retry_after: RETRY_AFTER,
        })
    }

    async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(p) = self.slots.clone().try_acquire_owned() {
            return Some(p);
        }
        if self.wait.is_zero() {
            return None;
        }
        let _queued = Waiting::join(&self.waiting, self.max_waiting)?;
        tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

/// One place in the waiting line, left on drop (also when the request is cancelled).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn join(count: &'a AtomicUsize, max: usize) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_refuses_after_the_wait_and_reopens() {
        let gate = PasswordGate::new(1, Duration::from_millis(20));
        let held = gate.enter().await.unwrap();
        let refused = gate.enter().await.unwrap_err();
        assert_eq!(refused.retry_after, RETRY_AFTER);
        drop(held);
        let again = gate.enter().await;
        assert!(again.is_ok(), "a freed slot is taken at once");
    }

    #[tokio::test]
    async fn a_waiter_gets_a_slot_freed_in_time() {
        let gate = Arc::new(PasswordGate::new(1, Duration::from_secs(5)));
        let held = gate.enter().await.unwrap();
        let g = gate.clone();
        let waiter = tokio::spawn(async move { g.enter().await.map(drop) });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        assert!(waiter.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn the_waiting_line_is_bounded() {
        let gate = Arc::new(PasswordGate::new(1, Duration::from_secs(5)));
        let _held = gate.enter().await.unwrap();
        let mut waiters = Vec::new();
        for _ in 0..WAITING_PER_SLOT {
            let g = gate.clone();
            waiters.push(tokio::spawn(async move { g.enter().await.map(drop) }));
        }
        while gate.waiting.load(Ordering::Acquire) < WAITING_PER_SLOT {
            tokio::task::yield_now().await;
        }
        let started = tokio::time::Instant::now();
        assert!(gate.enter().await.is_err(), "the line is full");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "refused at once"
        );
        for w in waiters {
            w.abort();
        }
    }
}
