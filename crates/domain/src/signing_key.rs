//! Signing keys per realm and their rotation.
//!
//! Rotation never breaks a valid token: a key is published as `next` before it signs anything,
//! so caches learn it ahead of time; the `active` key it replaces becomes `retired` and stays
//! published until every token it signed has expired.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{PartitionId, Realm};

/// A JWS algorithm Tessera signs with.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum SigningAlg {
    /// ECDSA P-256 with SHA-256: small and fast (the default).
    #[default]
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys.
    RS256,
    /// Ed25519.
    EdDSA,
}

impl SigningAlg {
    /// JOSE name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Parses a JOSE name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ES256" => Some(Self::ES256),
            "RS256" => Some(Self::RS256),
            "EdDSA" => Some(Self::EdDSA),
            _ => None,
        }
    }
}

/// Where a key is in its life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Published, not yet signing.
    Next,
    /// Signing.
    Active,
    /// No longer signing; published until its tokens expire.
    Retired,
}

impl KeyState {
    /// Stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "next" => Some(Self::Next),
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }
}

/// A realm's signing key.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKey {
    /// Key id, the JWT header's `kid` that tells verifiers which published key to use.
    pub kid: String,
    /// The partition of the realm it signs for.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// Realm it signs for: each realm is an issuer with keys of its own.
    pub realm: Realm,
    /// Algorithm; each realm keeps one key family per algorithm in use.
    pub alg: SigningAlg,
    /// Where it is in its life: `next` (published, not signing), `active` (signing) or `retired`
    /// (published until the tokens it signed have expired).
    pub state: KeyState,
    /// The public JWK, as published.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_jwk: serde_json::Value,
    /// The PKCS#8 private key, encrypted with the master key (AES-256-GCM, nonce prepended).
    #[serde(skip)]
    pub private_key_encrypted: Vec<u8>,
    /// When it was generated (as the family's `next` key).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When rotation retired it; it stays published until the tokens it signed have expired,
    /// unless withdrawn first.
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("partition", &self.partition)
            .field("realm", &self.realm)
            .field("alg", &self.alg)
            .field("state", &self.state)
            .field("private_key_encrypted", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Whether the key belongs in the JWKS at `now`: every next and active key, and retired keys
    /// until `max_token_lifetime` after retirement (a token signed just before retirement is
    /// still valid that long).
    #[must_use]
    pub fn is_published(&self, now: OffsetDateTime, max_token_lifetime: time::Duration) -> bool {
        match self.state {
            KeyState::Next | KeyState::Active => true,
            KeyState::Retired => self
                .retired_at
                .is_some_and(|r| now < r + max_token_lifetime),
        }
    }
}
