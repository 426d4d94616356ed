//! Strict parsing of `application/x-www-form-urlencoded` bodies and query strings: the one parser
//! of every OAuth endpoint and compatibility address.
//!
//! RFC 6749 §3.1/§3.2: parameters must not be repeated, and a parameter sent without a value is
//! treated as omitted. Bytes that do not decode to UTF-8 are refused rather than silently
//! replaced, so what we check is exactly what the client sent. The decoding itself is
//! `tessera_domain::form::decode`, which the `token_form` fuzz target exercises.

use std::collections::HashMap;

use axum::http::{HeaderMap, Uri, header};

use super::error::OAuthError;

/// Decoded parameters.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// A parameter's value; empty values count as absent.
    #[must_use]
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A required parameter.
    ///
    /// # Errors
    /// `invalid_request` naming the missing parameter.
    pub(crate) fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("the {name} parameter is required")))
    }

    /// Parses `application/x-www-form-urlencoded` bytes.
    ///
    /// # Errors
    /// `invalid_request` for repeated parameters, bad percent-encoding or non-UTF-8 bytes.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        tessera_domain::form::decode(body)
            .map(Self)
            .map_err(|e| OAuthError::invalid_request(e.to_string()))
    }

    /// Parses a request's query string (none counts as empty).
    ///
    /// # Errors
    /// As [`Self::parse`].
    pub(crate) fn from_query(uri: &Uri) -> Result<Self, OAuthError> {
        Self::parse(uri.query().unwrap_or_default().as_bytes())
    }

    /// Parses a POST body after checking its media type.
    ///
    /// # Errors
    /// `invalid_request` when the body is not a form.
    pub(crate) fn from_body(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = ct.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "the request body must be application/x-www-form-urlencoded (RFC 6749 §3.2)",
            ));
        }
        Self::parse(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let p = Params::parse(b"grant_type=client_credentials&scope=a+b%20c&empty=").unwrap();
        assert_eq!(p.get("scope"), Some("a b c"));
        assert_eq!(p.get("empty"), None);
        assert!(
            Params::parse(b"a=1&a=2")
                .unwrap_err()
                .description
                .contains("repeated")
        );
        assert!(
            Params::parse(b"a=%FF")
                .unwrap_err()
                .description
                .contains("UTF-8")
        );
        assert!(
            Params::parse(b"a=%G1")
                .unwrap_err()
                .description
                .contains("percent")
        );
        assert!(Params::parse(b"a=%4").is_err());
    }
}
