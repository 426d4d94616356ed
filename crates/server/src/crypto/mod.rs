//! Cryptography, all of it delegated to vetted primitives (aws-lc-rs, argon2): master-key
//! encryption of private keys at rest, signing-key generation and JWS signing, client-secret
//! hashing, password hashing, and the CSPRNG.

pub mod jwt;
pub mod master_key;
pub mod password;
pub mod password_gate;
pub mod rng;
pub mod secret_hash;
pub mod signing;

/// A cryptographic operation failed. Carries no key material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Key generation or signing failed inside the crypto library.
    #[error("cryptographic operation failed: {0}")]
    Operation(&'static str),
    /// Stored key material could not be decrypted or parsed (wrong master key, corruption).
    #[error("stored key material is unreadable: {0}")]
    Unreadable(&'static str),
}
