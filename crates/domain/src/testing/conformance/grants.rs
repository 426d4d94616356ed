//! Grants of the authorization code flow (codes, refresh tokens, issued and revoked access
//! tokens), browser sessions, and purging them.

use super::*;
use crate::claims_request::ClaimsRequest;
use crate::grant::{CodeLookup, CodeRedemption, Grant, IssuedAccessToken, RefreshToken, Rotation};
use crate::session::BrowserSession;
use crate::testing::fixtures::{
    authorization_code, browser_session, grant, issued_access_token, refresh_token,
};

/// Creates `g` with a code stored as `hash`.
async fn granted(store: &dyn Store, g: &Grant, hash: &[u8]) {
    ok(
        store.create_grant(g, &authorization_code(g, hash)).await,
        "create_grant",
    );
}

async fn revoked(store: &dyn Store, p: &PartitionId, jti: uuid::Uuid) -> bool {
    ok(
        store.is_access_token_revoked(p, jti).await,
        "is_access_token_revoked",
    )
}

async fn redeem(store: &dyn Store, p: &PartitionId, hash: &[u8]) -> CodeRedemption {
    ok(store.redeem_code(p, hash, at(10)).await, "redeem_code")
}

async fn rotate(
    store: &dyn Store,
    p: &PartitionId,
    old: &[u8],
    new: &RefreshToken,
    access: &IssuedAccessToken,
) -> Rotation {
    ok(
        store
            .rotate_refresh_token(p, old, at(100), new, access)
            .await,
        "rotate_refresh_token",
    )
}

/// A code is redeemed once, with its grant, whatever its expiry (the caller checks); then it is
/// a replay naming the grant. Unknown codes and other partitions' codes are unknown. A grant
/// needs an existing client, and a grant whose code cannot be stored is not stored either.
pub async fn codes_are_redeemed_once(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let g = grant(&p, seed_ids(&p).web, at(3600));
    let code = authorization_code(&g, b"code-1");
    ok(store.create_grant(&g, &code).await, "create_grant");
    let og = grant(&other, seed_ids(&other).web, at(3600));
    granted(store, &og, b"code-2").await;

    assert_eq!(
        redeem(store, &p, b"code-2").await,
        CodeRedemption::Unknown,
        "another partition's code"
    );
    assert_eq!(
        ok(store.redeem_code(&p, b"code-1", at(120)).await, "redeem"),
        CodeRedemption::Redeemed {
            code: code.clone(),
            grant: g.clone()
        },
        "an expired code is still redeemed: expiry is for the caller"
    );
    assert_eq!(
        redeem(store, &p, b"code-1").await,
        CodeRedemption::Replayed { grant_id: g.id }
    );
    assert_eq!(
        redeem(store, &p, b"code-1").await,
        CodeRedemption::Replayed { grant_id: g.id },
        "every later presentation is a replay"
    );
    assert_eq!(redeem(store, &p, b"nope").await, CodeRedemption::Unknown);
    assert!(
        matches!(
            redeem(store, &other, b"code-2").await,
            CodeRedemption::Redeemed { grant, .. } if grant == og
        ),
        "the other partition's code was left alone"
    );

    let stray = grant(&p, fresh_id(), at(3600));
    assert!(
        matches!(
            store
                .create_grant(&stray, &authorization_code(&stray, b"code-3"))
                .await,
            Err(StoreError::UnknownReference(_))
        ),
        "a grant for an unknown client"
    );
    let dup = grant(&p, seed_ids(&p).web, at(3600));
    assert!(
        matches!(
            store
                .create_grant(&dup, &authorization_code(&dup, b"code-1"))
                .await,
            Err(StoreError::Conflict(_))
        ),
        "a code hash already stored"
    );
    assert!(
        matches!(
            store
                .record_issued(&issued_access_token(&dup, at(900)), None)
                .await,
            Err(StoreError::UnknownReference(_))
        ),
        "the grant of the refused code was not stored"
    );
}

/// Looking a code up changes nothing: it is found with its grant as often as asked, consumed or
/// not, and is still redeemed once afterwards. Other partitions' and unknown codes are not found.
pub async fn codes_are_found_without_being_consumed(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let g = grant(&p, seed_ids(&p).web, at(3600));
    let code = authorization_code(&g, b"code-1");
    ok(store.create_grant(&g, &code).await, "create_grant");
    let find = |p: &PartitionId, hash: &'static [u8]| {
        let p = p.clone();
        async move { ok(store.find_code(&p, hash).await, "find_code") }
    };
    let unspent = Some(CodeLookup {
        code: code.clone(),
        grant: g.clone(),
        consumed: false,
    });
    assert_eq!(find(&p, b"code-1").await, unspent);
    assert_eq!(
        find(&p, b"code-1").await,
        unspent,
        "a look-up does not consume"
    );
    assert_eq!(find(&other, b"code-1").await, None, "another partition");
    assert_eq!(find(&p, b"nope").await, None);
    assert!(
        matches!(
            redeem(store, &p, b"code-1").await,
            CodeRedemption::Redeemed { .. }
        ),
        "the looked-up code is still redeemed once"
    );
    assert_eq!(
        find(&p, b"code-1").await,
        Some(CodeLookup {
            code,
            grant: g.clone(),
            consumed: true,
        }),
        "a consumed code is still found, marked consumed"
    );
    ok(store.revoke_grant(&p, g.id, at(20)).await, "revoke_grant");
    assert_eq!(
        find(&p, b"code-1").await.map(|l| l.grant.revoked_at),
        Some(Some(at(20))),
        "with its grant as it is now"
    );
}

/// A password change (user or customer) ends that account's browser sessions and revokes its
/// grants, at the change's `updated_at`, in the same write; an update without a password, and
/// other accounts (the same id in the other realm, another partition), are left alone.
pub async fn a_password_change_signs_the_account_out(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let ids = seed_ids(&p);
    let ev = || event(&p, "account.change", "user", "u");
    // The agent's grant with an access token and a refresh token, and a session.
    let mut g = grant(&p, ids.web, at(86_400));
    g.subject = ids.agent;
    granted(store, &g, b"code-agent").await;
    let access = issued_access_token(&g, at(900));
    ok(
        store
            .record_issued(&access, Some(&refresh_token(&g, b"r-agent", at(3600))))
            .await,
        "record_issued",
    );
    let mut session = browser_session(&p, Realm::Users, b"s-agent", at(3600));
    session.subject = ids.agent;
    ok(store.create_session(&session).await, "create_session");
    // The same subject id in the customers realm, and the agent of another partition.
    let mut customer_side = grant(&p, ids.web, at(86_400));
    customer_side.subject = ids.agent;
    customer_side.realm = Realm::Customers;
    granted(store, &customer_side, b"code-c").await;
    let mut elsewhere = grant(&other, seed_ids(&other).web, at(86_400));
    elsewhere.subject = seed_ids(&other).agent;
    granted(store, &elsewhere, b"code-o").await;
    let mut other_session = browser_session(&other, Realm::Users, b"s-o", at(3600));
    other_session.subject = seed_ids(&other).agent;
    ok(store.create_session(&other_session).await, "create_session");

    let mut agent = found(store.get_user(&p, ids.agent).await, "get_user");
    agent.updated_at = at(40);
    ok(store.update_user(&agent, None, &ev()).await, "update_user");
    assert!(
        !revoked(store, &p, access.jti).await,
        "no password, nothing ends"
    );
    agent.updated_at = at(50);
    ok(
        store
            .update_user(&agent, Some("$argon2id$new"), &ev())
            .await,
        "update_user with password",
    );
    assert!(revoked(store, &p, access.jti).await, "access token revoked");
    let (_, g_now) = found(store.find_refresh_token(&p, b"r-agent").await, "refresh");
    assert_eq!(
        g_now.revoked_at,
        Some(at(50)),
        "grant revoked at the change"
    );
    let s_now = found(store.get_session(&p, session.id).await, "session");
    assert_eq!(s_now.ended_at, Some(at(50)), "session ended at the change");
    let lookup = |p: &PartitionId, hash: &'static [u8]| {
        let p = p.clone();
        async move { found(store.find_code(&p, hash).await, "find_code").grant }
    };
    assert_eq!(lookup(&p, b"code-c").await.revoked_at, None, "other realm");
    assert_eq!(
        lookup(&other, b"code-o").await.revoked_at,
        None,
        "other partition"
    );
    assert_eq!(
        found(store.get_session(&other, other_session.id).await, "session").ended_at,
        None
    );

    // A customer's password change does the same in the customers realm.
    let mut cg = grant(&p, ids.web, at(86_400));
    cg.subject = ids.customer;
    cg.realm = Realm::Customers;
    granted(store, &cg, b"code-cust").await;
    let mut cs = browser_session(&p, Realm::Customers, b"s-cust", at(3600));
    cs.subject = ids.customer;
    ok(store.create_session(&cs).await, "create_session");
    let mut customer = found(store.get_customer(&p, ids.customer).await, "get_customer");
    customer.updated_at = at(60);
    ok(
        store
            .update_customer(&customer, Some("$argon2id$c2"), &ev())
            .await,
        "update_customer with password",
    );
    assert_eq!(lookup(&p, b"code-cust").await.revoked_at, Some(at(60)));
    assert_eq!(
        found(store.get_session(&p, cs.id).await, "session").ended_at,
        Some(at(60))
    );
}

/// Of concurrent redemptions of one code exactly one wins; the others are replays.
pub async fn concurrent_redemptions_have_one_winner(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    // Several rounds, so later ones race on connections the pool already holds open.
    for round in 0..5u8 {
        let g = grant(&p, seed_ids(&p).web, at(3600));
        let hash = [b'r', round];
        granted(store, &g, &hash).await;
        let (a, b, c) = tokio::join!(
            store.redeem_code(&p, &hash, at(10)),
            store.redeem_code(&p, &hash, at(11)),
            store.redeem_code(&p, &hash, at(12)),
        );
        let results = [ok(a, "redeem"), ok(b, "redeem"), ok(c, "redeem")];
        let wins = results
            .iter()
            .filter(|r| matches!(r, CodeRedemption::Redeemed { .. }))
            .count();
        assert_eq!(wins, 1, "exactly one redemption wins: {results:?}");
        for r in &results {
            assert!(
                matches!(r, CodeRedemption::Redeemed { .. })
                    || *r == CodeRedemption::Replayed { grant_id: g.id },
                "{r:?}"
            );
        }
    }
}

/// A refresh token is found with its grant (used and revoked ones too), rotates once, and a
/// second rotation (later or concurrent) writes nothing. Other partitions find nothing.
pub async fn refresh_tokens_rotate_once(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let g = grant(&p, seed_ids(&p).web, at(86_400));
    granted(store, &g, b"code").await;
    let a1 = issued_access_token(&g, at(900));
    let r1 = refresh_token(&g, b"r1", at(3600));
    ok(store.record_issued(&a1, Some(&r1)).await, "record_issued");
    let find = |p: &PartitionId, hash: &'static [u8]| {
        let p = p.clone();
        async move { ok(store.find_refresh_token(&p, hash).await, "find") }
    };
    assert_eq!(find(&p, b"r1").await, Some((r1.clone(), g.clone())));
    assert_eq!(find(&other, b"r1").await, None, "another partition");
    assert_eq!(find(&p, b"nope").await, None);

    // Rotating from another partition finds nothing to rotate and writes nothing.
    let stray = refresh_token(&g, b"stray", at(3600));
    assert_eq!(
        rotate(
            store,
            &other,
            b"r1",
            &stray,
            &issued_access_token(&g, at(900))
        )
        .await,
        Rotation::AlreadyUsed
    );
    assert_eq!(find(&p, b"stray").await, None);
    assert_eq!(find(&p, b"r1").await.map(|(t, _)| t.used_at), Some(None));

    let r2 = refresh_token(&g, b"r2", at(7200));
    let a2 = issued_access_token(&g, at(1000));
    assert_eq!(rotate(store, &p, b"r1", &r2, &a2).await, Rotation::Rotated);
    let used = RefreshToken {
        used_at: Some(at(100)),
        ..r1.clone()
    };
    assert_eq!(find(&p, b"r1").await, Some((used.clone(), g.clone())));
    assert_eq!(find(&p, b"r2").await, Some((r2.clone(), g.clone())));

    // Reuse of the rotated token: nothing is written, its first use time stays.
    let r3 = refresh_token(&g, b"r3", at(7200));
    let a3 = issued_access_token(&g, at(1000));
    assert_eq!(
        ok(
            store
                .rotate_refresh_token(&p, b"r1", at(200), &r3, &a3)
                .await,
            "rotate"
        ),
        Rotation::AlreadyUsed
    );
    assert_eq!(find(&p, b"r3").await, None);
    assert_eq!(find(&p, b"r1").await, Some((used, g.clone())));

    // Concurrent rotations of one token: one wins, the loser's tokens are not stored.
    let r4 = refresh_token(&g, b"r4", at(7200));
    let a4 = issued_access_token(&g, at(1000));
    let r5 = refresh_token(&g, b"r5", at(7200));
    let a5 = issued_access_token(&g, at(1000));
    let (x, y) = tokio::join!(
        store.rotate_refresh_token(&p, b"r2", at(300), &r4, &a4),
        store.rotate_refresh_token(&p, b"r2", at(300), &r5, &a5),
    );
    let (x, y) = (ok(x, "rotate"), ok(y, "rotate"));
    assert!(
        matches!(
            (x, y),
            (Rotation::Rotated, Rotation::AlreadyUsed) | (Rotation::AlreadyUsed, Rotation::Rotated)
        ),
        "exactly one concurrent rotation wins: {x:?} {y:?}"
    );
    let (winner, loser, won_jti, lost_jti) = if x == Rotation::Rotated {
        (b"r4", b"r5", a4.jti, a5.jti)
    } else {
        (b"r5", b"r4", a5.jti, a4.jti)
    };
    assert!(find(&p, winner).await.is_some());
    assert_eq!(find(&p, loser).await, None);

    // Revoking the grant reaches every access token recorded from it, and only those.
    ok(store.revoke_grant(&p, g.id, at(400)).await, "revoke_grant");
    for jti in [a1.jti, a2.jti, won_jti] {
        assert!(revoked(store, &p, jti).await, "issued from the grant");
    }
    for jti in [a3.jti, lost_jti] {
        assert!(!revoked(store, &p, jti).await, "never recorded");
    }
    // The caller decides what a revoked grant means: the lookup still finds it.
    let (_, revoked_grant) = found(store.find_refresh_token(&p, winner).await, "find");
    assert_eq!(revoked_grant.revoked_at, Some(at(400)));
}

/// Revoking a grant is idempotent (the first time stays), revokes its access tokens only, and
/// cannot reach another partition's grant; an unknown grant id is not an error.
pub async fn revoking_a_grant_revokes_its_access_tokens(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let g1 = grant(&p, seed_ids(&p).web, at(86_400));
    let g2 = grant(&p, seed_ids(&p).spa, at(86_400));
    let og = grant(&other, seed_ids(&other).web, at(86_400));
    granted(store, &g1, b"c1").await;
    granted(store, &g2, b"c2").await;
    granted(store, &og, b"c1").await;
    let a1 = issued_access_token(&g1, at(900));
    let r1 = refresh_token(&g1, b"r1", at(3600));
    let a2 = issued_access_token(&g2, at(900));
    // The other partition's token carries the same jti: keys are per partition.
    let oa = IssuedAccessToken {
        jti: a1.jti,
        ..issued_access_token(&og, at(900))
    };
    ok(store.record_issued(&a1, Some(&r1)).await, "record_issued");
    ok(store.record_issued(&a2, None).await, "record_issued");
    ok(store.record_issued(&oa, None).await, "record_issued");
    assert!(!revoked(store, &p, a1.jti).await);
    assert!(!revoked(store, &p, a2.jti).await);

    ok(store.revoke_grant(&p, g1.id, at(10)).await, "revoke_grant");
    ok(store.revoke_grant(&p, g1.id, at(20)).await, "revoke again");
    let (_, g) = found(store.find_refresh_token(&p, b"r1").await, "find");
    assert_eq!(
        g.revoked_at,
        Some(at(10)),
        "the first revocation time stays"
    );
    assert!(revoked(store, &p, a1.jti).await);
    assert!(!revoked(store, &p, a2.jti).await, "another grant's token");
    assert!(
        !revoked(store, &other, a1.jti).await,
        "the same jti in another partition"
    );

    ok(
        store.revoke_grant(&other, g2.id, at(30)).await,
        "revoke across partitions",
    );
    assert!(!revoked(store, &p, a2.jti).await, "out of reach");
    ok(
        store.revoke_grant(&p, fresh_id(), at(30)).await,
        "revoke an unknown grant",
    );
}

/// A grant's claims request (OIDC Core §5.5) comes back as stored wherever the grant does: with
/// its code (looked up and redeemed), its refresh token, and its access tokens by `jti` — in its
/// partition only; a grant without one has none, and an unknown `jti` has no grant.
pub async fn claims_requests_are_kept_with_the_grant(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let request = ClaimsRequest::parse(
        r#"{"id_token":{"email":null,"given_name":{"essential":true},
            "acr":{"essential":true,"values":["urn:a","urn:b"]}},
            "userinfo":{"phone_number":null,"address":{"value":"x"}}}"#,
    )
    .unwrap_or_default();
    assert!(!request.is_empty());
    let g = Grant {
        claims_request: Some(request),
        ..grant(&p, seed_ids(&p).web, at(86_400))
    };
    let plain = grant(&p, seed_ids(&p).spa, at(86_400));
    granted(store, &g, b"c1").await;
    granted(store, &plain, b"c2").await;
    let lookup = found(store.find_code(&p, b"c1").await, "find_code");
    assert_eq!(lookup.grant, g, "with the code");
    assert_eq!(
        redeem(store, &p, b"c1").await,
        CodeRedemption::Redeemed {
            code: authorization_code(&g, b"c1"),
            grant: g.clone()
        },
        "at redemption"
    );
    let a = issued_access_token(&g, at(900));
    let r = refresh_token(&g, b"r1", at(3600));
    ok(store.record_issued(&a, Some(&r)).await, "record_issued");
    let (_, refreshed) = found(store.find_refresh_token(&p, b"r1").await, "find");
    assert_eq!(refreshed, g, "with the refresh token");
    let by_jti = |p: &PartitionId, jti| {
        let p = p.clone();
        async move {
            ok(
                store.access_token_grant(&p, jti).await,
                "access_token_grant",
            )
        }
    };
    assert_eq!(
        by_jti(&p, a.jti).await,
        Some(g.clone()),
        "by the access token"
    );
    assert_eq!(by_jti(&other, a.jti).await, None, "another partition");
    assert_eq!(by_jti(&p, fresh_id()).await, None, "an unknown jti");
    let pa = issued_access_token(&plain, at(900));
    ok(store.record_issued(&pa, None).await, "record_issued");
    assert_eq!(
        by_jti(&p, pa.jti).await.map(|g| g.claims_request),
        Some(None),
        "a grant without a claims request"
    );
    ok(store.revoke_grant(&p, g.id, at(20)).await, "revoke_grant");
    assert_eq!(
        by_jti(&p, a.jti).await.map(|g| g.revoked_at),
        Some(Some(at(20))),
        "a revoked grant is still found, as it is now"
    );
}

/// An access token revoked by `jti` is revoked (idempotently) in its partition only.
pub async fn access_tokens_are_revoked_by_jti(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let jti = fresh_id();
    assert!(!revoked(store, &p, jti).await);
    ok(store.revoke_access_token(&p, jti, at(900)).await, "revoke");
    ok(store.revoke_access_token(&p, jti, at(900)).await, "again");
    assert!(revoked(store, &p, jti).await);
    assert!(!revoked(store, &other, jti).await, "another partition");
    assert!(!revoked(store, &p, fresh_id()).await, "another token");
}

/// Deleting a client deletes its grants with their codes and refresh tokens; other clients'
/// grants stay.
pub async fn deleting_a_client_removes_its_grants(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let doomed = web_client(&p, fresh_id(), "Doomed");
    ok(
        store
            .create_client(&doomed, &event(&p, "client.create", "client", "c"))
            .await,
        "create_client",
    );
    let g = grant(&p, doomed.client_id, at(86_400));
    granted(store, &g, b"doomed-code").await;
    let used = grant(&p, doomed.client_id, at(86_400));
    granted(store, &used, b"used-code").await;
    ok(
        store
            .record_issued(
                &issued_access_token(&used, at(900)),
                Some(&refresh_token(&used, b"doomed-rt", at(3600))),
            )
            .await,
        "record_issued",
    );
    let kept = grant(&p, seed_ids(&p).web, at(86_400));
    granted(store, &kept, b"kept-code").await;
    ok(
        store
            .record_issued(
                &issued_access_token(&kept, at(900)),
                Some(&refresh_token(&kept, b"kept-rt", at(3600))),
            )
            .await,
        "record_issued",
    );

    ok(
        store
            .delete_client(
                &p,
                doomed.client_id,
                &event(&p, "client.delete", "client", "c"),
            )
            .await,
        "delete_client",
    );
    assert_eq!(
        ok(store.find_refresh_token(&p, b"doomed-rt").await, "find"),
        None
    );
    assert_eq!(
        redeem(store, &p, b"doomed-code").await,
        CodeRedemption::Unknown
    );
    assert!(ok(store.find_refresh_token(&p, b"kept-rt").await, "find").is_some());
    assert!(matches!(
        redeem(store, &p, b"kept-code").await,
        CodeRedemption::Redeemed { .. }
    ));
}

/// Sessions are found by cookie hash within their partition and realm, and by id within their
/// partition; ending one is idempotent (the first time stays) and leaves it readable.
pub async fn browser_sessions_round_trip(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let s = browser_session(&p, Realm::Users, b"cookie-1", at(3600));
    ok(store.create_session(&s).await, "create_session");
    let c = browser_session(&p, Realm::Customers, b"cookie-2", at(3600));
    ok(store.create_session(&c).await, "create_session");

    assert_eq!(
        found(
            store.find_session(&p, Realm::Users, b"cookie-1").await,
            "find"
        ),
        s
    );
    assert_eq!(
        found(
            store.find_session(&p, Realm::Customers, b"cookie-2").await,
            "find"
        ),
        c
    );
    assert_eq!(
        ok(
            store.find_session(&p, Realm::Customers, b"cookie-1").await,
            "find"
        ),
        None,
        "another realm"
    );
    assert_eq!(
        ok(
            store.find_session(&other, Realm::Users, b"cookie-1").await,
            "find"
        ),
        None,
        "another partition"
    );
    assert_eq!(
        ok(store.find_session(&p, Realm::Users, b"nope").await, "find"),
        None
    );
    assert_eq!(found(store.get_session(&p, s.id).await, "get"), s);
    assert_eq!(ok(store.get_session(&other, s.id).await, "get"), None);
    assert_eq!(ok(store.get_session(&p, fresh_id()).await, "get"), None);
    assert!(
        matches!(
            store
                .create_session(&browser_session(&p, Realm::Users, b"cookie-1", at(3600)))
                .await,
            Err(StoreError::Conflict(_))
        ),
        "a cookie hash already stored"
    );

    ok(
        store.end_session(&other, s.id, at(5)).await,
        "end elsewhere",
    );
    assert_eq!(found(store.get_session(&p, s.id).await, "get"), s);
    ok(store.end_session(&p, s.id, at(10)).await, "end_session");
    ok(store.end_session(&p, s.id, at(20)).await, "end again");
    let ended = BrowserSession {
        ended_at: Some(at(10)),
        ..s.clone()
    };
    assert_eq!(found(store.get_session(&p, s.id).await, "get"), ended);
    assert_eq!(
        found(
            store.find_session(&p, Realm::Users, b"cookie-1").await,
            "find"
        ),
        ended,
        "the caller decides what an ended session means"
    );
    assert_eq!(
        found(store.get_session(&p, c.id).await, "get"),
        c,
        "another session"
    );
    ok(
        store.end_session(&p, fresh_id(), at(10)).await,
        "end an unknown session",
    );
}

/// Purging deletes codes, refresh tokens, access-token records, revocations, sessions and grants
/// that expired strictly before the cut-off, in every partition, and counts them. A grant stays
/// while an access token issued from it has not expired, so revoking it still reaches that
/// token.
pub async fn expired_grants_are_purged(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let other = seeded(store, "globex").await;
    let web = seed_ids(&p).web;

    // g1 expires at 100 s: everything of it has expired by 200 s.
    let g1 = grant(&p, web, at(100));
    granted(store, &g1, b"c1").await;
    let a1 = issued_access_token(&g1, at(50));
    ok(
        store
            .record_issued(&a1, Some(&refresh_token(&g1, b"r1", at(100))))
            .await,
        "record_issued",
    );
    // g2 lives long; some of its tokens expire before 200 s, some after.
    let g2 = grant(&p, web, at(10_000));
    granted(store, &g2, b"c2").await;
    let a2 = issued_access_token(&g2, at(150));
    let a3 = issued_access_token(&g2, at(900));
    ok(
        store
            .record_issued(&a2, Some(&refresh_token(&g2, b"r2", at(300))))
            .await,
        "record_issued",
    );
    ok(store.record_issued(&a3, None).await, "record_issued");
    // g3 has expired, but an access token issued from it has not.
    let g3 = grant(&p, web, at(100));
    granted(store, &g3, b"c3").await;
    let a4 = issued_access_token(&g3, at(900));
    ok(store.record_issued(&a4, None).await, "record_issued");
    let v1 = fresh_id();
    let v2 = fresh_id();
    ok(store.revoke_access_token(&p, v1, at(100)).await, "revoke");
    ok(store.revoke_access_token(&p, v2, at(900)).await, "revoke");
    let s1 = browser_session(&p, Realm::Users, b"s1", at(100));
    let s2 = browser_session(&p, Realm::Users, b"s2", at(10_000));
    let s3 = browser_session(&other, Realm::Customers, b"s3", at(100));
    for s in [&s1, &s2, &s3] {
        ok(store.create_session(s).await, "create_session");
    }

    assert_eq!(
        ok(store.purge_expired_grants(at(50)).await, "purge"),
        0,
        "an expiry equal to the cut-off stays"
    );
    // Codes c1, c2, c3; refresh token r1; access tokens a1, a2; revocation v1; sessions s1, s3;
    // grant g1.
    assert_eq!(ok(store.purge_expired_grants(at(200)).await, "purge"), 10);
    assert_eq!(ok(store.purge_expired_grants(at(200)).await, "again"), 0);

    assert_eq!(redeem(store, &p, b"c2").await, CodeRedemption::Unknown);
    assert_eq!(ok(store.find_refresh_token(&p, b"r1").await, "find"), None);
    assert!(ok(store.find_refresh_token(&p, b"r2").await, "find").is_some());
    assert!(!revoked(store, &p, v1).await, "its revocation expired");
    assert!(revoked(store, &p, v2).await);
    assert_eq!(ok(store.get_session(&p, s1.id).await, "get"), None);
    assert_eq!(ok(store.get_session(&other, s3.id).await, "get"), None);
    assert_eq!(found(store.get_session(&p, s2.id).await, "get"), s2);
    ok(store.revoke_grant(&p, g3.id, at(300)).await, "revoke g3");
    assert!(revoked(store, &p, a4.jti).await, "g3 was kept for a4");
    assert!(!revoked(store, &p, a3.jti).await);
    // g1 is gone: the access-token record of a new token cannot point at it.
    assert!(matches!(
        store
            .record_issued(&issued_access_token(&g1, at(900)), None)
            .await,
        Err(StoreError::UnknownReference(_))
    ));

    // Later: r2, a3, a4 and v2 expire, and g3 with its last access token.
    assert_eq!(ok(store.purge_expired_grants(at(1000)).await, "purge"), 5);
    assert!(!revoked(store, &p, a4.jti).await);
    assert_eq!(ok(store.find_refresh_token(&p, b"r2").await, "find"), None);
    assert_eq!(found(store.get_session(&p, s2.id).await, "get"), s2);
    ok(
        store
            .record_issued(&issued_access_token(&g2, at(2000)), None)
            .await,
        "g2 is still there",
    );
}

/// An administrator signing an account out ends exactly its live sessions in the realm, revokes
/// the grants made in them (not its other grants), writes the audit event, and returns what it
/// ended; a session's clients are the distinct clients of the grants made in it
/// (Back-Channel Logout 1.0 §2.7).
pub async fn account_sessions_end_and_name_their_clients(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ids = seed_ids(&p);
    let mut live = browser_session(&p, Realm::Users, b"s-live", at(3600));
    live.subject = ids.agent;
    let mut expired = browser_session(&p, Realm::Users, b"s-old", at(5));
    expired.subject = ids.agent;
    let mut customer_side = browser_session(&p, Realm::Customers, b"s-cust", at(3600));
    customer_side.subject = ids.agent;
    for s in [&live, &expired, &customer_side] {
        ok(store.create_session(s).await, "create_session");
    }
    // Two grants of the web client and one of the SPA in the live session; one elsewhere.
    let mut in_session = Vec::new();
    for (client, hash) in [
        (ids.web, &b"c-1"[..]),
        (ids.web, &b"c-2"[..]),
        (ids.spa, &b"c-3"[..]),
    ] {
        let mut g = grant(&p, client, at(86_400));
        g.subject = ids.agent;
        g.session_id = live.id;
        granted(store, &g, hash).await;
        in_session.push(g);
    }
    let mut outside = grant(&p, ids.web, at(86_400));
    outside.subject = ids.agent;
    granted(store, &outside, b"c-4").await;

    let mut clients = ok(store.session_clients(&p, live.id).await, "session_clients");
    clients.sort();
    let mut expected = vec![ids.web, ids.spa];
    expected.sort();
    assert_eq!(
        clients, expected,
        "distinct clients of the session's grants"
    );
    assert!(
        ok(
            store.session_clients(&p, fresh_id()).await,
            "session_clients"
        )
        .is_empty(),
        "an unknown session has none"
    );
    let globex = seeded(store, "globex").await;
    assert!(
        ok(
            store.session_clients(&globex, live.id).await,
            "session_clients"
        )
        .is_empty(),
        "another partition sees none"
    );

    let audit = event(&p, "user.sessions.end", "user", &ids.agent.to_string());
    let ended = ok(
        store
            .end_account_sessions(&p, Realm::Users, ids.agent, at(10), &audit)
            .await,
        "end_account_sessions",
    );
    let ended_ids: Vec<uuid::Uuid> = ended.iter().map(|s| s.id).collect();
    assert_eq!(ended_ids, [live.id], "only the live session of the realm");
    assert_eq!(ended[0].ended_at, Some(at(10)));
    let got = |id: uuid::Uuid| {
        let p = p.clone();
        async move { found(store.get_session(&p, id).await, "get_session") }
    };
    assert_eq!(got(live.id).await.ended_at, Some(at(10)));
    assert_eq!(got(expired.id).await.ended_at, None, "expired, not ended");
    assert_eq!(got(customer_side.id).await.ended_at, None, "other realm");
    for (g, hash) in in_session.iter().zip([&b"c-1"[..], b"c-2", b"c-3"]) {
        let lookup = found(store.find_code(&p, hash).await, "find_code");
        assert_eq!(lookup.grant.revoked_at, Some(at(10)), "grant {}", g.id);
    }
    let lookup = found(store.find_code(&p, b"c-4").await, "find_code");
    assert_eq!(
        lookup.grant.revoked_at, None,
        "a grant of another session stands"
    );
    let logged = ok(
        store
            .list_audit_events(
                &p,
                &AuditFilter {
                    action: Some("user.sessions.end".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await,
        "list_audit_events",
    );
    assert_eq!(logged.items.len(), 1, "the audit event is written");
    // Nothing live is left: ending again ends nothing and is not an error.
    let again = ok(
        store
            .end_account_sessions(&p, Realm::Users, ids.agent, at(20), &audit_again(&p))
            .await,
        "end_account_sessions",
    );
    assert!(again.is_empty());
    assert_eq!(got(live.id).await.ended_at, Some(at(10)), "first end kept");
}

fn audit_again(p: &PartitionId) -> AuditEvent {
    event(p, "user.sessions.end", "user", "again")
}

/// A password change or disabling reports the sessions it ended (for back-channel logout).
pub async fn account_changes_report_the_sessions_they_end(store: &dyn Store) {
    let p = seeded(store, "acme").await;
    let ids = seed_ids(&p);
    let ev = || event(&p, "user.update", "user", "u");
    let mut s = browser_session(&p, Realm::Users, b"s-a", at(3600));
    s.subject = ids.agent;
    ok(store.create_session(&s).await, "create_session");
    let mut agent = found(store.get_user(&p, ids.agent).await, "get_user");
    agent.enabled = true;
    agent.updated_at = at(30);
    let ended = ok(store.update_user(&agent, None, &ev()).await, "update_user");
    assert!(ended.is_empty(), "enabling ends nothing");
    agent.display_name = "Renamed".into();
    let ended = ok(store.update_user(&agent, None, &ev()).await, "update_user");
    assert!(ended.is_empty(), "a rename ends nothing");
    agent.enabled = false;
    agent.updated_at = at(40);
    let ended = ok(store.update_user(&agent, None, &ev()).await, "update_user");
    assert_eq!(ended, [s.id], "disabling ends the session");
    assert_eq!(
        found(store.get_session(&p, s.id).await, "get_session").ended_at,
        Some(at(40))
    );
    // Changing an account that is disabled already ends nothing more.
    let mut later = browser_session(&p, Realm::Users, b"s-b", at(3600));
    later.subject = ids.agent;
    ok(store.create_session(&later).await, "create_session");
    agent.updated_at = at(45);
    let ended = ok(store.update_user(&agent, None, &ev()).await, "update_user");
    assert!(ended.is_empty(), "already disabled");
    let mut cs = browser_session(&p, Realm::Customers, b"s-c", at(3600));
    cs.subject = ids.customer;
    ok(store.create_session(&cs).await, "create_session");
    let mut customer = found(store.get_customer(&p, ids.customer).await, "get_customer");
    customer.updated_at = at(50);
    let ended = ok(
        store
            .update_customer(&customer, Some("$argon2id$new"), &ev())
            .await,
        "update_customer",
    );
    assert_eq!(ended, [cs.id], "a new password ends the session");
}
