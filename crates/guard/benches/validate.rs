//! Guard validations per second on one core (issue 12: at least 40,000): the full check of an
//! ES256 access token — parse, key by `kid`, signature, and every claim rule — as a resource
//! server runs it per request, with the keys already fetched.
#![expect(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failed step should stop the run with its error"
)]

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tessera_guard::{AccessTokenClaims, Actor, Clock, Guard, JwkSet, StaticKeySource};
use tessera_oauth_types::Jwk;

const ISS: &str = "http://127.0.0.1:8080/system/auth/acme-U";
const AUD: &str = "http://127.0.0.1:8080/knowledge/portalmgr/v4";
const NOW: i64 = 1_750_000_000;

/// The guard's clock, fixed so the token stays valid however long the run.
#[derive(Debug)]
struct Fixed;

impl Clock for Fixed {
    fn now_unix(&self) -> i64 {
        NOW
    }
}

fn bench(c: &mut Criterion) {
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
    let point = pair.public_key().as_ref();
    let jwk = Jwk {
        kty: "EC".into(),
        kid: "k1".into(),
        use_: Some("sig".into()),
        alg: Some("ES256".into()),
        crv: Some("P-256".into()),
        x: Some(URL_SAFE_NO_PAD.encode(&point[1..33])),
        y: Some(URL_SAFE_NO_PAD.encode(&point[33..65])),
        n: None,
        e: None,
    };
    let now = NOW;
    let claims = AccessTokenClaims {
        iss: ISS.into(),
        sub: "3f2a6a52-8d3e-4a57-9c1b-6d3f0c2b7e11".into(),
        aud: vec![AUD.into()],
        exp: now + 3600,
        iat: now,
        nbf: now,
        jti: "jti-1".into(),
        client_id: "4b1c1f0e-0000-4000-8000-000000000001".into(),
        scope: "knowledge.portalmgr.read".into(),
        tenant: "acme".into(),
        actor: Actor::User,
        act: None,
        idp: None,
    };
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("at+jwt".into());
    header.kid = Some("k1".into());
    let token =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(pkcs8.as_ref())).unwrap();
    let guard = Guard::builder()
        .issuer_with_key_source(
            ISS,
            Arc::new(StaticKeySource::new(JwkSet { keys: vec![jwk] })),
        )
        .audience(AUD)
        .tenant("acme")
        .leeway(Duration::from_secs(30))
        .clock(Arc::new(Fixed))
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The first validation fetches the keys; the measured ones find them cached.
    rt.block_on(guard.validate(&token)).unwrap();
    c.bench_function("guard_validate_es256", |b| {
        b.iter(|| {
            rt.block_on(guard.validate(std::hint::black_box(&token)))
                .unwrap()
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
