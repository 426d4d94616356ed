//! The operating system's CSPRNG behind the domain's [`Rng`] trait.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use tessera_domain::Rng;

/// Random bytes from the OS.
#[derive(Debug, Clone, Default)]
pub struct SystemRng(SystemRandom);

impl SystemRng {
    /// A new handle (cheap; the OS source is shared).
    #[must_use]
    pub fn new() -> Self {
        Self(SystemRandom::new())
    }
}

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) {
        // `SystemRandom::fill` fails only if the OS has no entropy source at all; there is no
        // safe fallback, so stop rather than hand out predictable bytes.
        if self.0.fill(buf).is_err() {
            std::process::abort();
        }
    }
}

/// `n` random bytes encoded base64url without padding.
#[must_use]
pub fn random_token(rng: &dyn Rng, n: usize) -> String {
    use base64::Engine as _;
    let mut buf = vec![0u8; n];
    rng.fill(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}
