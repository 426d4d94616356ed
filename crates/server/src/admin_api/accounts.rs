//! Shared pieces of the `users` and `customers` resources.

use super::error::ApiError;
use crate::state::AppState;

/// Hashes a password with Argon2id on the blocking pool (it takes tens of milliseconds by
/// design and must not stall the async workers).
pub(super) async fn hash_password(state: &AppState, password: String) -> Result<String, ApiError> {
    let hasher = state.passwords.clone();
    let rng = state.rng.clone();
    tokio::task::spawn_blocking(move || hasher.hash(&*rng, &password))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::Internal
        })
}
