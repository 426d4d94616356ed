//! The console's calls into signing-key administration: the list, rotation and withdrawal of
//! the admin API's `signing-keys`.

use tessera_domain::Realm;
use tessera_domain::signing_key::SigningKey;

use super::{admin, page};
use crate::admin_api::error::ApiError;
use crate::admin_ops::signing_keys;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// Every signing key of the partition (both realms), in creation order.
///
/// # Errors
/// As the admin API's list.
pub(crate) async fn all(state: &AppState, who: &ConsoleUser) -> Result<Vec<SigningKey>, ApiError> {
    let admin = admin(who);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let p = signing_keys::list(state, &admin, page(cursor.as_deref())?).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Rotates the keys of `realm`.
///
/// # Errors
/// As the admin API's rotate.
pub(crate) async fn rotate(
    state: &AppState,
    who: &ConsoleUser,
    realm: Realm,
) -> Result<Vec<SigningKey>, ApiError> {
    Ok(signing_keys::rotate(state, &admin(who), Some(realm)).await?)
}

/// Withdraws a retired key.
///
/// # Errors
/// Unknown key; a key that is active or next (rotate first).
pub(crate) async fn withdraw(
    state: &AppState,
    who: &ConsoleUser,
    kid: &str,
) -> Result<Vec<SigningKey>, ApiError> {
    Ok(signing_keys::withdraw(state, &admin(who), kid).await?)
}
