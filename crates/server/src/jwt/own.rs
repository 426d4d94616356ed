//! Verifying tokens this server signed (access tokens at userinfo, introspection and revocation;
//! ID tokens as `id_token_hint`) against the realm's published keys, with the guard crate's
//! verifier: [`access_token_policy`] and [`id_token_hint_policy`] say what each use accepts.
//!
//! Times are judged by the server's [`Clock`](tessera_domain::Clock), not the system time, so
//! behaviour is the same in tests with a fixed clock.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tessera_guard::{KeySet, TESSERA_ALGORITHMS, TokenPolicy, Types, VerifyError};
use tessera_oauth_types::JwkSet;

/// Clock skew tolerated between instances of this server.
const LEEWAY: Duration = Duration::from_secs(5);

/// The `typ` of an ID token (OIDC Core §2 leaves it to RFC 7519 §5.1; Tessera signs ID tokens
/// with `JWT` so they are told apart from access tokens).
pub(crate) const ID_TOKEN_TYPE: &str = "JWT";

/// This realm's access tokens: `typ: at+jwt` (RFC 9068 §2.1), unexpired.
pub(crate) fn access_token_policy(clock: Arc<dyn tessera_guard::Clock>) -> TokenPolicy {
    TokenPolicy::access_token().leeway(LEEWAY).clock(clock)
}

/// This realm's ID tokens presented back as hints: `typ: JWT`, expired accepted (OIDC Core
/// §3.1.2.1 and RP-Initiated Logout 1.0 §2 ask for hints past their `exp` to be honoured).
pub(crate) fn id_token_hint_policy(clock: Arc<dyn tessera_guard::Clock>) -> TokenPolicy {
    TokenPolicy::tessera()
        .types(Types::OneOf(vec![ID_TOKEN_TYPE.to_owned()]))
        .leeway(LEEWAY)
        .accept_expired(true)
        .clock(clock)
}

/// The realm's published keys, decoded once per cache load.
#[derive(Debug, Clone, Default)]
pub(crate) struct Verifier {
    keys: KeySet,
}

/// Why a token is not one of this realm's valid tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OwnTokenError {
    /// Not a JWT, or not signed by a key of this realm.
    #[error("the token is malformed or not signed by this issuer")]
    Invalid,
    /// A token of another kind (`typ`), e.g. an ID token where an access token is expected.
    #[error("the token is of another type")]
    WrongType,
    /// Another issuer (realm or partition).
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    /// Past `exp`.
    #[error("the token has expired")]
    Expired,
}

impl From<VerifyError> for OwnTokenError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Type => Self::WrongType,
            VerifyError::Issuer | VerifyError::MissingClaim("iss") => Self::WrongIssuer,
            VerifyError::Expired => Self::Expired,
            _ => Self::Invalid,
        }
    }
}

impl Verifier {
    /// Decodes the usable keys of `jwks` (a key that does not decode is skipped: it cannot have
    /// signed anything this server verifies).
    #[must_use]
    pub(crate) fn new(jwks: &JwkSet) -> Self {
        Self {
            keys: KeySet::from_jwks(jwks, &TESSERA_ALGORITHMS),
        }
    }

    /// Verifies `token` by `policy` as issued by `issuer`, returning its claims.
    ///
    /// # Errors
    /// [`OwnTokenError`] saying why.
    pub(crate) fn verify(
        &self,
        token: &str,
        policy: &TokenPolicy,
        issuer: &str,
    ) -> Result<Map<String, Value>, OwnTokenError> {
        Ok(policy.verify(token, issuer, &self.keys)?)
    }
}
