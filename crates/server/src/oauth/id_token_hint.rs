//! `id_token_hint`: an ID token this realm issued, presented back by a relying party to say
//! whom a request is about — at the authorization endpoint (OIDC Core §3.1.2.1) and at logout
//! (RP-Initiated Logout 1.0 §2). Both endpoints verify it the same way, here.
//!
//! The hint must be signed by a key the realm publishes, have `typ: JWT` (an access token is
//! not an ID token) and the realm's `iss`. An expired one is accepted: both specifications ask
//! the OP to accept ID tokens past their `exp` as hints, since a relying party keeps its ID
//! token long after it expires, and the hint proves only who the person was, not a right
//! ([`id_token_hint_policy`]).

use serde_json::{Map, Value};
use tessera_domain::{PartitionId, Realm};

use crate::jwt::own::{OwnTokenError, id_token_hint_policy};
use crate::state::{AppState, PartitionContext};
use crate::urls;

/// The claims of `token` if it is an ID token `partition`'s `realm` issued (expired or not).
///
/// # Errors
/// [`OwnTokenError`] saying why it is not.
pub(crate) fn verify(
    state: &AppState,
    ctx: &PartitionContext,
    partition: &PartitionId,
    realm: Realm,
    token: &str,
) -> Result<Map<String, Value>, OwnTokenError> {
    let keys = ctx.realms.get(&realm).ok_or(OwnTokenError::Invalid)?;
    let issuer = urls::issuer(&state.config.public_url, partition, realm);
    let policy = id_token_hint_policy(crate::jwt::clock(&state.clock));
    keys.verifier.verify(token, &policy, &issuer)
}
