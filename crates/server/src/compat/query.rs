//! The query of the compatibility token addresses: which realm (`user_type`) and which partition
//! (`tenantId`, `domain_hint`) a request is for, each refused with its own words when missing or
//! wrong.

use tessera_domain::{PartitionId, Realm};

use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;

/// The `user_type` values an address accepts, and what it says when the value is missing or
/// another one.
pub(super) struct UserTypes {
    /// Each accepted value with its realm.
    pub(super) accepted: &'static [(&'static str, Realm)],
    /// The refusal when `user_type` is missing.
    pub(super) missing: &'static str,
    /// The refusal when `user_type` is not accepted.
    pub(super) wrong: &'static str,
}

/// The realm `user_type` names.
pub(super) fn realm(query: &Params, types: &UserTypes) -> Result<Realm, OAuthError> {
    let value = query
        .get("user_type")
        .ok_or_else(|| OAuthError::invalid_request(types.missing))?;
    types
        .accepted
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, realm)| *realm)
        .ok_or_else(|| OAuthError::invalid_request(types.wrong))
}

/// The partition the parameter `name` names: `missing` when it is absent, the unknown-issuer
/// error when it is no partition id.
pub(super) fn partition(
    query: &Params,
    name: &str,
    missing: &'static str,
) -> Result<PartitionId, OAuthError> {
    let value = query
        .get(name)
        .ok_or_else(|| OAuthError::invalid_request(missing))?;
    PartitionId::parse(value).map_err(|_| OAuthError::unknown_issuer())
}
