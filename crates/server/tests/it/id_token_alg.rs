//! ID tokens are signed with the client's `id_token_signed_response_alg`: RS256 unless it chose
//! otherwise, so a relying party in its default configuration accepts them at both realms; each
//! realm keeps an RSA key family beside its default one, rotated together, published, listed in
//! discovery, and accepted as `id_token_hint` after a rotation (docs/flows/authorization-code.md).

use openidconnect::core::{CoreIdToken, CoreJwsSigningAlgorithm};
use openidconnect::{AccessToken, AccessTokenHash, Nonce};
use reqwest::Method;
use serde_json::{Value, json};
use tessera_domain::signing_key::SigningAlg;

use crate::code_flow_refusals::{VERIFIER, code_for, redeem_raw};
use crate::code_flow_support::{
    App, Browser, WEB_POST_LOGOUT, create_customer, create_user, default_id_token_verifier,
    discover, web_app,
};
use crate::support::{Backend, TestServer, postgres_url};

/// Signs `login` in at `realm`; returns the token response.
async fn tokens(s: &TestServer, browser: &Browser, realm: char, app: &App, login: &str) -> Value {
    let code = code_for(s, browser, realm, app, login, &[]).await;
    let (st, tokens) = redeem_raw(s, realm, app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "{tokens}");
    tokens
}

/// A refresh at `realm`; returns the token response.
pub async fn refresh(s: &TestServer, realm: char, app: &App, refresh_token: &str) -> Value {
    let resp = s
        .http
        .post(format!("{}/oauth2/token", s.issuer(realm)))
        .basic_auth(&app.id, app.secret.as_deref())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn header(token: &str) -> jsonwebtoken::Header {
    jsonwebtoken::decode_header(token).unwrap()
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("no {name}: {v}"))
}

/// Verifies an ID token as the `openidconnect` crate does by default (no algorithm list: RS256
/// only) with the realm's published keys, and its `at_hash`.
async fn verify_by_default(s: &TestServer, realm: char, app: &App, tokens: &Value) {
    let md = discover(s, realm).await;
    let verifier = default_id_token_verifier(app, &md);
    let id_token: CoreIdToken = field(tokens, "id_token").parse().unwrap();
    let claims = id_token
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .expect("the default relying party accepts the ID token");
    let access = AccessToken::new(field(tokens, "access_token").to_owned());
    let expected = AccessTokenHash::from_token(
        &access,
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected), "at_hash");
}

async fn run_default_rs256(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    create_customer(&s, "c7@acme.test", "Customer Seven").await;
    let app = web_app(&s, "Desk").await;
    let (st, c) = s
        .admin_json(
            Method::GET,
            &format!("/client-applications/{}", app.id),
            None,
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["id_token_signed_response_alg"], "RS256");
    for (realm, login) in [('U', "agent7"), ('C', "c7@acme.test")] {
        let t = tokens(&s, &Browser::new(), realm, &app, login).await;
        assert_eq!(
            header(field(&t, "id_token")).alg,
            jsonwebtoken::Algorithm::RS256
        );
        // Access tokens keep the configured algorithm, and Tessera still verifies them.
        assert_eq!(
            header(field(&t, "access_token")).alg,
            jsonwebtoken::Algorithm::ES256
        );
        verify_by_default(&s, realm, &app, &t).await;
        let userinfo = s
            .http
            .get(format!("{}/oauth2/userinfo", s.issuer(realm)))
            .bearer_auth(field(&t, "access_token"))
            .send()
            .await
            .unwrap();
        assert_eq!(userinfo.status(), 200);
        // The refresh grant signs the same way.
        let r = refresh(&s, realm, &app, field(&t, "refresh_token")).await;
        assert_eq!(
            header(field(&r, "id_token")).alg,
            jsonwebtoken::Algorithm::RS256
        );
        verify_by_default(&s, realm, &app, &r).await;
    }
}

#[tokio::test]
async fn a_default_relying_party_accepts_id_tokens_at_both_realms() {
    run_default_rs256(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_default_relying_party_accepts_id_tokens_at_both_realms_on_postgres() {
    if postgres_url().is_some() {
        run_default_rs256(Backend::Postgres).await;
    }
}

#[tokio::test]
async fn a_client_registered_with_es256_gets_es256_id_tokens() {
    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Desk").await;
    let (st, c) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{}", app.id),
            Some(json!({"id_token_signed_response_alg": "ES256"})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["id_token_signed_response_alg"], "ES256");
    let t = tokens(&s, &Browser::new(), 'U', &app, "agent7").await;
    assert_eq!(
        header(field(&t, "id_token")).alg,
        jsonwebtoken::Algorithm::ES256
    );
    // Verified with the algorithm it registered, at_hash with SHA-256.
    let md = discover(&s, 'U').await;
    let verifier = default_id_token_verifier(&app, &md)
        .set_allowed_algs([CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    let id_token: CoreIdToken = field(&t, "id_token").parse().unwrap();
    let claims = id_token
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .expect("valid ES256 ID token");
    let expected = AccessTokenHash::from_token(
        &AccessToken::new(field(&t, "access_token").to_owned()),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected));
    let r = refresh(&s, 'U', &app, field(&t, "refresh_token")).await;
    assert_eq!(
        header(field(&r, "id_token")).alg,
        jsonwebtoken::Algorithm::ES256
    );
    // Back to RS256: the next ID token follows at once.
    let (st, c) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{}", app.id),
            Some(json!({"id_token_signed_response_alg": "RS256"})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let r = refresh(&s, 'U', &app, field(&r, "refresh_token")).await;
    verify_by_default(&s, 'U', &app, &r).await;
}

#[tokio::test]
async fn discovery_and_jwks_list_what_really_signs() {
    let s = TestServer::start().await;
    for realm in ['U', 'C'] {
        assert_eq!(discovered_algs(&s, realm).await, json!(["ES256", "RS256"]));
        let jwks: Value = s
            .http
            .get(format!("{}/oauth2/keys", s.issuer(realm)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        let rsa: Vec<&Value> = keys.iter().filter(|k| k["kty"] == "RSA").collect();
        assert_eq!(rsa.len(), 2, "an active and a next RSA key: {jwks}");
        for k in rsa {
            assert_eq!(k["alg"], "RS256");
            assert!(k.get("d").is_none());
            let n = base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                k["n"].as_str().unwrap(),
            )
            .unwrap();
            assert!(n.len() >= 256, "2048 bits or more");
        }
        assert_eq!(keys.iter().filter(|k| k["kty"] == "EC").count(), 2);
    }
    // A deployment whose default algorithm is RS256 keeps one family and lists only it.
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.signing.algorithm = SigningAlg::RS256;
    })
    .await;
    assert_eq!(discovered_algs(&s, 'U').await, json!(["RS256"]));
}

#[tokio::test]
async fn an_eddsa_deployment_offers_eddsa_id_tokens() {
    let s = TestServer::start_with(Backend::Sqlite, |c| {
        c.signing.algorithm = SigningAlg::EdDSA;
    })
    .await;
    let d = discover(&s, 'U').await;
    let algs: Vec<String> = d
        .id_token_signing_alg_values_supported()
        .iter()
        .map(|a| {
            serde_json::to_value(a)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(algs, ["EdDSA", "RS256"]);
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Desk").await;
    let (st, c) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{}", app.id),
            Some(json!({"id_token_signed_response_alg": "EdDSA"})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let t = tokens(&s, &Browser::new(), 'U', &app, "agent7").await;
    assert_eq!(
        header(field(&t, "id_token")).alg,
        jsonwebtoken::Algorithm::EdDSA
    );
    let verifier =
        default_id_token_verifier(&app, &d).set_allowed_algs([CoreJwsSigningAlgorithm::EdDsa]);
    let id_token: CoreIdToken = field(&t, "id_token").parse().unwrap();
    let claims = id_token
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .expect("valid EdDSA ID token");
    let expected = AccessTokenHash::from_token(
        &AccessToken::new(field(&t, "access_token").to_owned()),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims.access_token_hash(),
        Some(&expected),
        "SHA-512 at_hash"
    );
}

#[tokio::test]
async fn old_id_tokens_stay_valid_hints_after_rotation_until_withdrawn() {
    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Desk").await;
    let browser = Browser::new();
    let old = tokens(&s, &browser, 'U', &app, "agent7").await;
    let old_hint = field(&old, "id_token").to_owned();
    let old_kid = header(&old_hint).kid.unwrap();

    let (st, keys) = s
        .admin_json(
            Method::POST,
            "/signing-keys/rotate",
            Some(json!({"realm": "users"})),
        )
        .await;
    assert_eq!(st, 200, "{keys}");
    let state_of = |keys: &Value, kid: &str| {
        keys["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .map(|k| k["state"].as_str().unwrap().to_owned())
    };
    assert_eq!(state_of(&keys, &old_kid).as_deref(), Some("retired"));
    // Both families rotated: one next key per algorithm.
    let next: Vec<&str> = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["realm"] == "users" && k["state"] == "next")
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert_eq!(next.len(), 2, "{keys}");
    assert!(next.contains(&"RS256") && next.contains(&"ES256"));

    // New ID tokens are signed by the promoted RSA key; the old one still verifies.
    let fresh = tokens(&s, &Browser::new(), 'U', &app, "agent7").await;
    let fresh_hint = field(&fresh, "id_token");
    assert_ne!(header(fresh_hint).kid.unwrap(), old_kid);
    verify_by_default(&s, 'U', &app, &fresh).await;
    verify_by_default(&s, 'U', &app, &old).await;

    // The live session's hint, signed by the now retired key, signs out at once.
    let page = browser.get(&logout_url(&s, &old_hint)).await;
    let cb = page.callback();
    assert_eq!(cb.base, WEB_POST_LOGOUT);
    assert_eq!(cb.get("state"), "st");

    // Withdrawing the retired RSA key makes its ID tokens worthless as hints.
    let (st, body) = s
        .admin_json(
            Method::POST,
            &format!("/signing-keys/{old_kid}/revoke"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let page = Browser::new().get(&logout_url(&s, &old_hint)).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("not an ID token issued by this issuer"));
    // The hint of the new key still works.
    let page = Browser::new().get(&logout_url(&s, fresh_hint)).await;
    assert_eq!(page.status, 200, "{}", page.body);
}

fn logout_url(s: &TestServer, hint: &str) -> String {
    url::Url::parse_with_params(
        &format!("{}/oauth2/logout", s.issuer('U')),
        &[
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", WEB_POST_LOGOUT),
            ("state", "st"),
        ],
    )
    .unwrap()
    .to_string()
}

#[tokio::test]
async fn the_admin_api_refuses_unsigned_symmetric_and_unavailable_algorithms() {
    let s = TestServer::start().await;
    let (st, p) = s
        .admin_json(
            Method::POST,
            "/client-applications",
            Some(json!({"name": "Sym", "platform": "web",
                "id_token_signed_response_alg": "HS256"})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "id_token_signed_response_alg");
    let app = web_app(&s, "Desk").await;
    for alg in ["none", "HS256", "PS256"] {
        let (st, p) = s
            .admin_json(
                Method::PATCH,
                &format!("/client-applications/{}", app.id),
                Some(json!({"id_token_signed_response_alg": alg})),
            )
            .await;
        assert_eq!(st, 422, "{alg}: {p}");
        assert_eq!(p["errors"][0]["field"], "id_token_signed_response_alg");
    }
    // EdDSA is a value Tessera knows, but this deployment keeps no EdDSA key.
    let (st, p) = s
        .admin_json(
            Method::PATCH,
            &format!("/client-applications/{}", app.id),
            Some(json!({"id_token_signed_response_alg": "EdDSA"})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "id_token_signed_response_alg");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ES256, RS256"),
        "{p}"
    );
    let (_, c) = s
        .admin_json(
            Method::GET,
            &format!("/client-applications/{}", app.id),
            None,
        )
        .await;
    assert_eq!(c["id_token_signed_response_alg"], "RS256", "unchanged");

    // The OpenAPI document describes the field on create, change and read.
    let doc: Value = s
        .http
        .get(format!("{}/admin/api/v1/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for schema in ["NewClientApplication", "ClientChanges", "ClientApplication"] {
        assert!(
            doc["components"]["schemas"][schema]["properties"]
                .get("id_token_signed_response_alg")
                .is_some(),
            "{schema}"
        );
    }
}

/// The ID-token algorithms a realm's discovery document lists.
async fn discovered_algs(s: &TestServer, realm: char) -> Value {
    let d: Value = s
        .http
        .get(format!(
            "{}/.well-known/openid-configuration",
            s.issuer(realm)
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    d["id_token_signing_alg_values_supported"].clone()
}

#[tokio::test]
async fn a_partition_from_before_the_rsa_family_gets_it_at_start() {
    use sqlx::Connection as _;

    let s = TestServer::start().await;
    create_user(&s, "agent7", "a7@acme.test", "Agent Seven").await;
    let app = web_app(&s, "Desk").await;
    // A partition created before realms kept RSA keys: its RS256 family does not exist.
    let mut db = sqlx::SqliteConnection::connect(&s.state.config().database_url)
        .await
        .unwrap();
    sqlx::query("DELETE FROM signing_keys WHERE alg = 'RS256'")
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    s.state
        .invalidate_partition(&tessera_domain::PartitionId::parse("acme").unwrap());
    assert_eq!(discovered_algs(&s, 'U').await, json!(["ES256"]));

    // What `tessera serve` does at start.
    let completed = s
        .state
        .provisioner()
        .complete_key_families(&**s.state.store())
        .await
        .unwrap();
    assert_eq!(completed, 2, "one RSA family per realm");
    let again = s
        .state
        .provisioner()
        .complete_key_families(&**s.state.store())
        .await
        .unwrap();
    assert_eq!(again, 0, "nothing left to complete");
    s.state
        .invalidate_partition(&tessera_domain::PartitionId::parse("acme").unwrap());
    for realm in ['U', 'C'] {
        assert_eq!(discovered_algs(&s, realm).await, json!(["ES256", "RS256"]));
    }
    // A relying party in its default configuration accepts the ID tokens at once.
    let t = tokens(&s, &Browser::new(), 'U', &app, "agent7").await;
    assert_eq!(
        header(field(&t, "id_token")).alg,
        jsonwebtoken::Algorithm::RS256
    );
    verify_by_default(&s, 'U', &app, &t).await;
}
