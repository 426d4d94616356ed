//! The token endpoint's own cryptography per request: signing an access token (ES256, the
//! default, and RS256 and EdDSA for comparison) and verifying a client secret (HMAC-SHA-256 with
//! the pepper, constant-time compare). The HTTP run of bench/all.sh adds the rest.
#![expect(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failed step should stop the run with its error"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tessera_domain::signing_key::SigningAlg;
use tessera_oauth_types::{AccessTokenClaims, Actor};
use tessera_server::crypto::jwt::JwsKey;
use tessera_server::crypto::master_key::MasterKey;
use tessera_server::crypto::secret_hash::SecretHasher;
use tessera_server::crypto::signing::{Signer, generate};

fn claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "https://id.example/system/auth/acme-U".into(),
        sub: "4b1c1f0e-0000-4000-8000-000000000001".into(),
        aud: vec!["https://api.example/knowledge/portalmgr/v4".into()],
        exp: 1_750_003_600,
        iat: 1_750_000_000,
        nbf: 1_750_000_000,
        jti: "3f2a6a52-8d3e-4a57-9c1b-6d3f0c2b7e11".into(),
        client_id: "4b1c1f0e-0000-4000-8000-000000000001".into(),
        scope: "https://api.example/auth/knowledge.portalmgr.read".into(),
        tenant: "acme".into(),
        actor: Actor::Client,
        act: None,
        idp: None,
    }
}

fn bench(c: &mut Criterion) {
    let claims = claims();
    for alg in [SigningAlg::ES256, SigningAlg::RS256, SigningAlg::EdDSA] {
        let g = generate(alg, "k1").unwrap();
        let key = JwsKey::new(
            "k1".into(),
            Signer::from_pkcs8(alg, &g.pkcs8).unwrap(),
            "at+jwt",
        );
        c.bench_function(&format!("sign_access_token_{}", alg.as_str()), |b| {
            b.iter(|| key.sign(black_box(&claims)).unwrap());
        });
    }
    let hasher = SecretHasher::new(&MasterKey::from_bytes([7; 32]));
    let secret = "q3Yk8H1f0uV2mXyQx9Jr4c6Tz7Wb5Ls2Nd8Pa1Ge3Kh";
    let stored = hasher.hash(secret);
    c.bench_function("verify_client_secret", |b| {
        b.iter(|| assert!(hasher.verify(black_box(secret), &stored)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
