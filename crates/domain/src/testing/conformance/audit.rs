//! The audit trail written with each change, and its filtered listing.

use super::*;

/// Every successful change writes exactly the audit event it was given; failed ones write none.
pub async fn changes_write_audit_events(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ids = seed_ids(&p);
    let mut written = Vec::new();
    macro_rules! change {
        ($action:literal, |$ev:ident| $call:expr) => {{
            let mut $ev = event(&p, $action, "object", $action);
            $ev.actor_kind = ActorKind::Client;
            $ev.detail = Some(format!("detail of {}", $action));
            ok($call.await, $action);
            written.push($ev.clone());
        }};
    }
    let dept = Department {
        name: "Support".to_owned(),
        created_at: at(3),
    };
    change!("department.create", |e| store
        .create_department(&p, &dept, &e));
    change!("department.delete", |e| store
        .delete_department(&p, "Support", &e));
    let u = user(&p, fresh_id(), "audited", "Service");
    change!("user.create", |e| store.create_user(&u, &e));
    change!("user.update", |e| store.update_user(
        &u.user,
        Some("new-hash"),
        &e
    ));
    change!("user.delete", |e| store.delete_user(&p, u.user.id, &e));
    let c = customer(&p, fresh_id(), "audited@example.test");
    change!("customer.create", |e| store.create_customer(&c, &e));
    change!("customer.update", |e| store.update_customer(
        &c.customer,
        None,
        &e
    ));
    change!("customer.delete", |e| store.delete_customer(
        &p,
        c.customer.id,
        &e
    ));
    let client = web_client(&p, fresh_id(), "Audited");
    change!("client.create", |e| store.create_client(&client, &e));
    change!("client.update", |e| store.update_client(&client, &e));
    change!("client.permissions", |e| store.set_client_permissions(
        &p,
        client.client_id,
        &["core.admin.manage".to_owned()],
        &e
    ));
    let s = secret(&p, client.client_id, fresh_id(), None);
    change!("secret.create", |e| store.add_client_secret(&s, 2, T0, &e));
    change!("secret.delete", |e| store.delete_client_secret(
        &p,
        client.client_id,
        s.secret.id,
        &e
    ));
    change!("client.delete", |e| store.delete_client(
        &p,
        client.client_id,
        &e
    ));
    let idp = identity_provider(&p, fresh_id(), "Audited", true);
    change!("idp.create", |e| store
        .create_identity_provider(&idp, 25, &e));
    change!("idp.update", |e| store.update_identity_provider(&idp, &e));
    change!("idp.delete", |e| store
        .delete_identity_provider(&p, idp.id, &e));
    change!("catalog.import", |e| store.import_catalog(
        &p,
        &[],
        &[sample_api()],
        &e
    ));
    let k = signing_key(&p, "audited", Realm::Users, KeyState::Next);
    change!("key.rotate", |e| store.rotate_signing_keys(
        &p,
        Realm::Users,
        std::slice::from_ref(&k),
        at(4),
        &e
    ));

    // Refused changes.
    let e = event(&p, "refused", "object", "x");
    assert!(
        store
            .create_user(&user(&p, fresh_id(), "PA.ADMIN", "Service"), &e)
            .await
            .is_err()
    );
    assert!(store.delete_user(&p, fresh_id(), &e).await.is_err());
    assert!(store.delete_client(&p, fresh_id(), &e).await.is_err());
    assert!(
        store
            .update_client(&web_client(&p, fresh_id(), "Ghost"), &e)
            .await
            .is_err()
    );
    assert!(store.delete_department(&p, "Service", &e).await.is_err());
    assert!(
        store
            .create_user(&user(&p, fresh_id(), "lost", "Nowhere"), &e)
            .await
            .is_err()
    );
    assert!(
        store
            .set_client_permissions(&p, ids.web, &["no.such.perm".to_owned()], &e)
            .await
            .is_err()
    );

    let all = ok(
        store
            .list_audit_events(&p, &AuditFilter::default(), page(200, None))
            .await,
        "list_audit_events",
    );
    assert_eq!(all.items.len(), written.len() + 1);
    assert_eq!(all.items[0].action, "partition.create");
    assert_eq!(
        all.items[1..],
        written[..],
        "events come back whole, in order"
    );
}

/// Every filter field narrows the list; pages follow cursors; other partitions never show.
pub async fn audit_events_filter_and_page(store: &dyn Store) {
    let p = pid("acme");
    let other = pid("globex");
    let mut events = Vec::new();
    for i in 0..12_i64 {
        let mut e = event(
            &p,
            if i % 3 == 0 {
                "token.issue"
            } else {
                "client.update"
            },
            "client",
            "c1",
        );
        e.at = at(i * 10);
        e.object_type = if i % 2 == 0 {
            "client".to_owned()
        } else {
            "user".to_owned()
        };
        e.object_id = (i % 4 != 0).then(|| format!("obj{}", i % 2));
        e.actor_kind = if i == 5 {
            ActorKind::Anonymous
        } else {
            ActorKind::Client
        };
        e.actor_id = (i != 5).then(|| format!("actor{}", i % 3));
        e.outcome = if i % 5 == 0 {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        e.source_ip = (i != 7).then(|| "2001:db8::1".to_owned());
        e.detail = (i % 2 == 1).then(|| format!("detail {i}"));
        events.push(e);
    }
    let mut foreign = event(&other, "token.issue", "client", "c1");
    foreign.at = at(5);
    let mut global = event(&p, "token.issue", "client", "c1");
    global.partition = None;
    let mut batch = events.clone();
    batch.insert(3, foreign);
    batch.insert(7, global);
    ok(
        store.append_audit_events(&batch).await,
        "append_audit_events",
    );
    ok(store.append_audit_events(&[]).await, "append nothing");
    // A batch retried after an ambiguous failure neither fails nor duplicates its events.
    ok(
        store.append_audit_events(&batch).await,
        "append_audit_events again",
    );

    let pr = &p;
    let list = |filter: AuditFilter| async move {
        all_pages(5, |req| store.list_audit_events(pr, &filter, req)).await
    };
    let expect = |keep: &dyn Fn(&AuditEvent) -> bool| -> Vec<AuditEvent> {
        events.iter().filter(|e| keep(e)).cloned().collect()
    };
    assert_eq!(
        list(AuditFilter::default()).await,
        events,
        "every event of the partition, in order"
    );
    assert_eq!(
        list(AuditFilter {
            action: Some("token.issue".to_owned()),
            ..Default::default()
        })
        .await,
        expect(&|e| e.action == "token.issue")
    );
    assert_eq!(
        list(AuditFilter {
            object_type: Some("user".to_owned()),
            ..Default::default()
        })
        .await,
        expect(&|e| e.object_type == "user")
    );
    assert_eq!(
        list(AuditFilter {
            object_id: Some("obj1".to_owned()),
            ..Default::default()
        })
        .await,
        expect(&|e| e.object_id.as_deref() == Some("obj1"))
    );
    assert_eq!(
        list(AuditFilter {
            actor_id: Some("actor2".to_owned()),
            ..Default::default()
        })
        .await,
        expect(&|e| e.actor_id.as_deref() == Some("actor2"))
    );
    assert_eq!(
        list(AuditFilter {
            outcome: Some(Outcome::Failure),
            ..Default::default()
        })
        .await,
        expect(&|e| e.outcome == Outcome::Failure)
    );
    assert_eq!(
        list(AuditFilter {
            since: Some(at(30)),
            until: Some(at(80)),
            ..Default::default()
        })
        .await,
        expect(&|e| e.at >= at(30) && e.at < at(80)),
        "since is inclusive, until exclusive"
    );
    let combined = AuditFilter {
        action: Some("client.update".to_owned()),
        object_type: Some("user".to_owned()),
        object_id: Some("obj1".to_owned()),
        actor_id: Some("actor1".to_owned()),
        outcome: Some(Outcome::Success),
        since: Some(at(10)),
        until: Some(at(110)),
        newest_first: false,
    };
    let want = expect(&|e| {
        e.action == "client.update"
            && e.object_type == "user"
            && e.object_id.as_deref() == Some("obj1")
            && e.actor_id.as_deref() == Some("actor1")
            && e.outcome == Outcome::Success
            && e.at >= at(10)
            && e.at < at(110)
    });
    assert!(!want.is_empty(), "the combined filter matches something");
    assert_eq!(list(combined).await, want);
    // Newest first: the same events reversed, paged by the same cursors, filters applied in the
    // store (pages of 5 over 12 events cross page boundaries).
    let newest = |filter: AuditFilter| AuditFilter {
        newest_first: true,
        ..filter
    };
    let reversed = |mut v: Vec<AuditEvent>| {
        v.reverse();
        v
    };
    assert_eq!(
        list(newest(AuditFilter::default())).await,
        reversed(events.clone()),
        "every event of the partition, newest first"
    );
    assert_eq!(
        list(newest(AuditFilter {
            action: Some("client.update".to_owned()),
            since: Some(at(20)),
            ..Default::default()
        }))
        .await,
        reversed(expect(&|e| e.action == "client.update" && e.at >= at(20))),
        "filtered, newest first"
    );
    let first = ok(
        store
            .list_audit_events(pr, &newest(AuditFilter::default()), page(3, None))
            .await,
        "newest first, first page",
    );
    assert_eq!(first.items, reversed(events.clone())[..3].to_vec());
    let second = ok(
        store
            .list_audit_events(
                pr,
                &newest(AuditFilter::default()),
                page(3, first.next_cursor.as_deref()),
            )
            .await,
        "newest first, second page",
    );
    assert_eq!(second.items, reversed(events.clone())[3..6].to_vec());
    // Values are bound, never spliced into SQL.
    assert!(
        list(AuditFilter {
            action: Some("x' OR '1'='1".to_owned()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    let foreign = ok(
        store
            .list_audit_events(&other, &AuditFilter::default(), page(50, None))
            .await,
        "list other",
    );
    assert_eq!(foreign.items.len(), 1);
    assert_eq!(foreign.items[0].partition, Some(other.clone()));
}
