//! The abuse limits' shared state: request counters and the login back-off.

use super::ok;
use crate::limits::{BackoffKey, FORGET_AFTER, Locked};
use crate::store::Store;
use crate::testing::fixtures::at;

fn key(k: &str, free: u32) -> BackoffKey {
    BackoffKey {
        key: k.to_owned(),
        free,
    }
}

/// The lock of a refused attempt; fails the test when the attempt passed.
fn refused(r: Result<(), Locked>) -> Locked {
    match r {
        Ok(()) => panic!("the attempt passed; a lock was expected"),
        Err(l) => l,
    }
}

/// Counters add up per key and window, whatever order keys come in, return the totals in the
/// caller's order, and go with their window on purge.
pub async fn rate_counters_add_up_per_window(store: &dyn Store) {
    let (w0, w1) = (at(0), at(60));
    let adds = vec![("c|b".to_owned(), 3), ("c|a".to_owned(), 2)];
    assert_eq!(ok(store.add_rate_counts(w0, &adds).await, "add"), [3, 2]);
    let again = vec![("c|a".to_owned(), 5), ("c|b".to_owned(), 1)];
    assert_eq!(ok(store.add_rate_counts(w0, &again).await, "add"), [7, 4]);
    assert_eq!(
        ok(store.add_rate_counts(w1, &again[..1]).await, "add"),
        [5],
        "a new window starts at zero"
    );
    // Concurrent adds (two instances) lose nothing.
    let one = vec![("c|a".to_owned(), 1), ("c|b".to_owned(), 1)];
    let rev = vec![("c|b".to_owned(), 1), ("c|a".to_owned(), 1)];
    let (x, y) = tokio::join!(
        store.add_rate_counts(w1, &one),
        store.add_rate_counts(w1, &rev)
    );
    ok(x, "add");
    ok(y, "add");
    assert_eq!(ok(store.add_rate_counts(w1, &one).await, "add"), [8, 3]);
    // Many keys in one call (more than one statement's chunk).
    let many: Vec<(String, u64)> = (0..700).map(|i| (format!("x|{i}"), i)).collect();
    let totals = ok(store.add_rate_counts(w1, &many).await, "add");
    assert_eq!(totals, (0..700).collect::<Vec<u64>>());
    assert_eq!(ok(store.purge_rate_counts(w1).await, "purge"), 2);
    assert_eq!(
        ok(store.add_rate_counts(w0, &adds[..1]).await, "add"),
        [3],
        "the purged window starts again"
    );
}

/// The back-off counts an attempt against all its keys only when none is locked, locks after
/// the free attempts, queues concurrent attempts (exactly the free ones pass), gives attempts
/// back, forgets, and leaves nothing behind for refused attempts.
pub async fn login_backoff_counts_and_locks(store: &dyn Store) {
    let account = key("a|acme|users|1", 3);
    let address = key("i|192.0.2.1", 5);
    let keys = [account.clone(), address.clone()];
    for _ in 0..3 {
        assert!(ok(store.reserve_login_attempt(&keys, at(0)).await, "reserve").is_ok());
    }
    let locked = refused(ok(
        store.reserve_login_attempt(&keys, at(0)).await,
        "reserve",
    ));
    assert_eq!((locked.until, locked.free), (at(1), 3));
    // Refused: the address was not counted. Two more reach the address's last free one.
    let other = key("a|acme|users|2", 3);
    let via = [other.clone(), address.clone()];
    for _ in 0..2 {
        assert!(ok(store.reserve_login_attempt(&via, at(0)).await, "reserve").is_ok());
    }
    let locked = refused(ok(
        store.reserve_login_attempt(&via, at(0)).await,
        "reserve",
    ));
    assert_eq!((locked.until, locked.free), (at(1), 5));
    // A right password clears the account and gives the address its attempt back.
    ok(
        store
            .settle_login_attempt(
                std::slice::from_ref(&account.key),
                std::slice::from_ref(&address),
            )
            .await,
        "settle",
    );
    assert!(ok(store.reserve_login_attempt(&keys, at(0)).await, "reserve").is_ok());
    // Attempts raced at once: exactly the free ones pass.
    let racer = [key("n|acme|users|racer", 3)];
    let (a, b, c, d, e) = tokio::join!(
        store.reserve_login_attempt(&racer, at(10)),
        store.reserve_login_attempt(&racer, at(10)),
        store.reserve_login_attempt(&racer, at(10)),
        store.reserve_login_attempt(&racer, at(10)),
        store.reserve_login_attempt(&racer, at(10)),
    );
    let passed = [a, b, c, d, e]
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(()))))
        .count();
    assert_eq!(passed, 3);
    // Unchecked attempts are given back and leave nothing behind.
    let fresh = [key("n|acme|users|fresh", 1)];
    for _ in 0..4 {
        assert!(ok(store.reserve_login_attempt(&fresh, at(20)).await, "reserve").is_ok());
        ok(store.settle_login_attempt(&[], &fresh).await, "settle");
    }
    // Forgotten an hour after the last one.
    let later = at(20) + FORGET_AFTER;
    assert!(ok(store.reserve_login_attempt(&racer, later).await, "reserve").is_ok());
    // Purge removes the entries whose last attempt is old (both accounts and the address, last
    // counted at 0); the racer's stays.
    let purged = ok(store.purge_login_attempts(at(15)).await, "purge");
    assert_eq!(purged, 3);
    assert!(ok(store.reserve_login_attempt(&racer, later).await, "reserve").is_ok());
    assert!(ok(store.reserve_login_attempt(&racer, later).await, "reserve").is_ok());
    assert!(ok(store.reserve_login_attempt(&racer, later).await, "reserve").is_err());
}
