//! Shared pieces of the `users` and `customers` resources.

use super::error::ApiError;
use crate::crypto::password::PasswordError;
use crate::state::AppState;

/// Hashes a password with Argon2id (through the hashing limit: 503 when it is full).
pub(super) async fn hash_password(state: &AppState, password: String) -> Result<String, ApiError> {
    state
        .passwords
        .hash(&*state.rng, &password)
        .await
        .map_err(|e| match e {
            PasswordError::Busy(b) => ApiError::Busy(b),
            PasswordError::Crypto(e) => {
                tracing::error!(error = %e, "password hashing failed");
                ApiError::Internal
            }
        })
}
