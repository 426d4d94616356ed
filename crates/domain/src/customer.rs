//! Customers of a partition's customers realm.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::PartitionId;
use crate::user::check_password;
use crate::validation::FieldErrors;

/// An end customer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Id; a customer token's `sub`.
    pub id: uuid::Uuid,
    /// Owning partition.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// Unique in the partition, compared case-insensitively.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Disabled customers cannot sign in or be acted for.
    pub enabled: bool,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Changes to a customer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerChanges {
    /// New email.
    pub email: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
    /// New password.
    pub password: Option<String>,
    /// Enabled flag.
    pub enabled: Option<bool>,
}

impl Customer {
    /// Checks the field rules.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        e.check_email("email", &self.email);
        e.check_len("display_name", &self.display_name, 1, 200);
        e.into_result()
    }

    /// Applies changes and validates.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn apply(&mut self, c: CustomerChanges, now: OffsetDateTime) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if let Some(v) = c.email {
            self.email = v;
        }
        if let Some(v) = c.display_name {
            self.display_name = v;
        }
        if let Some(v) = c.enabled {
            self.enabled = v;
        }
        if let Some(p) = &c.password {
            check_password(&mut e, "password", p);
        }
        self.updated_at = now;
        e.check_email("email", &self.email);
        e.check_len("display_name", &self.display_name, 1, 200);
        e.into_result()
    }
}
