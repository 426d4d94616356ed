//! A decoded key set: what a [`KeyCache`](crate::KeyCache) holds between fetches, and what a
//! verifier of tokens signed by keys already in memory (the server's own realm keys, a JWK Set
//! registered inline) uses directly.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jsonwebtoken::Algorithm;
use tessera_oauth_types::JwkSet;

use super::verifying::VerifyingKey;

/// Why a key set has no key for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LookupError {
    /// The set is known and has no such key: the token is at fault.
    UnknownKid,
    /// The set names the key but in a form that cannot verify any accepted algorithm: the
    /// issuer is at fault.
    Unusable,
    /// The set could not be fetched: nobody can decide (503, not 401, so clients do not throw
    /// away good tokens). Carries why, for the operator's log only.
    Unavailable(Option<Arc<str>>),
}

/// Public keys by `kid`, each bound to the algorithms it may verify.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, Arc<VerifyingKey>>,
    /// Ids the set names with keys that did not decode or serve no accepted algorithm.
    unusable: HashSet<String>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .field("unusable", &self.unusable)
            .finish()
    }
}

impl KeySet {
    /// Decodes the keys of `set` that can verify one of `algorithms`. The others are remembered
    /// as unusable, so a token naming one is told apart from one naming a key never published.
    #[must_use]
    pub fn from_jwks(set: &JwkSet, algorithms: &[Algorithm]) -> Self {
        let mut keys = HashMap::with_capacity(set.keys.len());
        let mut unusable = HashSet::new();
        for jwk in &set.keys {
            match VerifyingKey::from_jwk(jwk, algorithms) {
                Ok(key) => {
                    // A set with duplicate ids is ambiguous; the first one wins and the other
                    // can never verify anything.
                    keys.entry(jwk.kid.clone()).or_insert_with(|| Arc::new(key));
                }
                Err(why) => {
                    tracing::debug!(kid = %jwk.kid, why, "ignoring unusable JWK");
                    unusable.insert(jwk.kid.clone());
                }
            }
        }
        unusable.retain(|kid| !keys.contains_key(kid));
        Self { keys, unusable }
    }

    /// How many usable keys the set holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether `kid` names a usable key.
    pub(crate) fn contains(&self, kid: Option<&str>) -> bool {
        self.lookup(kid).is_ok()
    }

    /// The key named `kid`; without a `kid`, the set's only key if it has exactly one (any
    /// other choice would be a guess).
    pub(crate) fn lookup(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, LookupError> {
        match kid {
            Some(kid) => match self.keys.get(kid) {
                Some(key) => Ok(Arc::clone(key)),
                None if self.unusable.contains(kid) => Err(LookupError::Unusable),
                None => Err(LookupError::UnknownKid),
            },
            None => match (self.keys.len(), self.unusable.len()) {
                (1, 0) => self
                    .keys
                    .values()
                    .next()
                    .cloned()
                    .ok_or(LookupError::UnknownKid),
                (0, 1) => Err(LookupError::Unusable),
                _ => Err(LookupError::UnknownKid),
            },
        }
    }
}
