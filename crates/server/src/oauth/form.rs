//! Strict parsing of `application/x-www-form-urlencoded` bodies and query strings: the one parser
//! of every OAuth endpoint and compatibility address.
//!
//! RFC 6749 §3.1/§3.2: parameters must not be repeated, and a parameter sent without a value is
//! treated as omitted. Bytes that do not decode to UTF-8 are refused rather than silently
//! replaced, so what we check is exactly what the client sent.

use std::collections::HashMap;

use axum::http::{HeaderMap, Uri, header};
use percent_encoding::percent_decode;

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
        let mut map = HashMap::new();
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let key = decode(k)?;
            let value = decode(v)?;
            if map.contains_key(&key) {
                return Err(OAuthError::invalid_request(format!(
                    "the {} parameter is repeated; send each parameter once",
                    shorten(&key)
                )));
            }
            map.insert(key, value);
        }
        Ok(Self(map))
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

fn decode(raw: &[u8]) -> Result<String, OAuthError> {
    let plus: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    for (i, b) in plus.iter().enumerate() {
        if *b == b'%' {
            let ok = plus
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                return Err(OAuthError::invalid_request(
                    "the form body has a malformed percent-escape",
                ));
            }
        }
    }
    percent_decode(&plus)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| OAuthError::invalid_request("the form body is not valid UTF-8"))
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
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
