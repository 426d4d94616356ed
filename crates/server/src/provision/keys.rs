//! Signing keys of a partition's realms: generated under the master key, rotated (by the admin
//! API, the CLI and at start for missing families) and withdrawn.

use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::signing_key::{KeyState, SigningAlg, SigningKey};
use tessera_domain::store::{Store, StoreError};
use tessera_domain::{PartitionId, Realm};
use time::OffsetDateTime;

use super::{ProvisionError, Provisioner};
use crate::audit::AuditContext;
use crate::crypto::CryptoError;
use crate::crypto::rng::random_token;
use crate::crypto::signing;
use crate::state::key_context;

/// A key that signs (active) or is about to (next) cannot be withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "signing key {kid} is {state}; only a retired key can be withdrawn: rotate first, then withdraw it"
)]
pub struct KeyInUse {
    /// The key.
    pub kid: String,
    /// Its state (`active` or `next`).
    pub state: &'static str,
}

/// The algorithms a realm keeps a key family (active and next key) for: the configured one,
/// which signs access tokens, and RS256, which every OpenID Provider must offer for ID tokens
/// (OIDC Core §15.1) and which is the default `id_token_signed_response_alg`. The configured
/// algorithm comes first.
#[must_use]
pub fn key_algorithms(configured: SigningAlg) -> Vec<SigningAlg> {
    let mut algs = vec![configured];
    if configured != SigningAlg::RS256 {
        algs.push(SigningAlg::RS256);
    }
    algs
}

impl Provisioner<'_> {
    /// A new signing key with its private half encrypted under the master key. The key pair is
    /// generated on a blocking thread: an RSA key takes a hundred milliseconds or more, which
    /// must not stall the requests sharing this worker.
    ///
    /// # Errors
    /// When key generation fails.
    pub async fn signing_key(
        &self,
        p: &PartitionId,
        realm: Realm,
        state: KeyState,
        alg: SigningAlg,
        now: OffsetDateTime,
    ) -> Result<SigningKey, CryptoError> {
        let kid = random_token(self.rng, 12);
        let for_thread = kid.clone();
        let generated = tokio::task::spawn_blocking(move || signing::generate(alg, &for_thread))
            .await
            .map_err(|_| CryptoError::Operation("key generation"))??;
        let encrypted = self.master.encrypt(
            self.rng,
            key_context(p, realm, &kid).as_bytes(),
            &generated.pkcs8,
        );
        Ok(SigningKey {
            kid,
            partition: p.clone(),
            realm,
            alg,
            state,
            public_jwk: serde_json::to_value(&generated.jwk).unwrap_or_default(),
            private_key_encrypted: encrypted,
            created_at: now,
            retired_at: None,
        })
    }

    /// Rotates a realm's keys, every family of [`key_algorithms`] together: next becomes active,
    /// active becomes retired, a new next key is generated; returns the new next keys. Tokens signed by the old key stay verifiable: it is published until the
    /// longest possible token lifetime has passed. Keys retired longer ago than that are purged.
    ///
    /// # Errors
    /// Key generation or storage failure ([`StoreError::NotFound`] for an unknown partition).
    pub async fn rotate_keys(
        &self,
        store: &dyn Store,
        p: &PartitionId,
        realm: Realm,
        actor: &AuditContext,
    ) -> Result<Vec<SigningKey>, ProvisionError> {
        let now = self.clock.now();
        if store.get_partition(p).await?.is_none() {
            return Err(StoreError::NotFound.into());
        }
        let next = self
            .rotate_families(
                store,
                actor,
                Rotation {
                    p,
                    realm,
                    algs: &key_algorithms(self.config.signing.algorithm),
                    now,
                    reason: None,
                },
            )
            .await?;
        let max_lifetime =
            time::Duration::seconds(i64::from(tessera_domain::client::MAX_ACCESS_TOKEN_TTL));
        store.purge_retired_keys(now - max_lifetime).await?;
        Ok(next)
    }

    /// One rotation of the `algs` families of a realm, audited: a new next key per family (made
    /// concurrently: RSA generation is slow), the store promoting and retiring in one
    /// transaction. The rotation's `reason`, when given, ends the audit detail. Returns the new next keys.
    async fn rotate_families(
        &self,
        store: &dyn Store,
        actor: &AuditContext,
        rotation: Rotation<'_>,
    ) -> Result<Vec<SigningKey>, ProvisionError> {
        let Rotation {
            p,
            realm,
            algs,
            now,
            reason,
        } = rotation;
        let next = futures::future::try_join_all(
            algs.iter()
                .map(|alg| self.signing_key(p, realm, KeyState::Next, *alg, now)),
        )
        .await?;
        let kids: Vec<&str> = next.iter().map(|k| k.kid.as_str()).collect();
        let audit = actor.event(
            &(self.clock, self.rng),
            Action::SigningKeyRotate,
            ObjectType::SigningKey,
            next.first().map(|k| k.kid.clone()),
            Outcome::Success,
            Some(match reason {
                None => format!(
                    "realm={} also={}",
                    realm.as_str(),
                    kids.get(1..).unwrap_or_default().join(",")
                ),
                Some(why) => format!("realm={} {why}", realm.as_str()),
            }),
        );
        store
            .rotate_signing_keys(p, realm, &next, now, &audit)
            .await?;
        Ok(next)
    }

    /// Gives every realm an active and a next key of each family of [`key_algorithms`] that it
    /// lacks, and returns how many families it completed. A partition created before the RSA
    /// family existed would otherwise sign ID tokens with its access-token key until two
    /// rotations had passed, while an OpenID Provider MUST sign them with RS256 for relying
    /// parties that registered no algorithm (OpenID Connect Core §15.1). `tessera serve` runs it
    /// at start. The new active key signs at once: without it such relying parties refuse every
    /// ID token anyway, and they fetch the JWKS for a key id they do not know.
    ///
    /// Two instances starting together may both try; the loser's insert meets the one-key-per-
    /// state rule and is reported, not fatal.
    ///
    /// # Errors
    /// Key generation or storage failure.
    pub async fn complete_key_families(&self, store: &dyn Store) -> Result<usize, ProvisionError> {
        let mut completed = 0;
        for partition in store.list_partitions().await? {
            let p = &partition.id;
            let actor = AuditContext::system(Some(p.clone()));
            let keys = store.list_signing_keys(p).await?;
            for realm in Realm::ALL {
                for alg in key_algorithms(self.config.signing.algorithm) {
                    let has = |state: KeyState| {
                        keys.iter()
                            .any(|k| k.realm == realm && k.alg == alg && k.state == state)
                    };
                    if has(KeyState::Active) {
                        continue;
                    }
                    // A family with a next key but no active one needs one rotation; an absent
                    // family two (the first adds its next key, the second promotes it).
                    let rounds = if has(KeyState::Next) { 1 } else { 2 };
                    for _ in 0..rounds {
                        let now = self.clock.now();
                        let why = format!("alg={} completing a missing key family", alg.as_str());
                        let rotation = Rotation {
                            p,
                            realm,
                            algs: &[alg],
                            now,
                            reason: Some(&why),
                        };
                        self.rotate_families(store, &actor, rotation).await?;
                    }
                    completed += 1;
                }
            }
        }
        Ok(completed)
    }

    /// Withdraws a retired key at once, for a leaked key: it leaves the realm's JWKS and stops
    /// verifying on this instance at once (the caller invalidates the partition cache) and on
    /// the others within their cache lifetime. The active and next keys are refused
    /// ([`ProvisionError::KeyInUse`]): withdrawing the key that signs would leave the realm
    /// unable to issue tokens, and promoting the next key implicitly would hide a rotation inside
    /// a revocation. Rotate first (which retires the active key), then withdraw it.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for an unknown key or partition; storage failures.
    pub async fn withdraw_key(
        &self,
        store: &dyn Store,
        p: &PartitionId,
        kid: &str,
        actor: &AuditContext,
    ) -> Result<SigningKey, ProvisionError> {
        let key = store
            .list_signing_keys(p)
            .await?
            .into_iter()
            .find(|k| k.kid == kid)
            .ok_or(StoreError::NotFound)?;
        if key.state != KeyState::Retired {
            return Err(KeyInUse {
                kid: key.kid,
                state: key.state.as_str(),
            }
            .into());
        }
        let audit = actor.event(
            &(self.clock, self.rng),
            Action::SigningKeyRevoke,
            ObjectType::SigningKey,
            Some(key.kid.clone()),
            Outcome::Success,
            Some(format!("realm={}", key.realm.as_str())),
        );
        store.withdraw_signing_key(p, kid, &audit).await?;
        Ok(key)
    }
}

/// One rotation of a realm's key families: which families, when, and why (the end of the audit
/// detail, when it is not a scheduled rotation).
struct Rotation<'a> {
    p: &'a PartitionId,
    realm: Realm,
    algs: &'a [SigningAlg],
    now: OffsetDateTime,
    reason: Option<&'a str>,
}
