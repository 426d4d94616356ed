//! The Administration Console's sessions.

use super::{found, ok, seeded};
use crate::session::ConsoleSession;
use crate::store::Store;
use crate::testing::fixtures::{at, fresh_id};

/// Console sessions are found by partition and hash only, keep their times to the microsecond,
/// move `last_seen_at` forward only, and go on delete and on purge.
pub async fn console_sessions_round_trip(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let s = ConsoleSession {
        partition: p.clone(),
        hash: b"console-1".to_vec(),
        user_id: fresh_id(),
        realm_session_id: Some(fresh_id()),
        created_at: at(0),
        last_seen_at: at(0),
        expires_at: at(3600),
    };
    ok(store.create_console_session(&s).await, "create");
    let short = ConsoleSession {
        hash: b"console-2".to_vec(),
        realm_session_id: None,
        expires_at: at(10),
        ..s.clone()
    };
    ok(store.create_console_session(&short).await, "create");
    assert_eq!(
        found(store.find_console_session(&p, b"console-1").await, "find"),
        s
    );
    assert_eq!(
        found(store.find_console_session(&p, b"console-2").await, "find"),
        short
    );
    assert_eq!(
        ok(
            store.find_console_session(&other, b"console-1").await,
            "find"
        ),
        None,
        "another partition"
    );
    ok(
        store.touch_console_session(&p, b"console-1", at(60)).await,
        "touch",
    );
    ok(
        store.touch_console_session(&p, b"console-1", at(30)).await,
        "touch",
    );
    assert_eq!(
        found(store.find_console_session(&p, b"console-1").await, "find").last_seen_at,
        at(60),
        "activity only moves forward"
    );
    assert_eq!(ok(store.purge_console_sessions(at(20)).await, "purge"), 1);
    assert_eq!(
        ok(store.find_console_session(&p, b"console-2").await, "find"),
        None
    );
    ok(
        store.delete_console_session(&other, b"console-1").await,
        "delete",
    );
    assert!(
        ok(store.find_console_session(&p, b"console-1").await, "find").is_some(),
        "another partition's delete leaves it"
    );
    ok(
        store.delete_console_session(&p, b"console-1").await,
        "delete",
    );
    assert_eq!(
        ok(store.find_console_session(&p, b"console-1").await, "find"),
        None
    );
}
