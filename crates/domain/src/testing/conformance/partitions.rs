//! Partition creation and the isolation of partitions from one another.

use super::*;

/// Everything in a partition seed comes back as written, and a second seed for the same
/// partition is a conflict.
pub async fn partition_seed_round_trip(store: &dyn Store) {
    ok(store.ping().await, "ping");
    assert!(matches!(store.backend(), "sqlite" | "postgres"));
    let p = pid("acme");
    let seed = sample_seed(&p);
    let ids = seed_ids(&p);
    ok(
        store
            .create_partition(&seed, &event(&p, "partition.create", "partition", "acme"))
            .await,
        "create_partition",
    );

    assert_eq!(
        found(store.get_partition(&p).await, "get_partition"),
        seed.partition
    );
    assert_eq!(
        ok(store.list_partitions().await, "list_partitions"),
        vec![seed.partition.clone()]
    );
    assert_eq!(
        ok(store.get_partition(&pid("nobody")).await, "get_partition"),
        None
    );
    assert_eq!(
        ok(
            store
                .list_departments(&p, PageRequest::default())
                .await
                .map(|p| p.items),
            "list_departments"
        ),
        seed.departments
    );

    let mut permissions = seed.permissions.clone();
    permissions.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        ok(store.list_permissions(&p).await, "list_permissions"),
        permissions
    );
    assert_eq!(ok(store.list_apis(&p).await, "list_apis"), seed.apis);
    assert_eq!(
        found(store.get_api(&p, &seed.apis[0].id).await, "get_api"),
        seed.apis[0]
    );
    assert_eq!(ok(store.get_api(&p, "no-such-api").await, "get_api"), None);

    for u in &seed.users {
        assert_eq!(
            found(store.get_user(&p, u.user.id).await, "get_user"),
            u.user
        );
        let by_name = found(
            store.find_user_by_username(&p, &u.user.username).await,
            "find_user_by_username",
        );
        assert_eq!(&by_name, u, "the password hash comes back too");
        assert_eq!(
            found(
                store.find_user_by_email(&p, &u.user.email).await,
                "find_user_by_email"
            ),
            u.user
        );
    }
    let users = ok(
        store.list_users(&p, PageRequest::default()).await,
        "list_users",
    );
    assert_eq!(
        users.items,
        seed.users
            .iter()
            .map(|u| u.user.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(users.next_cursor, None);

    let c = &seed.customers[0];
    assert_eq!(
        found(store.get_customer(&p, ids.customer).await, "get_customer"),
        c.customer
    );
    assert_eq!(
        &found(
            store.find_customer_by_email(&p, &c.customer.email).await,
            "find_customer_by_email"
        ),
        c
    );
    let customers = ok(
        store.list_customers(&p, PageRequest::default()).await,
        "list_customers",
    );
    assert_eq!(customers.items, vec![c.customer.clone()]);

    for client in &seed.clients {
        assert_eq!(
            found(store.get_client(&p, client.client_id).await, "get_client"),
            *client
        );
    }
    let clients = ok(
        store.list_clients(&p, PageRequest::default()).await,
        "list_clients",
    );
    assert_eq!(clients.items, seed.clients);
    // The SPA's redirect URLs only (the Web client's are not browser origins), and nothing for
    // another partition.
    let spa: Vec<Vec<String>> = seed
        .clients
        .iter()
        .filter(|c| c.platform == crate::client::Platform::Spa && c.enabled)
        .map(|c| c.redirect_urls.clone())
        .collect();
    assert!(!spa.is_empty(), "the seed has an enabled SPA");
    assert_eq!(
        ok(
            store.enabled_spa_redirect_urls(&p).await,
            "enabled_spa_redirect_urls"
        ),
        spa
    );
    assert_eq!(
        ok(
            store.enabled_spa_redirect_urls(&pid("nobody")).await,
            "enabled_spa_redirect_urls of an unknown partition"
        ),
        Vec::<Vec<String>>::new()
    );

    let s = &seed.secrets[0];
    assert_eq!(
        ok(
            store
                .list_client_secrets(&p, ids.web, PageRequest::default())
                .await
                .map(|p| p.items),
            "list_client_secrets"
        ),
        vec![s.secret.clone()]
    );
    assert_eq!(
        ok(
            store.client_secret_hashes(&p, ids.web).await,
            "client_secret_hashes"
        ),
        vec![s.clone()]
    );
    assert!(
        ok(
            store
                .list_client_secrets(&p, ids.spa, PageRequest::default())
                .await
                .map(|p| p.items),
            "list_client_secrets"
        )
        .is_empty()
    );

    let keys = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    assert_eq!(keys, seed.signing_keys);
    // Debug redacts key material, so compare what it hides explicitly.
    for (got, want) in keys.iter().zip(&seed.signing_keys) {
        assert_eq!(got.private_key_encrypted, want.private_key_encrypted);
        assert_eq!(got.public_jwk, want.public_jwk);
    }

    assert_eq!(audit_actions(store, &p).await, ["partition.create"]);
    assert_conflict(
        store
            .create_partition(&seed, &event(&p, "partition.create", "partition", "acme"))
            .await,
        "partition",
        "second seed",
    );
    assert_eq!(
        audit_actions(store, &p).await,
        ["partition.create"],
        "a failed change leaves no event"
    );
}

/// Nothing of one partition is visible or changeable through another.
pub async fn cross_partition_isolation(store: &dyn Store) {
    let acme = seeded(store, "acme").await;
    let globex = seeded(store, "globex").await;
    let a = seed_ids(&acme);
    let ev = |what: &str| event(&globex, what, "x", "y");

    // Reads.
    assert_eq!(
        ok(store.get_client(&globex, a.web).await, "get_client"),
        None
    );
    assert_eq!(ok(store.get_user(&globex, a.admin).await, "get_user"), None);
    assert_eq!(
        ok(
            store.get_customer(&globex, a.customer).await,
            "get_customer"
        ),
        None
    );
    assert!(
        ok(
            store
                .list_client_secrets(&globex, a.web, PageRequest::default())
                .await
                .map(|p| p.items),
            "secrets"
        )
        .is_empty()
    );
    assert!(ok(store.client_secret_hashes(&globex, a.web).await, "hashes").is_empty());
    assert_eq!(
        ok(
            store
                .find_customer_by_email(&globex, "nobody@example.test")
                .await,
            "find"
        ),
        None
    );

    // Writes aimed at acme's rows from globex.
    let mut client = found(store.get_client(&acme, a.web).await, "get_client");
    client.partition = globex.clone();
    client.name = "Hijacked".to_owned();
    assert_not_found(
        store.update_client(&client, &ev("client.update")).await,
        "update_client",
    );
    assert_not_found(
        store
            .delete_client(&globex, a.web, &ev("client.delete"))
            .await,
        "delete_client",
    );
    assert_not_found(
        store
            .set_client_permissions(
                &globex,
                a.web,
                &["core.admin.manage".to_owned()],
                &ev("perm"),
            )
            .await,
        "set_client_permissions",
    );
    assert_not_found(
        store
            .add_client_secret(
                &secret(&globex, a.web, fresh_id(), None),
                2,
                T0,
                &ev("secret.create"),
            )
            .await,
        "add_client_secret",
    );
    assert_not_found(
        store
            .delete_client_secret(&globex, a.web, a.secret, &ev("secret.delete"))
            .await,
        "delete_client_secret",
    );
    let mut u = found(store.get_user(&acme, a.admin).await, "get_user");
    u.partition = globex.clone();
    u.display_name = "Hijacked".to_owned();
    assert_not_found(
        store
            .update_user(&u, Some("hash"), &ev("user.update"))
            .await,
        "update_user",
    );
    assert_not_found(
        store
            .delete_user(&globex, a.admin, &ev("user.delete"))
            .await,
        "delete_user",
    );
    let mut c = found(store.get_customer(&acme, a.customer).await, "get_customer");
    c.partition = globex.clone();
    assert_not_found(
        store
            .update_customer(&c, None, &ev("customer.update"))
            .await,
        "update_customer",
    );
    assert_not_found(
        store
            .delete_customer(&globex, a.customer, &ev("customer.delete"))
            .await,
        "delete_customer",
    );

    let idp_id = fresh_id();
    ok(
        store
            .create_identity_provider(
                &identity_provider(&acme, idp_id, "Okta", false),
                25,
                &event(&acme, "idp.create", "identity_provider", "okta"),
            )
            .await,
        "create_identity_provider",
    );
    assert_eq!(
        ok(
            store.get_identity_provider(&globex, idp_id).await,
            "get_idp"
        ),
        None
    );
    let mut idp = identity_provider(&globex, idp_id, "Okta", false);
    idp.issuer = "https://evil.example".to_owned();
    assert_not_found(
        store
            .update_identity_provider(&idp, &ev("idp.update"))
            .await,
        "update_idp",
    );
    assert_not_found(
        store
            .delete_identity_provider(&globex, idp_id, &ev("idp.delete"))
            .await,
        "delete_idp",
    );
    let globex_idps = ok(
        store
            .list_identity_providers(&globex, PageRequest::default())
            .await,
        "list_idps",
    );
    assert!(globex_idps.items.is_empty());

    // A catalog import in one partition leaves the other's alone.
    let mut api = sample_api();
    api.name = "Changed".to_owned();
    api.operations.truncate(1);
    ok(
        store
            .import_catalog(
                &globex,
                &[],
                std::slice::from_ref(&api),
                &ev("catalog.import"),
            )
            .await,
        "import_catalog",
    );
    assert_eq!(found(store.get_api(&globex, &api.id).await, "get_api"), api);
    assert_eq!(
        found(store.get_api(&acme, &api.id).await, "get_api"),
        sample_api()
    );

    // Acme is untouched, and none of the refused writes left an event in either partition.
    let seed = sample_seed(&acme);
    assert_eq!(
        found(store.get_client(&acme, a.web).await, "get_client"),
        seed.clients[0]
    );
    assert_eq!(
        found(store.get_user(&acme, a.admin).await, "get_user"),
        seed.users[0].user
    );
    assert_eq!(
        found(store.get_customer(&acme, a.customer).await, "get_customer"),
        seed.customers[0].customer
    );
    assert_eq!(
        ok(store.client_secret_hashes(&acme, a.web).await, "hashes"),
        seed.secrets
    );
    assert!(ok(store.get_identity_provider(&acme, idp_id).await, "get_idp").is_some());
    assert_eq!(
        audit_actions(store, &acme).await,
        ["partition.create", "idp.create"]
    );
    assert_eq!(
        audit_actions(store, &globex).await,
        ["partition.create", "catalog.import"]
    );
}
