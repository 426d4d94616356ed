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
    /// The partition whose customers realm the customer signs in to; the email is unique only
    /// here.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// The login name and the OpenID Connect `email` claim; unique in the partition, compared
    /// case-insensitively.
    pub email: String,
    /// Released as the OpenID Connect `name` claim.
    pub display_name: String,
    /// Disabled customers cannot sign in or be acted for.
    pub enabled: bool,
    /// The optional OpenID Connect standard claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
    /// When the account was created; admin lists are in creation order.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the account last changed; released as the OpenID Connect `updated_at` claim.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Changes to a customer; `None` leaves a field as it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerChanges {
    /// Must stay unique in the partition; a new address is no longer verified
    /// (`email_verified` becomes `false` unless the same change sets it).
    pub email: Option<String>,
    /// Changes the `name` claim.
    pub display_name: Option<String>,
    /// New password, at least [`MIN_PASSWORD_LEN`](crate::user::MIN_PASSWORD_LEN) characters
    /// (hashed by the caller before storing).
    pub password: Option<String>,
    /// `false`: the account can no longer sign in or be acted for.
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
