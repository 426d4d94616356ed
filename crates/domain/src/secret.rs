//! Client secrets: 256-bit random values shown once; only a hash is kept.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{ClientId, PartitionId};
use crate::validation::FieldErrors;

/// Expiry choices of the console's dropdown, in days.
pub const EXPIRY_CHOICES: [u16; 5] = [30, 90, 180, 365, 730];
/// Expiry when the request does not say.
pub const DEFAULT_EXPIRY_DAYS: u16 = 365;
/// Default cap on unexpired secrets per client.
pub const DEFAULT_MAX_SECRETS: u32 = 2;

/// A client secret's metadata (never its value).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSecret {
    /// Secret id, used to delete it; never part of the value.
    pub id: uuid::Uuid,
    /// The client's partition.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// The Web application that authenticates with it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub client_id: ClientId,
    /// A label for people, such as where the secret is deployed; not unique.
    pub name: String,
    /// Last four characters, prefixed with an ellipsis: `…abcd`.
    pub hint: String,
    /// When it was created; its expiry is counted from here.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// After this instant the secret no longer authenticates; `None` for a secret that never
    /// expires.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Last successful authentication with it (written in batches, may lag by seconds).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl ClientSecret {
    /// Whether the secret may still authenticate at `now`.
    #[must_use]
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|e| now < e)
    }
}

/// A secret with its stored hash, as the token endpoint needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// Metadata.
    pub secret: ClientSecret,
    /// HMAC-SHA-256 of the value under the server's pepper.
    pub hash: Vec<u8>,
}

impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSecret")
            .field("secret", &self.secret)
            .field("hash", &"<redacted>")
            .finish()
    }
}

/// Parses the requested expiry: absent → the default, `null` → never, else one of the choices.
///
/// # Errors
/// When the value is not one of [`EXPIRY_CHOICES`].
pub fn expiry(
    days: Option<Option<i64>>,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, FieldErrors> {
    match days {
        None => Ok(Some(
            now + time::Duration::days(i64::from(DEFAULT_EXPIRY_DAYS)),
        )),
        Some(None) => Ok(None),
        Some(Some(d)) if EXPIRY_CHOICES.iter().any(|c| i64::from(*c) == d) => {
            Ok(Some(now + time::Duration::days(d)))
        }
        Some(Some(_)) => Err(FieldErrors::single(
            "expires_in_days",
            "must be one of 30, 90, 180, 365, 730, or null for a secret that never expires",
        )),
    }
}

/// The hint shown for a secret value.
#[must_use]
pub fn hint(value: &str) -> String {
    let tail: String = value
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}
