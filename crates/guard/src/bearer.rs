//! Reads the bearer token from the `Authorization` header (RFC 6750 §2.1).
//!
//! Only the header is read: the form-body and query-parameter methods (RFC 6750 §2.2–2.3) leak
//! tokens into logs and caches, and Tessera's clients never use them.

use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::Rejection;

/// The token of `Authorization: Bearer <token>`.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, Rejection> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(Rejection::MissingToken);
    };
    if values.next().is_some() {
        // Two credentials: which one to honour would be a guess.
        return Err(Rejection::MalformedHeader(
            "more than one Authorization header",
        ));
    }
    let value = value
        .to_str()
        .map_err(|_| Rejection::MalformedHeader("the header is not visible ASCII"))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    // Auth schemes are case-insensitive (RFC 9110 §11.1).
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(Rejection::MalformedHeader(
            "the authorization scheme is not Bearer",
        ));
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(Rejection::MalformedHeader("the Bearer token is empty"));
    }
    if !is_b64token(token) {
        return Err(Rejection::MalformedHeader(
            "the Bearer token has characters outside the b64token syntax",
        ));
    }
    Ok(token)
}

/// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn with(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn accepts_bearer_in_any_case() {
        assert_eq!(bearer_token(&with(&["Bearer a.b.c"])).unwrap(), "a.b.c");
        assert_eq!(bearer_token(&with(&["bearer  a.b.c"])).unwrap(), "a.b.c");
    }

    #[test]
    fn tells_missing_from_malformed() {
        assert_eq!(bearer_token(&with(&[])), Err(Rejection::MissingToken));
        for bad in [
            "Basic x",
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer =",
            "Bearera.b.c",
        ] {
            assert!(
                matches!(
                    bearer_token(&with(&[bad])),
                    Err(Rejection::MalformedHeader(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            bearer_token(&with(&["Bearer a", "Bearer b"])),
            Err(Rejection::MalformedHeader(_))
        ));
    }
}
