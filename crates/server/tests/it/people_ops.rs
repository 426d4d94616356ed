//! The admin operations the console's people pages added: **Test this provider** (`POST
//! identity-providers/{id}/test`) fetches a provider's keys through token exchange's fetcher
//! and says what it found — or, for an address the deployment refuses, why, before any
//! connection is attempted; and a Partition Administrator cannot lock themselves out.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::json;
use tessera_domain::PartitionId;
use tessera_domain::audit::ActorKind;
use tessera_domain::user::UserChanges;
use tessera_server::admin_ops::users;
use tessera_server::admin_ops::{OpError, PartitionAdmin};
use tessera_server::audit::AuditContext;

use crate::support::{Backend, PARTITION, TestServer, postgres_url};
use crate::token_exchange::{AUD, ISS, idp, start_allowing_loopback};

/// A loopback listener that counts the connections it accepts and answers none of them.
async fn counting_listener() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    (addr, accepted)
}

#[tokio::test]
async fn test_this_provider_reports_the_keys_it_fetched() {
    let s = start_allowing_loopback(Backend::Sqlite).await;
    let idp = idp().await;
    let (st, reg) = s
        .admin_json(
            Method::POST,
            "/identity-providers",
            Some(json!({"name":"Okta","issuer":ISS,"jwks_uri":idp.jwks_uri,"audiences":[AUD]})),
        )
        .await;
    assert_eq!(st, 201, "{reg}");
    let id = reg["id"].as_str().unwrap();
    let (st, check) = s
        .admin_json(
            Method::POST,
            &format!("/identity-providers/{id}/test"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{check}");
    assert_eq!(check["error"], serde_json::Value::Null, "{check}");
    assert_eq!(
        check["origin"],
        json!({"kind": "jwks_uri", "url": idp.jwks_uri})
    );
    let keys = check["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{check}");
    assert_eq!(keys[0]["kid"], "idp-1");
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["usable"], true);

    // An inline set is read as registered; a key Tessera cannot use is said to be unusable.
    let (st, inline) = s
        .admin_json(
            Method::POST,
            "/identity-providers",
            Some(json!({"name":"Inline","issuer":ISS,"audiences":[AUD],
            "jwks":{"keys":[{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}]}})),
        )
        .await;
    assert_eq!(st, 201, "{inline}");
    let (st, check) = s
        .admin_json(
            Method::POST,
            &format!(
                "/identity-providers/{}/test",
                inline["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(st, 200, "{check}");
    assert_eq!(check["origin"], json!({"kind": "inline"}));
    assert_eq!(check["keys"][0]["kid"], "hmac");
    assert_eq!(check["keys"][0]["usable"], false, "{check}");

    // A provider that answers no JWK Set: the exact reason.
    let (st, broken) = s
        .admin_json(
            Method::PATCH,
            &format!("/identity-providers/{id}"),
            Some(json!({"jwks_uri": idp.jwks_uri.replace("/jwks", "/missing")})),
        )
        .await;
    assert_eq!(st, 200, "{broken}");
    let (_, check) = s
        .admin_json(
            Method::POST,
            &format!("/identity-providers/{id}/test"),
            None,
        )
        .await;
    assert_eq!(
        check["error"], "the JWKS endpoint answered HTTP 404",
        "{check}"
    );

    // Not in the partition (or not an id): 404.
    for other in ["00000000-0000-4000-8000-000000000000", "nope"] {
        let (st, p) = s
            .admin_json(
                Method::POST,
                &format!("/identity-providers/{other}/test"),
                None,
            )
            .await;
        assert_eq!(st, 404, "{p}");
    }
}

#[tokio::test]
async fn test_this_provider_refuses_a_refused_address_before_connecting() {
    // No development switch: loopback is refused, as in production.
    let s = TestServer::start().await;
    let (addr, accepted) = counting_listener().await;
    let now = s.state.clock().now();
    let p = PartitionId::parse(PARTITION).unwrap();
    // Registered earlier (or under the switch): stored directly, as registration would refuse it.
    let idp = tessera_domain::identity_provider::IdentityProvider {
        id: s.state.rng().uuid(),
        partition: p.clone(),
        name: "Internal".into(),
        issuer: ISS.into(),
        jwks_uri: Some(format!("http://{addr}/jwks")),
        jwks: None,
        audiences: vec![AUD.into()],
        realm: tessera_domain::Realm::Users,
        match_claim: "email".into(),
        match_attribute: tessera_domain::identity_provider::MatchAttribute::Email,
        require_email_verified: true,
        enabled: true,
        created_at: now,
        updated_at: now,
    };
    let event = AuditContext::system(Some(p)).event(
        &s.state,
        tessera_domain::audit::Action::IdentityProviderCreate,
        tessera_domain::audit::ObjectType::IdentityProvider,
        Some(idp.id.to_string()),
        tessera_domain::audit::Outcome::Success,
        None,
    );
    s.state
        .store()
        .create_identity_provider(&idp, 25, &event)
        .await
        .unwrap();
    let (st, check) = s
        .admin_json(
            Method::POST,
            &format!("/identity-providers/{}/test", idp.id),
            None,
        )
        .await;
    assert_eq!(st, 200, "{check}");
    let error = check["error"].as_str().unwrap();
    assert!(
        error.contains("refused before connecting: 127.0.0.1 is a loopback address"),
        "{check}"
    );
    assert_eq!(check["keys"], json!([]));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");
}

#[tokio::test]
async fn an_administrator_cannot_lock_themselves_out() {
    run_own_account(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_administrator_cannot_lock_themselves_out_on_postgres() {
    if postgres_url().is_some() {
        run_own_account(Backend::Postgres).await;
    }
}

async fn run_own_account(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let (_, list) = s.admin_json(Method::GET, "/users?limit=200", None).await;
    let me = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == s.created.admin_username.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let p = PartitionId::parse(PARTITION).unwrap();
    // The administrator themselves, as the console and a delegated token act.
    let myself = PartitionAdmin {
        partition: p.clone(),
        audit: AuditContext {
            partition: Some(p.clone()),
            actor_kind: ActorKind::User,
            actor_id: Some(me.to_string()),
            source_ip: None,
        },
    };
    for (changes, says) in [
        (
            UserChanges {
                enabled: Some(false),
                ..UserChanges::default()
            },
            "cannot disable your own account",
        ),
        (
            UserChanges {
                partition_admin: Some(false),
                ..UserChanges::default()
            },
            "cannot withdraw your own Partition Administrator role",
        ),
    ] {
        let e = users::update(&s.state, &myself, me, changes)
            .await
            .unwrap_err();
        assert!(matches!(e, OpError::OwnAccount(_)), "{e:?}");
        assert!(e.to_string().contains(says), "{e}");
    }
    let e = users::delete(&s.state, &myself, me).await.unwrap_err();
    assert!(
        e.to_string().contains("cannot delete your own account"),
        "{e}"
    );
    // Other changes to one's own account are fine.
    let renamed = users::update(
        &s.state,
        &myself,
        me,
        UserChanges {
            display_name: Some("Still me".into()),
            ..UserChanges::default()
        },
    )
    .await
    .unwrap();
    assert!(renamed.enabled && renamed.partition_admin);
    // The automation client (another actor) may disable the account, as another administrator may.
    let (st, after) = s
        .admin_json(
            Method::PATCH,
            &format!("/users/{me}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(st, 200, "{after}");
    assert_eq!(after["enabled"], false);
}

#[tokio::test]
async fn departments_are_renamed_with_their_users() {
    let s = TestServer::start().await;
    let (st, d) = s
        .admin_json(Method::POST, "/departments", Some(json!({"name": "Sales"})))
        .await;
    assert_eq!(st, 201, "{d}");
    let (st, u) = s
        .admin_json(
            Method::POST,
            "/users",
            Some(json!({"username":"seller","email":"seller@acme.test",
            "display_name":"Seller","password":"a-long-enough-password","department":"Sales"})),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    let (st, renamed) = s
        .admin_json(
            Method::PATCH,
            "/departments/Sales",
            Some(json!({"name": "Field Sales"})),
        )
        .await;
    assert_eq!(st, 200, "{renamed}");
    assert_eq!(renamed["name"], "Field Sales");
    // The same department: its creation time (stored to the microsecond) is kept.
    // RFC 3339 drops trailing zeros of the fraction ("…34.48041Z" is 480,410 µs), so the
    // fraction is padded to microseconds before the two are compared.
    let created = |v: &serde_json::Value| {
        let at = v["created_at"].as_str().unwrap().trim_end_matches('Z');
        let (seconds, fraction) = at.split_once('.').unwrap_or((at, ""));
        let fraction = &fraction[..fraction.len().min(6)];
        format!("{seconds}.{fraction:0<6}")
    };
    assert_eq!(created(&renamed), created(&d), "{renamed} {d}");
    let (_, moved) = s
        .admin_json(
            Method::GET,
            &format!("/users/{}", u["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(moved["department"], "Field Sales", "{moved}");
    let (_, list) = s.admin_json(Method::GET, "/departments", None).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Service", "Field Sales"], "it keeps its place");
    // A taken name, an invalid one, an unknown department, an unknown field.
    let (st, p) = s
        .admin_json(
            Method::PATCH,
            "/departments/Field%20Sales",
            Some(json!({"name": "Service"})),
        )
        .await;
    assert_eq!(st, 409, "{p}");
    let (st, p) = s
        .admin_json(
            Method::PATCH,
            "/departments/Field%20Sales",
            Some(json!({"name": ""})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "name", "{p}");
    let (st, p) = s
        .admin_json(
            Method::PATCH,
            "/departments/Sales",
            Some(json!({"name": "Again"})),
        )
        .await;
    assert_eq!(st, 404, "{p}");
    let (st, p) = s
        .admin_json(
            Method::PATCH,
            "/departments/Service",
            Some(json!({"name": "X", "extra": 1})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    // The same name again changes nothing and writes no event.
    let (st, same) = s
        .admin_json(
            Method::PATCH,
            "/departments/Service",
            Some(json!({"name": "Service"})),
        )
        .await;
    assert_eq!(st, 200, "{same}");
    let (_, events) = s
        .admin_json(
            Method::GET,
            "/audit-events?action=department.rename&limit=200",
            None,
        )
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events["items"][0]["object_id"], "Sales");
}
