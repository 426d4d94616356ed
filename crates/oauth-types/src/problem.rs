//! RFC 9457 problem details, extended with the modelled platform's `code` and `developerMessage`
//! so the admin API and guarded APIs answer in one format.

use serde::{Deserialize, Serialize};

/// One invalid field of a request body.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Path of the field, e.g. `redirect_urls[0]`.
    pub field: String,
    /// What is wrong and what would be accepted.
    pub message: String,
}

/// An `application/problem+json` body.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemDetails {
    /// A URI naming the problem type; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened in this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field validation messages (422 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The platform's error code, e.g. `401-101`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The platform's developer message (same text as `detail`).
    #[serde(
        rename = "developerMessage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub developer_message: Option<String>,
}

impl ProblemDetails {
    /// The media type of a problem body.
    pub const CONTENT_TYPE: &'static str = "application/problem+json";

    /// A problem with `about:blank` type.
    #[must_use]
    pub fn new(status: u16, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            type_: "about:blank".to_owned(),
            title: title.into(),
            status,
            detail: Some(detail.into()),
            errors: Vec::new(),
            code: None,
            developer_message: None,
        }
    }

    /// Adds the platform's code; the developer message repeats the detail.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self.developer_message.clone_from(&self.detail);
        self
    }
}
