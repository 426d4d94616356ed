//! Signing-key rotation and purging.

use super::*;

/// Rotation: active → retired (at `now`), next → active, the new key → next; other realms and
/// partitions are untouched; retired keys are purged once old enough.
pub async fn signing_key_rotation(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let ev = || event(&p, "signing_key.rotate", "signing_key", "k");
    let state_of = |keys: &[crate::signing_key::SigningKey], kid: &str| {
        keys.iter()
            .find(|k| k.kid == kid)
            .map(|k| (k.state, k.retired_at))
    };

    let first = signing_key(&p, "k1", Realm::Users, KeyState::Next);
    ok(
        store
            .rotate_signing_keys(
                &p,
                Realm::Users,
                std::slice::from_ref(&first),
                at(60),
                &ev(),
            )
            .await,
        "rotate",
    );
    let keys = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    assert_eq!(
        state_of(&keys, "acme-users-active"),
        Some((KeyState::Retired, Some(at(60))))
    );
    assert_eq!(
        state_of(&keys, "acme-users-next"),
        Some((KeyState::Active, None))
    );
    assert_eq!(state_of(&keys, "k1"), Some((KeyState::Next, None)));
    assert_eq!(
        state_of(&keys, "acme-customers-active"),
        Some((KeyState::Active, None))
    );
    assert_eq!(
        state_of(&keys, "acme-customers-next"),
        Some((KeyState::Next, None))
    );
    let stored = keys.iter().find(|k| k.kid == "k1").cloned();
    assert_eq!(stored.as_ref(), Some(&first));
    assert_eq!(
        stored.map(|k| k.private_key_encrypted),
        Some(first.private_key_encrypted.clone())
    );

    let second = signing_key(&p, "k2", Realm::Users, KeyState::Next);
    ok(
        store
            .rotate_signing_keys(
                &p,
                Realm::Users,
                std::slice::from_ref(&second),
                at(120),
                &ev(),
            )
            .await,
        "rotate",
    );
    let keys = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    assert_eq!(
        state_of(&keys, "acme-users-active"),
        Some((KeyState::Retired, Some(at(60))))
    );
    assert_eq!(
        state_of(&keys, "acme-users-next"),
        Some((KeyState::Retired, Some(at(120))))
    );
    assert_eq!(state_of(&keys, "k1"), Some((KeyState::Active, None)));
    assert_eq!(state_of(&keys, "k2"), Some((KeyState::Next, None)));
    assert_eq!(keys.len(), 6);
    assert_eq!(
        ok(store.list_signing_keys(&other).await, "other partition"),
        sample_seed(&other).signing_keys
    );

    // A kid already used in the partition is a conflict, and the rotation does not happen.
    let dup = signing_key(&p, "k2", Realm::Users, KeyState::Next);
    assert!(matches!(
        store
            .rotate_signing_keys(&p, Realm::Users, std::slice::from_ref(&dup), at(130), &ev())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(ok(store.list_signing_keys(&p).await, "unchanged"), keys);
    assert_not_found(
        store
            .rotate_signing_keys(
                &pid("nobody"),
                Realm::Users,
                std::slice::from_ref(&dup),
                at(130),
                &ev(),
            )
            .await,
        "unknown partition",
    );

    // Only keys retired before the cut-off go.
    assert_eq!(ok(store.purge_retired_keys(at(60)).await, "purge"), 0);
    assert_eq!(ok(store.purge_retired_keys(at(61)).await, "purge"), 1);
    let keys = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    assert_eq!(state_of(&keys, "acme-users-active"), None);
    assert_eq!(keys.len(), 5);
    assert_eq!(
        audit_actions(store, &p).await,
        [
            "partition.create",
            "signing_key.rotate",
            "signing_key.rotate"
        ]
    );
}

/// A realm keeps one key family per algorithm, each with its own active and next key; one
/// rotation rotates every family it is given, in one transaction, and leaves the others alone.
pub async fn key_families_rotate_together(store: &dyn Store) {
    let p = pid("acme");
    let mut seed = sample_seed(&p);
    for state in [KeyState::Active, KeyState::Next] {
        let mut k = signing_key(&p, &format!("rsa-{}", state.as_str()), Realm::Users, state);
        k.alg = crate::signing_key::SigningAlg::RS256;
        seed.signing_keys.push(k);
    }
    ok(
        store
            .create_partition(&seed, &event(&p, "partition.create", "partition", "acme"))
            .await,
        "create_partition",
    );
    let mut rsa = signing_key(&p, "rsa-new", Realm::Users, KeyState::Next);
    rsa.alg = crate::signing_key::SigningAlg::RS256;
    let es = signing_key(&p, "es-new", Realm::Users, KeyState::Next);
    ok(
        store
            .rotate_signing_keys(
                &p,
                Realm::Users,
                &[es, rsa],
                at(60),
                &event(&p, "signing_key.rotate", "signing_key", "k"),
            )
            .await,
        "rotate",
    );
    let keys = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    let state = |kid: &str| keys.iter().find(|k| k.kid == kid).map(|k| k.state);
    assert_eq!(state("acme-users-active"), Some(KeyState::Retired));
    assert_eq!(state("acme-users-next"), Some(KeyState::Active));
    assert_eq!(state("es-new"), Some(KeyState::Next));
    assert_eq!(state("rsa-active"), Some(KeyState::Retired));
    assert_eq!(state("rsa-next"), Some(KeyState::Active));
    assert_eq!(state("rsa-new"), Some(KeyState::Next));
    assert_eq!(state("acme-customers-active"), Some(KeyState::Active));
    assert_eq!(
        keys.iter().find(|k| k.kid == "rsa-new").map(|k| k.alg),
        Some(crate::signing_key::SigningAlg::RS256)
    );
}

/// A realm without a next key keeps its active key and gains the new one as next (promoting an
/// unpublished key would break verifiers); the following rotation switches as usual.
pub async fn rotation_without_next_key_keeps_active(store: &dyn Store) {
    let p = pid("acme");
    let mut seed = sample_seed(&p);
    seed.signing_keys.retain(|k| k.state == KeyState::Active);
    ok(
        store
            .create_partition(&seed, &event(&p, "partition.create", "p", "p"))
            .await,
        "seed",
    );
    let ev = || event(&p, "signing_key.rotate", "signing_key", "k");
    ok(
        store
            .rotate_signing_keys(
                &p,
                Realm::Customers,
                &[signing_key(&p, "n1", Realm::Customers, KeyState::Next)],
                at(1),
                &ev(),
            )
            .await,
        "rotate",
    );
    let states = |keys: Vec<crate::signing_key::SigningKey>| {
        keys.into_iter()
            .filter(|k| k.realm == Realm::Customers)
            .map(|k| (k.kid, k.state))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        states(ok(store.list_signing_keys(&p).await, "keys")),
        [
            ("acme-customers-active".to_owned(), KeyState::Active),
            ("n1".to_owned(), KeyState::Next)
        ]
    );
    ok(
        store
            .rotate_signing_keys(
                &p,
                Realm::Customers,
                &[signing_key(&p, "n2", Realm::Customers, KeyState::Next)],
                at(2),
                &ev(),
            )
            .await,
        "rotate",
    );
    assert_eq!(
        states(ok(store.list_signing_keys(&p).await, "keys")),
        [
            ("acme-customers-active".to_owned(), KeyState::Retired),
            ("n1".to_owned(), KeyState::Active),
            ("n2".to_owned(), KeyState::Next)
        ]
    );
}

/// Withdrawing a key: only a retired key of the partition goes, with its audit event in the same
/// write; the active and next keys, unknown kids and other partitions' keys are refused with
/// `NotFound` and leave everything (audit log included) as it was.
pub async fn retired_keys_are_withdrawn_at_once(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let ev = |action: &str| event(&p, action, "signing_key", "k");
    let next = signing_key(&p, "k1", Realm::Users, KeyState::Next);
    ok(
        store
            .rotate_signing_keys(
                &p,
                Realm::Users,
                std::slice::from_ref(&next),
                at(60),
                &ev("signing_key.rotate"),
            )
            .await,
        "rotate",
    );
    let before = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    let actions = audit_actions(store, &p).await;
    for kid in ["acme-users-next", "k1", "acme-customers-active", "nope"] {
        assert_not_found(
            store
                .withdraw_signing_key(&p, kid, &ev("signing_key.revoke"))
                .await,
            kid,
        );
    }
    assert_not_found(
        store
            .withdraw_signing_key(&other, "acme-users-active", &ev("signing_key.revoke"))
            .await,
        "another partition's key",
    );
    assert_eq!(ok(store.list_signing_keys(&p).await, "unchanged"), before);
    assert_eq!(audit_actions(store, &p).await, actions, "no audit event");

    ok(
        store
            .withdraw_signing_key(&p, "acme-users-active", &ev("signing_key.revoke"))
            .await,
        "withdraw the retired key",
    );
    let after = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    assert_eq!(
        after.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
        before
            .iter()
            .map(|k| k.kid.as_str())
            .filter(|k| *k != "acme-users-active")
            .collect::<Vec<_>>()
    );
    assert_eq!(
        audit_actions(store, &p).await.last().map(String::as_str),
        Some("signing_key.revoke")
    );
    assert_not_found(
        store
            .withdraw_signing_key(&p, "acme-users-active", &ev("signing_key.revoke"))
            .await,
        "a second withdrawal",
    );
    assert_eq!(
        ok(store.list_signing_keys(&other).await, "other partition"),
        sample_seed(&other).signing_keys
    );
}
