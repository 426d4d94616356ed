//! The guard end to end: real keys, real signatures, an axum router, and (once) a real JWKS
//! endpoint on a loopback listener.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] fns: a failed setup step should panic with its error"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RsaKeyPair,
};
use axum::body::Body;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tessera_guard::{
    AccessTokenClaims, Actor, Authenticated, Clock, Guard, GuardBuilder, IssuerResolver, JwkSet,
    KeySource, KeySourceError, SecurityRequirement, SecurityScheme, StaticKeySource,
};
use tessera_oauth_types::{Act, Jwk};
use tower::ServiceExt as _;

const USERS: &str = "http://127.0.0.1:8080/system/auth/acme-U";
const CUSTOMERS: &str = "http://127.0.0.1:8080/system/auth/acme-C";
const AUD: &str = "http://127.0.0.1:8080/knowledge/portalmgr/v4";
const NOW: i64 = 1_750_000_000;
const READ: &str = "knowledge.portalmgr.read";
const OBO_READ: &str = "knowledge.portalmgr.onbehalfof.read";

// ---------------------------------------------------------------------------------------------
// Keys and tokens

/// A signing key of one of the three algorithms, with its public JWK.
struct TestKey {
    kid: String,
    alg: Algorithm,
    signer: Signer,
    jwk: Jwk,
}

enum Signer {
    /// PKCS#8 for jsonwebtoken's `EncodingKey`.
    Ec(Vec<u8>),
    Ed(Vec<u8>),
    /// jsonwebtoken's aws-lc backend wants PKCS#1 for RSA; aws-lc-rs generates PKCS#8, so RSA
    /// tokens are signed directly with aws-lc-rs.
    Rsa(RsaKeyPair),
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwk(kty: &str, kid: &str, alg: &str) -> Jwk {
    Jwk {
        kty: kty.into(),
        kid: kid.into(),
        use_: Some("sig".into()),
        alg: Some(alg.into()),
        crv: None,
        x: None,
        y: None,
        n: None,
        e: None,
    }
}

impl TestKey {
    fn es256(kid: &str) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = pair.public_key().as_ref();
        let mut jwk = jwk("EC", kid, "ES256");
        jwk.crv = Some("P-256".into());
        jwk.x = Some(b64(&point[1..33]));
        jwk.y = Some(b64(&point[33..65]));
        Self {
            kid: kid.into(),
            alg: Algorithm::ES256,
            signer: Signer::Ec(pkcs8.as_ref().to_vec()),
            jwk,
        }
    }

    fn eddsa(kid: &str) -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let mut jwk = jwk("OKP", kid, "EdDSA");
        jwk.crv = Some("Ed25519".into());
        jwk.x = Some(b64(pair.public_key().as_ref()));
        Self {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            signer: Signer::Ed(pkcs8.as_ref().to_vec()),
            jwk,
        }
    }

    fn rs256(kid: &str) -> Self {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let mut jwk = jwk("RSA", kid, "RS256");
        jwk.n = Some(b64(pair
            .public_key()
            .modulus()
            .big_endian_without_leading_zero()));
        jwk.e = Some(b64(pair
            .public_key()
            .exponent()
            .big_endian_without_leading_zero()));
        Self {
            kid: kid.into(),
            alg: Algorithm::RS256,
            signer: Signer::Rsa(pair),
            jwk,
        }
    }

    fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.typ = Some("at+jwt".into());
        header.kid = Some(self.kid.clone());
        header
    }

    fn sign(&self, claims: &AccessTokenClaims) -> String {
        self.sign_with(&self.header(), &serde_json::to_value(claims).unwrap())
    }

    fn sign_with(&self, header: &Header, claims: &Value) -> String {
        match &self.signer {
            Signer::Ec(der) => {
                jsonwebtoken::encode(header, claims, &EncodingKey::from_ec_der(der)).unwrap()
            }
            Signer::Ed(der) => {
                jsonwebtoken::encode(header, claims, &EncodingKey::from_ed_der(der)).unwrap()
            }
            Signer::Rsa(pair) => {
                let input = format!(
                    "{}.{}",
                    b64(&serde_json::to_vec(header).unwrap()),
                    b64(&serde_json::to_vec(claims).unwrap())
                );
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    input.as_bytes(),
                    &mut sig,
                )
                .unwrap();
                format!("{input}.{}", b64(&sig))
            }
        }
    }
}

fn set(keys: &[&TestKey]) -> JwkSet {
    JwkSet {
        keys: keys.iter().map(|k| k.jwk.clone()).collect(),
    }
}

fn claims(actor: Actor, scope: &str) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: if matches!(actor, Actor::Customer | Actor::AnonymousCustomer) {
            CUSTOMERS
        } else {
            USERS
        }
        .into(),
        sub: "3f2a6a52-8d3e-4a57-9c1b-6d3f0c2b7e11".into(),
        aud: vec!["http://127.0.0.1:8080/core/usermgr/v4".into(), AUD.into()],
        exp: NOW + 3600,
        iat: NOW,
        nbf: NOW,
        jti: "jti-1".into(),
        client_id: "4b1c1f0e-0000-4000-8000-000000000001".into(),
        scope: scope.into(),
        tenant: "acme".into(),
        actor,
        act: None,
        idp: None,
    }
}

fn obo(actor: Actor, scope: &str) -> AccessTokenClaims {
    let mut c = claims(actor, scope);
    c.act = Some(Act {
        sub: c.client_id.clone(),
    });
    c
}

// ---------------------------------------------------------------------------------------------
// Sources and clock

#[derive(Debug)]
struct FixedClock(AtomicI64);

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A static source that counts fetches and can be slowed down or made to fail.
#[derive(Debug, Default)]
struct CountingSource {
    keys: StaticKeySource,
    fetches: AtomicUsize,
    delay: Option<Duration>,
    fail: bool,
}

impl CountingSource {
    fn new(keys: JwkSet) -> Arc<Self> {
        Arc::new(Self {
            keys: StaticKeySource::new(keys),
            ..Self::default()
        })
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl KeySource for CountingSource {
    async fn fetch(&self) -> Result<JwkSet, KeySourceError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        if self.fail {
            return Err(KeySourceError::Status(502));
        }
        self.keys.fetch().await
    }
}

fn builder(users: Arc<dyn KeySource>, customers: Arc<dyn KeySource>) -> GuardBuilder {
    Guard::builder()
        .issuer_with_key_source(USERS, users)
        .issuer_with_key_source(CUSTOMERS, customers)
        .audience(AUD)
        .tenant("acme")
        .leeway(Duration::from_secs(30))
        .clock(Arc::new(FixedClock(AtomicI64::new(NOW))))
}

fn guard_for(source: Arc<dyn KeySource>) -> Guard {
    builder(Arc::clone(&source), source).build().unwrap()
}

// ---------------------------------------------------------------------------------------------
// The protected API

async fn whoami(Authenticated(claims): Authenticated) -> Json<Value> {
    Json(json!({ "sub": claims.sub, "actor": claims.actor, "scope": claims.scope }))
}

fn app(guard: &Guard) -> Router {
    let read_alternatives = [
        SecurityRequirement::new(SecurityScheme::OAuthUser, [READ]),
        SecurityRequirement::new(SecurityScheme::OAuthCustomer, [READ]),
        SecurityRequirement::new(SecurityScheme::OAuthAnonymousCustomer, [READ]),
        SecurityRequirement::new(SecurityScheme::OAuthOnBehalfOfUser, [OBO_READ]),
        SecurityRequirement::new(SecurityScheme::OAuthOnBehalfOfCustomer, [OBO_READ]),
    ];
    Router::new()
        .route(
            "/portals",
            get(whoami).route_layer(guard.require(read_alternatives)),
        )
        .route(
            "/editions",
            get(whoami).route_layer(guard.require([SecurityRequirement::new(
                SecurityScheme::OAuthClient,
                [".default"],
            )])),
        )
        .route(
            "/obo-only",
            get(whoami).route_layer(guard.require([SecurityRequirement::new(
                SecurityScheme::OAuthOnBehalfOfUser,
                [OBO_READ],
            )])),
        )
        .route(
            "/two-scopes",
            get(whoami).route_layer(guard.require([SecurityRequirement::new(
                SecurityScheme::OAuthUser,
                [READ, "https://api.example/auth/knowledge.portalmgr.manage"],
            )])),
        )
        .route("/any", get(whoami).route_layer(guard.authenticate()))
        .route("/unguarded", get(whoami))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn challenge(&self) -> &str {
        self.headers
            .get("www-authenticate")
            .map_or("", |v| v.to_str().unwrap())
    }

    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    fn assert_invalid_token(&self, fragment: &str) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{:?}", self.body);
        assert_eq!(self.code(), "401-101");
        assert!(
            self.challenge()
                .starts_with("Bearer error=\"invalid_token\", error_description=\""),
            "{}",
            self.challenge()
        );
        assert!(
            self.challenge().contains(fragment),
            "{:?} lacks {fragment:?}",
            self.challenge()
        );
        assert_eq!(self.body["developerMessage"], self.body["detail"]);
    }
}

async fn send(app: &Router, path: &str, authorization: Option<&str>) -> Answer {
    let mut request = Request::get(path);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !status.is_success() {
        assert_eq!(headers["content-type"], "application/problem+json");
    }
    Answer {
        status,
        headers,
        body,
    }
}

async fn get_with(app: &Router, path: &str, token: &str) -> Answer {
    send(app, path, Some(&format!("Bearer {token}"))).await
}

struct Fixture {
    key: TestKey,
    source: Arc<CountingSource>,
    app: Router,
}

fn fixture() -> Fixture {
    let key = TestKey::es256("es-1");
    let source = CountingSource::new(set(&[&key]));
    let app = app(&guard_for(source.clone()));
    Fixture { key, source, app }
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn a_valid_token_reaches_the_handler_with_its_claims() {
    let f = fixture();
    let token = f.key.sign(&claims(Actor::User, &format!("openid {READ}")));
    let a = get_with(&f.app, "/portals", &token).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(a.body["actor"], "user");
    assert_eq!(a.body["sub"], "3f2a6a52-8d3e-4a57-9c1b-6d3f0c2b7e11");
    // One fetch, then served from the cache.
    let a = get_with(&f.app, "/portals", &token).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(f.source.fetches(), 1);
}

#[tokio::test]
async fn rs256_and_eddsa_keys_verify_too() {
    let rsa = TestKey::rs256("rs-1");
    let ed = TestKey::eddsa("ed-1");
    let es = TestKey::es256("es-1");
    let source = CountingSource::new(set(&[&es, &rsa, &ed]));
    let app = app(&guard_for(source));
    for key in [&rsa, &ed, &es] {
        let a = get_with(&app, "/portals", &key.sign(&claims(Actor::Customer, READ))).await;
        assert_eq!(a.status, StatusCode::OK, "{:?}: {:?}", key.alg, a.body);
    }
    // A token whose header claims another algorithm than its key's is refused, even when the
    // signature was made with that key's algorithm family.
    let mut header = es.header();
    header.kid = Some("rs-1".into());
    let token = es.sign_with(
        &header,
        &serde_json::to_value(claims(Actor::User, READ)).unwrap(),
    );
    get_with(&app, "/portals", &token)
        .await
        .assert_invalid_token("does not match its key");
}

#[tokio::test]
async fn expiry_and_not_before_honour_the_leeway() {
    let f = fixture();
    let mut c = claims(Actor::User, READ);
    c.exp = NOW - 31;
    get_with(&f.app, "/portals", &f.key.sign(&c))
        .await
        .assert_invalid_token("expired");
    c.exp = NOW - 10;
    assert_eq!(
        get_with(&f.app, "/portals", &f.key.sign(&c)).await.status,
        StatusCode::OK
    );

    let mut c = claims(Actor::User, READ);
    c.nbf = NOW + 31;
    c.iat = NOW;
    get_with(&f.app, "/portals", &f.key.sign(&c))
        .await
        .assert_invalid_token("not valid yet");
    c.nbf = NOW + 20;
    assert_eq!(
        get_with(&f.app, "/portals", &f.key.sign(&c)).await.status,
        StatusCode::OK
    );

    let mut c = claims(Actor::User, READ);
    c.iat = NOW + 600;
    get_with(&f.app, "/portals", &f.key.sign(&c))
        .await
        .assert_invalid_token("issued in the future");
}

#[tokio::test]
async fn foreign_issuer_audience_and_tenant_are_refused() {
    let f = fixture();
    let mut c = claims(Actor::User, READ);
    c.iss = "http://127.0.0.1:8080/system/auth/other-U".into();
    get_with(&f.app, "/portals", &f.key.sign(&c))
        .await
        .assert_invalid_token("issuer is not trusted");

    let mut c = claims(Actor::User, READ);
    c.aud = vec!["http://127.0.0.1:8080/core/usermgr/v4".into()];
    get_with(&f.app, "/portals", &f.key.sign(&c))
        .await
        .assert_invalid_token("not meant for this API");

    let mut c = claims(Actor::User, READ);
    c.tenant = "globex".into();
    get_with(&f.app, "/portals", &f.key.sign(&c))
        .await
        .assert_invalid_token("another tenant");
}

#[tokio::test]
async fn a_tampered_payload_fails_the_signature() {
    let f = fixture();
    let token = f.key.sign(&claims(Actor::User, "openid"));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload["scope"] = json!(READ);
    parts[1] = b64(&serde_json::to_vec(&payload).unwrap());
    get_with(&f.app, "/portals", &parts.join("."))
        .await
        .assert_invalid_token("signature is invalid");
    // A signature from another key under the right kid fails the same way.
    let impostor = TestKey::es256("es-1");
    get_with(
        &f.app,
        "/portals",
        &impostor.sign(&claims(Actor::User, READ)),
    )
    .await
    .assert_invalid_token("signature is invalid");
}

#[tokio::test]
async fn alg_none_and_hmac_with_the_public_key_are_refused() {
    let f = fixture();
    let body = b64(&serde_json::to_vec(&claims(Actor::User, READ)).unwrap());
    for header in [
        json!({"alg": "none", "typ": "at+jwt", "kid": "es-1"}),
        json!({"alg": "None", "typ": "at+jwt", "kid": "es-1"}),
    ] {
        let token = format!("{}.{body}.", b64(&serde_json::to_vec(&header).unwrap()));
        get_with(&f.app, "/portals", &token)
            .await
            .assert_invalid_token("not a signed JWT");
    }

    // The algorithm-confusion attack: HMAC keyed with the bytes a verifier might hold as the
    // public key (the JWK's coordinates, or the whole JWK document).
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    header.kid = Some("es-1".into());
    let jwk_json = serde_json::to_vec(&f.key.jwk).unwrap();
    let x = URL_SAFE_NO_PAD
        .decode(f.key.jwk.x.as_deref().unwrap())
        .unwrap();
    for secret in [jwk_json, x] {
        let token = jsonwebtoken::encode(
            &header,
            &claims(Actor::User, READ),
            &EncodingKey::from_secret(&secret),
        )
        .unwrap();
        get_with(&f.app, "/portals", &token)
            .await
            .assert_invalid_token("algorithm is not accepted");
    }
}

#[tokio::test]
async fn only_access_tokens_are_accepted() {
    let f = fixture();
    let c = serde_json::to_value(claims(Actor::User, READ)).unwrap();
    let mut header = f.key.header();
    header.typ = Some("JWT".into());
    get_with(&f.app, "/portals", &f.key.sign_with(&header, &c))
        .await
        .assert_invalid_token("typ must be at+jwt");
    header.typ = Some("Application/AT+JWT".into());
    assert_eq!(
        get_with(&f.app, "/portals", &f.key.sign_with(&header, &c))
            .await
            .status,
        StatusCode::OK
    );
    header.kid = None;
    get_with(&f.app, "/portals", &f.key.sign_with(&header, &c))
        .await
        .assert_invalid_token("no kid");
    // Claims that are not a Tessera access token (an ID token has no scope or actor).
    let id_token = json!({"iss": USERS, "sub": "s", "aud": AUD, "exp": NOW + 60, "iat": NOW});
    get_with(
        &f.app,
        "/portals",
        &f.key.sign_with(&f.key.header(), &id_token),
    )
    .await
    .assert_invalid_token("not those of a Tessera access token");
    get_with(&f.app, "/portals", "not.a.jwt")
        .await
        .assert_invalid_token("not a signed JWT");
}

#[tokio::test]
async fn missing_and_malformed_headers_are_401_104() {
    let f = fixture();
    let a = send(&f.app, "/portals", None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // RFC 6750 §3.1: no error attribute when no credentials were sent.
    assert_eq!(a.challenge(), "Bearer");
    assert_eq!(a.code(), "401-104");
    assert_eq!(a.body["status"], 401);

    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Bearer a b"] {
        let a = send(&f.app, "/portals", Some(header)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{header}");
        assert_eq!(a.code(), "401-104", "{header}");
        assert!(
            a.challenge()
                .starts_with("Bearer error=\"invalid_request\""),
            "{header}: {}",
            a.challenge()
        );
    }
    assert_eq!(f.source.fetches(), 0, "no token, no key fetch");
}

#[tokio::test]
async fn an_actor_no_alternative_admits_is_403_112() {
    let f = fixture();
    let client = f
        .key
        .sign(&claims(Actor::Client, "app.knowledge.portalmgr.read"));
    let a = get_with(&f.app, "/portals", &client).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "403-112");
    let message = a.body["developerMessage"].as_str().unwrap();
    assert!(
        message.starts_with("Unauthorized URL access: client applications are not allowed"),
        "{message}"
    );
    assert!(message.contains("oAuthUser"), "{message}");
    assert!(a.headers.get("www-authenticate").is_none());

    // The client-only operation: `.default` needs nothing but the client actor.
    let a = get_with(&f.app, "/editions", &client).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let user = f.key.sign(&claims(Actor::User, READ));
    let a = get_with(&f.app, "/editions", &user).await;
    assert_eq!(a.code(), "403-112");
    assert!(
        a.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("users are not allowed")
    );
}

#[tokio::test]
async fn missing_scopes_are_403_197_naming_them() {
    let f = fixture();
    let token = f
        .key
        .sign(&claims(Actor::User, "openid knowledge.portalmgr.manage"));
    let a = get_with(&f.app, "/portals", &token).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "403-197");
    assert_eq!(
        a.challenge(),
        format!("Bearer error=\"insufficient_scope\", scope=\"{READ}\"")
    );
    assert!(a.body["developerMessage"].as_str().unwrap().contains(READ));

    // Every scope of the alternative is needed; full names are shortened.
    let token = f.key.sign(&claims(Actor::User, READ));
    let a = get_with(&f.app, "/two-scopes", &token).await;
    assert_eq!(a.code(), "403-197");
    assert_eq!(
        a.challenge(),
        format!("Bearer error=\"insufficient_scope\", scope=\"{READ} knowledge.portalmgr.manage\"")
    );
    let token = f.key.sign(&claims(
        Actor::User,
        &format!("{READ} knowledge.portalmgr.manage"),
    ));
    assert_eq!(
        get_with(&f.app, "/two-scopes", &token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn on_behalf_of_schemes_require_act() {
    let f = fixture();
    let with_act = f.key.sign(&obo(Actor::User, OBO_READ));
    assert_eq!(
        get_with(&f.app, "/obo-only", &with_act).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get_with(&f.app, "/portals", &with_act).await.status,
        StatusCode::OK
    );

    // The same user and scope without `act` is a plain user token: not admitted by an OBO-only
    // operation, and short of the delegated scope on one that admits users.
    let without_act = f.key.sign(&claims(Actor::User, OBO_READ));
    let a = get_with(&f.app, "/obo-only", &without_act).await;
    assert_eq!(a.code(), "403-112");
    let a = get_with(&f.app, "/portals", &without_act).await;
    assert_eq!(a.code(), "403-197");
    assert!(a.challenge().contains(&format!("scope=\"{READ}\"")));

    // And an OBO token cannot pass as the user (it lacks the delegated scope's alternative).
    let obo_with_read = f.key.sign(&obo(Actor::Customer, READ));
    let a = get_with(&f.app, "/portals", &obo_with_read).await;
    assert_eq!(a.code(), "403-197");
    assert!(a.challenge().contains(OBO_READ), "{}", a.challenge());
}

#[tokio::test]
async fn authenticate_admits_any_valid_token() {
    let f = fixture();
    let token = f.key.sign(&claims(Actor::AnonymousCustomer, ""));
    assert_eq!(
        get_with(&f.app, "/any", &token).await.status,
        StatusCode::OK
    );
    assert_eq!(send(&f.app, "/any", None).await.code(), "401-104");
}

#[tokio::test]
async fn an_unknown_kid_triggers_one_refresh_then_passes() {
    let old = TestKey::es256("old");
    let new = TestKey::es256("new");
    let source = CountingSource::new(set(&[&old]));
    let guard = builder(source.clone(), source.clone())
        .min_refresh_interval(Duration::ZERO)
        .build()
        .unwrap();
    let app = app(&guard);
    let c = claims(Actor::User, READ);
    assert_eq!(
        get_with(&app, "/portals", &old.sign(&c)).await.status,
        StatusCode::OK
    );
    assert_eq!(source.fetches(), 1);

    // Not published yet: one refresh, still unknown.
    get_with(&app, "/portals", &new.sign(&c))
        .await
        .assert_invalid_token("signing key is unknown");
    assert_eq!(source.fetches(), 2);

    // Rotation: the issuer publishes the new key.
    source.keys.replace(set(&[&old, &new]));
    assert_eq!(
        get_with(&app, "/portals", &new.sign(&c)).await.status,
        StatusCode::OK
    );
    assert_eq!(source.fetches(), 3);
    assert_eq!(
        get_with(&app, "/portals", &new.sign(&c)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get_with(&app, "/portals", &old.sign(&c)).await.status,
        StatusCode::OK
    );
    assert_eq!(source.fetches(), 3, "known kids are served from the cache");
}

#[tokio::test]
async fn bogus_kids_cannot_hammer_the_issuer() {
    let f = fixture();
    let c = claims(Actor::User, READ);
    assert_eq!(
        get_with(&f.app, "/portals", &f.key.sign(&c)).await.status,
        StatusCode::OK
    );
    for i in 0..50 {
        let mut header = f.key.header();
        header.kid = Some(format!("bogus-{i}"));
        let token = f.key.sign_with(&header, &serde_json::to_value(&c).unwrap());
        get_with(&f.app, "/portals", &token)
            .await
            .assert_invalid_token("signing key is unknown");
    }
    // The first bogus kid was inside the 10 s minimum interval after the initial fetch too.
    assert_eq!(f.source.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_misses_share_one_fetch_and_the_interval_is_honoured() {
    let key = TestKey::es256("k");
    let source = Arc::new(CountingSource {
        keys: StaticKeySource::new(set(&[&key])),
        delay: Some(Duration::from_millis(200)),
        ..CountingSource::default()
    });
    let app = app(&guard_for(source.clone()));
    let token = key.sign(&claims(Actor::User, READ));
    let answers =
        futures::future::join_all((0..20).map(|_| get_with(&app, "/portals", &token))).await;
    assert!(answers.iter().all(|a| a.status == StatusCode::OK));
    assert_eq!(source.fetches(), 1);

    let mut header = key.header();
    header.kid = Some("rotated".into());
    let unknown = key.sign_with(
        &header,
        &serde_json::to_value(claims(Actor::User, READ)).unwrap(),
    );
    tokio::time::advance(Duration::from_secs(11)).await;
    let answers =
        futures::future::join_all((0..20).map(|_| get_with(&app, "/portals", &unknown))).await;
    assert!(answers.iter().all(|a| a.status == StatusCode::UNAUTHORIZED));
    assert_eq!(source.fetches(), 2, "one refresh for twenty misses");
    get_with(&app, "/portals", &unknown).await;
    assert_eq!(source.fetches(), 2, "inside the minimum interval");
    tokio::time::advance(Duration::from_secs(11)).await;
    get_with(&app, "/portals", &unknown).await;
    assert_eq!(source.fetches(), 3);
}

#[tokio::test(start_paused = true)]
async fn stale_keys_are_refreshed_and_withdrawn_keys_stop_verifying() {
    let old = TestKey::es256("old");
    let new = TestKey::es256("new");
    let source = CountingSource::new(set(&[&old, &new]));
    let app = app(&builder(source.clone(), source.clone())
        .max_key_age(Duration::from_secs(600))
        .build()
        .unwrap());
    let c = claims(Actor::User, READ);
    assert_eq!(
        get_with(&app, "/portals", &old.sign(&c)).await.status,
        StatusCode::OK
    );
    source.keys.replace(set(&[&new]));
    tokio::time::advance(Duration::from_secs(300)).await;
    assert_eq!(
        get_with(&app, "/portals", &old.sign(&c)).await.status,
        StatusCode::OK
    );
    assert_eq!(source.fetches(), 1);
    tokio::time::advance(Duration::from_secs(301)).await;
    get_with(&app, "/portals", &old.sign(&c))
        .await
        .assert_invalid_token("signing key is unknown");
    assert_eq!(source.fetches(), 2);
    assert_eq!(
        get_with(&app, "/portals", &new.sign(&c)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unreachable_keys_are_503_not_401() {
    let key = TestKey::es256("k");
    let source = Arc::new(CountingSource {
        fail: true,
        ..CountingSource::default()
    });
    let app = app(&guard_for(source.clone()));
    let a = get_with(&app, "/portals", &key.sign(&claims(Actor::User, READ))).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", a.body);
    assert_eq!(a.headers["retry-after"], "10");
    assert_eq!(a.body["status"], 503);
    // Still 503 inside the interval, without asking again.
    let a = get_with(&app, "/portals", &key.sign(&claims(Actor::User, READ))).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(source.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_source_that_hangs_times_out_as_503() {
    let key = TestKey::es256("k");
    let source = Arc::new(CountingSource {
        keys: StaticKeySource::new(set(&[&key])),
        delay: Some(Duration::from_secs(3600)),
        ..CountingSource::default()
    });
    let app = app(&builder(source.clone(), source)
        .fetch_timeout(Duration::from_secs(2))
        .build()
        .unwrap());
    let a = get_with(&app, "/portals", &key.sign(&claims(Actor::User, READ))).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn extracting_claims_without_the_layer_is_a_500() {
    let f = fixture();
    let token = f.key.sign(&claims(Actor::User, READ));
    let a = get_with(&f.app, "/unguarded", &token).await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.code(), "500-100");
}

#[tokio::test]
async fn authorize_is_usable_without_the_layer() {
    let key = TestKey::es256("k");
    let guard = guard_for(CountingSource::new(set(&[&key])));
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        format!("Bearer {}", key.sign(&claims(Actor::User, READ)))
            .parse()
            .unwrap(),
    );
    let claims = guard
        .authorize(
            &headers,
            &[SecurityRequirement::new(SecurityScheme::OAuthUser, [READ])],
        )
        .await
        .unwrap();
    assert_eq!(claims.tenant, "acme");
    let refused = guard
        .authorize(
            &headers,
            &[SecurityRequirement::new(
                SecurityScheme::OAuthCustomer,
                [READ],
            )],
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "403-112");
}

#[test]
fn building_needs_an_issuer_and_http_urls() {
    assert!(matches!(
        Guard::builder().build(),
        Err(tessera_guard::BuildError::NoIssuer)
    ));
    assert!(matches!(
        Guard::builder().issuer("ftp://idp.example").build(),
        Err(tessera_guard::BuildError::Issuer { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Over HTTP

/// A JWKS endpoint on 127.0.0.1:0 that counts its hits; `/huge/oauth2/keys` serves a document
/// over the size cap.
async fn jwks_server(keys: JwkSet) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let huge = json!({"keys": [], "padding": "x".repeat(300 * 1024)});
    let router = Router::new()
        .route(
            "/system/auth/acme-U/oauth2/keys",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let keys = keys.clone();
                async move { Json(keys) }
            }),
        )
        .route("/huge/oauth2/keys", get(move || async move { Json(huge) }))
        .route(
            "/down/oauth2/keys",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn keys_fetched_over_http() {
    let key = TestKey::es256("http-1");
    let (base, hits) = jwks_server(set(&[&key])).await;
    let issuer = format!("{base}/system/auth/acme-U");
    let guard = Guard::builder()
        .issuer(&issuer)
        .issuer(format!("{base}/huge"))
        .issuer(format!("{base}/down"))
        .audience(AUD)
        .build()
        .unwrap();
    let app = app(&guard);

    let mut c = claims(Actor::User, READ);
    c.iss = issuer;
    c.exp = i64::MAX / 2;
    let token = key.sign(&c);
    for _ in 0..3 {
        let a = get_with(&app, "/portals", &token).await;
        assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // A JWKS over the size cap and an erroring endpoint leave the guard unable to decide.
    for iss in ["huge", "down"] {
        c.iss = format!("{base}/{iss}");
        let a = get_with(&app, "/portals", &key.sign(&c)).await;
        assert_eq!(
            a.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{iss}: {:?}",
            a.body
        );
    }
}

#[tokio::test]
async fn an_unreachable_jwks_endpoint_is_503() {
    // Bind then drop: nothing listens on the port any more.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let issuer = format!("http://{addr}/system/auth/acme-U");
    let guard = Guard::builder().issuer(&issuer).build().unwrap();
    let key = TestKey::es256("k");
    let mut c = claims(Actor::User, READ);
    c.iss = issuer;
    c.exp = i64::MAX / 2;
    let a = get_with(&app(&guard), "/portals", &key.sign(&c)).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.code(), "503-100");
}

/// Vouches for every issuer under `https://id.example/`: those ending in `-keys` get `keys`,
/// the others an empty key set (as an issuer that does not exist would).
#[derive(Debug)]
struct EveryIssuer {
    keys: JwkSet,
    sources: AtomicUsize,
}

impl IssuerResolver for EveryIssuer {
    fn key_source(&self, issuer: &str) -> Option<Arc<dyn KeySource>> {
        issuer.strip_prefix("https://id.example/")?;
        self.sources.fetch_add(1, Ordering::SeqCst);
        let keys = if issuer.ends_with("-keys") {
            self.keys.clone()
        } else {
            JwkSet { keys: vec![] }
        };
        Some(Arc::new(StaticKeySource::new(keys)))
    }
}

#[tokio::test]
async fn resolved_issuers_are_cached_only_with_keys_and_within_the_cap() {
    let key = TestKey::es256("es-1");
    let resolver = Arc::new(EveryIssuer {
        keys: set(&[&key]),
        sources: AtomicUsize::new(0),
    });
    let guard = Guard::builder()
        .issuer_resolver(resolver.clone())
        .max_resolved_issuers(3)
        .clock(Arc::new(FixedClock(AtomicI64::new(NOW))))
        .build()
        .unwrap();
    let token_from = |iss: &str| {
        let mut c = serde_json::to_value(claims(Actor::User, READ)).unwrap();
        c["iss"] = Value::String(iss.to_owned());
        key.sign_with(&key.header(), &c)
    };
    // Junk issuers the resolver vouches for but that hold no keys: refused, never remembered.
    for n in 0..200 {
        let token = token_from(&format!("https://id.example/junk{n}"));
        assert!(guard.validate(&token).await.is_err());
    }
    assert_eq!(guard.resolved_issuer_count(), 0);
    // A real issuer is remembered once and served from the cache afterwards.
    let real = token_from("https://id.example/a-keys");
    let before = resolver.sources.load(Ordering::SeqCst);
    assert!(guard.validate(&real).await.is_ok());
    assert!(guard.validate(&real).await.is_ok());
    assert_eq!(resolver.sources.load(Ordering::SeqCst), before + 1);
    assert_eq!(guard.resolved_issuer_count(), 1);
    // Never more than the cap, however many real issuers come by.
    for n in 0..10 {
        let token = token_from(&format!("https://id.example/{n}-keys"));
        assert!(guard.validate(&token).await.is_ok());
        assert!(guard.resolved_issuer_count() <= 3);
    }
}
