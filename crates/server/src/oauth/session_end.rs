//! Ending browser sessions and telling the applications that took part in them — the one
//! path every trigger takes: RP-initiated logout (`oauth/logout.rs`), an administrator signing
//! an account out (`DELETE .../users/{id}/sessions`, `.../customers/{id}/sessions`), and the
//! account changes that end sessions in the store (a new password, disabling).
//!
//! The applications to tell are those holding a grant made in the session (the store's
//! `session_clients`), since only they received an ID token with its `sid`. Each with a
//! `backchannel_logout_uri` is sent a logout token in the background
//! (OpenID Connect Back-Channel Logout 1.0 §2.7, `backchannel.rs`); each with a
//! `frontchannel_logout_uri` is returned as a frame for the signed-out page to load
//! (Front-Channel Logout 1.0 §4), which only the logout endpoint, with the browser in hand, can
//! show. Telling them never fails the ending: a session that ended stays ended, and a
//! notification that could not be made is logged.

use tessera_domain::audit::AuditEvent;
use tessera_domain::client::ClientApplication;
use tessera_domain::session::BrowserSession;
use tessera_domain::store::StoreError;
use tessera_domain::{PartitionId, Realm};

use super::logout_token;
use crate::backchannel::Delivery;
use crate::state::AppState;
use crate::urls;

/// What ends.
#[derive(Debug)]
pub(crate) enum Ending<'a> {
    /// One browser's session (RP-initiated logout), live, expired or already ended; its grants
    /// stand (RP-Initiated Logout 1.0 asks only that the session end).
    Session(&'a BrowserSession),
    /// Every live session of an account, with the grants made in them; `audit` is written in
    /// the same transaction.
    Account {
        /// The user's or customer's id.
        subject: uuid::Uuid,
        /// The administrator's event.
        audit: AuditEvent,
    },
    /// Sessions the store has already ended, in the transaction of an account change.
    Ended {
        /// The user's or customer's id.
        subject: uuid::Uuid,
        /// The session ids.
        sessions: Vec<uuid::Uuid>,
    },
}

/// A front-channel logout page for the browser to load in an iframe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The `frontchannel_logout_uri`, with `iss` and `sid` when the client asked for them.
    pub url: String,
    /// Its origin, for the page's `frame-src`.
    pub origin: String,
}

/// Ends what `ending` names in `realm` and tells the applications; returns the front-channel
/// frames of the sessions that ended.
///
/// # Errors
/// When the store cannot end the sessions (nothing was ended then, and nobody is told).
pub(crate) async fn end(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    ending: Ending<'_>,
) -> Result<Vec<Frame>, StoreError> {
    let now = state.clock.now();
    let (subject, sessions) = match ending {
        Ending::Session(s) => {
            state.store.end_session(partition, s.id, now).await?;
            // A session ended before (by another trigger) was announced then.
            let announce = if s.ended_at.is_none() {
                vec![s.id]
            } else {
                Vec::new()
            };
            (s.subject, announce)
        }
        Ending::Account { subject, audit } => {
            let ended = state
                .store
                .end_account_sessions(partition, realm, subject, now, &audit)
                .await?;
            (subject, ended.into_iter().map(|s| s.id).collect())
        }
        Ending::Ended { subject, sessions } => (subject, sessions),
    };
    let mut frames: Vec<Frame> = Vec::new();
    for sid in sessions {
        for f in notify(state, partition, realm, subject, sid).await {
            if !frames.contains(&f) {
                frames.push(f);
            }
        }
    }
    Ok(frames)
}

/// Tells the applications of one ended session; returns its front-channel frames.
async fn notify(
    state: &AppState,
    partition: &PartitionId,
    realm: Realm,
    subject: uuid::Uuid,
    sid: uuid::Uuid,
) -> Vec<Frame> {
    let clients = match state.store.session_clients(partition, sid).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(partition = %partition, error = %e, "the applications of an ended session could not be listed; they are not told");
            return Vec::new();
        }
    };
    let iss = urls::issuer(&state.config.public_url, partition, realm);
    let mut frames = Vec::new();
    let mut backchannel_clients = Vec::new();
    for id in clients {
        let client = match state.client(partition, id).await {
            Ok(Some(v)) => v,
            // Deleted since: nobody to tell.
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(partition = %partition, client_id = %id, error = %e, "a client application of an ended session could not be loaded; it is not told");
                continue;
            }
        };
        let c = &client.client;
        if c.backchannel_logout_uri.is_some() {
            backchannel_clients.push(c.clone());
        }
        if let Some(f) = c
            .frontchannel_logout_uri
            .as_deref()
            .and_then(|u| frame(u, c.frontchannel_logout_session_required, &iss, sid))
        {
            frames.push(f);
        }
    }
    if !backchannel_clients.is_empty() {
        // Signing a token per application (RSA for most) is left to a task of its own, so the
        // request that ended the session neither waits for it nor, if it is cancelled, cuts
        // the notifications short.
        let state = state.clone();
        let ended = EndedSession {
            partition: partition.clone(),
            realm,
            iss,
            subject,
            sid,
        };
        tokio::spawn(async move {
            for c in &backchannel_clients {
                if let Some(uri) = &c.backchannel_logout_uri {
                    backchannel(&state, &ended, c, uri).await;
                }
            }
        });
    }
    frames
}

/// The session every logout token of one ending speaks of (Back-Channel Logout 1.0 §2.4: the
/// issuer, the subject and the session id are the same for each application told).
struct EndedSession {
    partition: PartitionId,
    realm: Realm,
    /// The realm's issuer identifier.
    iss: String,
    subject: uuid::Uuid,
    sid: uuid::Uuid,
}

/// Signs a logout token for `c` about `ended` and queues its delivery to `uri`.
async fn backchannel(state: &AppState, ended: &EndedSession, c: &ClientApplication, uri: &str) {
    let EndedSession {
        partition,
        realm,
        iss,
        subject,
        sid,
    } = ended;
    let ctx = match state.partition(partition).await {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(partition = %partition, error = %e, "no keys to sign a logout token with");
            return;
        }
    };
    let Some(keys) = ctx.realms.get(realm) else {
        return;
    };
    let claims = logout_token::claims(&logout_token::Parts {
        iss,
        client_id: c.client_id,
        sub: *subject,
        sid: *sid,
        jti: state.rng.uuid(),
        now: state.clock.now().unix_timestamp(),
    });
    match logout_token::sign(keys, c.id_token_signed_response_alg, &claims) {
        Ok(token) => state.backchannel.send(Delivery {
            partition: partition.clone(),
            client_id: c.client_id,
            uri: uri.to_owned(),
            token,
        }),
        Err(e) => {
            tracing::warn!(partition = %partition, client_id = %c.client_id, error = %e, "a logout token could not be signed");
        }
    }
}

/// The frame of a `frontchannel_logout_uri`: `iss` and `sid` are added when the client asked
/// for them (Front-Channel Logout 1.0 §2, §4), to whatever query the registered URI has.
fn frame(uri: &str, session_required: bool, iss: &str, sid: uuid::Uuid) -> Option<Frame> {
    let mut url = url::Url::parse(uri).ok()?;
    if session_required {
        url.query_pairs_mut()
            .append_pair("iss", iss)
            .append_pair("sid", &sid.to_string());
    }
    let origin = url.origin().ascii_serialization();
    Some(Frame {
        url: url.into(),
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_add_iss_and_sid_when_asked() {
        let sid = uuid::Uuid::from_u128(7);
        let f = frame(
            "https://app.example:8443/fc?x=1",
            true,
            "https://id.example/system/auth/acme-U",
            sid,
        )
        .unwrap();
        assert_eq!(f.origin, "https://app.example:8443");
        let url = url::Url::parse(&f.url).unwrap();
        let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            q,
            [
                ("x".to_owned(), "1".to_owned()),
                (
                    "iss".to_owned(),
                    "https://id.example/system/auth/acme-U".to_owned()
                ),
                ("sid".to_owned(), sid.to_string()),
            ]
        );
        let plain = frame("https://app.example/fc", false, "https://i", sid).unwrap();
        assert_eq!(plain.url, "https://app.example/fc");
    }
}
