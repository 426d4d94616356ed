//! The deployment's master key: encrypts private signing keys at rest (AES-256-GCM) and derives
//! the pepper for client-secret hashes. Loaded from a file holding 32 random bytes, base64url.

use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_domain::Rng;

use super::CryptoError;

/// The master key. Its `Debug` never prints the key.
pub struct MasterKey {
    aead: LessSafeKey,
    bytes: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// Why a master key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    /// Reading or writing the file failed.
    #[error("master key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file does not hold 32 base64url bytes.
    #[error(
        "master key file {0} must hold 32 random bytes encoded base64url (43 characters); create one with `head -c32 /dev/urandom | basenc --base64url | tr -d '=\\n'`"
    )]
    Malformed(String),
}

impl MasterKey {
    /// A key from raw bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let aead = match UnboundKey::new(&AES_256_GCM, &bytes) {
            Ok(k) => LessSafeKey::new(k),
            // AES-256 accepts every 32-byte key.
            Err(_) => unreachable_key(),
        };
        Self { aead, bytes }
    }

    /// Loads the key from `path`.
    ///
    /// # Errors
    /// When the file is missing, unreadable or malformed.
    pub fn load(path: &Path) -> Result<Self, MasterKeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| MasterKeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let raw = URL_SAFE_NO_PAD
            .decode(text.trim().trim_end_matches('='))
            .map_err(|_| MasterKeyError::Malformed(path.display().to_string()))?;
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|_| MasterKeyError::Malformed(path.display().to_string()))?;
        Ok(Self::from_bytes(bytes))
    }

    /// Loads the key from `path`, creating it (mode 0600) when the file does not exist.
    /// Returns whether it was created.
    ///
    /// # Errors
    /// When the file cannot be read or written.
    pub fn load_or_create(path: &Path, rng: &dyn Rng) -> Result<(Self, bool), MasterKeyError> {
        if path.exists() {
            return Ok((Self::load(path)?, false));
        }
        let mut bytes = [0u8; 32];
        rng.fill(&mut bytes);
        let io = |source| MasterKeyError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut file = opts.open(path).map_err(io)?;
        std::io::Write::write_all(&mut file, URL_SAFE_NO_PAD.encode(bytes).as_bytes())
            .map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok((Self::from_bytes(bytes), true))
    }

    /// Encrypts `plaintext`; the output is `nonce || ciphertext || tag`. `context` is bound as
    /// associated data so a ciphertext cannot be moved to another key's row.
    #[must_use]
    pub fn encrypt(&self, rng: &dyn Rng, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let mut buf = plaintext.to_vec();
        if self
            .aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut buf,
            )
            .is_err()
        {
            // Sealing fails only for inputs larger than GCM's limit (64 GiB).
            unreachable_key();
        }
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        out
    }

    /// Decrypts what [`encrypt`](Self::encrypt) produced.
    ///
    /// # Errors
    /// When the data was not encrypted with this key and context, or was altered.
    pub fn decrypt(&self, context: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if data.len() < NONCE_LEN {
            return Err(CryptoError::Unreadable("ciphertext too short"));
        }
        let (nonce, ct) = data.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| CryptoError::Unreadable("bad nonce"))?;
        let mut buf = ct.to_vec();
        let plain = self
            .aead
            .open_in_place(nonce, Aad::from(context), &mut buf)
            .map_err(|_| {
                CryptoError::Unreadable("decryption failed: wrong master key or altered data")
            })?;
        Ok(plain.to_vec())
    }

    /// A sub-key for `purpose`, so one master key never serves two uses directly.
    #[must_use]
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.bytes);
        let tag = hmac::sign(&key, purpose.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

fn unreachable_key() -> ! {
    // Both call sites are infallible for valid sizes; abort rather than continue unencrypted.
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rng::SystemRng;

    #[test]
    fn roundtrip_and_tamper() {
        let rng = SystemRng::new();
        let k = MasterKey::from_bytes([7; 32]);
        let ct = k.encrypt(&rng, b"kid-1", b"secret key");
        assert_eq!(k.decrypt(b"kid-1", &ct).unwrap(), b"secret key");
        assert!(k.decrypt(b"kid-2", &ct).is_err(), "context is bound");
        let mut bad = ct.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(k.decrypt(b"kid-1", &bad).is_err());
        assert!(
            MasterKey::from_bytes([8; 32])
                .decrypt(b"kid-1", &ct)
                .is_err()
        );
        assert!(!format!("{k:?}").contains('7'));
    }

    #[test]
    fn file_is_created_with_0600_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let rng = SystemRng::new();
        let (a, created) = MasterKey::load_or_create(&path, &rng).unwrap();
        assert!(created);
        let (b, created) = MasterKey::load_or_create(&path, &rng).unwrap();
        assert!(!created);
        assert_eq!(a.derive("x"), b.derive("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::write(&path, "short").unwrap();
        assert!(matches!(
            MasterKey::load(&path),
            Err(MasterKeyError::Malformed(_))
        ));
    }
}
