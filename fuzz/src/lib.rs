//! What the JWT targets share: a fixed Ed25519 key that signs whatever header and claims the
//! fuzzer writes, its JWK Set, and a fixed clock.
//!
//! A JWT target's input is one selector byte, then either a token as text (even selector: the
//! verifier sees the fuzzer's bytes as they are) or a header and claims separated by a `0xFF`
//! byte (odd selector), which are base64url-encoded and signed here so that the checks after the
//! signature — `typ`, `crit`, `kid`, `iss`, `aud`, times, the claims' shape — see fuzzed input
//! too. `0xFF` never occurs in UTF-8, so it cannot clash with the JSON it separates.

use std::sync::Arc;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_oauth_types::{Jwk, JwkSet};

/// The time every target judges tokens at (2027-01-15T08:00:00Z).
pub const NOW: i64 = 1_800_000_000;
/// The `kid` of the fixed key.
pub const KID: &str = "fuzz-ed25519";

/// A clock that always says [`NOW`].
#[derive(Debug)]
pub struct FixedClock;

impl tessera_guard::Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        NOW
    }
}

/// [`FixedClock`] for a policy or guard.
#[must_use]
pub fn clock() -> Arc<dyn tessera_guard::Clock> {
    Arc::new(FixedClock)
}

fn key() -> Option<Ed25519KeyPair> {
    Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).ok()
}

/// The fixed key's JWK Set (`kid` [`KID`], `alg` EdDSA).
#[must_use]
pub fn jwks() -> JwkSet {
    let x = key().map(|k| URL_SAFE_NO_PAD.encode(k.public_key().as_ref()));
    JwkSet {
        keys: vec![Jwk {
            kty: "OKP".into(),
            kid: KID.into(),
            use_: Some("sig".into()),
            alg: Some("EdDSA".into()),
            crv: Some("Ed25519".into()),
            x,
            y: None,
            n: None,
            e: None,
        }],
    }
}

/// The token an input stands for (see the module comment), or `None` when a raw token is not
/// UTF-8.
#[must_use]
pub fn token(data: &[u8]) -> Option<String> {
    let (selector, rest) = data.split_first()?;
    if selector % 2 == 0 {
        return std::str::from_utf8(rest).ok().map(str::to_owned);
    }
    let (header, claims) = match rest.iter().position(|b| *b == 0xFF) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    Some(sign(header, claims))
}

/// `header` and `claims` as a compact JWS signed with the fixed key.
#[must_use]
pub fn sign(header: &[u8], claims: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = key()
        .map(|k| URL_SAFE_NO_PAD.encode(k.sign(input.as_bytes()).as_ref()))
        .unwrap_or_default();
    format!("{input}.{signature}")
}

/// The input that [`token`] turns into `header` and `claims` signed: for seeding corpora.
#[must_use]
pub fn signed_input(header: &str, claims: &str) -> Vec<u8> {
    let mut out = vec![1u8];
    out.extend_from_slice(header.as_bytes());
    out.push(0xFF);
    out.extend_from_slice(claims.as_bytes());
    out
}
