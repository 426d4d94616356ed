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

/// A signed-in Administration Console (docs/product.md#console): a server-side session of a
/// Partition Administrator, found by the keyed hash of its cookie value.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The partition whose console it opens.
    pub partition: PartitionId,
    /// Keyed hash of the cookie value; the value itself is never stored.
    pub hash: Vec<u8>,
    /// The Partition Administrator (a user of the users realm).
    pub user_id: uuid::Uuid,
    /// The users realm's single sign-on session it was signed in through (the ID token's
    /// `sid`), which signing out of the console ends too.
    pub realm_session_id: Option<uuid::Uuid>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// The last request it served, for the idle limit.
    pub last_seen_at: OffsetDateTime,
    /// The absolute limit, whatever the activity.
    pub expires_at: OffsetDateTime,
}

impl ConsoleSession {
    /// Whether it still signs its browser in at `now`, given the idle limit.
    #[must_use]
    pub fn is_live(&self, now: OffsetDateTime, idle: time::Duration) -> bool {
        now < self.expires_at && now < self.last_seen_at + idle
    }
}

impl std::fmt::Debug for ConsoleSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSession")
            .field("partition", &self.partition)
            .field("hash", &"<redacted>")
            .field("user_id", &self.user_id)
            .field("realm_session_id", &self.realm_session_id)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
