//! Signing keys: listed with their public halves, rotated, and a retired key withdrawn.

use tessera_domain::Realm;
use tessera_domain::page::{Page, PageRequest};
use tessera_domain::signing_key::SigningKey;

use super::{OpError, PartitionAdmin, Resource};
use crate::provision::ProvisionError;
use crate::state::AppState;

/// A page of the partition's keys, both realms, in creation order.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    admin: &PartitionAdmin,
    page: PageRequest,
) -> Result<Page<SigningKey>, OpError> {
    state
        .store
        .page_signing_keys(&admin.partition, page)
        .await
        .map_err(OpError::of(Resource::SigningKey))
}

/// Rotates the keys of `realm`, or of both realms when `None`: next → active, active → retired
/// (still published), a new next key. Answers every key of the partition afterwards.
///
/// # Errors
/// Storage failures; a failed key generation is logged and [`OpError::Internal`].
pub async fn rotate(
    state: &AppState,
    admin: &PartitionAdmin,
    realm: Option<Realm>,
) -> Result<Vec<SigningKey>, OpError> {
    let realms = realm.map_or_else(|| Realm::ALL.to_vec(), |r| vec![r]);
    for realm in realms {
        state
            .provisioner()
            .rotate_keys(&*state.store, &admin.partition, realm, &admin.audit)
            .await
            .map_err(|e| match e {
                ProvisionError::Store(s) => OpError::store(Resource::Partition, s),
                other => {
                    tracing::error!(error = %other, "key rotation failed");
                    OpError::Internal
                }
            })?;
    }
    every_key(state, admin).await
}

/// Withdraws a retired key at once (for a leaked key): it leaves the JWKS and tokens it signed
/// stop verifying. The active and next keys are refused: rotate first, then withdraw. Answers
/// every key of the partition afterwards.
///
/// # Errors
/// Unknown key, [`OpError::KeyInUse`], storage failures.
pub async fn withdraw(
    state: &AppState,
    admin: &PartitionAdmin,
    kid: &str,
) -> Result<Vec<SigningKey>, OpError> {
    state
        .provisioner()
        .withdraw_key(&*state.store, &admin.partition, kid, &admin.audit)
        .await
        .map_err(|e| match e {
            ProvisionError::Store(s) => OpError::store(Resource::SigningKey, s),
            ProvisionError::KeyInUse(in_use) => OpError::KeyInUse(in_use),
            other => {
                tracing::error!(error = %other, "key withdrawal failed");
                OpError::Internal
            }
        })?;
    every_key(state, admin).await
}

/// Every key of the partition, not a page: the answer to a change of keys. A partition holds
/// its active and next keys per realm plus the retired ones still published, so it stays small.
async fn every_key(state: &AppState, admin: &PartitionAdmin) -> Result<Vec<SigningKey>, OpError> {
    state.invalidate_partition(&admin.partition);
    state
        .store
        .list_signing_keys(&admin.partition)
        .await
        .map_err(OpError::of(Resource::SigningKey))
}
