//! Client authentication at the token endpoint: `client_secret_basic` (RFC 6749 §2.3.1, with the
//! id and secret form-urlencoded inside the Basic credentials) and `client_secret_post`.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use tessera_domain::PartitionId;
use tessera_domain::client::Platform;

use super::error::OAuthError;
use super::form::Params;
use crate::state::{AppState, ClientView};

/// How the client presented itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// HTTP Basic.
    Basic,
    /// `client_id` and `client_secret` in the body.
    Post,
    /// Only `client_id` (public clients).
    None,
}

/// The credentials as presented, before checking.
#[derive(Debug)]
pub(crate) struct Presented {
    /// Client id as sent.
    pub client_id: String,
    /// Secret as sent. Never logged.
    pub secret: Option<String>,
    /// Method used.
    pub method: Method,
}

/// An authenticated client.
#[derive(Debug)]
pub(crate) struct Authenticated {
    /// The client.
    pub view: Arc<ClientView>,
    /// The secret that matched (confidential clients).
    pub secret_id: Option<uuid::Uuid>,
}

/// Reads the credentials from the header and body.
///
/// # Errors
/// `invalid_request` when methods are mixed or the header is malformed; `invalid_client` when
/// no client id is present.
pub(crate) fn presented(headers: &HeaderMap, params: &Params) -> Result<Presented, OAuthError> {
    let basic = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let v = v.to_str().map_err(|_| {
                OAuthError::invalid_client("the Authorization header is not ASCII", true)
            })?;
            match v.split_once(' ') {
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => {
                    Some(parse_basic(rest.trim())?)
                }
                _ => {
                    return Err(OAuthError::invalid_client(
                        "the token endpoint accepts only Basic authentication in the Authorization header",
                        true,
                    ));
                }
            }
        }
    };
    let body_secret = params.get("client_secret");
    match basic {
        Some((id, secret)) => {
            if body_secret.is_some() {
                // RFC 6749 §2.3: a client must not use more than one authentication method.
                return Err(OAuthError::invalid_request(
                    "send the client secret either in the Authorization header or in the body, not both",
                ));
            }
            if let Some(body_id) = params.get("client_id")
                && body_id != id
            {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                ));
            }
            Ok(Presented {
                client_id: id,
                secret: Some(secret),
                method: Method::Basic,
            })
        }
        None => {
            let id = params
                .get("client_id")
                .ok_or_else(|| OAuthError::invalid_client("client authentication is required: send client_id and client_secret (Basic or in the body)", false))?;
            Ok(Presented {
                client_id: id.to_owned(),
                secret: body_secret.map(str::to_owned),
                method: if body_secret.is_some() {
                    Method::Post
                } else {
                    Method::None
                },
            })
        }
    }
}

fn parse_basic(b64: &str) -> Result<(String, String), OAuthError> {
    let bad = || {
        OAuthError::invalid_client(
            "malformed Basic credentials: expected base64(client_id:client_secret)",
            true,
        )
    };
    let raw = STANDARD.decode(b64).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let dec = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| bad())
    };
    Ok((dec(id)?, dec(secret)?))
}

/// Checks presented credentials against the partition's clients.
///
/// Confidential (Web) clients must present a valid, unexpired secret; public (SPA) clients must
/// present none. A disabled or unknown client fails the same way as a wrong secret, so the
/// answer does not reveal which client ids exist.
///
/// # Errors
/// `invalid_client` (401) for any failure; 503/500 when storage fails.
pub(crate) async fn authenticate(
    state: &AppState,
    partition: &PartitionId,
    p: Presented,
) -> Result<Authenticated, OAuthError> {
    let basic = p.method == Method::Basic;
    let fail = || {
        OAuthError::invalid_client(
            "client authentication failed: unknown client, or missing or wrong secret",
            basic,
        )
    };
    let Ok(id) = uuid::Uuid::parse_str(&p.client_id) else {
        // Spend the same work as a real check so timing does not reveal malformed ids.
        let _ = state.secrets.hash(p.secret.as_deref().unwrap_or_default());
        return Err(fail());
    };
    let Some(view) = state.client(partition, id).await? else {
        let _ = state.secrets.hash(p.secret.as_deref().unwrap_or_default());
        return Err(fail());
    };
    // Credentials first: only a caller who proved it is the client learns that it is disabled.
    let enabled = view.client.enabled;
    let authenticated = match (view.client.platform, p.secret) {
        (Platform::Spa, None) => Ok(Authenticated {
            view,
            secret_id: None,
        }),
        (Platform::Spa, Some(_)) => Err(OAuthError::invalid_client(
            "a single-page application is a public client and has no secret; send only client_id",
            basic,
        )),
        // Same answer as an unknown id, so a bare client id does not confirm a Web client exists.
        (Platform::Web, None) => Err(fail()),
        (Platform::Web, Some(secret)) => {
            let now = state.clock.now();
            let mut matched = None;
            // Check every secret (not stopping at the first match) so timing does not depend on position.
            for s in &view.secrets {
                if state.secrets.verify(&secret, &s.hash) && s.secret.is_valid_at(now) {
                    matched = Some(s.secret.id);
                }
            }
            match matched {
                Some(sid) => Ok(Authenticated {
                    view,
                    secret_id: Some(sid),
                }),
                None => Err(fail()),
            }
        }
    }?;
    if !enabled {
        return Err(OAuthError::invalid_client(
            "this client application is disabled",
            basic,
        ));
    }
    Ok(authenticated)
}

/// Reads and checks the client's credentials for a token request, recording who the caller
/// claims to be in `audit` first, so a refusal is attributed too.
///
/// # Errors
/// As [`presented`] and [`authenticate`].
pub(crate) async fn authenticate_request(
    state: &AppState,
    partition: &PartitionId,
    headers: &HeaderMap,
    params: &Params,
    audit: &mut crate::audit::AuditContext,
) -> Result<Authenticated, OAuthError> {
    let p = presented(headers, params)?;
    audit.actor_kind = tessera_domain::audit::ActorKind::Client;
    audit.actor_id = Some(p.client_id.chars().take(64).collect());
    authenticate(state, partition, p).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn basic_is_form_decoded() {
        let creds = STANDARD.encode("my%20client:s%3Acret+x");
        let p = presented(&headers(&format!("Basic {creds}")), &Params::default()).unwrap();
        assert_eq!(p.client_id, "my client");
        assert_eq!(p.secret.as_deref(), Some("s:cret x"));
        assert_eq!(p.method, Method::Basic);
    }

    #[test]
    fn mixed_methods_and_bad_headers_are_refused() {
        let creds = STANDARD.encode("a:b");
        let body = Params::parse(b"client_secret=x").unwrap();
        assert_eq!(
            presented(&headers(&format!("Basic {creds}")), &body)
                .unwrap_err()
                .code,
            tessera_oauth_types::ErrorCode::InvalidRequest
        );
        let e = presented(&headers("Basic !!!"), &Params::default()).unwrap_err();
        assert!(e.basic_challenge);
        assert!(presented(&headers("Bearer x"), &Params::default()).is_err());
        assert!(presented(&HeaderMap::new(), &Params::default()).is_err());
    }
}
