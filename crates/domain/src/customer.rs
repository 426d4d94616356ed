//! Customers of a partition's customers realm.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::PartitionId;
use crate::standard_claims::{StandardClaims, StandardClaimsChanges};
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
    /// The optional OpenID Connect standard claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
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
    /// Changes to the standard claims.
    #[serde(flatten)]
    pub claims: StandardClaimsChanges,
}

impl Customer {
    /// Checks the field rules.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        self.check(&mut e);
        e.into_result()
    }

    fn check(&self, e: &mut FieldErrors) {
        e.check_email("email", &self.email);
        e.check_len("display_name", &self.display_name, 1, 200);
        self.claims.check(e);
    }

    /// Applies changes and validates.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn apply(&mut self, c: CustomerChanges, now: OffsetDateTime) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        let email_changed = c.email.as_ref().is_some_and(|v| *v != self.email);
        if let Some(v) = c.email {
            self.email = v;
        }
        if let Some(v) = c.display_name {
            self.display_name = v;
        }
        self.claims.apply(c.claims, email_changed);
        if let Some(v) = c.enabled {
            self.enabled = v;
        }
        if let Some(p) = &c.password {
            check_password(&mut e, "password", p);
        }
        self.updated_at = now;
        self.check(&mut e);
        e.into_result()
    }
}
