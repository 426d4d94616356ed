//! The console's server-side sessions and the extractor every console page starts with.
//!
//! The cookie ([`super::cookies`]) holds a random value; the database keeps only its keyed hash
//! ([`ConsoleSession`]). A session ends after [`IDLE`] without a request or [`ABSOLUTE`]
//! after sign-in, whichever comes first, and whenever its user stops being an enabled Partition
//! Administrator.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tessera_domain::PartitionId;
use tessera_domain::session::ConsoleSession;
use tessera_domain::user::User;

use super::cookies::{Kind, cookie_value, set_cookie};
use super::signin;
use super::view as pages;
use crate::crypto::rng::random_token;
use crate::request_meta::RequestMeta;
use crate::state::AppState;

/// A session ends after this long without a request.
pub(crate) const IDLE: time::Duration = time::Duration::minutes(30);
/// A session ends this long after sign-in, however active.
pub(crate) const ABSOLUTE: time::Duration = time::Duration::hours(8);
/// Activity is written at most this often (the idle limit does not need more precision).
const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// Starts a session for `user`, signed in through the realm session `realm_session`; returns
/// the cookie to set.
///
/// # Errors
/// When storage fails.
pub(crate) async fn start(
    state: &AppState,
    user: &User,
    realm_session: Option<uuid::Uuid>,
) -> Result<Option<HeaderValue>, tessera_domain::store::StoreError> {
    let now = state.clock.now();
    let value = random_token(&*state.rng, 32);
    let session = ConsoleSession {
        partition: user.partition.clone(),
        hash: state.secrets.hash(&value),
        user_id: user.id,
        realm_session_id: realm_session,
        created_at: now,
        last_seen_at: now,
        expires_at: now + ABSOLUTE,
    };
    state.store.create_console_session(&session).await?;
    // Sessions past their absolute limit are of no use to anyone; clear them now and then.
    if let Err(e) = state.store.purge_console_sessions(now).await {
        tracing::warn!(error = %e, "could not purge expired console sessions");
    }
    Ok(set_cookie(
        state,
        Kind::Session,
        &user.partition,
        &value,
        Some(ABSOLUTE.whole_seconds()),
    ))
}

/// A signed-in Partition Administrator on a console page.
#[derive(Debug, Clone)]
pub(crate) struct ConsoleUser {
    /// The partition of the console.
    pub partition: PartitionId,
    /// The administrator, as stored now.
    pub user: User,
    /// The session.
    pub session: ConsoleSession,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    /// The session cookie's value (CSRF checks compare against it).
    cookie: String,
    /// The client's address, for the audit log.
    pub source_ip: Option<String>,
}

impl ConsoleUser {
    /// Whether `submitted` is this session's CSRF token.
    #[must_use]
    pub(crate) fn csrf_ok(&self, state: &AppState, submitted: Option<&str>) -> bool {
        super::csrf::check(state, &self.partition, &self.cookie, submitted)
    }
}

/// The partition named in the path, if it exists.
pub(super) async fn path_partition(
    parts: &mut Parts,
    state: &AppState,
) -> Result<PartitionId, Response> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| pages::not_found())?;
    let raw = params
        .iter()
        .find(|(k, _)| *k == "partition")
        .map(|(_, v)| v.to_owned())
        .ok_or_else(pages::not_found)?;
    let partition = PartitionId::parse(&raw).map_err(|_| pages::not_found())?;
    match state.partition_exists(&partition).await {
        Ok(true) => Ok(partition),
        Ok(false) => Err(pages::not_found()),
        Err(e) => Err(pages::unavailable(&e)),
    }
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = Response;

    /// Without a live session: a GET is sent to sign in (and comes back here), anything else
    /// is refused with 403. A session whose user is no longer an enabled Partition
    /// Administrator ends at once.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Found once per request: a handler's `ConsoleUser` and its checked form
        // (`pages::actions::Checked`) share one session read.
        if let Some(who) = parts.extensions.get::<Self>() {
            return Ok(who.clone());
        }
        let partition = path_partition(parts, state).await?;
        let Ok(meta) = RequestMeta::from_request_parts(parts, state).await;
        let now = state.clock.now();
        let found = match cookie_value(state, &parts.headers, Kind::Session, &partition) {
            Some(value) => {
                let hash = state.secrets.hash(value);
                match state.store.find_console_session(&partition, &hash).await {
                    Ok(s) => s
                        .filter(|s| s.is_live(now, IDLE))
                        .map(|s| (value.to_owned(), s)),
                    Err(e) => return Err(pages::unavailable(&e)),
                }
            }
            None => None,
        };
        let Some((value, session)) = found else {
            return Err(if parts.method == axum::http::Method::GET {
                signin::start(state, &partition, &parts.uri)
            } else {
                pages::forbidden(
                    &partition,
                    "Your console session has ended. Open the console again to sign in.",
                )
            });
        };
        let user = match state.store.get_user(&partition, session.user_id).await {
            Ok(Some(u)) if u.enabled && u.partition_admin => u,
            Ok(_) => {
                // Signed in earlier, no longer allowed: the session goes.
                let _ = state
                    .store
                    .delete_console_session(&partition, &session.hash)
                    .await;
                return Err(pages::not_an_administrator(&partition));
            }
            Err(e) => return Err(pages::unavailable(&e)),
        };
        if now - session.last_seen_at >= TOUCH_EVERY
            && let Err(e) = state
                .store
                .touch_console_session(&partition, &session.hash, now)
                .await
        {
            tracing::warn!(error = %e, "could not record console activity");
        }
        let who = Self {
            csrf: super::csrf::token(state, &partition, &value),
            partition,
            user,
            session,
            cookie: value,
            source_ip: meta.source_ip,
        };
        parts.extensions.insert(who.clone());
        Ok(who)
    }
}

/// A 403 page for a POST whose CSRF token is missing or wrong.
#[must_use]
pub(crate) fn csrf_refused(p: &PartitionId) -> Response {
    let mut resp = pages::forbidden(
        p,
        "This form was not sent from a console page of your session (its security token is missing or wrong), so nothing was changed. Go back, reload the page and try again.",
    );
    *resp.status_mut() = StatusCode::FORBIDDEN;
    resp.into_response()
}
