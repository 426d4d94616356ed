//! The OpenID Connect userinfo endpoint (OIDC Core §5.3): the signed-in person's claims, by the
//! scopes of the access token presented. Errors follow RFC 6750 §3.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tessera_oauth_types::ErrorCode;

use super::access_check::{active_access_token, bearer};
use super::error::OAuthError;
use super::subject::Person;
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
        description.replace(['"', '\\'], "'")
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// `GET|POST {issuer}/oauth2/userinfo`.
pub async fn userinfo(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    match respond(&state, &tenant, &headers).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn respond(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
) -> Result<Response, OAuthError> {
    let (ctx, partition, realm) = super::discovery::context(state, tenant).await?;
    let Some(token) = bearer(headers) else {
        let mut resp = bearer_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidRequest,
            "send the access token in an Authorization: Bearer header",
        );
        // RFC 6750 §3.1: no error code when the request carried no credentials at all.
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Ok(resp);
    };
    let claims = match active_access_token(state, &ctx, &partition, realm, token).await? {
        Ok(c) => c,
        Err(why) => {
            return Ok(bearer_error(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidToken,
                &format!("the access token is not valid here: {why}"),
            ));
        }
    };
    let scope = claims
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
    let person = match claims
        .get("sub")
        .and_then(Value::as_str)
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
    {
        Some(id) => Person::load(state, &partition, realm, id).await?,
        None => None,
    };
    let Some(person) = person.filter(Person::enabled) else {
        return Ok(bearer_error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidToken,
            "the token's user or customer no longer exists or is disabled",
        ));
    };
    let mut body = serde_json::to_value(person.claims(scope)).unwrap_or_default();
    if let Value::Object(map) = &mut body {
        map.insert("sub".into(), Value::String(person.id().to_string()));
    }
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
