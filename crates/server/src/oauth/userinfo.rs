//! The OpenID Connect userinfo endpoint (OIDC Core §5.3): the signed-in person's claims, by the
//! scopes of the access token presented and the `userinfo` claims its sign-in asked for by name
//! (the `claims` parameter, §5.5) — by GET or POST, the token in the `Authorization`
//! header or in a POST form body (RFC 6750 §2.1, §2.2). Errors follow RFC 6750 §3.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tessera_domain::claims_request::{self, Target};
use tessera_oauth_types::ErrorCode;

use super::access_check::{active_access_token, bearer};
use super::error::{OAuthError, no_store};
use super::form::Params;
use super::realm_issuer::RealmIssuer;
use crate::state::AppState;

fn bearer_error(status: StatusCode, code: ErrorCode, description: &str) -> Response {
    let mut resp = (
        status,
        Json(tessera_oauth_types::ErrorResponse::new(code, description)),
    )
        .into_response();
    let challenge = format!(
        "Bearer error=\"{}\", error_description=\"{}\"",
        code.as_str(),
        challenge_text(description)
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// `description` within the characters RFC 6750 §3 allows in `error_description`
/// (%x20-21 / %x23-5B / %x5D-7E): `§` is spelled out, anything else becomes `'`.
fn challenge_text(description: &str) -> String {
    description
        .replace('§', "section ")
        .chars()
        .map(|c| match c {
            ' ' | '!' | '#'..='[' | ']'..='~' => c,
            _ => '\'',
        })
        .collect()
}

/// `GET|POST {issuer}/oauth2/userinfo`.
pub(crate) async fn userinfo(
    State(state): State<AppState>,
    issuer: RealmIssuer,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match respond(&state, issuer, &method, &headers, &body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// Whether the request carried an access token.
enum Presented<'a> {
    /// One token, sent one way.
    Token(&'a str),
    /// No token at all (RFC 6750 §3.1: answered without an error code).
    Missing,
}

/// Finds the access token: in the `Authorization` header (RFC 6750 §2.1) or, for POST, in an
/// `application/x-www-form-urlencoded` body's `access_token` (§2.2) — exactly one way, once
/// (§2: "MUST NOT use more than one method").
fn presented<'a>(
    method: &Method,
    headers: &'a HeaderMap,
    form: Option<&'a Params>,
) -> Result<Presented<'a>, &'static str> {
    if headers.get_all(header::AUTHORIZATION).iter().count() > 1 {
        return Err("send the access token once: there is more than one Authorization header");
    }
    let in_body = form.and_then(|f| f.get("access_token"));
    if *method != Method::POST && in_body.is_some() {
        return Err("a form body with access_token is accepted with POST only (RFC 6750 §2.2)");
    }
    match (headers.contains_key(header::AUTHORIZATION), in_body) {
        (true, Some(_)) => Err(
            "send the access token one way only: in the Authorization header or in the form body",
        ),
        (false, Some(t)) => Ok(Presented::Token(t)),
        (true, None) => Ok(bearer(headers).map_or(Presented::Missing, Presented::Token)),
        (false, None) => Ok(Presented::Missing),
    }
}

async fn respond(
    state: &AppState,
    issuer: RealmIssuer,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, OAuthError> {
    let RealmIssuer {
        ctx,
        partition,
        realm,
    } = issuer;
    // An empty POST carries no form at all; anything else must be a well-formed form (repeated
    // parameters — `access_token` twice — are refused by the parser).
    let form = if body.is_empty() {
        None
    } else {
        match Params::from_body(headers, body) {
            Ok(f) => Some(f),
            Err(e) => {
                return Ok(bearer_error(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidRequest,
                    &e.description,
                ));
            }
        }
    };
    let token = match presented(method, headers, form.as_ref()) {
        Ok(Presented::Token(t)) => t,
        Ok(Presented::Missing) => {
            let mut resp = bearer_error(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidRequest,
                "send the access token in an Authorization: Bearer header or, with POST, in \
                 the form body's access_token",
            );
            // RFC 6750 §3.1: no error code when the request carried no credentials at all.
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Ok(resp);
        }
        Err(why) => {
            return Ok(bearer_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                why,
            ));
        }
    };
    let active = match active_access_token(state, &ctx, &partition, realm, token).await? {
        Ok(a) => a,
        Err(why) => {
            return Ok(bearer_error(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidToken,
                &format!("the access token is not valid here: {why}"),
            ));
        }
    };
    let scope = active
        .claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !scope.split(' ').any(|s| s == "openid") {
        return Ok(bearer_error(
            StatusCode::FORBIDDEN,
            ErrorCode::InsufficientScope,
            "userinfo needs an access token granted the openid scope",
        ));
    }
    // The token stood with its (enabled) account; a client's or anonymous token has none.
    let Some(person) = active.person else {
        return Ok(bearer_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "the token's user or customer no longer exists or is disabled",
        ));
    };
    // The claims the sign-in asked for by name (OIDC Core §5.5), kept with the token's grant;
    // only this account's own standard claims, beside the scope's.
    let jti = active
        .claims
        .get("jti")
        .and_then(Value::as_str)
        .and_then(|j| uuid::Uuid::parse_str(j).ok());
    let grant = match jti {
        Some(jti) => state.store.access_token_grant(&partition, jti).await?,
        None => None,
    };
    let requested = grant
        .as_ref()
        .filter(|g| g.subject == person.id())
        .and_then(|g| g.claims_request.as_ref());
    let mut body = person.userinfo_claims(scope);
    if let Some(r) = requested {
        body = claims_request::merge(
            body,
            &person.standard_claims(),
            r.requested(Target::Userinfo),
        );
    }
    // `sub` is the account id, as in the ID token (OIDC Core §5.3.2: they must match).
    body.insert("sub".into(), Value::String(person.id().to_string()));
    Ok(no_store(Json(body).into_response()))
}
