//! Proof Key for Code Exchange (RFC 7636), `S256` only: `plain` lets anyone who sees the
//! authorization request redeem the code, so RFC 9700 §2.1.1 rules it out and so do we.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// The only supported `code_challenge_method`.
pub const S256: &str = "S256";

/// Why PKCE parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    /// A method other than `S256`.
    #[error("code_challenge_method must be S256 (plain is not accepted)")]
    UnsupportedMethod,
    /// A method without a challenge.
    #[error("code_challenge_method was sent without code_challenge")]
    MethodWithoutChallenge,
    /// Not 43 base64url characters (a SHA-256 digest).
    #[error("code_challenge must be the 43-character base64url SHA-256 of the code verifier")]
    MalformedChallenge,
    /// A verifier outside RFC 7636 §4.1's grammar.
    #[error("code_verifier must be 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]")]
    MalformedVerifier,
    /// The verifier does not hash to the challenge.
    #[error("code_verifier does not match the code_challenge of the authorization request")]
    Mismatch,
    /// A verifier for a code issued without a challenge (a PKCE downgrade attempt).
    #[error("code_verifier was sent but the authorization request had no code_challenge")]
    UnexpectedVerifier,
    /// No verifier for a code issued with a challenge.
    #[error("code_verifier is required: the authorization request carried a code_challenge")]
    MissingVerifier,
}

/// Checks the authorization request's PKCE parameters; returns the challenge to bind to the
/// code. A missing method means `plain` (RFC 7636 §4.3), which is refused.
///
/// # Errors
/// [`PkceError`] describing the problem.
pub fn check_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>, PkceError> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(PkceError::MethodWithoutChallenge),
        (Some(_), m) if m != Some(S256) => Err(PkceError::UnsupportedMethod),
        (Some(c), _) => {
            if c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                Ok(Some(c.to_owned()))
            } else {
                Err(PkceError::MalformedChallenge)
            }
        }
    }
}

/// Checks the token request's `code_verifier` against the challenge bound to the code.
///
/// # Errors
/// [`PkceError`] describing the problem.
pub fn verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), PkceError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PkceError::UnexpectedVerifier),
        (Some(_), None) => Err(PkceError::MissingVerifier),
        (Some(c), Some(v)) => {
            let well_formed = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            if !well_formed {
                return Err(PkceError::MalformedVerifier);
            }
            let digest = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
            // Both values are public once the code is redeemed; a plain comparison leaks nothing.
            if digest == c {
                Ok(())
            } else {
                Err(PkceError::Mismatch)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc_7636_example_verifies() {
        assert_eq!(
            check_challenge(Some(CHALLENGE), Some("S256")),
            Ok(Some(CHALLENGE.to_owned()))
        );
        assert_eq!(verify(Some(CHALLENGE), Some(VERIFIER)), Ok(()));
    }

    #[test]
    fn plain_and_malformed_are_refused() {
        assert_eq!(
            check_challenge(Some(CHALLENGE), None),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            check_challenge(Some(CHALLENGE), Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            check_challenge(None, Some("S256")),
            Err(PkceError::MethodWithoutChallenge)
        );
        assert_eq!(
            check_challenge(Some("short"), Some("S256")),
            Err(PkceError::MalformedChallenge)
        );
        assert_eq!(check_challenge(None, None), Ok(None));
    }

    #[test]
    fn verifier_must_match_and_be_expected() {
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXa";
        assert_eq!(
            verify(Some(CHALLENGE), Some(other)),
            Err(PkceError::Mismatch)
        );
        assert_eq!(
            verify(Some(CHALLENGE), None),
            Err(PkceError::MissingVerifier)
        );
        assert_eq!(
            verify(None, Some(VERIFIER)),
            Err(PkceError::UnexpectedVerifier)
        );
        assert_eq!(
            verify(Some(CHALLENGE), Some("too short")),
            Err(PkceError::MalformedVerifier)
        );
        assert_eq!(verify(None, None), Ok(()));
    }
}
