//! The one JWT verifier: a [`TokenPolicy`] says which algorithms, `typ` values, issuer,
//! audiences, leeway, expiry rule and clock a use accepts, and verifies tokens against a
//! [`KeySet`](crate::KeySet) in memory or a [`KeyCache`](crate::KeyCache) over a key source. The
//! guard, and the server for its own tokens, `id_token_hint` and identity providers' tokens, all
//! verify through it, so one table of refusals holds for every use.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;

use crate::clock::{Clock, SystemClock};

mod check;
mod error;

pub(crate) use check::lookup_failed;

pub use error::VerifyError;

/// The algorithms a Tessera realm signs with (docs/product.md#signing-keys). Never `none` and
/// never an HMAC algorithm: a verifier holds no shared secret, and accepting HS256 would let
/// anyone "sign" with the public key (the classic algorithm-confusion attack, RFC 8725 §2.1).
pub const TESSERA_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::ES256, Algorithm::RS256, Algorithm::EdDSA];

/// Every asymmetric algorithm the verifier implements, for issuers other than Tessera (identity
/// providers sign with what they like). Still never `none` nor HMAC.
pub const ASYMMETRIC_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The `typ` of an access token (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Kinds of JWT an identity provider signs that are never a subject token, whatever their
/// claims: a back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.4) and a
/// security event token (RFC 8417 §2.3) could otherwise carry an `aud` and `exp` that pass.
pub const NOT_SUBJECT_TOKEN_TYPES: [&str; 2] = ["logout+jwt", "secevent+jwt"];

/// Longest token a verifier will parse. Tokens are well under 2 KiB; the cap keeps base64 and
/// JSON work on junk bounded.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Which header `typ` values a use accepts (RFC 8725 §3.11: explicit typing keeps one kind of
/// JWT from passing as another). Values compare case-insensitively, with or without the
/// `application/` prefix (RFC 7515 §4.1.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Types {
    /// One of these; a token without `typ` is refused.
    OneOf(Vec<String>),
    /// Anything but these, absent included: for issuers whose typing we do not control, to
    /// refuse the kinds of JWT that are never meant as the token being verified.
    NoneOf(Vec<String>),
}

impl Types {
    fn accepts(&self, typ: Option<&str>) -> bool {
        let same = |a: &str, b: &String| media_type(a).eq_ignore_ascii_case(media_type(b));
        match (self, typ) {
            (Self::OneOf(list), Some(t)) => list.iter().any(|ok| same(t, ok)),
            (Self::OneOf(_), None) => false,
            (Self::NoneOf(list), Some(t)) => !list.iter().any(|bad| same(t, bad)),
            (Self::NoneOf(_), None) => true,
        }
    }
}

/// A `typ` without the `application/` prefix RFC 7515 §4.1.9 lets senders omit.
fn media_type(typ: &str) -> &str {
    match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    }
}

/// What one use of the verifier accepts.
///
/// ```
/// use std::time::Duration;
/// use tessera_guard::{TokenPolicy, Types};
///
/// // An ID token presented back as a hint: `typ: JWT`, expired accepted.
/// let hint = TokenPolicy::tessera()
///     .types(Types::OneOf(vec!["JWT".into()]))
///     .leeway(Duration::from_secs(5))
///     .accept_expired(true);
/// assert!(hint.accepts_expired());
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TokenPolicy {
    algorithms: Vec<Algorithm>,
    types: Types,
    leeway: i64,
    accept_expired: bool,
    audiences: Option<Vec<String>>,
    kid_optional: bool,
    clock: Arc<dyn Clock>,
}

impl TokenPolicy {
    /// Tokens signed with one of `algorithms`, of any `typ` but those never verified here
    /// (none listed yet), with 30 s leeway, unexpired by the system clock, `kid` required and
    /// `aud` not checked. Algorithms outside [`ASYMMETRIC_ALGORITHMS`] are dropped: no use may
    /// accept `none` or HMAC.
    pub fn new(algorithms: &[Algorithm]) -> Self {
        Self {
            algorithms: algorithms
                .iter()
                .copied()
                .filter(|a| ASYMMETRIC_ALGORITHMS.contains(a))
                .collect(),
            types: Types::NoneOf(Vec::new()),
            leeway: 30,
            accept_expired: false,
            audiences: None,
            kid_optional: false,
            clock: Arc::new(SystemClock),
        }
    }

    /// Tokens a Tessera realm signed ([`TESSERA_ALGORITHMS`]); set the `typ` with
    /// [`types`](Self::types).
    pub fn tessera() -> Self {
        Self::new(&TESSERA_ALGORITHMS)
    }

    /// Tessera's access tokens: [`TESSERA_ALGORITHMS`] and `typ: at+jwt` (RFC 9068 §4 step 1).
    pub fn access_token() -> Self {
        Self::tessera().types(Types::OneOf(vec![ACCESS_TOKEN_TYPE.to_owned()]))
    }

    /// An external identity provider's token presented for token exchange (RFC 8693):
    /// asymmetrically signed ([`ASYMMETRIC_ALGORITHMS`]), not one of the kinds of JWT a
    /// provider signs that are never a subject token ([`NOT_SUBJECT_TOKEN_TYPES`]), for one of
    /// `audiences`, 30 s leeway; a token without `kid` is verified by the provider's only key.
    /// The server's token exchange verifies with it, and so does the `jwt_token_exchange` fuzz
    /// target (docs/fuzzing.md), so both judge tokens by this one policy.
    pub fn identity_provider_token(audiences: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::new(&ASYMMETRIC_ALGORITHMS)
            .types(Types::NoneOf(
                NOT_SUBJECT_TOKEN_TYPES
                    .iter()
                    .map(|t| (*t).to_owned())
                    .collect(),
            ))
            .leeway(Duration::from_secs(30))
            .audiences(audiences)
            .kid_optional_with_single_key(true)
    }

    /// The `typ` rule.
    pub fn types(mut self, types: Types) -> Self {
        self.types = types;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (RFC 7519 §4.1.4 allows "some small
    /// leeway").
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Whether a token past its `exp` is still accepted (it must carry one either way): only
    /// for tokens that prove who someone was, not a right, such as an `id_token_hint`.
    pub fn accept_expired(mut self, accept: bool) -> Self {
        self.accept_expired = accept;
        self
    }

    /// Requires `aud` to hold one of `audiences` (RFC 7519 §4.1.3). Without this call `aud` is
    /// not checked; with an empty list no token passes.
    pub fn audiences(mut self, audiences: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.audiences = Some(audiences.into_iter().map(Into::into).collect());
        self
    }

    /// Lets a token without `kid` be verified by its issuer's only key (identity providers with
    /// one key often omit it). Off by default: with a choice of keys there is nothing to pick by.
    pub fn kid_optional_with_single_key(mut self, optional: bool) -> Self {
        self.kid_optional = optional;
        self
    }

    /// The clock for `exp`, `nbf` and `iat` (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The accepted algorithms.
    #[must_use]
    pub fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// The leeway in seconds.
    #[must_use]
    pub fn leeway_secs(&self) -> i64 {
        self.leeway
    }

    /// Whether expired tokens are accepted.
    #[must_use]
    pub fn accepts_expired(&self) -> bool {
        self.accept_expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_compare_without_case_or_application_prefix() {
        let at = Types::OneOf(vec![ACCESS_TOKEN_TYPE.to_owned()]);
        assert!(at.accepts(Some("at+jwt")));
        assert!(at.accepts(Some("AT+JWT")));
        assert!(at.accepts(Some("application/at+jwt")));
        assert!(!at.accepts(Some("JWT")));
        assert!(!at.accepts(None));
        let not_logout = Types::NoneOf(vec!["logout+jwt".to_owned()]);
        assert!(not_logout.accepts(None));
        assert!(not_logout.accepts(Some("JWT")));
        assert!(!not_logout.accepts(Some("Application/Logout+JWT")));
    }

    #[test]
    fn identity_provider_tokens_are_asymmetric_typed_and_for_an_audience() {
        let p = TokenPolicy::identity_provider_token(["api://tessera"]);
        assert_eq!(p.algorithms(), ASYMMETRIC_ALGORITHMS);
        assert_eq!(p.leeway_secs(), 30);
        assert!(!p.accepts_expired());
        assert!(p.kid_optional);
        assert_eq!(p.audiences, Some(vec!["api://tessera".to_owned()]));
        assert!(p.types.accepts(None));
        assert!(p.types.accepts(Some("JWT")));
        assert!(!p.types.accepts(Some("application/logout+jwt")));
        assert!(!p.types.accepts(Some("SECEVENT+JWT")));
    }

    #[test]
    fn no_policy_accepts_none_or_hmac() {
        let p = TokenPolicy::new(&[Algorithm::HS256, Algorithm::ES256, Algorithm::HS512]);
        assert_eq!(p.algorithms(), [Algorithm::ES256]);
    }
}
