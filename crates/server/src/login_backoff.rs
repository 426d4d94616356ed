//! Back-off against password guessing on the login pages: per account and per source address.
//!
//! A few attempts are free; after them each further attempt locks the key for a doubling delay
//! (capped): the rule is `tessera_domain::limits`. An attempt is *reserved* before its password
//! is checked — counted and checked against every key at once — so parallel guesses cannot all
//! pass the check before any of them is counted. A wrong password leaves the reservation
//! counted; a right one clears the account and gives the address its attempt back.
//!
//! An existing account is keyed by its id, so its username and its email share one budget. A
//! name that matches no account is keyed by the name, with the same budget, so a lock reveals
//! nothing about which accounts exist.
//!
//! Where the counts live (docs/operations.md#abuse-limits): a single SQLite process keeps them
//! in memory ([`LocalBackoff`]); with PostgreSQL every attempt is reserved in the shared
//! `login_attempts` table under its rows' locks, so attempts at any instance spend one budget.
//! Logins are not the hot path (each costs an Argon2 verification), so one short transaction
//! per attempt is affordable. If the database does not answer, the attempt is counted in this
//! instance's memory instead: the limit then holds per instance, and no login fails for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tessera_domain::limits::{self, BackoffEntry, BackoffKey, FORGET_AFTER, Locked};
use tessera_domain::store::Store;
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;
use uuid::Uuid;

/// Attempts per account before delays start.
pub const ACCOUNT_FREE: u32 = 5;
/// Attempts per address (which may be many people behind one NAT) before delays start.
pub const ADDRESS_FREE: u32 = 20;
/// Keys tracked in memory before stale ones are dropped.
const MAX_TRACKED: usize = 100_000;

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
    /// Counted in the shared store (not in this instance's memory).
    shared: bool,
}

impl Attempt {
    fn keys(&self) -> Vec<BackoffKey> {
        std::iter::once(BackoffKey {
            key: self.account.clone(),
            free: ACCOUNT_FREE,
        })
        .chain(self.address.iter().map(|a| BackoffKey {
            key: a.clone(),
            free: ADDRESS_FREE,
        }))
        .collect()
    }
}

/// The back-off, counted where the deployment shares it.
#[derive(Debug, Default)]
pub struct LoginBackoff {
    local: LocalBackoff,
    shared: Option<Arc<dyn Store>>,
}

impl LoginBackoff {
    /// A back-off whose counts live in `store`, shared by every instance using it (with this
    /// instance's memory as the fallback while the store does not answer).
    #[must_use]
    pub fn shared(store: Arc<dyn Store>) -> Self {
        Self {
            local: LocalBackoff::default(),
            shared: Some(store),
        }
    }

    /// Counts an attempt against `account` and `address` at once, unless either is locked.
    ///
    /// # Errors
    /// The lock in force; nothing is counted then.
    pub async fn reserve(
        &self,
        account: String,
        address: Option<String>,
        now: OffsetDateTime,
    ) -> Result<Attempt, Locked> {
        if let Some(store) = &self.shared {
            let attempt = Attempt {
                account,
                address,
                shared: true,
            };
            return match store.reserve_login_attempt(&attempt.keys(), now).await {
                Ok(Ok(())) => Ok(attempt),
                Ok(Err(locked)) => Err(locked),
                Err(e) => {
                    tracing::warn!(error = %e, "the shared login back-off is unreachable; counting this attempt in this instance's memory");
                    self.local.reserve(attempt.account, attempt.address, now)
                }
            };
        }
        self.local.reserve(account, address, now)
    }

    /// The password was right: the account's failures are forgotten and the address gets this
    /// attempt back (but keeps its other failures: one good password must not reset a spraying
    /// attacker's count).
    pub async fn succeeded(&self, attempt: Attempt) {
        match &self.shared {
            Some(store) if attempt.shared => {
                let address: Vec<BackoffKey> = attempt.keys().into_iter().skip(1).collect();
                if let Err(e) = store
                    .settle_login_attempt(std::slice::from_ref(&attempt.account), &address)
                    .await
                {
                    tracing::warn!(error = %e, "clearing a login back-off entry failed; it stays counted");
                }
            }
            _ => self.local.succeeded(attempt),
        }
    }

    /// The password was never checked (hashing was at capacity): the attempt is given back.
    pub async fn unchecked(&self, attempt: Attempt) {
        match &self.shared {
            Some(store) if attempt.shared => {
                if let Err(e) = store.settle_login_attempt(&[], &attempt.keys()).await {
                    tracing::warn!(error = %e, "giving a login attempt back failed; it stays counted");
                }
            }
            _ => self.local.unchecked(attempt),
        }
    }
}

/// The back-off of one process: attempt counts by key, in memory, bounded.
#[derive(Debug, Default)]
pub struct LocalBackoff {
    entries: Mutex<HashMap<String, BackoffEntry>>,
}

impl LocalBackoff {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, BackoffEntry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts an attempt against `account` and `address` at once, unless either is locked.
    ///
    /// # Errors
    /// The lock in force; nothing is counted then.
    pub fn reserve(
        &self,
        account: String,
        address: Option<String>,
        now: OffsetDateTime,
    ) -> Result<Attempt, Locked> {
        let mut entries = self.lock();
        let attempt = Attempt {
            account,
            address,
            shared: false,
        };
        let keys = attempt.keys();
        let new_keys = keys
            .iter()
            .filter(|k| !entries.contains_key(&k.key))
            .count();
        if entries.len() + new_keys > MAX_TRACKED {
            // First what is forgotten anyway, then entries below every free allowance: they
            // have never locked anything, so dropping them costs an attacker's budget little
            // and a user's nothing, while locks and their escalation are kept.
            entries.retain(|_, e| now - e.last < FORGET_AFTER);
            if entries.len() + new_keys > MAX_TRACKED {
                entries.retain(|_, e| {
                    e.attempts >= ACCOUNT_FREE.min(ADDRESS_FREE) || e.locked_at(now).is_some()
                });
            }
            if entries.len() + new_keys > MAX_TRACKED {
                // Full of live locks: a flood from more accounts and addresses than the table
                // holds. Newcomers wait rather than grow memory.
                return Err(Locked {
                    until: now + std::time::Duration::from_secs(1),
                    free: ACCOUNT_FREE,
                });
            }
        }
        let mut pairs: Vec<(&BackoffKey, BackoffEntry)> = keys
            .iter()
            .map(|k| {
                let e = entries
                    .get(&k.key)
                    .copied()
                    .unwrap_or_else(|| BackoffEntry::new(now));
                (k, e)
            })
            .collect();
        limits::reserve(&mut pairs, now)?;
        for (k, e) in pairs {
            entries.insert(k.key.clone(), e);
        }
        Ok(attempt)
    }

    /// See [`LoginBackoff::succeeded`].
    pub fn succeeded(&self, attempt: Attempt) {
        let mut entries = self.lock();
        entries.remove(&attempt.account);
        if let Some(a) = &attempt.address {
            refund(&mut entries, a, ADDRESS_FREE);
        }
    }

    /// See [`LoginBackoff::unchecked`].
    pub fn unchecked(&self, attempt: Attempt) {
        let mut entries = self.lock();
        refund(&mut entries, &attempt.account, ACCOUNT_FREE);
        if let Some(a) = &attempt.address {
            refund(&mut entries, a, ADDRESS_FREE);
        }
    }
}

fn refund(entries: &mut HashMap<String, BackoffEntry>, key: &str, free: u32) {
    if let Some(e) = entries.get_mut(key)
        && e.refund(free)
    {
        // Nothing left to remember: requests refused before their password was checked
        // leave no entry behind.
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const T0: OffsetDateTime = time::macros::datetime!(2026-01-01 10:00:00 UTC);

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
        let b = LocalBackoff::default();
        let t0 = T0;
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
        let b = LocalBackoff::default();
        let t0 = T0;
        let a = acct("Agent1");
        assert_eq!(a, acct(" agent1 "));
        for _ in 0..ACCOUNT_FREE {
            drop(b.reserve(a.clone(), None, t0).unwrap());
        }
        assert_eq!(
            b.reserve(a.clone(), None, t0).unwrap_err().wait(t0),
            Duration::from_secs(1)
        );
        let t1 = t0 + Duration::from_secs(1);
        drop(b.reserve(a.clone(), None, t1).unwrap());
        assert_eq!(
            b.reserve(a.clone(), None, t1).unwrap_err().wait(t1),
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
        let b = LocalBackoff::default();
        let t0 = T0;
        let held: Vec<Attempt> = (0..40)
            .filter_map(|_| b.reserve(acct("agent1"), None, t0).ok())
            .collect();
        assert_eq!(held.len(), ACCOUNT_FREE as usize);
    }

    #[test]
    fn an_unchecked_attempt_is_given_back() {
        let b = LocalBackoff::default();
        let t0 = T0;
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
        let b = LocalBackoff::default();
        let t0 = T0;
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
        let b = LocalBackoff::default();
        let t0 = T0;
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
