//! Tokens minted from a grant of the authorization code flow: shared by the code redemption and
//! the refresh grant, so both apply the same rules to scope, subject and ID token.

use tessera_domain::PartitionId;
use tessera_domain::grant::redeem::RedeemError;
use tessera_domain::grant::refresh::RefreshError;
use tessera_domain::grant::{Grant, IssuedAccessToken, RefreshToken};
use tessera_domain::permission::PermissionKind;
use tessera_domain::scope::{GrantedScopes, OIDC_SCOPES};
use tessera_domain::signing_key::SigningAlg;
use tessera_oauth_types::{ErrorCode, TokenResponse};
use time::{Duration, OffsetDateTime};

use super::request::GrantRequest;
use crate::crypto::rng::random_token;
use crate::oauth::error::OAuthError;
use crate::oauth::issue::{self, IdTokenParts, Subject};
use crate::oauth::subject::Person;
use crate::state::{AppState, ClientView, PartitionContext};

/// The part of `scope` (space-separated short forms) still in force: OIDC scopes, and delegated
/// permissions the client is still assigned — an administrator's removal applies at once.
#[must_use]
pub(crate) fn still_granted(
    ctx: &PartitionContext,
    client: &ClientView,
    scope: &str,
) -> GrantedScopes {
    let mut out = GrantedScopes::default();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if let Some(o) = OIDC_SCOPES.iter().find(|o| **o == s) {
            out.oidc.insert(o);
        } else if client.assigned.contains(s)
            && ctx
                .catalog
                .permissions
                .get(s)
                .is_some_and(|p| p.kind == PermissionKind::Delegated)
        {
            out.permissions.insert(s.to_owned());
        }
    }
    out
}

/// The grant's person, if they still exist and may sign in.
///
/// # Errors
/// `invalid_grant` when the person was deleted or disabled.
pub(crate) async fn live_person(
    state: &AppState,
    partition: &PartitionId,
    grant: &Grant,
) -> Result<Person, OAuthError> {
    match Person::load(state, partition, grant.realm, grant.subject).await? {
        Some(p) if p.enabled() => Ok(p),
        _ => Err(OAuthError::new(
            ErrorCode::InvalidGrant,
            "the user or customer of this grant no longer exists or is disabled",
        )),
    }
}

/// A new refresh token of `grant`: its value and its stored form. Its sliding expiry never
/// passes the grant's absolute one.
#[must_use]
pub(crate) fn new_refresh_token(
    state: &AppState,
    grant: &Grant,
    now: OffsetDateTime,
) -> (String, RefreshToken) {
    let value = random_token(&*state.rng, 32);
    let sliding = now + Duration::seconds(i64::from(state.config.tokens.refresh_token_ttl));
    let stored = RefreshToken {
        hash: state.secrets.hash(&value),
        partition: grant.partition.clone(),
        grant_id: grant.id,
        created_at: now,
        expires_at: sliding.min(grant.expires_at),
        used_at: None,
    };
    (value, stored)
}

/// Signs the access token (and ID token, when `openid` is granted, with the client's
/// `id_token_alg`) for `grant`; returns the response and the access token's record.
///
/// # Errors
/// 500 when signing fails.
pub(crate) fn mint(
    req: &GrantRequest<'_>,
    grant: &Grant,
    person: &Person,
    granted: &GrantedScopes,
    nonce: Option<String>,
    id_token_alg: SigningAlg,
) -> Result<(TokenResponse, IssuedAccessToken), OAuthError> {
    let (state, partition) = (req.state, req.partition);
    let ttl = state.config.tokens.access_token_ttl;
    let jti = state.rng.uuid();
    let mut resp = issue::access_token_with_id(
        req.issuer(),
        Subject {
            sub: person.id().to_string(),
            client_id: grant.client_id.to_string(),
            actor: person.actor(),
            act: None,
            idp: None,
        },
        granted,
        ttl,
        jti,
    )?;
    if granted.oidc.contains("openid") {
        let scope = granted.to_scope_string();
        resp.id_token = Some(issue::id_token(
            req.issuer(),
            IdTokenParts {
                person,
                client_id: grant.client_id,
                scope: &scope,
                auth_time: grant.auth_time,
                auth_method: grant.auth_method,
                nonce,
                sid: grant.session_id,
                access_token: &resp.access_token,
                alg: id_token_alg,
                claims_request: grant.claims_request.as_ref(),
            },
        )?);
    }
    let record = IssuedAccessToken {
        jti,
        partition: partition.clone(),
        grant_id: grant.id,
        expires_at: state.clock.now() + Duration::seconds(i64::from(ttl)),
    };
    Ok((resp, record))
}

/// Whether `granted` includes `offline_access` (refresh tokens).
#[must_use]
pub(crate) fn wants_refresh(granted: &GrantedScopes) -> bool {
    granted.oidc.contains("offline_access")
}

/// A grant's refusal that may be a replay (a code presented again by its own client, a rotated
/// refresh token presented again).
pub(super) trait Replay: Into<OAuthError> {
    /// How the log names the replay.
    const WHAT: &'static str;
    /// The grant to revoke, when the refusal is a replay.
    fn replayed_grant(&self) -> Option<uuid::Uuid>;
}

impl Replay for RedeemError {
    const WHAT: &'static str = "authorization code replayed";
    fn replayed_grant(&self) -> Option<uuid::Uuid> {
        match self {
            Self::Replayed { grant_id } => Some(*grant_id),
            _ => None,
        }
    }
}

impl Replay for RefreshError {
    const WHAT: &'static str = "refresh token reused";
    fn replayed_grant(&self) -> Option<uuid::Uuid> {
        match self {
            Self::Reused { grant_id } => Some(*grant_id),
            _ => None,
        }
    }
}

/// The error for a refused presentation. A replay first revokes the grant, and with it every
/// token issued from it (RFC 6749 §4.1.2, RFC 9700 §4.5.3 and §4.14.2).
pub(super) async fn refuse<E: Replay>(
    state: &AppState,
    partition: &PartitionId,
    now: OffsetDateTime,
    error: E,
) -> OAuthError {
    if let Some(grant_id) = error.replayed_grant() {
        if let Err(e) = state.store.revoke_grant(partition, grant_id, now).await {
            return e.into();
        }
        tracing::warn!(%partition, %grant_id, "{}; grant revoked", E::WHAT);
    }
    error.into()
}
