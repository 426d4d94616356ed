//! The permission/API catalog and identity providers.

use super::*;

/// Importing adds new permissions and APIs and replaces existing ones in place.
pub async fn catalog_import_upserts(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ev = || event(&p, "catalog.import", "catalog", "c");

    let mut changed = permission("knowledge.portalmgr.read", Hub::Knowledge);
    changed.description = "Read portals (updated)".to_owned();
    changed.anonymous = false;
    let added = permission("knowledge.articles.read", Hub::Knowledge);
    let mut replaced = sample_api();
    replaced.name = "Portal Manager v4.1".to_owned();
    replaced.audience = "https://api.example/knowledge/portalmgr/v41".to_owned();
    replaced.operations.reverse();
    replaced.operations[0].security.reverse();
    replaced.operations.push(crate::api::Operation {
        operation_id: "deletePortal".to_owned(),
        method: "DELETE".to_owned(),
        path: "/portals/{id}".to_owned(),
        summary: String::new(),
        security: Vec::new(),
    });
    let mut new_api = sample_api();
    new_api.id = "knowledge-articles-v1".to_owned();
    new_api.name = "Articles".to_owned();
    new_api.base_path = "/knowledge/articles/v1".to_owned();
    new_api.operations.truncate(1);
    new_api.operations[0].security[0].scopes = vec!["knowledge.articles.read".to_owned()];

    // The new API first in the import: creation order still puts the existing one first.
    ok(
        store
            .import_catalog(
                &p,
                &[changed.clone(), added.clone()],
                &[new_api.clone(), replaced.clone()],
                &ev(),
            )
            .await,
        "import_catalog",
    );
    assert_eq!(
        ok(store.list_apis(&p).await, "list_apis"),
        vec![replaced.clone(), new_api.clone()]
    );
    assert_eq!(
        found(store.get_api(&p, &replaced.id).await, "get_api"),
        replaced
    );

    let mut want: Vec<Permission> = sample_seed(&p)
        .permissions
        .into_iter()
        .filter(|x| x.name != changed.name)
        .chain([changed.clone(), added.clone()])
        .collect();
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        ok(store.list_permissions(&p).await, "list_permissions"),
        want
    );

    // Importing the same thing again changes nothing; an API can lose every operation.
    ok(
        store
            .import_catalog(
                &p,
                &[changed, added],
                &[new_api.clone(), replaced.clone()],
                &ev(),
            )
            .await,
        "again",
    );
    assert_eq!(
        ok(store.list_permissions(&p).await, "list_permissions"),
        want
    );
    let mut emptied = new_api.clone();
    emptied.operations.clear();
    ok(
        store
            .import_catalog(&p, &[], std::slice::from_ref(&emptied), &ev())
            .await,
        "empty API",
    );
    assert_eq!(
        ok(store.list_apis(&p).await, "list_apis"),
        vec![replaced, emptied]
    );
    // Assigned permissions survive an import that updates them.
    assert!(
        found(store.get_client(&p, seed_ids(&p).web).await, "get_client")
            .permissions
            .contains(&"knowledge.portalmgr.read".to_owned())
    );
    assert_not_found(
        store
            .import_catalog(&pid("nobody"), &[], &[sample_api()], &ev())
            .await,
        "unknown partition",
    );
}

/// Providers round-trip (inline JWKS or URI), update and delete; the per-partition cap holds.
pub async fn identity_providers_round_trip_and_cap(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let ev = || event(&p, "identity_provider.create", "identity_provider", "i");
    let mut made = Vec::new();
    for (i, inline) in [true, false, true].into_iter().enumerate() {
        let idp = identity_provider(&p, fresh_id(), &format!("Provider {i}"), inline);
        ok(
            store.create_identity_provider(&idp, 3, &ev()).await,
            "create_identity_provider",
        );
        assert_eq!(
            found(store.get_identity_provider(&p, idp.id).await, "get_idp"),
            idp
        );
        made.push(idp);
    }
    let refused = store
        .create_identity_provider(
            &identity_provider(&p, fresh_id(), "One too many", false),
            3,
            &ev(),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::LimitReached(_))),
        "{refused:?}"
    );
    // Another partition has its own allowance.
    ok(
        store
            .create_identity_provider(
                &identity_provider(&other, fresh_id(), "Provider 0", false),
                3,
                &ev(),
            )
            .await,
        "create in other partition",
    );

    let mut changed = made[0].clone();
    changed.name = "Renamed".to_owned();
    changed.issuer = "https://renamed.example".to_owned();
    changed.jwks = None;
    changed.jwks_uri = Some("https://renamed.example/jwks".to_owned());
    changed.audiences = vec!["api://only".to_owned()];
    changed.realm = Realm::Customers;
    changed.match_claim = "preferred_username".to_owned();
    changed.match_attribute = crate::identity_provider::MatchAttribute::Username;
    changed.require_email_verified = false;
    changed.enabled = false;
    changed.updated_at = at(30);
    ok(
        store.update_identity_provider(&changed, &ev()).await,
        "update_identity_provider",
    );
    assert_eq!(
        found(store.get_identity_provider(&p, changed.id).await, "get_idp"),
        changed
    );
    made[0] = changed;
    assert_eq!(
        ok(
            store
                .list_identity_providers(&p, PageRequest::default())
                .await,
            "list"
        )
        .items,
        made
    );

    ok(
        store.delete_identity_provider(&p, made[1].id, &ev()).await,
        "delete_identity_provider",
    );
    assert_eq!(
        ok(store.get_identity_provider(&p, made[1].id).await, "get_idp"),
        None
    );
    assert_not_found(
        store.delete_identity_provider(&p, made[1].id, &ev()).await,
        "second delete",
    );
    ok(
        store
            .create_identity_provider(
                &identity_provider(&p, fresh_id(), "Replacement", true),
                3,
                &ev(),
            )
            .await,
        "room after a delete",
    );
    let mut ghost = made[1].clone();
    ghost.name = "Ghost".to_owned();
    assert_not_found(
        store.update_identity_provider(&ghost, &ev()).await,
        "update deleted",
    );
}

/// The admin API's lists of permissions, APIs, signing keys, secrets and departments page in
/// creation order like every other list: an import that updates a permission or replaces an
/// API keeps its place, a rotation's new key comes last, and another partition's rows never
/// appear.
pub async fn admin_lists_page_in_creation_order(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let ev = || event(&p, "x", "x", "y");
    let seed = sample_seed(&p);

    let mut updated = seed.permissions[0].clone();
    updated.description = "Updated in place".to_owned();
    let added: Vec<Permission> = (0..3)
        .map(|i| permission(&format!("knowledge.extra{i}.read"), Hub::Knowledge))
        .collect();
    let mut apis = seed.apis.clone();
    let mut replaced = sample_api();
    replaced.name = "Replaced".to_owned();
    apis[0] = replaced.clone();
    let mut import_apis = Vec::new();
    for i in 0..3 {
        let mut a = sample_api();
        a.id = format!("extra-{i}");
        a.operations.truncate(i);
        import_apis.push(a.clone());
        apis.push(a);
    }
    import_apis.push(replaced);
    let import_permissions: Vec<Permission> =
        added.iter().cloned().chain([updated.clone()]).collect();
    ok(
        store
            .import_catalog(&p, &import_permissions, &import_apis, &ev())
            .await,
        "import_catalog",
    );
    let mut permissions = seed.permissions.clone();
    permissions[0] = updated;
    permissions.extend(added);
    for limit in [1, 2, 50] {
        assert_eq!(
            all_pages(limit, |req| store.page_permissions(&p, req)).await,
            permissions,
            "permissions with limit {limit}"
        );
        assert_eq!(
            all_pages(limit, |req| store.page_apis(&p, req)).await,
            apis,
            "APIs with limit {limit}"
        );
    }

    let new_next = signing_key(&p, "k-new", Realm::Users, KeyState::Next);
    ok(
        store
            .rotate_signing_keys(
                &p,
                Realm::Users,
                std::slice::from_ref(&new_next),
                at(60),
                &ev(),
            )
            .await,
        "rotate",
    );
    let keys = ok(store.list_signing_keys(&p).await, "list_signing_keys");
    assert_eq!(keys.last().map(|k| k.kid.as_str()), Some("k-new"));
    assert_eq!(
        all_pages(2, |req| store.page_signing_keys(&p, req)).await,
        keys
    );

    let web = seed_ids(&p).web;
    let mut secrets = vec![seed.secrets[0].secret.clone()];
    for _ in 0..4 {
        let s = secret(&p, web, fresh_id(), None);
        ok(
            store.add_client_secret(&s, 10, T0, &ev()).await,
            "add_client_secret",
        );
        secrets.push(s.secret);
    }
    ok(
        store
            .delete_client_secret(&p, web, secrets[2].id, &ev())
            .await,
        "delete_client_secret",
    );
    secrets.remove(2);
    assert_eq!(
        all_pages(2, |req| store.list_client_secrets(&p, web, req)).await,
        secrets
    );

    let mut departments = seed.departments.clone();
    for i in 0..3 {
        let d = Department {
            name: format!("Dept {i}"),
            created_at: at(i),
        };
        ok(
            store.create_department(&p, &d, &ev()).await,
            "create_department",
        );
        departments.push(d);
    }
    assert_eq!(
        all_pages(2, |req| store.list_departments(&p, req)).await,
        departments
    );

    let other_web = seed_ids(&other).web;
    assert_eq!(
        all_pages(1, |req| store.list_client_secrets(&other, other_web, req))
            .await
            .len(),
        1
    );
    assert_eq!(
        all_pages(3, |req| store.page_signing_keys(&other, req))
            .await
            .len(),
        4
    );
}
