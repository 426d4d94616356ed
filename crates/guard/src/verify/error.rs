//! Why a JWT was refused, one variant per rule, so each user of the verifier words its own
//! answer (the guard's problem details, the token endpoint's `error_description`) from one list.

use jsonwebtoken::Algorithm;

/// Why [`TokenPolicy::verify`](crate::TokenPolicy::verify) refused a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Longer than any token a verifier needs to parse.
    #[error("the token is too long")]
    TooLong,
    /// Not a compact JWS with a JSON header naming a known algorithm (`alg: none` is not one).
    #[error("the token is not a signed JWT")]
    Malformed,
    /// The header names an algorithm the policy does not accept (HMAC, whose "key" would be
    /// public, among them: RFC 8725 §2.1).
    #[error("the token's signing algorithm {0:?} is not accepted")]
    Algorithm(Algorithm),
    /// The header's `typ` is not one the policy accepts (RFC 8725 §3.11).
    #[error("the token is of another type (typ)")]
    Type,
    /// The header has `crit` extensions; none is understood (RFC 7515 §4.1.11).
    #[error("the token has critical header parameters")]
    Critical,
    /// The header has no `kid` and the policy requires one.
    #[error("the token header has no kid")]
    NoKid,
    /// The issuer's key set has no key with the token's `kid`.
    #[error("the token's signing key is unknown")]
    UnknownKey,
    /// The issuer publishes the token's key in a form that cannot verify an accepted algorithm.
    #[error("the token's signing key is published in an unusable form")]
    UnusableKey,
    /// The issuer's keys could not be fetched. The detail is for the operator's log only: it
    /// may name addresses and what an endpoint answered.
    #[error("the issuer's signing keys could not be fetched")]
    KeysUnavailable(Option<String>),
    /// The header's algorithm is not one the key may verify.
    #[error("the token's algorithm does not match its key")]
    KeyAlgorithm,
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    Signature,
    /// The payload is not a JSON object.
    #[error("the token's claims are not a JSON object")]
    Claims,
    /// A claim the policy needs is absent (or not of its type).
    #[error("the {0} claim is missing")]
    MissingClaim(&'static str),
    /// `iss` is not the expected issuer (RFC 7519 §4.1.1).
    #[error("the token was issued by another issuer")]
    Issuer,
    /// No `aud` value is one the policy accepts (RFC 7519 §4.1.3).
    #[error("the token is not meant for this audience")]
    Audience,
    /// Past `exp` plus leeway (RFC 7519 §4.1.4).
    #[error("the token has expired")]
    Expired,
    /// Before `nbf` minus leeway (RFC 7519 §4.1.5).
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    /// `iat` after now plus leeway: a clock problem or a forgery.
    #[error("the token was issued in the future (iat)")]
    IssuedInFuture,
}
