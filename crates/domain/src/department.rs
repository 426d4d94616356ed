//! Departments: every user belongs to one. A partition starts with `Service`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::validation::FieldErrors;

/// The department every partition starts with.
pub const DEFAULT_DEPARTMENT: &str = "Service";

/// A department.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Unique in the partition.
    pub name: String,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Department {
    /// Checks the name.
    ///
    /// # Errors
    /// When the name is empty or too long.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        e.check_len("name", &self.name, 1, 100);
        e.into_result()
    }
}
