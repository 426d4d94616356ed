//! Many refresh-token rotations at once: each token rotates exactly once however its
//! presentations interleave, and a rotation never reaches another partition's token with the
//! same hash. (The SQLite store commits waiting rotations together; this is what holds whatever
//! a store batches.)

use futures::future::join_all;

use super::*;
use crate::grant::{RefreshToken, Rotation};
use crate::testing::fixtures::{grant, issued_access_token, refresh_token};

/// 30 tokens of one partition presented twice each, 10 tokens of another partition with the
/// same hashes presented once, and 5 unknown tokens, all at once.
pub async fn many_rotations_at_once_each_rotate_once(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let g = grant(&p, seed_ids(&p).web, at(86_400));
    let og = grant(&other, seed_ids(&other).web, at(86_400));
    for g in [&g, &og] {
        let code = crate::testing::fixtures::authorization_code(g, b"c1");
        ok(store.create_grant(g, &code).await, "create_grant");
    }
    let hash = |i: usize| format!("old-{i}").into_bytes();
    let new_hash = |tag: &str, i: usize| format!("new-{tag}-{i}").into_bytes();
    for i in 0..30 {
        let t = refresh_token(&g, &hash(i), at(86_400));
        ok(
            store
                .record_issued(&issued_access_token(&g, at(900)), Some(&t))
                .await,
            "record",
        );
    }
    for i in 0..10 {
        let t = refresh_token(&og, &hash(i), at(86_400));
        ok(
            store
                .record_issued(&issued_access_token(&og, at(900)), Some(&t))
                .await,
            "record",
        );
    }

    // (partition, old hash, new token, access token) of every presentation.
    let mut calls = Vec::new();
    for i in 0..30 {
        for tag in ["a", "b"] {
            calls.push((
                &p,
                hash(i),
                refresh_token(&g, &new_hash(tag, i), at(86_400)),
                issued_access_token(&g, at(1000)),
            ));
        }
    }
    for i in 0..10 {
        calls.push((
            &other,
            hash(i),
            refresh_token(&og, &new_hash("o", i), at(86_400)),
            issued_access_token(&og, at(1000)),
        ));
    }
    for i in 100..105 {
        calls.push((
            &p,
            hash(i),
            refresh_token(&g, &new_hash("u", i), at(86_400)),
            issued_access_token(&g, at(1000)),
        ));
    }
    let outcomes = join_all(calls.iter().map(|(partition, old, new, access)| {
        store.rotate_refresh_token(partition, old, at(100), new, access)
    }))
    .await;
    let outcomes: Vec<Rotation> = outcomes.into_iter().map(|o| ok(o, "rotate")).collect();

    let find = |partition: &PartitionId, hash: Vec<u8>| {
        let partition = partition.clone();
        async move { ok(store.find_refresh_token(&partition, &hash).await, "find").map(|(t, _)| t) }
    };
    // Revoking the grant reaches exactly the access tokens the winning rotations recorded.
    ok(
        store.revoke_grant(&p, g.id, at(50_000)).await,
        "revoke_grant",
    );
    for i in 0..30 {
        let (a, b) = (outcomes[2 * i], outcomes[2 * i + 1]);
        assert!(
            matches!(
                (a, b),
                (Rotation::Rotated, Rotation::AlreadyUsed)
                    | (Rotation::AlreadyUsed, Rotation::Rotated)
            ),
            "token {i}: exactly one of two presentations rotates it: {a:?} {b:?}"
        );
        let (won, lost) = if a == Rotation::Rotated {
            ("a", "b")
        } else {
            ("b", "a")
        };
        let stored: Option<RefreshToken> = find(&p, new_hash(won, i)).await;
        assert!(
            stored.is_some(),
            "token {i}: the winner's new token is stored"
        );
        assert_eq!(
            find(&p, new_hash(lost, i)).await,
            None,
            "token {i}: the loser's is not"
        );
        assert_eq!(
            find(&p, hash(i)).await.map(|t| t.used_at),
            Some(Some(at(100))),
            "token {i} stays, marked used"
        );
        let (access_won, access_lost) = if a == Rotation::Rotated {
            (&calls[2 * i].3, &calls[2 * i + 1].3)
        } else {
            (&calls[2 * i + 1].3, &calls[2 * i].3)
        };
        ok(
            store.revoke_grant(&p, g.id, at(50_000)).await,
            "revoke_grant",
        );
        assert!(
            ok(
                store.is_access_token_revoked(&p, access_won.jti).await,
                "revoked?"
            ),
            "token {i}: the winner's access token is recorded with the grant"
        );
        assert!(
            !ok(
                store.is_access_token_revoked(&p, access_lost.jti).await,
                "revoked?"
            ),
            "token {i}: the loser's access token was never recorded"
        );
    }
    for i in 0..10 {
        assert_eq!(
            outcomes[60 + i],
            Rotation::Rotated,
            "the other partition's token {i}"
        );
        assert!(find(&other, new_hash("o", i)).await.is_some());
        assert_eq!(
            find(&other, hash(i)).await.and_then(|t| t.used_at),
            Some(at(100))
        );
    }
    for i in 0..5 {
        assert_eq!(outcomes[70 + i], Rotation::AlreadyUsed, "unknown token {i}");
        assert_eq!(find(&p, new_hash("u", 100 + i)).await, None);
    }
}
