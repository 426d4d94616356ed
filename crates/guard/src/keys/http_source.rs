//! Fetches a JWK Set over HTTP(S) (RFC 7517 §5, served at the realm's `/oauth2/keys`).

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use tessera_oauth_types::{Jwk, JwkSet};

use super::{KeySource, KeySourceError};

/// Default limit on a whole JWKS request, connection included.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default cap on a JWKS document. Tessera publishes a handful of keys (a few KiB); anything
/// near this size is a misconfiguration or hostile, and must not be buffered without bound.
pub(crate) const DEFAULT_MAX_BYTES: usize = 256 * 1024;

/// A [`KeySource`] that GETs a JWKS document.
#[derive(Debug, Clone)]
pub struct HttpKeySource {
    client: reqwest::Client,
    url: reqwest::Url,
    max_bytes: usize,
}

impl HttpKeySource {
    /// A source for `jwks_uri` with its own client (5 s timeout, 256 KiB cap).
    ///
    /// # Errors
    /// When `jwks_uri` is not an absolute URL or the HTTP client cannot be built.
    pub fn new(jwks_uri: &str) -> Result<Self, KeySourceError> {
        Ok(Self::with_client(
            default_client(DEFAULT_TIMEOUT)?,
            parse_url(jwks_uri)?,
            DEFAULT_MAX_BYTES,
        ))
    }

    /// A source for `jwks_uri` sharing `client` (whose timeouts apply), refusing documents larger
    /// than `max_bytes`.
    #[must_use]
    pub fn with_client(client: reqwest::Client, jwks_uri: reqwest::Url, max_bytes: usize) -> Self {
        Self {
            client,
            url: jwks_uri,
            max_bytes,
        }
    }

    /// The URL this source fetches.
    #[must_use]
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }
}

/// The client the guard builds when it is not handed one.
pub(crate) fn default_client(timeout: Duration) -> Result<reqwest::Client, KeySourceError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // A JWKS endpoint has no reason to bounce around; a short chain still allows an
        // http → https upgrade in front of the issuer.
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("tessera-guard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| KeySourceError::Transport(Box::new(e)))
}

pub(crate) fn parse_url(url: &str) -> Result<reqwest::Url, KeySourceError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| KeySourceError::Invalid(format!("bad JWKS URL {url:?}: {e}")))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => Err(KeySourceError::Invalid(format!(
            "JWKS URL {url:?} has scheme {other:?}; expected http or https"
        ))),
    }
}

#[async_trait]
impl KeySource for HttpKeySource {
    async fn fetch(&self) -> Result<JwkSet, KeySourceError> {
        let mut response = self
            .client
            .get(self.url.clone())
            // RFC 7517 §8.5.1 registers the JWK Set media type; issuers commonly answer plain JSON.
            .header(ACCEPT, "application/jwk-set+json, application/json")
            .send()
            .await
            .map_err(|e| KeySourceError::Transport(Box::new(e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(KeySourceError::Status(status.as_u16()));
        }
        // Refuse early when the length is announced, and count anyway: the header may be absent
        // (chunked) or lie.
        if response
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(KeySourceError::TooLarge(self.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| KeySourceError::Transport(Box::new(e)))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(KeySourceError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwk_set(&body)
    }
}

/// Parses a JWK Set, skipping members that are not keys we can model (RFC 7517 §5: "implementations
/// SHOULD ignore JWKs within a JWK Set that use kty values that are not understood").
pub(crate) fn parse_jwk_set(body: &[u8]) -> Result<JwkSet, KeySourceError> {
    #[derive(Deserialize)]
    struct RawSet {
        keys: Vec<serde_json::Value>,
    }
    let raw: RawSet =
        serde_json::from_slice(body).map_err(|e| KeySourceError::Invalid(e.to_string()))?;
    let keys = raw
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value::<Jwk>(v).ok())
        .collect();
    Ok(JwkSet { keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_keys_it_cannot_model() {
        let set = parse_jwk_set(
            br#"{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"x","y":"y"},{"kty":"oct"},42]}"#,
        )
        .unwrap();
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].kid, "a");
    }

    #[test]
    fn refuses_documents_without_keys() {
        assert!(matches!(
            parse_jwk_set(br#"{"kid":"a"}"#),
            Err(KeySourceError::Invalid(_))
        ));
        assert!(matches!(
            parse_jwk_set(b"<html>"),
            Err(KeySourceError::Invalid(_))
        ));
    }

    #[test]
    fn only_http_urls() {
        assert!(parse_url("file:///etc/passwd").is_err());
        assert!(parse_url("not a url").is_err());
        assert!(parse_url("https://idp.example/oauth2/keys").is_ok());
    }
}
