//! Token introspection (RFC 7662) for resource servers and Web apps. Only confidential clients
//! may ask. Access tokens of this realm are reported active with their claims unless expired or
//! revoked; refresh tokens only to the client they belong to. Anything else — another realm's or
//! partition's token, garbage — is `{"active": false}`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tessera_domain::client::Platform;

use super::access_check::active_access_token;
use super::error::{OAuthError, no_store};
use super::realm_issuer::RealmIssuer;
use super::realm_post::RealmPost;
use super::subject::Person;
use crate::state::AppState;
use crate::urls;

/// `POST {issuer}/oauth2/introspect`.
pub(crate) async fn introspect(State(state): State<AppState>, post: RealmPost) -> Response {
    match respond(&state, post).await {
        Ok(v) => no_store(Json(v).into_response()),
        Err(e) => e.into_response(),
    }
}

async fn respond(state: &AppState, post: RealmPost) -> Result<Value, OAuthError> {
    let form = post.client_form(state).await?;
    let RealmIssuer {
        ctx,
        partition,
        realm,
    } = form.issuer;
    if form.auth.view.client.platform != Platform::Web {
        return Err(OAuthError::invalid_client(
            "introspection needs client authentication with a secret; a single-page application cannot introspect",
            false,
        ));
    }
    let token = form.params.require("token")?;
    let inactive = json!({ "active": false });
    if token.len() > 16 * 1024 {
        return Ok(inactive);
    }
    if token.bytes().filter(|b| *b == b'.').count() == 2 {
        return Ok(
            match active_access_token(state, &ctx, &partition, realm, token).await? {
                Ok(active) => {
                    let mut claims = active.claims;
                    claims.insert("active".into(), Value::Bool(true));
                    claims.insert("token_type".into(), Value::String("Bearer".into()));
                    Value::Object(claims)
                }
                Err(_) => inactive,
            },
        );
    }
    let now = state.clock.now();
    let hash = state.secrets.hash(token);
    let Some((rt, grant)) = state.store.find_refresh_token(&partition, &hash).await? else {
        return Ok(inactive);
    };
    if grant.client_id != form.auth.view.client.client_id
        || grant.realm != realm
        || !rt.is_live(&grant, now)
        || !Person::load(state, &partition, realm, grant.subject)
            .await?
            .is_some_and(|p| p.enabled())
    {
        return Ok(inactive);
    }
    let mut out = Map::new();
    out.insert("active".into(), Value::Bool(true));
    out.insert("token_type".into(), Value::String("refresh_token".into()));
    out.insert("scope".into(), Value::String(grant.scope.clone()));
    out.insert(
        "client_id".into(),
        Value::String(grant.client_id.to_string()),
    );
    out.insert("sub".into(), Value::String(grant.subject.to_string()));
    out.insert(
        "iss".into(),
        Value::String(urls::issuer(&state.config.public_url, &partition, realm)),
    );
    out.insert("iat".into(), json!(rt.created_at.unix_timestamp()));
    out.insert("exp".into(), json!(rt.expires_at.unix_timestamp()));
    out.insert("tenant".into(), Value::String(partition.to_string()));
    Ok(Value::Object(out))
}
