//! What the `users` and `customers` operations share.

use super::OpError;
use crate::crypto::password::PasswordError;
use crate::state::AppState;

/// Hashes a password with Argon2id (through the hashing limit: [`OpError::Busy`] when it is
/// full).
pub(super) async fn hash_password(state: &AppState, password: String) -> Result<String, OpError> {
    state
        .passwords
        .hash(&*state.rng, &password)
        .await
        .map_err(|e| match e {
            PasswordError::Busy(b) => OpError::Busy(b),
            PasswordError::Crypto(e) => {
                tracing::error!(error = %e, "password hashing failed");
                OpError::Internal
            }
        })
}
