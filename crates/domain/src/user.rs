//! Users (agents) of a partition's users realm.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::PartitionId;
use crate::standard_claims::{StandardClaims, StandardClaimsChanges};
use crate::validation::FieldErrors;

/// An agent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Id; a user token's `sub`.
    pub id: uuid::Uuid,
    /// The partition whose users realm the agent signs in to; the username is unique only here.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub partition: PartitionId,
    /// Unique in the partition, compared case-insensitively.
    pub username: String,
    /// Released as the OpenID Connect `email` claim; the login page also accepts it in place of
    /// the username, and token exchange may match a provider's `email` claim against it.
    pub email: String,
    /// Released as the OpenID Connect `name` claim.
    pub display_name: String,
    /// The name of one of the partition's departments (a department with users in it cannot be
    /// deleted).
    pub department: String,
    /// Whether the user is a Partition Administrator.
    pub partition_admin: bool,
    /// Disabled users cannot sign in or be acted for.
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

/// Changes to a user; `None` leaves a field as it is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    /// Must stay unique in the partition.
    pub username: Option<String>,
    /// A new address is no longer verified: `email_verified` becomes `false` unless the same
    /// change sets it.
    pub email: Option<String>,
    /// Changes the `name` claim.
    pub display_name: Option<String>,
    /// Must name an existing department.
    pub department: Option<String>,
    /// New password, at least [`MIN_PASSWORD_LEN`] characters (hashed by the caller before
    /// storing).
    pub password: Option<String>,
    /// Grants or withdraws the admin API's delegated access.
    pub partition_admin: Option<bool>,
    /// `false`: the account can no longer sign in or be acted for.
    pub enabled: Option<bool>,
    /// Changes to the standard claims.
    #[serde(flatten)]
    pub claims: StandardClaimsChanges,
}

/// Smallest password length accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Checks a new password's length (NIST SP 800-63B: length over composition rules).
pub fn check_password(e: &mut FieldErrors, field: &str, password: &str) {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        e.add(
            field,
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        );
    } else if n > 1024 {
        e.add(field, "must be at most 1024 characters");
    }
}

impl User {
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
        e.check_len("username", &self.username, 1, 100);
        if self.username.contains(char::is_whitespace) {
            e.add("username", "must not contain spaces");
        }
        e.check_email("email", &self.email);
        e.check_len("display_name", &self.display_name, 1, 200);
        e.check_len("department", &self.department, 1, 100);
        self.claims.check(e);
    }

    /// Applies changes and validates.
    ///
    /// # Errors
    /// Every rule broken.
    pub fn apply(&mut self, c: UserChanges, now: OffsetDateTime) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if let Some(v) = c.username {
            self.username = v;
        }
        let email_changed = c.email.as_ref().is_some_and(|v| *v != self.email);
        if let Some(v) = c.email {
            self.email = v;
        }
        if let Some(v) = c.display_name {
            self.display_name = v;
        }
        self.claims.apply(c.claims, email_changed);
        if let Some(v) = c.department {
            self.department = v;
        }
        if let Some(v) = c.partition_admin {
            self.partition_admin = v;
        }
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
