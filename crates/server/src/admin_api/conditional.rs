//! Conditional requests (RFC 9110 §8.8.3 `ETag`, §13.1.1 `If-Match`): a client application's
//! representation carries its revision as a strong entity tag, and a change sent with
//! `If-Match` is made only to that revision, so a script cannot overwrite a change it has not
//! seen ("lost update", RFC 9110 §13.1.1). The check itself is the admin operation's
//! (`admin_ops::clients::update`); this module only reads and writes the headers.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};

use super::error::ApiError;

/// The strong entity tag of a revision: the revision in quotes (it is made of digits, `-` and
/// hex digits, all allowed in an entity tag).
#[must_use]
pub(crate) fn etag(revision: &str) -> [(header::HeaderName, HeaderValue); 1] {
    let value = HeaderValue::from_str(&format!("\"{revision}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    [(header::ETAG, value)]
}

/// The `If-Match` of a request: absent (`None`), `*` (any current representation: `None` too,
/// since a missing object is a 404 before any precondition, RFC 9110 §13.2.1), or the strong
/// entity tags listed. Weak tags (`W/"…"`) are dropped: `If-Match` compares strongly, so they
/// never match (RFC 9110 §13.1.1), and a list of only weak tags matches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IfMatch(pub Option<Vec<String>>);

impl IfMatch {
    /// The revisions one of which must be current, or `None` for no condition.
    #[must_use]
    pub(crate) fn revisions(&self) -> Option<&[String]> {
        self.0.as_deref()
    }
}

/// Parses `If-Match` field values: `*` or a comma-separated list of entity tags.
///
/// # Errors
/// A value that is neither (400: the condition cannot be evaluated).
pub(crate) fn parse_if_match<'a>(
    values: impl Iterator<Item = &'a str>,
) -> Result<IfMatch, ApiError> {
    let bad = || {
        ApiError::BadRequest(
            "If-Match must be * or a list of entity tags (\"…\" as sent in ETag)".into(),
        )
    };
    let mut tags = Vec::new();
    let mut any_header = false;
    for value in values {
        any_header = true;
        let value = value.trim();
        if value == "*" {
            return Ok(IfMatch(None));
        }
        for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (weak, quoted) = match item.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, item),
            };
            let opaque = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .filter(|o| !o.contains('"'))
                .ok_or_else(bad)?;
            if !weak {
                tags.push(opaque.to_owned());
            }
        }
    }
    Ok(IfMatch(any_header.then_some(tags)))
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut values = Vec::new();
        for v in parts.headers.get_all(header::IF_MATCH) {
            values.push(
                v.to_str()
                    .map_err(|_| ApiError::BadRequest("If-Match must be visible ASCII".into()))?,
            );
        }
        parse_if_match(values.into_iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> Option<Option<Vec<String>>> {
        parse_if_match(values.iter().copied()).ok().map(|m| m.0)
    }

    #[test]
    fn if_match_lists_star_weak_and_malformed() {
        assert_eq!(parse(&[]), Some(None), "no header, no condition");
        assert_eq!(parse(&["*"]), Some(None));
        assert_eq!(parse(&["\"1-a\""]), Some(Some(vec!["1-a".into()])));
        assert_eq!(
            parse(&["\"1-a\", W/\"2-b\"", "\"3-c\""]),
            Some(Some(vec!["1-a".into(), "3-c".into()])),
            "weak tags never match; several fields are one list"
        );
        assert_eq!(
            parse(&["W/\"1-a\""]),
            Some(Some(vec![])),
            "only weak: nothing matches"
        );
        for bad in ["1-a", "\"1-a", "\"a\"b\"", "W/1"] {
            assert_eq!(parse(&[bad]), None, "{bad} is refused");
        }
    }

    #[test]
    fn the_etag_is_the_quoted_revision() {
        assert_eq!(etag("17-00ff")[0].1, "\"17-00ff\"");
    }
}
