//! Checking one of this realm's access tokens where it is presented back to Tessera (userinfo,
//! introspection, revocation, the admin API): the signature and claims, and then whether what
//! the token stood for still stands — a JWT stays well-formed until `exp`, but Tessera must stop
//! honouring it as soon as it is revoked (RFC 7009), its grant is revoked (refresh-token reuse,
//! RFC 9700 §4.14.2), its client is disabled or deleted, a permission it relies on is withdrawn
//! from the client, or its user or customer is disabled or deleted. [`standing`] is that second
//! check, shared by every consumer of Tessera's own tokens.

use serde_json::{Map, Value};
use tessera_domain::scope::OIDC_SCOPES;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::Actor;

use super::error::OAuthError;
use super::subject::Person;
use crate::jwt::own::OwnTokenError;
use crate::state::{AppState, LoadError, PartitionContext};
use crate::urls;

/// Why an access token is not active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Inactive {
    /// Not a valid token of this realm.
    #[error(transparent)]
    Invalid(#[from] OwnTokenError),
    /// Revoked, directly or through its grant.
    #[error("the token has been revoked")]
    Revoked,
    /// Its client no longer exists or is disabled.
    #[error("the token's client application is disabled or no longer exists")]
    ClientGone,
    /// A permission the request relies on is no longer assigned to the token's client.
    #[error("a permission this request needs is no longer assigned to the token's client")]
    PermissionWithdrawn,
    /// Its user or customer no longer exists or is disabled.
    #[error("the token's account is disabled or no longer exists")]
    AccountGone,
}

/// The claims of a token that [`standing`] looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenFacts<'a> {
    /// `jti`.
    pub jti: &'a str,
    /// `client_id` (`anonymous` for anonymous customers).
    pub client_id: &'a str,
    /// `sub`.
    pub sub: &'a str,
    /// `actor`.
    pub actor: Actor,
}

impl<'a> TokenFacts<'a> {
    /// Reads the facts from a verified token's claims; `None` when one is missing or malformed.
    #[must_use]
    pub(crate) fn from_claims(claims: &'a Map<String, Value>) -> Option<Self> {
        let s = |k: &str| claims.get(k).and_then(Value::as_str);
        Some(Self {
            jti: s("jti")?,
            client_id: s("client_id")?,
            sub: s("sub")?,
            actor: serde_json::from_value(claims.get("actor")?.clone()).ok()?,
        })
    }
}

/// Whether a verified access token of `partition`'s `realm` is still in force: not revoked
/// (directly or through its grant), its client present and enabled with every permission in
/// `needs` still assigned, and its user or customer present and enabled. A people's token
/// stands with its account, which the caller gets back rather than loading it again.
///
/// Costs the revocation query and, for people's tokens, one account lookup; clients come from
/// the cache. It runs where tokens are presented back to Tessera, never on the token endpoint.
///
/// # Errors
/// `Ok(Err(..))` says why the token no longer stands; `Err` when storage fails.
pub(crate) async fn standing(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    token: TokenFacts<'_>,
    needs: &[&str],
) -> Result<Result<Option<Person>, Inactive>, LoadError> {
    let Ok(jti) = uuid::Uuid::parse_str(token.jti) else {
        return Ok(Err(Inactive::Invalid(OwnTokenError::Invalid)));
    };
    if state.store.is_access_token_revoked(partition, jti).await? {
        return Ok(Err(Inactive::Revoked));
    }
    if token.actor == Actor::AnonymousCustomer {
        // Nobody's client and nobody's account: only revocation applies, and nothing may be
        // needed of a client it does not have.
        return Ok(if needs.is_empty() {
            Ok(None)
        } else {
            Err(Inactive::PermissionWithdrawn)
        });
    }
    let Ok(client_id) = uuid::Uuid::parse_str(token.client_id) else {
        return Ok(Err(Inactive::Invalid(OwnTokenError::Invalid)));
    };
    // A deleted or disabled client's tokens stop at once, whatever their `exp`.
    let Some(view) = state
        .client(partition, client_id)
        .await?
        .filter(|v| v.client.enabled)
    else {
        return Ok(Err(Inactive::ClientGone));
    };
    if needs.iter().any(|p| !view.assigned.contains(*p)) {
        return Ok(Err(Inactive::PermissionWithdrawn));
    }
    match (token.actor, realm) {
        (Actor::User, Realm::Users) | (Actor::Customer, Realm::Customers) => {
            let person = match uuid::Uuid::parse_str(token.sub) {
                Ok(id) => Person::load(state, partition, realm, id).await?,
                Err(_) => None,
            };
            Ok(match person.filter(Person::enabled) {
                Some(p) => Ok(Some(p)),
                None => Err(Inactive::AccountGone),
            })
        }
        (Actor::Client, Realm::Users) => Ok(Ok(None)),
        // A people's actor at the other realm's issuer, or a client at -C: not a token Tessera
        // issues.
        _ => Ok(Err(Inactive::AccountGone)),
    }
}

/// An active access token: its claims, and for a user's or customer's token their account.
#[derive(Debug)]
pub(crate) struct ActiveToken {
    /// The verified claims.
    pub claims: Map<String, Value>,
    /// The enabled user or customer the token is for; `None` for clients and anonymous
    /// customers.
    pub person: Option<Person>,
}

/// `token` with its account if it is an active access token of `partition`'s `realm`.
///
/// # Errors
/// `Ok(Err(..))` when it is not active; `Err` when storage fails.
pub(crate) async fn active_access_token(
    state: &AppState,
    ctx: &PartitionContext,
    partition: &PartitionId,
    realm: Realm,
    token: &str,
) -> Result<Result<ActiveToken, Inactive>, OAuthError> {
    let Some(keys) = ctx.realms.get(&realm) else {
        return Ok(Err(Inactive::Invalid(OwnTokenError::Invalid)));
    };
    let issuer = urls::issuer(&state.config.public_url, partition, realm);
    let policy = crate::jwt::own::access_token_policy(crate::jwt::clock(&state.clock));
    let claims = match keys.verifier.verify(token, &policy, &issuer) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e.into())),
    };
    if claims.get("tenant").and_then(Value::as_str) != Some(partition.as_str()) {
        return Ok(Err(Inactive::Invalid(OwnTokenError::WrongIssuer)));
    }
    let Some(facts) = TokenFacts::from_claims(&claims) else {
        return Ok(Err(Inactive::Invalid(OwnTokenError::Invalid)));
    };
    // Every permission the token carries must still be assigned to its client: a token is not
    // honoured for what an administrator has since withdrawn. OpenID Connect's own scopes are
    // not permissions and are never assigned. Anonymous customers' permissions
    // come from the catalog, not from a client.
    let needs: Vec<&str> = if facts.actor == Actor::AnonymousCustomer {
        Vec::new()
    } else {
        claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty() && !OIDC_SCOPES.contains(s))
            .collect()
    };
    Ok(
        match standing(state, partition, realm, facts, &needs).await? {
            Ok(person) => Ok(ActiveToken { claims, person }),
            Err(why) => Err(why),
        },
    )
}

/// The bearer token of an `Authorization: Bearer` header (RFC 6750 §2.1).
#[must_use]
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}
