//! Form decoding (`tessera_domain::form::decode`), which every token, revocation and
//! introspection request runs on its body: a client-credentials body, a refresh body with a
//! percent-encoded scope, and an authorization-code exchange with a redirect URI and a PKCE
//! verifier.
#![expect(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failed step should stop the run with its error"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tessera_domain::form::decode;

fn bench(c: &mut Criterion) {
    let bodies: [(&str, &[u8]); 3] = [
        (
            "client_credentials",
            b"grant_type=client_credentials&scope=.default",
        ),
        (
            "refresh",
            b"grant_type=refresh_token&refresh_token=5pQm3Zr0x7Y1kLw9vB2nH8dS4aF6gJ0tE&scope=openid%20knowledge.portalmgr.read%20offline_access",
        ),
        (
            "authorization_code",
            b"grant_type=authorization_code&code=Qm3Zr0x7Y1kLw9vB2nH8dS4aF6gJ0tEpX&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback%3Fsource%3Dconsole&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
        ),
    ];
    for (name, body) in bodies {
        // The body must decode, or the benchmark would measure the refusal.
        decode(body).unwrap();
        c.bench_function(&format!("form decode {name}"), |b| {
            b.iter(|| decode(black_box(body)));
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
