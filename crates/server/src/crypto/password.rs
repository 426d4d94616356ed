//! Password hashing with Argon2id (human passwords are low-entropy, so the hash must be slow).
//! Never on the token endpoint's client-credentials path.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tessera_domain::Rng;

use super::CryptoError;
use super::password_gate::{Busy, PasswordGate};

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

/// Hashes and verifies passwords, each computation on the blocking pool (it takes tens of
/// milliseconds by design and must not stall the async workers) and through the
/// [`PasswordGate`], so their number, and with it memory, is bounded. There is no other way to
/// run Argon2 here: every login page, admin API call and CLI command goes through this.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    gate: Arc<PasswordGate>,
}

/// A password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every slot is taken: answer 503 with `Retry-After`.
    #[error(transparent)]
    Busy(#[from] Busy),
    /// Argon2 failed (memory exhaustion) or its task did not finish.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl PasswordHasher {
    /// A hasher with these parameters, admitting computations through `gate`.
    ///
    /// # Errors
    /// When the parameters are out of Argon2's range.
    pub fn new(p: PasswordParams, gate: PasswordGate) -> Result<Self, CryptoError> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|_| CryptoError::Operation("argon2 parameters out of range"))?;
        Ok(Self {
            params,
            gate: Arc::new(gate),
        })
    }

    /// The gate computations pass (held by tests to fill it).
    #[must_use]
    pub fn gate(&self) -> &PasswordGate {
        &self.gate
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Runs `work` on the blocking pool while holding a slot of the gate. The slot moves into
    /// the task, so it stays taken until Argon2 is done even if the request is cancelled.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Params) -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let slot = self.gate.enter().await?;
        let params = self.params.clone();
        tokio::task::spawn_blocking(move || {
            let out = work(params);
            drop(slot);
            out
        })
        .await
        .map_err(|_| PasswordError::Crypto(CryptoError::Operation("password task failed")))
    }

    /// A PHC string for `password`.
    ///
    /// # Errors
    /// [`PasswordError::Busy`] when the gate is full; a crypto error when hashing fails.
    pub async fn hash(&self, rng: &dyn Rng, password: &str) -> Result<String, PasswordError> {
        let mut salt = [0u8; 16];
        rng.fill(&mut salt);
        let salt =
            SaltString::encode_b64(&salt).map_err(|_| CryptoError::Operation("salt encoding"))?;
        let password = password.to_owned();
        let phc = self
            .run(move |params| {
                Self::argon2(params)
                    .hash_password(password.as_bytes(), &salt)
                    .map(|h| h.to_string())
            })
            .await?;
        phc.map_err(|_| PasswordError::Crypto(CryptoError::Operation("argon2 hashing failed")))
    }

    /// Whether `password` matches the PHC string `stored`. Without one (no such account) the
    /// same Argon2 work is done and the answer is `false`, so an unknown name takes as long as a
    /// wrong password.
    ///
    /// # Errors
    /// [`PasswordError::Busy`] when the gate is full (nothing was checked).
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        self.run(move |params| match stored {
            Some(stored) => PasswordHash::new(&stored).is_ok_and(|h| {
                Self::argon2(params)
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            }),
            None => {
                // What verifying a hash made with the current parameters costs: one Argon2id
                // computation with them (the PHC default output length, 32 bytes).
                let mut out = [0u8; 32];
                let _ = Self::argon2(params).hash_password_into(
                    password.as_bytes(),
                    b"no such account!",
                    &mut out,
                );
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rng::SystemRng;

    fn hasher(slots: usize) -> PasswordHasher {
        PasswordHasher::new(
            PasswordParams {
                memory_kib: 1024,
                iterations: 1,
                parallelism: 1,
            },
            PasswordGate::new(slots, std::time::Duration::ZERO),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hasher(2);
        let phc = h.hash(&SystemRng::new(), "correct horse").await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify("correct horse", Some(&phc)).await.unwrap());
        assert!(!h.verify("wrong", Some(&phc)).await.unwrap());
        assert!(!h.verify("x", Some("not a phc string")).await.unwrap());
        assert!(!h.verify("correct horse", None).await.unwrap());
    }

    #[tokio::test]
    async fn nothing_is_computed_while_the_gate_is_full() {
        let h = hasher(1);
        let held = h.gate().enter().await.unwrap();
        assert!(matches!(
            h.hash(&SystemRng::new(), "pw").await,
            Err(PasswordError::Busy(_))
        ));
        assert!(matches!(
            h.verify("pw", None).await,
            Err(PasswordError::Busy(_))
        ));
        drop(held);
        assert!(h.hash(&SystemRng::new(), "pw").await.is_ok());
    }
}
