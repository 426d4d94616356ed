//! Strict decoding of `application/x-www-form-urlencoded` bodies and query strings, the one
//! parser behind every OAuth endpoint's parameters (the server's `oauth::form::Params`).
//!
//! RFC 6749 §3.1/§3.2: parameters must not be repeated, and a parameter sent without a value is
//! treated as omitted (the caller's lookup does that; the map keeps the empty value). Bytes that
//! do not decode to UTF-8 are refused rather than silently replaced, so what is checked is
//! exactly what the client sent. It lives here, without HTTP types, so the fuzz target
//! `token_form` (docs/fuzzing.md) exercises this very function.

use std::collections::HashMap;

use percent_encoding::percent_decode;

/// Why a form cannot be decoded; the text is the `error_description` of the `invalid_request`
/// the server answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// A parameter appears twice (RFC 6749 §3.1); names the parameter, shortened.
    #[error("the {0} parameter is repeated; send each parameter once")]
    Repeated(String),
    /// A `%` not followed by two hexadecimal digits.
    #[error("the form body has a malformed percent-escape")]
    MalformedEscape,
    /// The decoded bytes are not UTF-8.
    #[error("the form body is not valid UTF-8")]
    NotUtf8,
}

/// Decodes `application/x-www-form-urlencoded` bytes into names and values (`+` is a space,
/// `%XX` a byte); empty pairs (`a=1&&b=2`) are skipped, a pair without `=` has an empty value.
///
/// # Errors
/// [`FormError`] for a repeated parameter, bad percent-encoding or non-UTF-8 bytes.
pub fn decode(body: &[u8]) -> Result<HashMap<String, String>, FormError> {
    let mut map = HashMap::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let key = decode_component(k)?;
        let value = decode_component(v)?;
        if map.contains_key(&key) {
            return Err(FormError::Repeated(shorten(&key)));
        }
        map.insert(key, value);
    }
    Ok(map)
}

fn decode_component(raw: &[u8]) -> Result<String, FormError> {
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
                return Err(FormError::MalformedEscape);
            }
        }
    }
    percent_decode(&plus)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| FormError::NotUtf8)
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_refuses() {
        let p = decode(b"grant_type=client_credentials&scope=a+b%20c&empty=&bare").unwrap();
        assert_eq!(p["scope"], "a b c");
        assert_eq!(p["empty"], "");
        assert_eq!(p["bare"], "");
        assert_eq!(decode(b"a=1&a=2"), Err(FormError::Repeated("a".into())));
        assert_eq!(decode(b"a=%FF"), Err(FormError::NotUtf8));
        assert_eq!(decode(b"a=%G1"), Err(FormError::MalformedEscape));
        assert_eq!(decode(b"a=%4"), Err(FormError::MalformedEscape));
    }
}
