//! Request extractors of the admin API that answer malformed input with problem JSON.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use tessera_domain::page::PageRequest;
use tessera_domain::validation::FieldErrors;

use super::error::ApiError;
use crate::admin_ops::Resource;

/// A JSON body parsed strictly: `application/json` only, unknown fields refused (by the target
/// type's `deny_unknown_fields`), and type errors reported with the field's path.
#[derive(Debug)]
pub(crate) struct StrictJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for StrictJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge("the request body is too large".into())
            } else {
                ApiError::BadRequest("the request body could not be read".into())
            }
        })?;
        parse_json(&bytes).map(StrictJson)
    }
}

/// Parses JSON bytes with field-path errors.
///
/// # Errors
/// 400 for syntax errors and non-UTF-8, 422 naming the field for type and unknown-field errors.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::BadRequest(
            "the request body is not valid UTF-8".into(),
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let msg = inner.to_string();
                    // serde's message ends with " at line L column C"; the path says where.
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
                    Err(ApiError::Validation(FieldErrors::single(
                        field_of(&path, &msg),
                        msg,
                    )))
                }
                _ => Err(ApiError::BadRequest(format!(
                    "the request body is not valid JSON: {inner}"
                ))),
            }
        }
    }
}

/// The field a serde data error is about. The path names the value being read when the error
/// happened; for a missing, duplicate or unknown field that is the object holding it, so the
/// field's own name (quoted in backticks in serde's message) is appended.
fn field_of(path: &str, msg: &str) -> String {
    let named = ["missing field `", "duplicate field `", "unknown field `"]
        .iter()
        .find_map(|p| msg.strip_prefix(p))
        .and_then(|rest| rest.split('`').next())
        .filter(|name| !name.is_empty());
    match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        (parent, Some(name)) if !parent.ends_with(name) => format!("{parent}.{name}"),
        (p, _) => p.to_owned(),
    }
}

/// `?limit=N&cursor=C` of list endpoints (other query parameters are refused).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListQuery(pub PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let (page, rest) = page_and_rest(&parts.uri)?;
        if let Some((other, _)) = rest.first() {
            return Err(ApiError::BadRequest(format!(
                "unknown query parameter {other:?}; list endpoints take limit and cursor"
            )));
        }
        Ok(ListQuery(page))
    }
}

/// The page (`limit`, `cursor`) of a list request, and the query's other pairs.
///
/// # Errors
/// 400 for a repeated key, a malformed limit or a cursor this server did not issue.
pub(crate) fn page_and_rest(
    uri: &axum::http::Uri,
) -> Result<(PageRequest, Vec<(String, String)>), ApiError> {
    let mut limit = None;
    let mut cursor = None;
    let mut rest = Vec::new();
    for (k, v) in query_pairs(uri)? {
        match k.as_str() {
            "limit" => {
                limit = Some(v.parse::<u32>().map_err(|_| {
                    ApiError::BadRequest("limit must be a whole number from 1 to 200".into())
                })?);
            }
            "cursor" => cursor = Some(v),
            _ => rest.push((k, v)),
        }
    }
    let page = PageRequest::parse(limit, cursor.as_deref())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok((page, rest))
}

/// The query string's pairs, refusing repeated keys.
///
/// # Errors
/// 400 on a repeated key.
pub(crate) fn query_pairs(uri: &axum::http::Uri) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if out.iter().any(|(ek, _)| *ek == k) {
            return Err(ApiError::BadRequest(format!(
                "query parameter {k:?} is repeated"
            )));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

/// Parses an id from the path; a malformed id is simply not found (like another partition's).
pub(super) fn path_id(raw: &str, what: Resource) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| ApiError::NotFound(what.noun()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised")]
    struct Outer {
        name: String,
        inner: Option<Inner>,
        list: Option<Vec<u32>>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised")]
    struct Inner {
        value: u32,
    }

    fn field(body: &str) -> (String, String) {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(ApiError::Validation(e)) => {
                let f = &e.0[0];
                (f.field.clone(), f.message.clone())
            }
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn data_errors_name_the_field() {
        assert_eq!(field("{}").0, "name");
        assert!(field("{}").1.contains("missing field `name`"));
        assert_eq!(field(r#"{"name":"x","inner":{}}"#).0, "inner.value");
        assert_eq!(field(r#"{"name":5}"#).0, "name");
        assert_eq!(field(r#"{"name":"x","list":[1,"2"]}"#).0, "list[1]");
        assert_eq!(
            field(r#"{"name":"x","inner":{"value":"1"}}"#).0,
            "inner.value"
        );
        assert_eq!(field(r#"{"name":"x","colour":1}"#).0, "colour");
        assert_eq!(field(r#"{"name":"x","name":"y"}"#).0, "name");
        assert_eq!(field("[]").0, "body");
    }
}
