//! Password hashing with Argon2id (human passwords are low-entropy, so the hash must be slow).
//! Never on the token endpoint's client-credentials path.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tessera_domain::Rng;

use super::CryptoError;

/// Argon2id parameters (OWASP's minimum is m=19 MiB, t=2, p=1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Parallelism.
    pub parallelism: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl PasswordHasher {
    /// A hasher with these parameters.
    ///
    /// # Errors
    /// When the parameters are out of Argon2's range.
    pub fn new(p: PasswordParams) -> Result<Self, CryptoError> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|_| CryptoError::Operation("argon2 parameters out of range"))?;
        Ok(Self { params })
    }

    fn argon2(&self) -> Argon2<'_> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string for `password`.
    ///
    /// # Errors
    /// When hashing fails (memory exhaustion).
    pub fn hash(&self, rng: &dyn Rng, password: &str) -> Result<String, CryptoError> {
        let mut salt = [0u8; 16];
        rng.fill(&mut salt);
        let salt =
            SaltString::encode_b64(&salt).map_err(|_| CryptoError::Operation("salt encoding"))?;
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| CryptoError::Operation("argon2 hashing failed"))
    }

    /// Whether `password` matches the PHC string `stored`.
    #[must_use]
    pub fn verify(&self, password: &str, stored: &str) -> bool {
        PasswordHash::new(stored).is_ok_and(|h| {
            self.argon2()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rng::SystemRng;

    #[test]
    fn hash_and_verify() {
        let h = PasswordHasher::new(PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        let phc = h.hash(&SystemRng::new(), "correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify("correct horse", &phc));
        assert!(!h.verify("wrong", &phc));
        assert!(!h.verify("x", "not a phc string"));
    }
}
