//! Browser single sign-on sessions: one per realm and browser, created by a successful login and
//! ended by RP-initiated logout. The cookie holds a random value; the store keeps its keyed hash.

use time::OffsetDateTime;

use crate::auth_method::AuthMethod;
use crate::ids::{PartitionId, Realm};

/// A signed-in browser.
#[derive(Clone, PartialEq, Eq)]
pub struct BrowserSession {
    /// Session id, published as the ID token's `sid`.
    pub id: uuid::Uuid,
    /// Keyed hash of the cookie value.
    pub hash: Vec<u8>,
    /// The partition of the realm signed in to.
    pub partition: PartitionId,
    /// The realm signed in to: single sign-on is per realm, so a users-realm session never signs
    /// anyone in at the customers realm.
    pub realm: Realm,
    /// The user's or customer's id.
    pub subject: uuid::Uuid,
    /// When the password was checked.
    pub auth_time: OffsetDateTime,
    /// How the person authenticated (OIDC `amr`, `acr`).
    pub auth_method: AuthMethod,
    /// When the browser must sign in again (`tokens.session_ttl` after sign-in).
    pub expires_at: OffsetDateTime,
    /// When the session was ended by logout.
    pub ended_at: Option<OffsetDateTime>,
}

impl BrowserSession {
    /// Whether the session still signs its browser in at `now`.
    #[must_use]
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.ended_at.is_none() && now < self.expires_at
    }
}

impl std::fmt::Debug for BrowserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSession")
            .field("id", &self.id)
            .field("hash", &"<redacted>")
            .field("partition", &self.partition)
            .field("realm", &self.realm)
            .field("subject", &self.subject)
            .field("auth_time", &self.auth_time)
            .field("auth_method", &self.auth_method)
            .field("expires_at", &self.expires_at)
            .field("ended_at", &self.ended_at)
            .finish()
    }
}
