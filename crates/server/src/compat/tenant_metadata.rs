//! `GET {api_url}/core/authmgr/v3/metadata/tenant/{partition}`: where each security scheme gets
//! its tokens, in the shape the platform's SDK reads (`authenticationDetails.<scheme>[0]`), plus
//! the API permission prefix and the API domain. Unauthenticated, like the platform's.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tessera_domain::{PartitionId, Realm};

use crate::metadata::schemes;
use crate::oauth::error::OAuthError;
use crate::state::AppState;
use crate::urls;

/// Serves the tenant metadata document.
pub(super) async fn get(State(state): State<AppState>, Path(raw): Path<String>) -> Response {
    let Ok(partition) = PartitionId::parse(&raw) else {
        return OAuthError::unknown_issuer().into_response();
    };
    let ctx = match state.partition(&partition).await {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return OAuthError::unknown_issuer().into_response(),
        Err(e) => return OAuthError::from(e).into_response(),
    };
    let api_url = state.config.api_url();
    let mut details = Map::new();
    details.insert(
        "apiPermissionPrefix".into(),
        Value::String(ctx.prefix.clone()),
    );
    for s in schemes(&state.config, &partition) {
        let mut entry = Map::new();
        if let Some(a) = &s.authorization_url {
            entry.insert("authURL".into(), Value::String(a.clone()));
        }
        entry.insert(
            "accessTokenURL".into(),
            Value::String(s.access_token_url.clone()),
        );
        entry.insert("flow".into(), Value::String(s.flow.to_owned()));
        entry.insert("actor".into(), Value::String(s.actor.to_owned()));
        details.insert(
            s.scheme.as_str().to_owned(),
            Value::Array(vec![Value::Object(entry)]),
        );
    }
    let body = json!({
        "tenantId": partition.as_str(),
        "apiDomain": api_url,
        "apiPermissionPrefix": ctx.prefix,
        "issuers": {
            "user": urls::issuer(&state.config.public_url, &partition, Realm::Users),
            "customer": urls::issuer(&state.config.public_url, &partition, Realm::Customers),
        },
        "onBehalfOfTokenURL": {
            "user": urls::onbehalfof_token(api_url, &partition, Realm::Users),
            "customer": urls::onbehalfof_token(api_url, &partition, Realm::Customers),
        },
        "authenticationDetails": Value::Object(details),
    });
    let mut resp = Json(body).into_response();
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}
