//! Users, customers and departments, and paging through them.

use super::*;
use crate::standard_claims::{PostalAddress, StandardClaims};

/// Usernames (users) and emails (customers) are unique regardless of case and found in any case.
pub async fn usernames_and_emails_ignore_case(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ev = || event(&p, "x", "x", "y");

    let first = user(&p, fresh_id(), "Agent.Two", "Service");
    ok(store.create_user(&first, &ev()).await, "create_user");
    assert_conflict(
        store
            .create_user(&user(&p, fresh_id(), "aGENT.two", "Service"), &ev())
            .await,
        "username",
        "username in another case",
    );
    assert_eq!(
        found(
            store.find_user_by_username(&p, "AGENT.TWO").await,
            "find_user_by_username"
        ),
        first
    );
    assert_eq!(
        found(
            store.find_user_by_username(&p, "pa.admin").await,
            "find_user_by_username"
        )
        .user
        .id,
        seed_ids(&p).admin
    );
    assert_eq!(
        ok(store.find_user_by_username(&p, "agent.three").await, "find"),
        None
    );

    // Renaming onto another user's username (in any case) is a conflict too.
    let mut renamed = first.user.clone();
    renamed.username = "AGENT1".to_owned();
    assert_conflict(
        store.update_user(&renamed, None, &ev()).await,
        "username",
        "rename",
    );

    // Users may share an email; lookups return the first created.
    let mut twin = user(&p, fresh_id(), "twin", "Service");
    twin.user.email = "AGENT.two@EXAMPLE.test".to_owned();
    ok(
        store.create_user(&twin, &ev()).await,
        "create_user with shared email",
    );
    assert_eq!(
        found(
            store.find_user_by_email(&p, "agent.two@example.TEST").await,
            "find_user_by_email"
        ),
        first.user
    );

    let c = customer(&p, fresh_id(), "Jane.Doe@Example.test");
    ok(store.create_customer(&c, &ev()).await, "create_customer");
    assert_conflict(
        store
            .create_customer(&customer(&p, fresh_id(), "jane.doe@EXAMPLE.TEST"), &ev())
            .await,
        "email",
        "customer email in another case",
    );
    assert_eq!(
        found(
            store
                .find_customer_by_email(&p, "JANE.DOE@example.test")
                .await,
            "find_customer"
        ),
        c
    );
    let mut moved = found(
        store.get_customer(&p, seed_ids(&p).customer).await,
        "get_customer",
    );
    moved.email = "jane.DOE@example.test".to_owned();
    assert_conflict(
        store.update_customer(&moved, None, &ev()).await,
        "email",
        "customer email change",
    );
}

/// Departments list in creation order; one with users cannot be deleted; users must name an
/// existing department.
pub async fn departments_guard_their_users(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ev = || event(&p, "department.change", "department", "d");
    let support = Department {
        name: "Support".to_owned(),
        created_at: at(7),
    };
    ok(
        store.create_department(&p, &support, &ev()).await,
        "create_department",
    );
    let names: Vec<String> = ok(
        store
            .list_departments(&p, PageRequest::default())
            .await
            .map(|p| p.items),
        "list_departments",
    )
    .into_iter()
    .map(|d| d.name)
    .collect();
    assert_eq!(names, ["Service", "Sales", "Support"]);
    assert_not_found(
        store
            .create_department(&pid("nobody"), &support, &ev())
            .await,
        "department in unknown partition",
    );

    match store.delete_department(&p, "Sales", &ev()).await {
        Err(StoreError::Conflict(msg)) => assert_eq!(msg, "department has users"),
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_not_found(
        store.delete_department(&p, "Nowhere", &ev()).await,
        "unknown department",
    );
    match store
        .create_user(&user(&p, fresh_id(), "lost", "Nowhere"), &ev())
        .await
    {
        Err(StoreError::UnknownReference(Reference::Department(name))) => {
            assert_eq!(name, "Nowhere");
        }
        other => panic!("expected UnknownReference, got {other:?}"),
    }
    let mut moved = found(store.get_user(&p, seed_ids(&p).agent).await, "get_user");
    moved.department = "Nowhere".to_owned();
    match store.update_user(&moved, None, &ev()).await {
        Err(StoreError::UnknownReference(Reference::Department(name))) => {
            assert_eq!(name, "Nowhere");
        }
        other => panic!("expected UnknownReference, got {other:?}"),
    }
    // Once its users move, a department can go.
    moved.department = "Support".to_owned();
    ok(store.update_user(&moved, None, &ev()).await, "move user");
    ok(
        store.delete_department(&p, "Sales", &ev()).await,
        "delete emptied department",
    );
    assert!(matches!(
        store.delete_department(&p, "Support", &ev()).await,
        Err(StoreError::Conflict(_))
    ));
    // Same name in another partition is independent.
    let other = seeded(store, "globex").await;
    assert_eq!(
        ok(
            store
                .list_departments(&other, PageRequest::default())
                .await
                .map(|p| p.items),
            "list"
        )
        .len(),
        2
    );
}

/// A renamed department keeps its place in the list and takes its users along; the old name
/// must exist and the new one be free; the rename writes its event; other partitions' departments
/// of the same name are untouched.
pub async fn departments_rename_with_their_users(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let names = |p: PartitionId| async move {
        ok(
            store
                .list_departments(&p, PageRequest::default())
                .await
                .map(|page| page.items),
            "list_departments",
        )
        .into_iter()
        .map(|d| d.name)
        .collect::<Vec<_>>()
    };
    let ev = event(&p, "department.rename", "department", "Sales");
    ok(
        store
            .rename_department(&p, "Sales", "Field Sales", &ev)
            .await,
        "rename_department",
    );
    assert_eq!(names(p.clone()).await, ["Service", "Field Sales"]);
    let agent = found(store.get_user(&p, seed_ids(&p).agent).await, "get_user");
    assert_eq!(agent.department, "Field Sales", "its users moved with it");
    // One added afterwards still comes last: the kept place does not collide.
    let support = Department {
        name: "Support".to_owned(),
        created_at: at(8),
    };
    ok(
        store
            .create_department(&p, &support, &event(&p, "x", "x", "y"))
            .await,
        "create_department",
    );
    assert_eq!(
        names(p.clone()).await,
        ["Service", "Field Sales", "Support"]
    );
    assert!(
        matches!(
            store
                .rename_department(&p, "Support", "Service", &event(&p, "x", "x", "y"))
                .await,
            Err(StoreError::Conflict(_))
        ),
        "a taken name"
    );
    assert_not_found(
        store
            .rename_department(&p, "Sales", "Again", &event(&p, "x", "x", "y"))
            .await,
        "the old name is gone",
    );
    assert_not_found(
        store
            .rename_department(
                &pid("nobody"),
                "Service",
                "Elsewhere",
                &event(&p, "x", "x", "y"),
            )
            .await,
        "an unknown partition",
    );
    assert!(matches!(
        store
            .create_user(
                &user(&p, fresh_id(), "late", "Sales"),
                &event(&p, "x", "x", "y")
            )
            .await,
        Err(StoreError::UnknownReference(_))
    ));
    assert_eq!(names(other).await, ["Service", "Sales"], "globex untouched");
    let written: Vec<_> = ok(
        store
            .list_audit_events(&p, &AuditFilter::default(), PageRequest::default())
            .await,
        "list_audit_events",
    )
    .items
    .into_iter()
    .filter(|e| e.action == "department.rename")
    .collect();
    assert_eq!(written, [ev], "the rename's event, once");
}

/// Updates replace every field (and the password hash only when given); deletes remove.
pub async fn users_and_customers_update_and_delete(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ids = seed_ids(&p);
    let ev = || event(&p, "account.change", "user", "u");

    let mut u = found(store.get_user(&p, ids.agent).await, "get_user");
    u.username = "Agent.Renamed".to_owned();
    u.email = "renamed@example.test".to_owned();
    u.display_name = "Renamed Agent".to_owned();
    u.department = "Service".to_owned();
    u.partition_admin = true;
    u.enabled = true;
    u.updated_at = at(99);
    ok(store.update_user(&u, None, &ev()).await, "update_user");
    let rec = found(
        store.find_user_by_username(&p, "agent.renamed").await,
        "find renamed",
    );
    assert_eq!(rec.user, u);
    assert_eq!(
        rec.password_hash,
        sample_seed(&p).users[1].password_hash,
        "hash kept"
    );
    assert_eq!(
        ok(store.find_user_by_username(&p, "agent1").await, "old name"),
        None
    );
    ok(
        store.update_user(&u, Some("$argon2id$new"), &ev()).await,
        "update_user with password",
    );
    assert_eq!(
        found(
            store.find_user_by_username(&p, "AGENT.RENAMED").await,
            "find"
        )
        .password_hash,
        "$argon2id$new"
    );
    assert_not_found(
        store
            .update_user(&user(&p, fresh_id(), "ghost", "Service").user, None, &ev())
            .await,
        "update unknown user",
    );
    ok(store.delete_user(&p, ids.agent, &ev()).await, "delete_user");
    assert_eq!(ok(store.get_user(&p, ids.agent).await, "get_user"), None);
    assert_not_found(
        store.delete_user(&p, ids.agent, &ev()).await,
        "second delete",
    );

    let mut c = found(store.get_customer(&p, ids.customer).await, "get_customer");
    c.email = "New@Example.test".to_owned();
    c.display_name = "New Name".to_owned();
    c.enabled = false;
    c.updated_at = at(98);
    ok(
        store.update_customer(&c, Some("$argon2id$c"), &ev()).await,
        "update_customer",
    );
    let rec = found(
        store.find_customer_by_email(&p, "new@example.test").await,
        "find",
    );
    assert_eq!(rec.customer, c);
    assert_eq!(rec.password_hash, "$argon2id$c");
    assert_eq!(
        ok(
            store.find_customer_by_email(&p, "c1@example.test").await,
            "old email"
        ),
        None
    );
    ok(
        store.update_customer(&c, None, &ev()).await,
        "update without password",
    );
    assert_eq!(
        found(
            store.find_customer_by_email(&p, "NEW@example.test").await,
            "find"
        )
        .password_hash,
        "$argon2id$c"
    );
    ok(
        store.delete_customer(&p, ids.customer, &ev()).await,
        "delete_customer",
    );
    assert_eq!(
        ok(store.get_customer(&p, ids.customer).await, "get_customer"),
        None
    );
    assert_not_found(
        store.delete_customer(&p, ids.customer, &ev()).await,
        "second delete",
    );
}

/// Every standard claim (OIDC Core §5.1) is kept on create, partition seeding and update, for
/// users and customers, including removal back to "unknown" and the verification flags.
pub async fn standard_claims_round_trip(store: &dyn Store) {
    let full = || StandardClaims {
        given_name: Some("Ada".to_owned()),
        family_name: Some("Lovelace".to_owned()),
        locale: Some("en-GB".to_owned()),
        zoneinfo: Some("Europe/London".to_owned()),
        email_verified: true,
        phone_number: Some("+442071234567".to_owned()),
        phone_number_verified: true,
        address: Some(PostalAddress {
            formatted: Some("12 St James's Square\nLondon SW1Y 4LB".to_owned()),
            street_address: Some("12 St James's Square".to_owned()),
            locality: Some("London".to_owned()),
            region: None,
            postal_code: Some("SW1Y 4LB".to_owned()),
            country: Some("United Kingdom".to_owned()),
        }),
    };
    // Partition seeding writes accounts through its own path.
    let p = pid("claims");
    let mut seed = sample_seed(&p);
    seed.users[1].user.claims = full();
    seed.customers[0].customer.claims = full();
    ok(
        store
            .create_partition(&seed, &event(&p, "x", "x", "y"))
            .await,
        "create_partition",
    );
    let ids = seed_ids(&p);
    let ev = || event(&p, "account.change", "user", "u");
    assert_eq!(
        found(store.get_user(&p, ids.agent).await, "get_user").claims,
        full()
    );
    assert_eq!(
        found(store.get_customer(&p, ids.customer).await, "get_customer").claims,
        full()
    );

    let mut u = user(&p, fresh_id(), "ada", "Service");
    u.user.claims = full();
    ok(store.create_user(&u, &ev()).await, "create_user");
    let got = found(store.get_user(&p, u.user.id).await, "get_user");
    assert_eq!(got, u.user);
    let listed = ok(
        store.list_users(&p, PageRequest::default()).await,
        "list_users",
    );
    assert!(listed.items.contains(&u.user), "listed with its claims");
    u.user.claims = StandardClaims {
        given_name: Some("Augusta".to_owned()),
        ..StandardClaims::default()
    };
    ok(store.update_user(&u.user, None, &ev()).await, "update_user");
    assert_eq!(
        found(store.get_user(&p, u.user.id).await, "get_user"),
        u.user
    );

    let mut c = customer(&p, fresh_id(), "ada@example.test");
    c.customer.claims = full();
    ok(store.create_customer(&c, &ev()).await, "create_customer");
    assert_eq!(
        found(
            store.find_customer_by_email(&p, "ADA@example.test").await,
            "find"
        )
        .customer,
        c.customer
    );
    c.customer.claims.address = None;
    c.customer.claims.phone_number_verified = false;
    ok(
        store.update_customer(&c.customer, None, &ev()).await,
        "update_customer",
    );
    assert_eq!(
        found(store.get_customer(&p, c.customer.id).await, "get_customer"),
        c.customer
    );
}

/// Lists come in creation order, `limit` at a time, resumed with the cursor.
pub async fn pagination_follows_cursors(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ev = || event(&p, "x", "x", "y");
    let mut expected: Vec<_> = sample_seed(&p).users.into_iter().map(|u| u.user).collect();
    for i in 0..7 {
        let u = user(&p, fresh_id(), &format!("user{i}"), "Service");
        ok(store.create_user(&u, &ev()).await, "create_user");
        expected.push(u.user);
    }
    // A deleted row leaves no hole in the sequence of pages.
    ok(
        store.delete_user(&p, expected[4].id, &ev()).await,
        "delete_user",
    );
    expected.remove(4);
    for limit in [1, 3, 8, 50] {
        let got = all_pages(limit, |req| store.list_users(&p, req)).await;
        assert_eq!(got, expected, "users with limit {limit}");
    }
    let last = ok(store.list_users(&p, page(200, None)).await, "list_users");
    assert_eq!(last.next_cursor, None);

    let mut clients = sample_seed(&p).clients;
    for i in 0..4 {
        let c = web_client(&p, fresh_id(), &format!("App {i}"));
        ok(store.create_client(&c, &ev()).await, "create_client");
        clients.push(c);
    }
    assert_eq!(
        all_pages(2, |req| store.list_clients(&p, req)).await,
        clients
    );

    let mut customers = vec![sample_seed(&p).customers[0].customer.clone()];
    for i in 0..4 {
        let c = customer(&p, fresh_id(), &format!("cust{i}@example.test"));
        ok(store.create_customer(&c, &ev()).await, "create_customer");
        customers.push(c.customer);
    }
    assert_eq!(
        all_pages(2, |req| store.list_customers(&p, req)).await,
        customers
    );

    let mut idps = Vec::new();
    for i in 0..5 {
        let idp = identity_provider(&p, fresh_id(), &format!("Idp {i}"), i % 2 == 0);
        ok(
            store.create_identity_provider(&idp, 25, &ev()).await,
            "create_idp",
        );
        idps.push(idp);
    }
    assert_eq!(
        all_pages(2, |req| store.list_identity_providers(&p, req)).await,
        idps
    );

    // Another partition's rows never appear in a page.
    let other = seeded(store, "globex").await;
    assert_eq!(
        all_pages(3, |req| store.list_users(&other, req))
            .await
            .len(),
        2
    );
}

/// Times keep microseconds (what PostgreSQL stores) and lose anything finer, on every backend
/// alike, so a value read back compares equal to the same value truncated.
pub async fn times_are_kept_to_the_microsecond(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let fine = T0 + time::Duration::nanoseconds(999);
    let d = Department {
        name: "Precise".to_owned(),
        created_at: fine,
    };
    ok(
        store
            .create_department(&p, &d, &event(&p, "department.create", "department", "d"))
            .await,
        "create_department",
    );
    let back = ok(
        store
            .list_departments(&p, PageRequest::default())
            .await
            .map(|p| p.items),
        "list_departments",
    )
    .into_iter()
    .find(|x| x.name == "Precise")
    .map(|x| x.created_at);
    assert_eq!(back, Some(T0), "sub-microsecond digits are dropped");
    let mut e = event(&p, "precise", "x", "y");
    e.at = at(1) + time::Duration::nanoseconds(1_500);
    ok(store.append_audit_events(&[e]).await, "append_audit_events");
    let filter = AuditFilter {
        action: Some("precise".to_owned()),
        ..AuditFilter::default()
    };
    let got = ok(
        store.list_audit_events(&p, &filter, page(10, None)).await,
        "list_audit_events",
    );
    assert_eq!(
        got.items.first().map(|e| e.at),
        Some(at(1) + time::Duration::microseconds(1))
    );
}
