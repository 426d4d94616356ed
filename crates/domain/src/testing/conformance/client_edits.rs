//! Client applications edited from a form loaded earlier (optimistic updates) and found by a
//! name search a page at a time (the console's list, docs/console.md).

use super::*;
use crate::client::revision::next_update_time;
use crate::client::search::ClientQuery;

/// An update carrying the `updated_at` it read succeeds only while nobody else changed the
/// client; the loser gets [`StoreError::Stale`] and changes nothing; an unknown client is not
/// found; another partition's client is out of reach.
pub async fn optimistic_updates_refuse_stale_versions(store: &dyn Store) {
    let acme = seeded(store, "acme").await;
    let globex = seeded(store, "globex").await;
    let ev = || event(&acme, "client.update", "client_application", "x");
    let c = web_client(&acme, fresh_id(), "Editable");
    ok(store.create_client(&c, &ev()).await, "create_client");
    let read = found(store.get_client(&acme, c.client_id).await, "get_client");

    // Two editors loaded the same version; the first to save wins.
    let mut first = read.clone();
    first.name = "First".into();
    first.updated_at = next_update_time(read.updated_at, read.updated_at);
    ok(
        store.update_client_if(&first, read.updated_at, &ev()).await,
        "update_client_if (first)",
    );
    let mut second = read.clone();
    second.name = "Second".into();
    second.updated_at = next_update_time(read.updated_at, read.updated_at);
    let r = store
        .update_client_if(&second, read.updated_at, &ev())
        .await;
    assert!(matches!(r, Err(StoreError::Stale)), "second editor: {r:?}");
    let now = found(store.get_client(&acme, c.client_id).await, "get_client");
    assert_eq!(
        now, first,
        "the first edit stands, the stale one changed nothing"
    );

    // With the version just read, the next edit goes through.
    let mut third = now.clone();
    third.enabled = false;
    third.updated_at = next_update_time(now.updated_at, now.updated_at);
    ok(
        store.update_client_if(&third, now.updated_at, &ev()).await,
        "update_client_if (current version)",
    );
    assert_eq!(
        found(store.get_client(&acme, c.client_id).await, "get_client"),
        third
    );

    // Unknown clients and other partitions' clients are not found; a current edit to a taken
    // name is a conflict on the name.
    let ghost = web_client(&acme, fresh_id(), "Ghost");
    assert_not_found(
        store
            .update_client_if(&ghost, ghost.updated_at, &ev())
            .await,
        "update_client_if of an unknown client",
    );
    let mut elsewhere = third.clone();
    elsewhere.partition = globex.clone();
    assert_not_found(
        store
            .update_client_if(&elsewhere, third.updated_at, &ev())
            .await,
        "update_client_if across partitions",
    );
    let other = web_client(&acme, fresh_id(), "Other");
    ok(store.create_client(&other, &ev()).await, "create_client");
    let mut clash = third.clone();
    clash.name = "Other".into();
    assert_conflict(
        store
            .update_client_if(&clash, third.updated_at, &ev())
            .await,
        "name",
        "update_client_if to a taken name",
    );
}

/// The name search ignores case, takes `%` and `_` literally, pages in creation order with
/// `offset` and `limit`, counts every match, and never sees another partition's clients.
pub async fn name_search_pages_and_counts(store: &dyn Store) {
    type Counted = crate::client::search::Counted<crate::client::ClientApplication>;
    let acme = seeded(store, "acme").await;
    let globex = seeded(store, "globex").await;
    let ev = || event(&acme, "client.create", "client_application", "x");
    let search = |q: &str, offset: u32, limit: u32| ClientQuery {
        name_contains: q.into(),
        offset,
        limit,
    };
    let names_of =
        |c: &Counted| -> Vec<String> { c.items.iter().map(|c| c.name.clone()).collect() };
    let seeded_count = ok(
        store.search_clients(&acme, &search("", 0, 1)).await,
        "search",
    )
    .total;
    let names = [
        "Zephyr One",
        "zephyr two",
        "ZEPHYR three",
        "Billing",
        "100% zephyr_x",
        "Zephyrless",
    ];
    for (i, name) in names.iter().enumerate() {
        let mut c = web_client(&acme, fresh_id(), name);
        c.created_at = at(i64::try_from(i).unwrap_or(0));
        ok(store.create_client(&c, &ev()).await, "create_client");
    }
    ok(
        store
            .create_client(&web_client(&globex, fresh_id(), "Zephyr Globex"), &ev())
            .await,
        "create_client elsewhere",
    );

    let all = ok(
        store.search_clients(&acme, &search("", 0, 50)).await,
        "search all",
    );
    assert_eq!(
        all.total,
        seeded_count + 6,
        "the empty search matches every client of the partition"
    );
    assert!(
        names_of(&all).ends_with(&names.map(String::from)),
        "in creation order: {:?}",
        names_of(&all)
    );

    let zephyr = ok(
        store.search_clients(&acme, &search("zephyr", 0, 2)).await,
        "search",
    );
    assert_eq!(
        zephyr.total, 5,
        "case-insensitive substring, counted over every page"
    );
    assert_eq!(names_of(&zephyr), ["Zephyr One", "zephyr two"]);
    let next = ok(
        store.search_clients(&acme, &search("zEpHyR", 2, 2)).await,
        "page 2",
    );
    assert_eq!(names_of(&next), ["ZEPHYR three", "100% zephyr_x"]);
    let last = ok(
        store.search_clients(&acme, &search("ZEPHYR", 4, 2)).await,
        "page 3",
    );
    assert_eq!(names_of(&last), ["Zephyrless"]);
    let past = ok(
        store.search_clients(&acme, &search("zephyr", 10, 2)).await,
        "past the end",
    );
    assert!(past.items.is_empty());
    assert_eq!(past.total, 5);

    for literal in ["0%", "r_x", "%", "_"] {
        let r = ok(
            store.search_clients(&acme, &search(literal, 0, 50)).await,
            "literal",
        );
        assert_eq!(
            names_of(&r),
            ["100% zephyr_x"],
            "{literal:?} is matched literally"
        );
    }
    let none = ok(
        store.search_clients(&acme, &search("globex", 0, 50)).await,
        "other partition",
    );
    assert_eq!(none.total, 0, "another partition's clients are never found");
    assert!(none.items.is_empty());
}
