//! Client applications, their permission assignments and secrets.

use super::*;

/// The ID token algorithm is kept as chosen, at creation and on update
/// (docs/flows/authorization-code.md, ID tokens).
pub async fn id_token_alg_round_trips(store: &dyn Store) {
    let acme = seeded(store, "acme").await;
    let ev = || event(&acme, "x.create", "x", "y");
    let mut c = web_client(&acme, fresh_id(), "Signed");
    c.id_token_signed_response_alg = crate::signing_key::SigningAlg::ES256;
    ok(store.create_client(&c, &ev()).await, "create_client");
    assert_eq!(
        found(store.get_client(&acme, c.client_id).await, "get_client"),
        c
    );
    c.id_token_signed_response_alg = crate::signing_key::SigningAlg::EdDSA;
    ok(store.update_client(&c, &ev()).await, "update_client");
    let got = found(store.get_client(&acme, c.client_id).await, "get_client");
    assert_eq!(
        got.id_token_signed_response_alg,
        crate::signing_key::SigningAlg::EdDSA
    );
    assert_eq!(got, c);
}

/// Names unique within a partition are reported as conflicts naming the field.
pub async fn duplicate_names_conflict(store: &dyn Store) {
    let acme = seeded(store, "acme").await;
    let globex = seeded(store, "globex").await;
    let ev = || event(&acme, "x.create", "x", "y");

    assert_conflict(
        store
            .create_client(&web_client(&acme, fresh_id(), "Portal"), &ev())
            .await,
        "name",
        "client name",
    );
    let other = web_client(&acme, fresh_id(), "Other");
    ok(store.create_client(&other, &ev()).await, "create_client");
    let mut renamed = other.clone();
    renamed.name = "Portal".to_owned();
    assert_conflict(
        store.update_client(&renamed, &ev()).await,
        "name",
        "client rename",
    );
    assert_eq!(
        found(store.get_client(&acme, other.client_id).await, "get_client"),
        other
    );
    // Same name in another partition is fine.
    ok(
        store
            .create_client(&web_client(&globex, fresh_id(), "Other"), &ev())
            .await,
        "create_client elsewhere",
    );

    assert_conflict(
        store
            .create_department(
                &acme,
                &Department {
                    name: "Sales".to_owned(),
                    created_at: T0,
                },
                &ev(),
            )
            .await,
        "name",
        "department name",
    );
    ok(
        store
            .create_identity_provider(
                &identity_provider(&acme, fresh_id(), "Okta", true),
                25,
                &ev(),
            )
            .await,
        "create_identity_provider",
    );
    assert_conflict(
        store
            .create_identity_provider(
                &identity_provider(&acme, fresh_id(), "Okta", false),
                25,
                &ev(),
            )
            .await,
        "name",
        "identity provider name",
    );
    let second = identity_provider(&acme, fresh_id(), "Entra", false);
    ok(
        store.create_identity_provider(&second, 25, &ev()).await,
        "create_identity_provider",
    );
    let mut renamed = second.clone();
    renamed.name = "Okta".to_owned();
    assert_conflict(
        store.update_identity_provider(&renamed, &ev()).await,
        "name",
        "idp rename",
    );
}

/// Permission assignments are replaced as a set; an unknown name is refused, named, and changes
/// nothing.
pub async fn permissions_are_replaced_and_checked(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let cid = seed_ids(&p).web;
    let ev = || {
        event(
            &p,
            "client_application.permissions",
            "client_application",
            "c",
        )
    };
    let perms = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let pr = &p;
    let current =
        || async move { found(store.get_client(pr, cid).await, "get_client").permissions };

    ok(
        store
            .set_client_permissions(
                &p,
                cid,
                &perms(&["core.admin.manage", "app.core.usermgr.read"]),
                &ev(),
            )
            .await,
        "set_client_permissions",
    );
    assert_eq!(
        current().await,
        perms(&["app.core.usermgr.read", "core.admin.manage"]),
        "sorted"
    );

    let refused = store
        .set_client_permissions(
            &p,
            cid,
            &perms(&[
                "knowledge.portalmgr.read",
                "knowledge.x.read",
                "knowledge.y.read",
            ]),
            &ev(),
        )
        .await;
    match refused {
        Err(StoreError::UnknownReference(Reference::Permission(name))) => {
            assert_eq!(name, "knowledge.x.read");
        }
        other => panic!("expected UnknownReference, got {other:?}"),
    }
    assert_eq!(
        current().await,
        perms(&["app.core.usermgr.read", "core.admin.manage"]),
        "unchanged"
    );

    ok(
        store
            .set_client_permissions(&p, cid, &perms(&["knowledge.portalmgr.read"]), &ev())
            .await,
        "set",
    );
    assert_eq!(current().await, perms(&["knowledge.portalmgr.read"]));
    // A name listed twice is assigned once (`ON CONFLICT DO NOTHING` in both stores).
    ok(
        store
            .set_client_permissions(
                &p,
                cid,
                &perms(&["knowledge.portalmgr.read", "knowledge.portalmgr.read"]),
                &ev(),
            )
            .await,
        "set with a duplicate",
    );
    assert_eq!(current().await, perms(&["knowledge.portalmgr.read"]));
    ok(
        store.set_client_permissions(&p, cid, &[], &ev()).await,
        "clear",
    );
    assert!(current().await.is_empty());
    assert_not_found(
        store
            .set_client_permissions(&p, fresh_id(), &[], &ev())
            .await,
        "unknown client",
    );

    // A new client naming an unknown permission is refused and not created.
    let mut c = web_client(&p, fresh_id(), "Bad perms");
    c.permissions = perms(&["core.admin.manage", "core.nope.read"]);
    match store.create_client(&c, &ev()).await {
        Err(StoreError::UnknownReference(Reference::Permission(name))) => {
            assert_eq!(name, "core.nope.read");
        }
        other => panic!("expected UnknownReference, got {other:?}"),
    }
    assert_eq!(
        ok(store.get_client(&p, c.client_id).await, "get_client"),
        None
    );
    let changes = audit_actions(store, &p)
        .await
        .into_iter()
        .filter(|a| a == "client_application.permissions")
        .count();
    assert_eq!(changes, 4, "refused changes leave no audit event");
}

/// Deleting a client takes its secrets and permission assignments with it.
pub async fn delete_client_removes_secrets_and_permissions(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ids = seed_ids(&p);
    let ev = || event(&p, "client_application.delete", "client_application", "c");
    ok(
        store.delete_client(&p, ids.web, &ev()).await,
        "delete_client",
    );
    assert_eq!(ok(store.get_client(&p, ids.web).await, "get_client"), None);
    assert!(ok(store.client_secret_hashes(&p, ids.web).await, "hashes").is_empty());
    assert!(
        ok(
            store
                .list_client_secrets(&p, ids.web, PageRequest::default())
                .await
                .map(|p| p.items),
            "secrets"
        )
        .is_empty()
    );
    assert_not_found(
        store.delete_client(&p, ids.web, &ev()).await,
        "second delete",
    );
    // A use of the deleted secret arriving late is ignored.
    ok(
        store.touch_client_secrets(&[(ids.secret, at(9))]).await,
        "touch deleted secret",
    );

    // A client re-created under the same id starts with nothing.
    let again = web_client(&p, ids.web, "Portal");
    ok(store.create_client(&again, &ev()).await, "create_client");
    assert_eq!(
        found(store.get_client(&p, ids.web).await, "get_client"),
        again
    );
    assert!(ok(store.client_secret_hashes(&p, ids.web).await, "hashes").is_empty());
    // The other client is untouched.
    assert!(ok(store.get_client(&p, ids.spa).await, "get_client").is_some());
}

/// At most `max_unexpired` unexpired secrets per client; expired ones do not count.
pub async fn secret_cap_ignores_expired_secrets(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let client = web_client(&p, fresh_id(), "Capped");
    ok(
        store
            .create_client(&client, &event(&p, "client.create", "client", "c"))
            .await,
        "create_client",
    );
    let cid = client.client_id;
    let add = |s, now| {
        let audit = event(&p, "client_secret.create", "client_secret", "s");
        async move { store.add_client_secret(&s, 2, now, &audit).await }
    };

    let expiring = secret(&p, cid, fresh_id(), Some(at(100)));
    let forever = secret(&p, cid, fresh_id(), None);
    ok(add(expiring.clone(), T0).await, "first secret");
    ok(add(forever.clone(), T0).await, "second secret");
    let third = secret(&p, cid, fresh_id(), Some(at(1000)));
    let refused = add(third.clone(), T0).await;
    assert!(
        matches!(refused, Err(StoreError::LimitReached(_))),
        "third secret: {refused:?}"
    );
    // At the expiry instant the first secret no longer counts.
    ok(
        add(third.clone(), at(100)).await,
        "third secret after the first expired",
    );
    let refused = add(secret(&p, cid, fresh_id(), None), at(100)).await;
    assert!(
        matches!(refused, Err(StoreError::LimitReached(_))),
        "fourth secret: {refused:?}"
    );

    let listed = ok(
        store
            .list_client_secrets(&p, cid, PageRequest::default())
            .await
            .map(|p| p.items),
        "list_client_secrets",
    );
    assert_eq!(
        listed,
        vec![expiring.secret, forever.secret, third.secret.clone()]
    );
    assert_not_found(
        add(secret(&p, fresh_id(), fresh_id(), None), T0).await,
        "unknown client",
    );

    // Deleting one makes room again.
    ok(
        store
            .delete_client_secret(
                &p,
                cid,
                third.secret.id,
                &event(&p, "client_secret.delete", "s", "s"),
            )
            .await,
        "delete_client_secret",
    );
    assert_not_found(
        store
            .delete_client_secret(
                &p,
                cid,
                third.secret.id,
                &event(&p, "client_secret.delete", "s", "s"),
            )
            .await,
        "second delete",
    );
    ok(
        add(secret(&p, cid, fresh_id(), None), at(100)).await,
        "secret after a delete",
    );
    let created = audit_actions(store, &p)
        .await
        .into_iter()
        .filter(|a| a == "client_secret.create")
        .count();
    assert_eq!(created, 4, "refused secrets leave no audit event");
}

/// Batched uses set `last_used_at`, never move it backwards, and skip unknown secrets.
pub async fn touch_records_last_use(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ids = seed_ids(&p);
    let second = secret(&p, ids.web, fresh_id(), None);
    ok(
        store
            .add_client_secret(&second, 2, T0, &event(&p, "client_secret.create", "s", "s"))
            .await,
        "add_client_secret",
    );
    let (pr, web) = (&p, ids.web);
    let last_used = || async move {
        ok(
            store
                .list_client_secrets(pr, web, PageRequest::default())
                .await
                .map(|p| p.items),
            "list_client_secrets",
        )
        .into_iter()
        .map(|s| s.last_used_at)
        .collect::<Vec<Option<OffsetDateTime>>>()
    };
    assert_eq!(last_used().await, [Some(at(5)), None]);
    ok(
        store
            .touch_client_secrets(&[
                (ids.secret, at(50)),
                (second.secret.id, at(40)),
                (fresh_id(), at(1)),
            ])
            .await,
        "touch",
    );
    assert_eq!(last_used().await, [Some(at(50)), Some(at(40))]);
    ok(
        store
            .touch_client_secrets(&[(ids.secret, at(45)), (second.secret.id, at(60))])
            .await,
        "touch",
    );
    assert_eq!(
        last_used().await,
        [Some(at(50)), Some(at(60))],
        "never backwards"
    );
    // Several uses of one secret in a batch: the latest counts, whatever their order.
    ok(
        store
            .touch_client_secrets(&[
                (ids.secret, at(70)),
                (second.secret.id, at(61)),
                (ids.secret, at(65)),
            ])
            .await,
        "touch",
    );
    assert_eq!(last_used().await, [Some(at(70)), Some(at(61))]);
    ok(store.touch_client_secrets(&[]).await, "touch nothing");
    let hashes = ok(store.client_secret_hashes(&p, ids.web).await, "hashes");
    assert_eq!(hashes[1].secret.last_used_at, Some(at(61)));
    assert_eq!(hashes[1].hash, second.hash);
}

/// Concurrent writers cannot overshoot the secret and identity-provider caps, and concurrent
/// rotations leave one active and one next key.
pub async fn concurrent_writers_respect_caps(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    // Several rounds, so later ones race on connections the pool already holds open.
    for round in 0..4 {
        let client = web_client(&p, fresh_id(), &format!("Racer {round}"));
        ok(
            store
                .create_client(&client, &event(&p, "client.create", "client", "c"))
                .await,
            "create_client",
        );
        let cid = client.client_id;
        let add = || {
            let s = secret(&p, cid, fresh_id(), None);
            let audit = event(&p, "client_secret.create", "client_secret", "s");
            async move { store.add_client_secret(&s, 2, T0, &audit).await }
        };
        // One sequentially, so the racers below compete for the last slot.
        ok(add().await, "first secret");
        let (a, b, c, d, e, f) = tokio::join!(add(), add(), add(), add(), add(), add());
        let results = [a, b, c, d, e, f];
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "exactly one racer gets the last slot: {results:?}");
        for r in &results {
            assert!(
                matches!(r, Ok(()) | Err(StoreError::LimitReached(_))),
                "{r:?}"
            );
        }
        assert_eq!(
            ok(
                store
                    .list_client_secrets(&p, cid, PageRequest::default())
                    .await
                    .map(|p| p.items),
                "secrets"
            )
            .len(),
            2
        );
    }

    let idp = |n: u32| {
        let i = identity_provider(&p, fresh_id(), &format!("Idp {n}"), false);
        let audit = event(&p, "identity_provider.create", "identity_provider", "i");
        async move { store.create_identity_provider(&i, 2, &audit).await }
    };
    let (a, b, c, d) = tokio::join!(idp(1), idp(2), idp(3), idp(4));
    let wins = [&a, &b, &c, &d].iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        wins, 2,
        "exactly two providers fit: {a:?} {b:?} {c:?} {d:?}"
    );

    let pr = &p;
    let rotate = |n: u32| {
        let k = signing_key(pr, &format!("race-{n}"), Realm::Users, KeyState::Next);
        let audit = event(pr, "signing_key.rotate", "signing_key", "k");
        async move {
            store
                .rotate_signing_keys(pr, Realm::Users, std::slice::from_ref(&k), at(10), &audit)
                .await
        }
    };
    let (a, b, c) = tokio::join!(rotate(1), rotate(2), rotate(3));
    for r in [a, b, c] {
        ok(r, "concurrent rotation");
    }
    let keys = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    let count = |state| {
        keys.iter()
            .filter(|k| k.realm == Realm::Users && k.state == state)
            .count()
    };
    assert_eq!(
        (
            count(KeyState::Active),
            count(KeyState::Next),
            count(KeyState::Retired)
        ),
        (1, 1, 3)
    );
}
