//! Back-off against password guessing on the login pages: per account and per source address.
//!
//! A few attempts are free; after them each further attempt locks the key for a doubling delay
//! (capped). An attempt is *reserved* before its password is checked — counted and checked
//! against every key at once, under one lock — so parallel guesses cannot all pass the check
//! before any of them is counted. A wrong password leaves the reservation counted; a right one
//! clears the account and gives the address its attempt back.
//!
//! An existing account is keyed by its id, so its username and its email share one budget. A
//! name that matches no account is keyed by the name, with the same budget, so a lock reveals
//! nothing about which accounts exist. State is in memory, per instance: with several instances
//! an attacker gains at most a factor of the instance count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tessera_domain::{PartitionId, Realm};
use uuid::Uuid;

/// Attempts per account before delays start.
pub const ACCOUNT_FREE: u32 = 5;
/// Attempts per address (which may be many people behind one NAT) before delays start.
pub const ADDRESS_FREE: u32 = 20;
/// Longest delay.
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten after this long without another.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Keys tracked before stale ones are dropped.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Failed attempts plus those being checked now.
    attempts: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Attempt counts by key.
#[derive(Debug, Default)]
pub struct LoginBackoff {
    entries: Mutex<HashMap<String, Entry>>,
}

/// Whose budget an attempt spends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account<'a> {
    /// The account the name resolved to (by username or by email).
    Known(Uuid),
    /// A name that matches no account.
    Unknown(&'a str),
}

/// The key of an account's budget in a realm.
#[must_use]
pub fn account_key(partition: &PartitionId, realm: Realm, account: &Account<'_>) -> String {
    let (p, r) = (partition.as_str(), realm.as_str());
    match account {
        Account::Known(id) => format!("a|{p}|{r}|{id}"),
        // Lookups ignore case, so names differing only in case are one name.
        Account::Unknown(login) => format!("n|{p}|{r}|{}", login.trim().to_lowercase()),
    }
}

/// The key of a source address.
#[must_use]
pub fn address_key(ip: std::net::IpAddr) -> String {
    format!("i|{}", crate::rate_limit::client_block(ip))
}

/// An attempt counted against its keys until its outcome says otherwise. Dropping it without
/// [`LoginBackoff::succeeded`] or [`LoginBackoff::unchecked`] leaves it counted as a failure
/// (also when the request is cancelled mid-check).
#[derive(Debug)]
#[must_use = "an attempt stays counted as a failure unless its outcome is reported"]
pub struct Attempt {
    account: String,
    address: Option<String>,
}

impl LoginBackoff {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts an attempt against `account` and `address` at once, unless either is locked.
    ///
    /// # Errors
    /// How long the caller must wait; nothing is counted then.
    pub fn reserve(
        &self,
        account: String,
        address: Option<String>,
        now: Instant,
    ) -> Result<Attempt, Duration> {
        let mut entries = self.lock();
        let wait = std::iter::once(&account)
            .chain(&address)
            .filter_map(|k| entries.get(k))
            .filter_map(|e| e.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        if let Some(w) = wait {
            return Err(w);
        }
        let new_keys = usize::from(!entries.contains_key(&account))
            + address
                .as_ref()
                .map_or(0, |a| usize::from(!entries.contains_key(a)));
        if entries.len() + new_keys > MAX_TRACKED {
            // First what is forgotten anyway, then entries below every free allowance: they
            // have never locked anything, so dropping them costs an attacker's budget little
            // and a user's nothing, while locks and their escalation are kept.
            entries.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
            if entries.len() + new_keys > MAX_TRACKED {
                entries.retain(|_, e| {
                    e.attempts >= ACCOUNT_FREE.min(ADDRESS_FREE)
                        || e.locked_until.is_some_and(|until| until > now)
                });
            }
            if entries.len() + new_keys > MAX_TRACKED {
                // Full of live locks: a flood from more accounts and addresses than the table
                // holds. Newcomers wait rather than grow memory.
                return Err(Duration::from_secs(1));
            }
        }
        let mut count = |key: &str, free: u32| {
            let e = entries.entry(key.to_owned()).or_insert(Entry {
                attempts: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(e.last) >= FORGET_AFTER {
                e.attempts = 0;
            }
            e.attempts = e.attempts.saturating_add(1);
            e.last = now;
            // The attempt that spends the last free one locks the key for those after it.
            if e.attempts >= free {
                let exp = (e.attempts - free).min(20);
                let delay = Duration::from_secs(1u64 << exp).min(MAX_DELAY);
                e.locked_until = Some(now + delay);
            }
        };
        count(&account, ACCOUNT_FREE);
        if let Some(a) = &address {
            count(a, ADDRESS_FREE);
        }
        Ok(Attempt { account, address })
    }

    /// The password was right: the account's failures are forgotten and the address gets this
    /// attempt back (but keeps its other failures: one good password must not reset a spraying
    /// attacker's count).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut entries = self.lock();
        entries.remove(&attempt.account);
        if let Some(a) = &attempt.address {
            refund(&mut entries, a, ADDRESS_FREE);
        }
    }

    /// The password was never checked (hashing was at capacity): the attempt is given back.
    pub fn unchecked(&self, attempt: Attempt) {
        let mut entries = self.lock();
        refund(&mut entries, &attempt.account, ACCOUNT_FREE);
        if let Some(a) = &attempt.address {
            refund(&mut entries, a, ADDRESS_FREE);
        }
    }
}

fn refund(entries: &mut HashMap<String, Entry>, key: &str, free: u32) {
    if let Some(e) = entries.get_mut(key) {
        e.attempts = e.attempts.saturating_sub(1);
        if e.attempts < free {
            e.locked_until = None;
        }
        if e.attempts == 0 {
            // Nothing left to remember: requests refused before their password was checked
            // leave no entry behind.
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().unwrap()
    }

    fn acct(name: &str) -> String {
        account_key(
            &PartitionId::parse("acme").unwrap(),
            Realm::Users,
            &Account::Unknown(name),
        )
    }

    #[test]
    fn the_table_is_bounded_and_refused_attempts_leave_nothing_behind() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        for n in 0..MAX_TRACKED {
            drop(b.reserve(acct(&format!("spray{n}")), None, t0).unwrap());
        }
        // Full of entries below the free allowance: they make room for a newcomer.
        let locked = acct("victim");
        for _ in 0..ACCOUNT_FREE {
            drop(b.reserve(locked.clone(), None, t0).unwrap());
        }
        assert!(b.lock().len() <= MAX_TRACKED);
        assert!(
            b.reserve(locked.clone(), None, t0).is_err(),
            "the lock survived"
        );
        // An attempt refused before its password was checked leaves no entry.
        let before = b.lock().len();
        let attempt = b
            .reserve(acct("passing"), Some(address_key(ip("2001:db8::1"))), t0)
            .unwrap();
        b.unchecked(attempt);
        assert_eq!(b.lock().len(), before);
        // One /64 is one address budget.
        assert_eq!(
            address_key(ip("2001:db8::1")),
            address_key(ip("2001:db8::ffff:1"))
        );
    }

    #[test]
    fn delays_start_after_the_free_attempts_and_double() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        let a = acct("Agent1");
        assert_eq!(a, acct(" agent1 "));
        for _ in 0..ACCOUNT_FREE {
            drop(b.reserve(a.clone(), None, t0).unwrap());
        }
        assert_eq!(
            b.reserve(a.clone(), None, t0).unwrap_err(),
            Duration::from_secs(1)
        );
        let t1 = t0 + Duration::from_secs(1);
        drop(b.reserve(a.clone(), None, t1).unwrap());
        assert_eq!(
            b.reserve(a.clone(), None, t1).unwrap_err(),
            Duration::from_secs(2)
        );
        let t3 = t1 + Duration::from_secs(2);
        let ok = b.reserve(a.clone(), None, t3).unwrap();
        b.succeeded(ok);
        for _ in 0..ACCOUNT_FREE {
            drop(b.reserve(a.clone(), None, t3).unwrap());
        }
        assert!(b.reserve(a, None, t3).is_err(), "a fresh budget, spent");
    }

    #[test]
    fn attempts_in_flight_count_against_the_budget() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        let held: Vec<Attempt> = (0..40)
            .filter_map(|_| b.reserve(acct("agent1"), None, t0).ok())
            .collect();
        assert_eq!(held.len(), ACCOUNT_FREE as usize);
    }

    #[test]
    fn an_unchecked_attempt_is_given_back() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        for _ in 0..ACCOUNT_FREE * 3 {
            let a = b
                .reserve(acct("agent1"), Some(address_key(ip("192.0.2.1"))), t0)
                .unwrap();
            b.unchecked(a);
        }
        assert!(
            b.reserve(acct("agent1"), Some(address_key(ip("192.0.2.1"))), t0)
                .is_ok()
        );
    }

    #[test]
    fn addresses_have_their_own_allowance_and_keep_it_after_a_success() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        let from = || Some(address_key(ip("198.51.100.9")));
        for i in 0..ADDRESS_FREE - 1 {
            drop(b.reserve(acct(&format!("u{i}")), from(), t0).unwrap());
        }
        // A success gives back its own attempt only.
        let good = b.reserve(acct("mine"), from(), t0).unwrap();
        b.succeeded(good);
        drop(b.reserve(acct("last"), from(), t0).unwrap());
        assert!(b.reserve(acct("other"), from(), t0).is_err());
        assert!(
            b.reserve(acct("other"), Some(address_key(ip("198.51.100.8"))), t0)
                .is_ok()
        );
    }

    #[test]
    fn a_refused_attempt_counts_nowhere() {
        let b = LoginBackoff::default();
        let t0 = Instant::now();
        for _ in 0..ACCOUNT_FREE {
            drop(
                b.reserve(acct("locked"), Some(address_key(ip("203.0.113.5"))), t0)
                    .unwrap(),
            );
        }
        for _ in 0..100 {
            assert!(
                b.reserve(acct("locked"), Some(address_key(ip("203.0.113.5"))), t0)
                    .is_err()
            );
        }
        // The address spent ACCOUNT_FREE of its ADDRESS_FREE, no more.
        for i in 0..ADDRESS_FREE - ACCOUNT_FREE {
            drop(
                b.reserve(
                    acct(&format!("n{i}")),
                    Some(address_key(ip("203.0.113.5"))),
                    t0,
                )
                .unwrap(),
            );
        }
        assert!(
            b.reserve(acct("n"), Some(address_key(ip("203.0.113.5"))), t0)
                .is_err()
        );
    }
}
