//! Field messages on a console form: the admin operations' per-field errors (`name`,
//! `audiences[1]`, …) shown next to their fields and in a summary above the form.

use tessera_oauth_types::FieldError;

/// A form's field messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Messages {
    /// Every message, as the operation reported it.
    pub list: Vec<FieldError>,
}

impl Messages {
    /// The messages of `list`.
    #[must_use]
    pub(crate) const fn new(list: Vec<FieldError>) -> Self {
        Self { list }
    }

    /// One message about `field` (`form` for one about the whole form).
    #[must_use]
    pub(crate) fn one(field: &str, message: impl Into<String>) -> Self {
        Self::new(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// Whether there is none.
    #[must_use]
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The messages for `field` (`audiences[2]` counts as `audiences`), joined.
    #[must_use]
    pub(crate) fn err(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .list
            .iter()
            .filter(|e| base(&e.field) == field)
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("; "))
    }

    /// The summary lines, each field named by `label`.
    #[must_use]
    pub(crate) fn summary(&self, label: fn(&str) -> &'static str) -> Vec<String> {
        self.list
            .iter()
            .map(|e| format!("{}: {}", label(base(&e.field)), e.message))
            .collect()
    }
}

/// `audiences[2]` → `audiences`.
fn base(field: &str) -> &str {
    field.split(['[', '.']).next().unwrap_or(field)
}
