//! Minting access tokens (RFC 9068 JWTs) — shared by every grant.

use std::sync::Arc;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tessera_domain::auth_method::AuthMethod;
use tessera_domain::claims_request::{self, ClaimsRequest, Target};
use tessera_domain::scope::GrantedScopes;
use tessera_domain::signing_key::SigningAlg;
use tessera_domain::{ClientId, PartitionId, Realm};
use tessera_oauth_types::{AccessTokenClaims, Act, Actor, IdTokenClaims, TokenResponse};
use time::OffsetDateTime;

use super::error::OAuthError;
use super::subject::Person;
use crate::crypto::jwt::JwsKey;
use crate::state::{AppState, PartitionContext, RealmKeys};
use crate::urls;

/// Who a token is for.
#[derive(Debug)]
pub(crate) struct Subject {
    /// `sub`.
    pub sub: String,
    /// `client_id` claim.
    pub client_id: String,
    /// `actor`.
    pub actor: Actor,
    /// `act` (on-behalf-of).
    pub act: Option<Act>,
    /// `idp` (token exchange).
    pub idp: Option<String>,
}

/// Where a token is issued: the realm issuer (of `partition`) whose keys sign it and whose
/// address is its `iss`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Issuer<'a> {
    /// The server.
    pub state: &'a AppState,
    /// The partition's keys and catalog.
    pub ctx: &'a PartitionContext,
    /// The partition.
    pub partition: &'a PartitionId,
    /// The realm.
    pub realm: Realm,
}

impl Issuer<'_> {
    /// The realm's key that `pick` chooses; a 500 when the realm has none (a partition whose keys
    /// were never made, or all withdrawn).
    fn key(
        &self,
        pick: impl FnOnce(&RealmKeys) -> Option<Arc<JwsKey>>,
    ) -> Result<Arc<JwsKey>, OAuthError> {
        self.ctx
            .realms
            .get(&self.realm)
            .and_then(pick)
            .ok_or_else(|| {
                OAuthError::internal(&format!(
                    "realm {}-{} has no active signing key",
                    self.partition,
                    self.realm.suffix()
                ))
            })
    }

    /// The `iss` of its tokens.
    fn iss(&self) -> String {
        urls::issuer(&self.state.config.public_url, self.partition, self.realm)
    }
}

/// Signs an access token for `subject` with `granted` scopes, valid `ttl` seconds.
///
/// # Errors
/// 500 when the realm has no active key or signing fails.
pub(crate) fn access_token(
    at: Issuer<'_>,
    subject: Subject,
    granted: &GrantedScopes,
    ttl: u32,
) -> Result<TokenResponse, OAuthError> {
    let jti = at.state.rng.uuid();
    access_token_with_id(at, subject, granted, ttl, jti)
}

/// [`access_token`] with a given `jti`, for grants that record the tokens they issue.
///
/// # Errors
/// 500 when the realm has no active key or signing fails.
pub(crate) fn access_token_with_id(
    at: Issuer<'_>,
    subject: Subject,
    granted: &GrantedScopes,
    ttl: u32,
    jti: uuid::Uuid,
) -> Result<TokenResponse, OAuthError> {
    let key = at.key(|r| r.active.clone())?;
    let Issuer {
        state,
        ctx,
        partition,
        ..
    } = at;
    let now = state.clock.now().unix_timestamp();
    let scope = granted.to_scope_string();
    let claims = AccessTokenClaims {
        iss: at.iss(),
        sub: subject.sub,
        aud: ctx
            .catalog
            .audiences_for(&granted.permissions, state.config.api_url()),
        exp: now + i64::from(ttl),
        iat: now,
        nbf: now,
        jti: jti.to_string(),
        client_id: subject.client_id,
        scope: scope.clone(),
        tenant: partition.to_string(),
        actor: subject.actor,
        act: subject.act,
        idp: subject.idp,
    };
    let access_token = key.sign(&claims).map_err(|e| OAuthError::internal(&e))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: u64::from(ttl),
        scope,
        refresh_token: None,
        id_token: None,
        issued_token_type: None,
    })
}

/// What an ID token says beyond the subject's profile.
#[derive(Debug)]
pub(crate) struct IdTokenParts<'a> {
    /// The person.
    pub person: &'a Person,
    /// The client (`aud`).
    pub client_id: ClientId,
    /// Granted scope (decides the profile claims).
    pub scope: &'a str,
    /// When the person signed in.
    pub auth_time: OffsetDateTime,
    /// How the person signed in (`amr`, `acr`).
    pub auth_method: AuthMethod,
    /// The authorization request's nonce (absent on refresh).
    pub nonce: Option<String>,
    /// The browser session.
    pub sid: uuid::Uuid,
    /// The access token issued alongside (for `at_hash`).
    pub access_token: &'a str,
    /// The client's `id_token_signed_response_alg`.
    pub alg: SigningAlg,
    /// The grant's `claims` request (OIDC Core §5.5): its `id_token` claims are added.
    pub claims_request: Option<&'a ClaimsRequest>,
}

/// The key that signs a client's ID tokens: the realm's active key of the client's algorithm.
/// A realm created before it kept an RSA key has none until its keys are rotated twice (the
/// first rotation publishes the new key, the second lets it sign, docs/flows/authorization-code.md);
/// meanwhile its ID tokens are signed with the realm's access token key, as before.
pub(crate) fn id_token_key(keys: &RealmKeys, alg: SigningAlg) -> Option<Arc<JwsKey>> {
    keys.id_token.get(&alg).cloned().or_else(|| {
        let fallback = keys.active.as_ref()?.signer().alg();
        keys.id_token.get(&fallback).cloned()
    })
}

/// Signs an OpenID Connect ID token.
///
/// # Errors
/// 500 when the realm has no active key or signing fails.
pub(crate) fn id_token(at: Issuer<'_>, parts: IdTokenParts<'_>) -> Result<String, OAuthError> {
    let key = at.key(|r| id_token_key(r, parts.alg))?;
    let Issuer {
        state, partition, ..
    } = at;
    let now = state.clock.now().unix_timestamp();
    let claims = IdTokenClaims {
        iss: at.iss(),
        sub: parts.person.id().to_string(),
        aud: parts.client_id.to_string(),
        exp: now + i64::from(state.config.tokens.access_token_ttl),
        iat: now,
        auth_time: parts.auth_time.unix_timestamp(),
        amr: parts
            .auth_method
            .amr()
            .iter()
            .map(|m| (*m).to_owned())
            .collect(),
        acr: Some(parts.auth_method.acr().to_owned()),
        nonce: parts.nonce,
        at_hash: Some(at_hash(key.signer().alg(), parts.access_token)),
        sid: Some(parts.sid.to_string()),
        tenant: partition.to_string(),
        actor: parts.person.actor(),
        profile: parts.person.claims(parts.scope),
    };
    let requested = parts
        .claims_request
        .map(|c| c.requested(Target::IdToken).collect::<Vec<_>>())
        .unwrap_or_default();
    if requested.is_empty() {
        return key.sign(&claims).map_err(|e| OAuthError::internal(&e));
    }
    // The claims asked for by name join the ones the scope put there: only the account's own
    // standard claims that have a value, never one the token already carries (§5.5).
    let Ok(Value::Object(by_scope)) = serde_json::to_value(&claims) else {
        return Err(OAuthError::internal(
            &"ID token claims are not a JSON object",
        ));
    };
    let all = claims_request::merge(by_scope, &parts.person.standard_claims(), requested);
    key.sign(&all).map_err(|e| OAuthError::internal(&e))
}

/// OIDC Core §3.1.3.6: the left half of the hash of the access token, with the hash of the ID
/// token's algorithm — the key's, which is the client's unless the fallback of
/// [`id_token_key`] applied (SHA-256 for ES256 and RS256; SHA-512 for EdDSA with Ed25519, as the
/// common client libraries compute it).
fn at_hash(alg: SigningAlg, token: &str) -> String {
    let algorithm = match alg {
        SigningAlg::EdDSA => &digest::SHA512,
        _ => &digest::SHA256,
    };
    let d = digest::digest(algorithm, token.as_bytes());
    let bytes = d.as_ref();
    URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() / 2])
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::crypto::signing::{Signer, generate};

    fn key(alg: SigningAlg, kid: &str) -> Arc<JwsKey> {
        let g = generate(alg, kid).unwrap();
        Arc::new(JwsKey::new(
            kid.to_owned(),
            Signer::from_pkcs8(alg, &g.pkcs8).unwrap(),
            "JWT",
        ))
    }

    fn realm(keys: &[(SigningAlg, &str)]) -> RealmKeys {
        let id_token: HashMap<_, _> = keys.iter().map(|(a, k)| (*a, key(*a, k))).collect();
        RealmKeys {
            active: id_token.get(&SigningAlg::ES256).cloned(),
            id_token,
            jwks: Arc::default(),
            verifier: crate::jwt::own::Verifier::default(),
        }
    }

    #[test]
    fn id_tokens_use_the_clients_algorithm() {
        let keys = realm(&[(SigningAlg::ES256, "ec"), (SigningAlg::RS256, "rsa")]);
        let k = id_token_key(&keys, SigningAlg::RS256).unwrap();
        assert_eq!(k.signer().alg(), SigningAlg::RS256);
        let k = id_token_key(&keys, SigningAlg::ES256).unwrap();
        assert_eq!(k.signer().alg(), SigningAlg::ES256);
    }

    #[test]
    fn a_realm_without_the_family_yet_signs_with_its_access_token_key() {
        // A partition created before realms kept an RSA key, not yet rotated twice.
        let keys = realm(&[(SigningAlg::ES256, "ec")]);
        let k = id_token_key(&keys, SigningAlg::RS256).unwrap();
        assert_eq!(k.signer().alg(), SigningAlg::ES256);
    }

    #[test]
    fn at_hash_follows_the_algorithm() {
        // OIDC Core §3.1.3.6: left half of the hash; SHA-256 gives 16 bytes, SHA-512 32.
        assert_eq!(at_hash(SigningAlg::RS256, "t").len(), 22);
        assert_eq!(
            at_hash(SigningAlg::ES256, "t"),
            at_hash(SigningAlg::RS256, "t")
        );
        assert_eq!(at_hash(SigningAlg::EdDSA, "t").len(), 43);
    }
}
