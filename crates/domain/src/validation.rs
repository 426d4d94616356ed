//! Per-field validation messages, collected rather than failing at the first problem, so a form
//! or API caller learns everything wrong with a request at once.

use tessera_oauth_types::FieldError;

/// The problems found in one request.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s): {}", .0.len(), summary(.0))]
pub struct FieldErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl FieldErrors {
    /// Records a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A single problem.
    #[must_use]
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::default();
        e.add(field, message);
        e
    }

    /// `Ok(())` when nothing was recorded.
    ///
    /// # Errors
    /// The collected problems.
    pub fn into_result(self) -> Result<(), Self> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// Checks a required, trimmed text field's length.
    pub fn check_len(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let n = value.chars().count();
        if n < min || n > max {
            if min > 0 && value.trim().is_empty() {
                self.add(field, "is required");
            } else {
                self.add(
                    field,
                    format!("must be {min} to {max} characters (got {n})"),
                );
            }
        } else if value.trim() != value {
            self.add(field, "must not start or end with whitespace");
        } else if value.chars().any(char::is_control) {
            self.add(field, "must not contain control characters");
        }
    }

    /// Checks an email address's shape (one `@`, a dot in the domain, no spaces, at most 254 chars).
    pub fn check_email(&mut self, field: &str, value: &str) {
        let ok = value.len() <= 254
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            self.add(field, "must be an email address such as name@example.com");
        }
    }
}
