//! Abuse limits every instance of a deployment shares (docs/operations.md#abuse-limits): the
//! login back-off's rule, written once here so the in-memory table of a single SQLite process
//! and the rows of a shared PostgreSQL database apply exactly the same one, and the one-minute
//! windows the request-rate limits count in.
//!
//! **Login back-off.** A few attempts per key are free; the attempt that spends the last free
//! one locks the key for one second, and every further attempt doubles the lock (capped at
//! [`MAX_DELAY`]). Failures are forgotten [`FORGET_AFTER`] the last one. An attempt is counted
//! against all of its keys at once, and only if none of them is locked: [`reserve`].
//!
//! **Request rates.** Requests are counted per key in fixed windows of one UTC minute
//! ([`window_start`]), the unit the modelled platform states its limits in (`X-RateLimit-Limit`
//! is requests per minute, `X-RateLimit-Reset` the time the window ends).

use std::time::Duration;

use time::OffsetDateTime;

/// The longest a key is locked.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten after this long without another.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// The length of a rate window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// One key's back-off state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffEntry {
    /// Failed attempts plus those being checked now.
    pub attempts: u32,
    /// When the last attempt was counted.
    pub last: OffsetDateTime,
    /// Until when further attempts are refused.
    pub locked_until: Option<OffsetDateTime>,
}

/// A key an attempt is counted against, with the attempts it has free before locks start.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BackoffKey {
    /// The key (`a|…` an account, `n|…` a name without one, `i|…` a source address).
    pub key: String,
    /// Free attempts.
    pub free: u32,
}

/// Why an attempt was refused: the latest lock among its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    /// When the lock ends.
    pub until: OffsetDateTime,
    /// The free attempts of the key that holds the lock (the "limit" of the answer's headers).
    pub free: u32,
}

impl Locked {
    /// How long from `now` until the lock ends.
    #[must_use]
    pub fn wait(&self, now: OffsetDateTime) -> Duration {
        Duration::try_from(self.until - now).unwrap_or(Duration::ZERO)
    }
}

impl BackoffEntry {
    /// A key with nothing counted yet.
    #[must_use]
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            attempts: 0,
            last: now,
            locked_until: None,
        }
    }

    /// The lock in force at `now`, if any.
    #[must_use]
    pub fn locked_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Counts one attempt at `now`; the one that spends the last free attempt locks the key for
    /// those after it.
    pub fn count(&mut self, free: u32, now: OffsetDateTime) {
        if now - self.last >= FORGET_AFTER {
            self.attempts = 0;
        }
        self.attempts = self.attempts.saturating_add(1);
        self.last = now;
        if self.attempts >= free {
            let exp = (self.attempts - free).min(20);
            let delay = Duration::from_secs(1u64 << exp).min(MAX_DELAY);
            self.locked_until = Some(now + delay);
        }
    }

    /// Gives one attempt back (its password was right, or never checked); below the free
    /// attempts the lock goes too. Returns whether nothing is left to remember.
    pub fn refund(&mut self, free: u32) -> bool {
        self.attempts = self.attempts.saturating_sub(1);
        if self.attempts < free {
            self.locked_until = None;
        }
        self.attempts == 0
    }
}

/// Counts an attempt against every key of `entries` at once, unless one of them is locked at
/// `now`; then nothing is counted and the latest lock is returned.
///
/// # Errors
/// The lock that refuses the attempt.
pub fn reserve(
    entries: &mut [(&BackoffKey, BackoffEntry)],
    now: OffsetDateTime,
) -> Result<(), Locked> {
    let lock = entries
        .iter()
        .filter_map(|(k, e)| {
            e.locked_at(now).map(|until| Locked {
                until,
                free: k.free,
            })
        })
        .max_by_key(|l| l.until);
    if let Some(l) = lock {
        return Err(l);
    }
    for (k, e) in entries.iter_mut() {
        e.count(k.free, now);
    }
    Ok(())
}

/// The start of the one-minute UTC window `now` falls in.
#[must_use]
pub fn window_start(now: OffsetDateTime) -> OffsetDateTime {
    let secs = now.unix_timestamp().div_euclid(60) * 60;
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-01-01 10:00:30 UTC);

    fn key(free: u32) -> BackoffKey {
        BackoffKey {
            key: "a|k".into(),
            free,
        }
    }

    #[test]
    fn the_last_free_attempt_locks_and_locks_double() {
        let k = key(2);
        let mut e = BackoffEntry::new(T0);
        for _ in 0..2 {
            let mut one = [(&k, e)];
            reserve(&mut one, T0).unwrap();
            e = one[0].1;
        }
        let locked = reserve(&mut [(&k, e)], T0).unwrap_err();
        assert_eq!(locked.wait(T0), Duration::from_secs(1));
        assert_eq!(locked.free, 2);
        let t1 = T0 + Duration::from_secs(1);
        let mut one = [(&k, e)];
        reserve(&mut one, t1).unwrap();
        assert_eq!(
            reserve(&mut one, t1).unwrap_err().wait(t1),
            Duration::from_secs(2)
        );
        // Refunds below the free attempts lift the lock; forgetting restarts the count.
        let mut e = one[0].1;
        assert!(!e.refund(2));
        assert!(e.locked_at(t1).is_some(), "still at the free attempts");
        assert!(!e.refund(2));
        assert_eq!(e.locked_at(t1), None);
        e.count(2, t1 + FORGET_AFTER);
        assert_eq!(e.attempts, 1);
    }

    #[test]
    fn a_locked_key_refuses_the_attempt_for_all_keys() {
        let (a, b) = (key(1), key(5));
        let mut locked = BackoffEntry::new(T0);
        locked.count(1, T0);
        let fresh = BackoffEntry::new(T0);
        let mut both = [(&a, locked), (&b, fresh)];
        assert!(reserve(&mut both, T0).is_err());
        assert_eq!(both[1].1.attempts, 0, "nothing counted");
    }

    #[test]
    fn windows_are_utc_minutes() {
        assert_eq!(window_start(T0), datetime!(2026-01-01 10:00:00 UTC));
        assert_eq!(
            window_start(datetime!(1969-12-31 23:59:59 UTC)),
            datetime!(1969-12-31 23:59:00 UTC)
        );
    }
}
