//! Back-off against password guessing on the login pages: per account and per source address.
//!
//! After a few free failures, each further failure locks the key for a doubling delay (capped).
//! The same rule applies to names that match no account, so a lock reveals nothing about which
//! accounts exist. State is in memory, per instance: with several instances an attacker gains at
//! most a factor of the instance count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures tolerated per account before delays start.
const ACCOUNT_FREE: u32 = 5;
/// Failures tolerated per address (which may be many people behind one NAT).
const ADDRESS_FREE: u32 = 20;
/// Longest delay.
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten after this long without another.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Keys tracked before stale ones are dropped.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Failure counts by key.
#[derive(Debug, Default)]
pub struct LoginBackoff {
    entries: Mutex<HashMap<String, Entry>>,
}

/// The key of an account: partition, realm and the normalised login name.
#[must_use]
pub fn account_key(partition: &str, realm: &str, login: &str) -> String {
    format!("a|{partition}|{realm}|{}", login.trim().to_lowercase())
}

/// The key of a source address.
#[must_use]
pub fn address_key(ip: &str) -> String {
    format!("i|{ip}")
}

impl LoginBackoff {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(wait)` while any of `keys` is locked at `now`.
    ///
    /// # Errors
    /// How long the caller must wait.
    pub fn check(&self, keys: &[&str], now: Instant) -> Result<(), Duration> {
        let entries = self.lock();
        let wait = keys
            .iter()
            .filter_map(|k| entries.get(*k))
            .filter_map(|e| e.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    /// Records a failed attempt against the account and the address.
    pub fn failed(&self, account: &str, address: Option<&str>, now: Instant) {
        let mut entries = self.lock();
        if entries.len() >= MAX_TRACKED {
            entries.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
        }
        let mut bump = |key: &str, free: u32| {
            let e = entries.entry(key.to_owned()).or_insert(Entry {
                failures: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(e.last) >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last = now;
            if e.failures > free {
                let exp = (e.failures - free - 1).min(20);
                let delay = Duration::from_secs(1u64 << exp).min(MAX_DELAY);
                e.locked_until = Some(now + delay);
            }
        };
        bump(account, ACCOUNT_FREE);
        if let Some(a) = address {
            bump(a, ADDRESS_FREE);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's: one good
    /// password must not reset a spraying attacker's count).
    pub fn succeeded(&self, account: &str) {
        self.lock().remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        let acct = account_key("acme", "users", "Agent1");
        assert_eq!(acct, account_key("acme", "users", " agent1 "));
        for _ in 0..ACCOUNT_FREE {
            b.failed(&acct, Some("i|1.2.3.4"), t0);
        }
        assert!(b.check(&[&acct], t0).is_ok());
        b.failed(&acct, None, t0);
        assert_eq!(b.check(&[&acct], t0), Err(Duration::from_secs(1)));
        b.failed(&acct, None, t0);
        assert_eq!(b.check(&[&acct], t0), Err(Duration::from_secs(2)));
        assert!(b.check(&[&acct], t0 + Duration::from_secs(2)).is_ok());
        b.succeeded(&acct);
        assert!(b.check(&[&acct], t0).is_ok());
    }

    #[test]
    fn addresses_have_their_own_allowance() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        for i in 0..=ADDRESS_FREE {
            b.failed(
                &account_key("p", "users", &format!("u{i}")),
                Some("i|9.9.9.9"),
                t0,
            );
        }
        assert!(b.check(&["i|9.9.9.9"], t0).is_err());
        assert!(b.check(&["i|8.8.8.8"], t0).is_ok());
    }
}
