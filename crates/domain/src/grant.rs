//! What a signed-in user (or customer) granted a client through the authorization code flow:
//! the grant itself, the single-use code that starts it, the refresh tokens that extend it, and
//! the access tokens issued from it.
//!
//! A grant is the unit of revocation (one "token family"): replaying a code or a rotated refresh
//! token revokes the grant, and with it every refresh token and access token issued from it
//! (RFC 9700 §2.2.2 and §4.14.2). Codes and refresh tokens are random values the server hashes
//! before storing; only the hash is kept, so a database leak hands out nothing usable.

pub mod eligibility;
pub mod redeem;
pub mod refresh;

use time::OffsetDateTime;

use crate::auth_method::AuthMethod;
use crate::claims_request::ClaimsRequest;
use crate::ids::{ClientId, PartitionId, Realm};

/// A user's authorization of a client, from code redemption to its absolute expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Grant id: the token family that the code, the refresh tokens and the access tokens of one
    /// sign-in share, and the unit of revocation.
    pub id: uuid::Uuid,
    /// The partition the grant belongs to; store lookups are keyed by it, so no request finds
    /// another partition's grant.
    pub partition: PartitionId,
    /// Realm whose user (`-U`) or customer (`-C`) signed in.
    pub realm: Realm,
    /// The client the grant is for.
    pub client_id: ClientId,
    /// The user's or customer's id.
    pub subject: uuid::Uuid,
    /// Granted scope, space-separated short forms (OIDC scopes first).
    pub scope: String,
    /// The browser session (OIDC `sid`) the grant was made in.
    pub session_id: uuid::Uuid,
    /// When the subject authenticated (OIDC `auth_time`).
    pub auth_time: OffsetDateTime,
    /// How the subject authenticated (OIDC `amr`, `acr`): the session's method.
    pub auth_method: AuthMethod,
    /// The authorization request's `claims` parameter (OIDC Core §5.5), as far as Tessera
    /// understands it: kept with the grant so the code's ID token, every refreshed one and
    /// userinfo all answer it. `None` when the request had none.
    pub claims_request: Option<ClaimsRequest>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Absolute end: no refresh token of the family outlives it.
    pub expires_at: OffsetDateTime,
    /// When the grant was revoked (code replay, refresh-token reuse, revocation, logout).
    pub revoked_at: Option<OffsetDateTime>,
}

impl Grant {
    /// Whether tokens of this grant may still be used at `now`.
    #[must_use]
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A single-use authorization code, bound to its grant, redirect URI, PKCE challenge and nonce.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// Keyed hash of the code value.
    pub hash: Vec<u8>,
    /// The grant's partition, part of every lookup by hash.
    pub partition: PartitionId,
    /// The grant the code starts.
    pub grant_id: uuid::Uuid,
    /// The `redirect_uri` of the authorization request (must be repeated at the token endpoint).
    pub redirect_uri: String,
    /// OIDC `nonce` to echo in the ID token.
    pub nonce: Option<String>,
    /// PKCE `code_challenge` (S256 only).
    pub code_challenge: Option<String>,
    /// When the code was issued (at the end of the sign-in).
    pub created_at: OffsetDateTime,
    /// Expiry (60 s by default).
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCode")
            .field("hash", &"<redacted>")
            .field("partition", &self.partition)
            .field("grant_id", &self.grant_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A code as stored, found without consuming it, so the token endpoint can check what the code
/// is bound to (client, realm, redirect URI, PKCE, expiry) before spending it: a presentation
/// that fails those checks must leave the code usable by its rightful client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLookup {
    /// The stored code, with what it is bound to.
    pub code: AuthorizationCode,
    /// The grant it starts, whose client and realm the token endpoint compares with the request.
    pub grant: Grant,
    /// Whether the code was consumed already.
    pub consumed: bool,
}

/// What presenting a code to the store found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "built once per code redemption and matched at once; boxing would only add an allocation"
)]
pub enum CodeRedemption {
    /// First use: the code is now consumed. Expiry is for the caller to check.
    Redeemed {
        /// The code, now spent.
        code: AuthorizationCode,
        /// The grant the code starts, whose tokens the caller now issues.
        grant: Grant,
    },
    /// The code was consumed before: a replay. The caller revokes the grant.
    Replayed {
        /// The grant the code started.
        grant_id: uuid::Uuid,
    },
    /// No such code in this partition.
    Unknown,
}

/// A refresh token of a grant. Rotated on every use: the used one is kept (marked) so a later
/// presentation is recognised as reuse.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// Keyed hash of the token value.
    pub hash: Vec<u8>,
    /// The grant's partition, part of every lookup by hash.
    pub partition: PartitionId,
    /// The grant (token family) it extends; reusing the token revokes this grant.
    pub grant_id: uuid::Uuid,
    /// When it was issued (by the code redemption or the previous rotation).
    pub created_at: OffsetDateTime,
    /// Sliding expiry (never after the grant's absolute expiry).
    pub expires_at: OffsetDateTime,
    /// When it was exchanged for a new one.
    pub used_at: Option<OffsetDateTime>,
}

impl RefreshToken {
    /// Whether the token may still be exchanged at `now`: unused, unexpired, and its grant live.
    #[must_use]
    pub fn is_live(&self, grant: &Grant, now: OffsetDateTime) -> bool {
        self.used_at.is_none() && now < self.expires_at && grant.is_live(now)
    }
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshToken")
            .field("hash", &"<redacted>")
            .field("partition", &self.partition)
            .field("grant_id", &self.grant_id)
            .field("expires_at", &self.expires_at)
            .field("used_at", &self.used_at)
            .finish_non_exhaustive()
    }
}

/// An access token issued from a grant, remembered by `jti` so revoking the grant revokes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedAccessToken {
    /// The token's `jti`.
    pub jti: uuid::Uuid,
    /// The grant's partition.
    pub partition: PartitionId,
    /// The grant whose revocation revokes this token.
    pub grant_id: uuid::Uuid,
    /// The token's `exp` (after which the row can be purged).
    pub expires_at: OffsetDateTime,
}

/// What a refresh-token rotation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The old token was unused and is now used; the new one is stored.
    Rotated,
    /// The old token had been used already (a concurrent or later reuse): nothing was stored.
    AlreadyUsed,
}
