//! Client secrets: 256-bit random values, stored as HMAC-SHA-256 under a pepper derived from the
//! master key. Secrets are high-entropy, so a slow hash would buy nothing and would cap the token
//! endpoint at a few hundred requests per second (docs/design.md#client-secrets); the pepper
//! means a database leak alone does not allow offline checks.

use aws_lc_rs::hmac;
use subtle::ConstantTimeEq as _;
use tessera_domain::Rng;

use super::master_key::MasterKey;
use super::rng::random_token;

/// Hashes and checks client secrets.
#[derive(Clone)]
pub struct SecretHasher(hmac::Key);

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHasher(<redacted>)")
    }
}

impl SecretHasher {
    /// A hasher whose pepper is derived from the master key.
    #[must_use]
    pub fn new(master: &MasterKey) -> Self {
        Self(hmac::Key::new(
            hmac::HMAC_SHA256,
            &master.derive("tessera/client-secret-pepper/v1"),
        ))
    }

    /// A fresh secret value: 32 random bytes, base64url (43 characters).
    #[must_use]
    pub fn generate(rng: &dyn Rng) -> String {
        random_token(rng, 32)
    }

    /// The stored hash of a value.
    #[must_use]
    pub fn hash(&self, value: &str) -> Vec<u8> {
        hmac::sign(&self.0, value.as_bytes()).as_ref().to_vec()
    }

    /// Whether `value` hashes to `stored`, compared in constant time.
    #[must_use]
    pub fn verify(&self, value: &str, stored: &[u8]) -> bool {
        let h = hmac::sign(&self.0, value.as_bytes());
        h.as_ref().ct_eq(stored).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rng::SystemRng;

    #[test]
    fn secrets_are_43_chars_and_verify() {
        let h = SecretHasher::new(&MasterKey::from_bytes([1; 32]));
        let s = SecretHasher::generate(&SystemRng::new());
        assert_eq!(s.len(), 43);
        let stored = h.hash(&s);
        assert!(h.verify(&s, &stored));
        assert!(!h.verify("wrong", &stored));
        let other = SecretHasher::new(&MasterKey::from_bytes([2; 32]));
        assert!(!other.verify(&s, &stored), "pepper matters");
    }
}
