//! JWT parsing in the guard (`tessera_guard::Guard::validate`, the bearer check of every
//! resource server and of the admin API): a token is refused with a reason or yields access
//! token claims from the trusted issuer, for the configured audience and tenant, unexpired by
//! the guard's clock — and the bare verifier (`TokenPolicy::access_token`) agrees. Input format:
//! `tessera_fuzz::token`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tessera_fuzz::{NOW, clock, jwks, token};
use tessera_guard::{Guard, KeySet, StaticKeySource, TESSERA_ALGORITHMS, TokenPolicy};

const ISSUER: &str = "https://auth.acme.test/system/auth/acme-U";
const AUDIENCE: &str = "https://api.acme.test/knowledge/portalmgr/v4";
const TENANT: &str = "acme";

struct Fixture {
    runtime: tokio::runtime::Runtime,
    guard: Guard,
    policy: TokenPolicy,
    keys: KeySet,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime"),
        guard: Guard::builder()
            .issuer_with_key_source(ISSUER, StaticKeySource::shared(jwks()))
            .audience(AUDIENCE)
            .tenant(TENANT)
            .clock(clock())
            .build()
            .expect("a guard"),
        policy: TokenPolicy::access_token()
            .audiences([AUDIENCE])
            .clock(clock()),
        keys: KeySet::from_jwks(&jwks(), &TESSERA_ALGORITHMS),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(token) = token(data) else {
        return;
    };
    let f = fixture();
    let verdict = f.runtime.block_on(f.guard.validate(&token));
    let bare = f.policy.verify(&token, ISSUER, &f.keys);
    match verdict {
        Ok(claims) => {
            assert_eq!(claims.iss, ISSUER);
            assert!(claims.aud.iter().any(|a| a == AUDIENCE));
            assert_eq!(claims.tenant, TENANT);
            assert!(NOW < claims.exp.saturating_add(f.policy.leeway_secs()));
            assert!(
                bare.is_ok(),
                "the guard accepted what the verifier refuses: {bare:?}"
            );
        }
        Err(rejection) => {
            let _ = rejection.to_string();
        }
    }
});
