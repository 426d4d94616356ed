//! Password hashing with Argon2id (human passwords are low-entropy, so the hash must be slow).
//! Never on the token endpoint's client-credentials path.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    memory: Arc<MemoryPool>,
}

/// Argon2's working memory (`memory_kib` each), kept between computations instead of allocated
/// and freed by each. A fresh 19 MiB buffer per sign-in costs thousands of page faults, and once
/// glibc has freed a few of them it raises its threshold for giving memory back to the system,
/// so later buffers come from its per-thread arenas and stay resident: a burst of sign-ins left
/// the process at 460-540 MB (docs/performance.md). Each computation takes a buffer and returns
/// it, so the pool holds at most one per gate slot. Argon2 writes every block before it reads
/// it, so what a buffer held before cannot reach a new hash.
#[derive(Default)]
struct MemoryPool {
    /// Blocks per buffer (`memory_kib`): buffers of another size are not kept.
    blocks: usize,
    free: Mutex<Vec<Vec<Block>>>,
}

impl std::fmt::Debug for MemoryPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryPool")
            .field("blocks", &self.blocks)
            .field("free", &self.lock().len())
            .finish()
    }
}

impl MemoryPool {
    /// The free list. Pushes and pops cannot leave it half-changed, so a poisoned lock is used
    /// as it is.
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self) -> Vec<Block> {
        // Popped first, so a new buffer is not allocated while the lock is held.
        let free = self.lock().pop();
        free.unwrap_or_else(|| vec![Block::new(); self.blocks])
    }

    fn give(&self, buffer: Vec<Block>) {
        if buffer.len() == self.blocks {
            self.lock().push(buffer);
        }
    }
}

/// The first `params.block_count()` blocks of `memory`. A hash made with a larger memory cost
/// than today's gets a buffer of its own, not kept afterwards (see [`MemoryPool::give`]).
fn fit<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    let n = params.block_count();
    if memory.len() < n {
        *memory = vec![Block::new(); n];
    }
    &mut memory[..n]
}

/// A PHC string for `password` under `params` (Argon2id, version 0x13), computed in `memory`:
/// what `argon2`'s `PasswordHasher::hash_password` makes, without allocating Argon2's memory.
fn hash_in(
    params: &Params,
    salt: &SaltString,
    password: &[u8],
    memory: &mut Vec<Block>,
) -> argon2::password_hash::Result<String> {
    let argon2 = PasswordHasher::argon2(params.clone());
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf)?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output =
        Output::init_with(len, |out| {
            Ok(argon2.hash_password_into_with_memory(
                password,
                salt_bytes,
                out,
                fit(memory, params),
            )?)
        })?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string())
}

/// Whether `password` matches `stored`, computed in `memory` with the stored hash's own
/// algorithm, version and parameters: what `argon2`'s `PasswordVerifier::verify_password` does,
/// down to the constant-time comparison of the outputs (`Output`'s `==`).
fn verify_in(stored: &PasswordHash<'_>, password: &[u8], memory: &mut Vec<Block>) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(stored.algorithm),
        stored.version.map(Version::try_from).transpose(),
        Params::try_from(stored),
    ) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params.clone());
    Output::init_with(expected.len(), |out| {
        Ok(argon2.hash_password_into_with_memory(password, salt, out, fit(memory, &params))?)
    })
    .is_ok_and(|computed| computed == *expected)
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
        let memory = Arc::new(MemoryPool {
            blocks: params.block_count(),
            free: Mutex::default(),
        });
        Ok(Self {
            params,
            gate: Arc::new(gate),
            memory,
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
    /// `work` gets a buffer of Argon2 memory from the pool, returned to it afterwards.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(Params, &mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let slot = self.gate.enter().await?;
        let params = self.params.clone();
        let pool = Arc::clone(&self.memory);
        tokio::task::spawn_blocking(move || {
            let mut memory = pool.take();
            let out = work(params, &mut memory);
            pool.give(memory);
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
            .run(move |params, memory| hash_in(&params, &salt, password.as_bytes(), memory))
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
        self.run(move |params, memory| match stored {
            Some(stored) => {
                PasswordHash::new(&stored).is_ok_and(|h| verify_in(&h, password.as_bytes(), memory))
            }
            None => {
                // What verifying a hash made with the current parameters costs: one Argon2id
                // computation with them (the PHC default output length, 32 bytes).
                let mut out = [0u8; 32];
                let _ = Self::argon2(params.clone()).hash_password_into_with_memory(
                    password.as_bytes(),
                    b"no such account!",
                    &mut out,
                    fit(memory, &params),
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

    /// Hashes made by the `argon2` crate itself — other algorithms, versions, costs and output
    /// lengths — verify here exactly when the crate says they do, and ours verify there.
    #[tokio::test]
    async fn verification_agrees_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

        let h = hasher(2);
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        for (algorithm, version, m, t, len) in [
            (Algorithm::Argon2id, Version::V0x13, 1024, 1, 32),
            (Algorithm::Argon2id, Version::V0x13, 4096, 2, 32),
            (Algorithm::Argon2id, Version::V0x13, 512, 3, 64),
            (Algorithm::Argon2i, Version::V0x13, 1024, 2, 32),
            (Algorithm::Argon2d, Version::V0x10, 1024, 1, 16),
        ] {
            let params = Params::new(m, t, 1, Some(len)).unwrap();
            let phc = Argon2::new(algorithm, version, params)
                .hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string();
            assert!(
                h.verify("correct horse", Some(&phc)).await.unwrap(),
                "{phc}"
            );
            assert!(
                !h.verify("correct horsE", Some(&phc)).await.unwrap(),
                "{phc}"
            );
            // A changed output, salt or cost is a mismatch. Each change is to a character's
            // high bits, so the string still decodes and the outputs are really compared.
            let parsed = PasswordHash::new(&phc).unwrap();
            let output = parsed.hash.unwrap().to_string();
            let salt_text = parsed.salt.unwrap().to_string();
            let flip = |text: &str| {
                let mut chars: Vec<char> = text.chars().collect();
                chars[1] = if chars[1] == 'A' { 'Q' } else { 'A' };
                chars.into_iter().collect::<String>()
            };
            for tampered in [
                phc.replace(&output, &flip(&output)),
                phc.replace(&salt_text, &flip(&salt_text)),
                phc.replace(&format!("t={t}"), &format!("t={}", t + 1)),
            ] {
                assert_ne!(tampered, phc);
                assert!(PasswordHash::new(&tampered).is_ok(), "{tampered}");
                assert!(
                    !h.verify("correct horse", Some(&tampered)).await.unwrap(),
                    "{tampered}"
                );
            }
        }
        let ours = h.hash(&SystemRng::new(), "correct horse").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
    }

    /// Sequential computations reuse one buffer; one of a larger cost is not kept.
    #[tokio::test]
    async fn argon2_memory_is_reused() {
        let h = hasher(2);
        let phc = h.hash(&SystemRng::new(), "pw").await.unwrap();
        for _ in 0..3 {
            assert!(h.verify("pw", Some(&phc)).await.unwrap());
            assert!(!h.verify("pw", None).await.unwrap());
        }
        assert_eq!(h.memory.lock().len(), 1);
        assert_eq!(h.memory.lock()[0].len(), 1024);
        let bigger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = argon2::password_hash::PasswordHasher::hash_password(&bigger, b"pw", &salt)
            .unwrap()
            .to_string();
        assert!(h.verify("pw", Some(&phc)).await.unwrap());
        assert_eq!(h.memory.lock().len(), 0, "the grown buffer was dropped");
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
