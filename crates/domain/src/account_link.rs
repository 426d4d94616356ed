//! Linking an external identity provider's token to a Tessera account (token exchange): which
//! claim values may identify an account, and when a stored account really is the one named.
//!
//! Accounts are looked up case-insensitively (the stores key emails and usernames by their
//! Unicode lowercase form). Lowercasing folds some characters into others — KELVIN SIGN
//! U+212A becomes `k`, ANGSTROM SIGN U+212B becomes `å` — so a provider that lets anyone
//! register `\u{212A}im@acme.test` would otherwise hand out Tessera's `kim@acme.test`. Values
//! that are not in Unicode normalisation form KC (Unicode Standard Annex #15), where every
//! such compatibility character is already replaced, are therefore refused, and the stored
//! value must equal the claim after lowercasing, with both in that form.

use serde_json::{Map, Value};

use crate::identity_provider::{IdentityProvider, MatchAttribute};

/// Why a provider's token cannot identify an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The match claim is absent or not a string.
    #[error("the subject_token has no {0:?} claim to identify the account")]
    MissingClaim(String),
    /// Matching on email through a claim other than `email`: `email_verified` speaks only for
    /// the `email` claim, so nothing vouches for the value matched.
    #[error(
        "the identity provider matches emails on the {0:?} claim, which email_verified does not vouch for; match on the email claim or switch require_email_verified off"
    )]
    UnverifiableClaim(String),
    /// Matching on email, and the provider did not assert the address was verified.
    #[error(
        "the subject_token's email_verified claim is not true: an unverified email address cannot identify an account"
    )]
    EmailNotVerified,
    /// The value is not in NFKC form, or carries characters no identifier may carry.
    #[error(
        "the subject_token's {0:?} claim contains look-alike or invisible characters (it is not in Unicode normalisation form NFKC), so it cannot identify an account"
    )]
    NotNormalized(String),
}

/// The value of `idp`'s match claim in `claims`, once it may be used for a lookup.
///
/// # Errors
/// [`LinkError`] when the claim is missing, matching on email and `email_verified` is not
/// `true` (unless the registration switched that off), or the value is not in NFKC form.
pub fn identifier<'a>(
    idp: &IdentityProvider,
    claims: &'a Map<String, Value>,
) -> Result<&'a str, LinkError> {
    let value = claims
        .get(&idp.match_claim)
        .and_then(Value::as_str)
        .ok_or_else(|| LinkError::MissingClaim(idp.match_claim.clone()))?;
    // OpenID Connect Core §5.1: `email_verified` is a JSON boolean; a string "true" is not.
    if idp.match_attribute == MatchAttribute::Email && idp.require_email_verified {
        // `email_verified` is about the `email` claim only (OpenID Connect Core §5.1): a
        // provider that lets users set `preferred_username` to anyone's address would otherwise
        // link them to that account.
        if idp.match_claim != "email" {
            return Err(LinkError::UnverifiableClaim(idp.match_claim.clone()));
        }
        if claims.get("email_verified") != Some(&Value::Bool(true)) {
            return Err(LinkError::EmailNotVerified);
        }
    }
    if !is_plain(value) {
        return Err(LinkError::NotNormalized(idp.match_claim.clone()));
    }
    Ok(value)
}

/// Whether the account's stored `stored` email or username is the one `claim` names: equal
/// after lowercasing, with both already in NFKC form, so a look-alike on either side (an
/// account created with a compatibility character, say) never matches a plain value.
#[must_use]
pub fn names_account(claim: &str, stored: &str) -> bool {
    is_plain(claim) && is_plain(stored) && claim.to_lowercase() == stored.to_lowercase()
}

/// In NFKC form, and free of control, whitespace and invisible format characters (which no
/// email address or username carries), so lowercasing is the only folding left.
fn is_plain(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || is_invisible_format(c))
        && unicode_normalization::is_nfkc(s)
}

/// Format characters (Unicode category Cf) that render as nothing: soft hyphen, zero-width
/// spaces and joiners, directional marks and overrides, word joiner and invisible operators,
/// byte order mark. NFKC keeps them, so `kim\u{200B}@acme.test` would otherwise pass as plain.
const fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Realm;

    fn provider(match_attribute: MatchAttribute) -> IdentityProvider {
        let at = time::OffsetDateTime::UNIX_EPOCH;
        IdentityProvider {
            id: uuid::Uuid::nil(),
            partition: crate::PartitionId::parse("acme").unwrap(),
            name: "SSO".into(),
            issuer: "https://sso.example".into(),
            jwks_uri: Some("https://sso.example/jwks".into()),
            jwks: None,
            audiences: vec!["api://tessera".into()],
            realm: Realm::Users,
            match_claim: "email".into(),
            match_attribute,
            require_email_verified: true,
            enabled: true,
            created_at: at,
            updated_at: at,
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn email_must_be_verified_unless_switched_off() {
        let mut idp = provider(MatchAttribute::Email);
        let ok = claims(serde_json::json!({"email": "kim@acme.test", "email_verified": true}));
        assert_eq!(identifier(&idp, &ok), Ok("kim@acme.test"));
        for bad in [
            serde_json::json!({"email": "kim@acme.test"}),
            serde_json::json!({"email": "kim@acme.test", "email_verified": false}),
            serde_json::json!({"email": "kim@acme.test", "email_verified": "true"}),
            serde_json::json!({"email": "kim@acme.test", "email_verified": 1}),
        ] {
            assert_eq!(
                identifier(&idp, &claims(bad.clone())),
                Err(LinkError::EmailNotVerified),
                "{bad}"
            );
        }
        idp.require_email_verified = false;
        let unverified = claims(serde_json::json!({"email": "kim@acme.test"}));
        assert_eq!(identifier(&idp, &unverified), Ok("kim@acme.test"));
        // Matching on a username does not involve email_verified.
        let idp = provider(MatchAttribute::Username);
        let by_name = claims(serde_json::json!({"email": "kim"}));
        assert_eq!(identifier(&idp, &by_name), Ok("kim"));
    }

    #[test]
    fn look_alikes_are_refused() {
        let idp = provider(MatchAttribute::Email);
        for value in [
            "\u{212A}im@acme.test",  // KELVIN SIGN
            "\u{212B}sa@acme.test",  // ANGSTROM SIGN
            "\u{FF4B}im@acme.test",  // FULLWIDTH LATIN SMALL LETTER K
            "kim@\u{FF41}cme.test",  // fullwidth in the domain
            "\u{FB01}nn@acme.test",  // LATIN SMALL LIGATURE FI
            "k\u{0301}im@acme.test", // not composed: NFKC would compose it
            "kim\u{0007}@acme.test",
            "kim @acme.test",
            "kim\u{200B}@acme.test", // ZERO WIDTH SPACE
            "ki\u{00AD}m@acme.test", // SOFT HYPHEN
            "kim@acme\u{202E}.test", // RIGHT-TO-LEFT OVERRIDE
            "",
        ] {
            let c = claims(serde_json::json!({"email": value, "email_verified": true}));
            assert_eq!(
                identifier(&idp, &c),
                Err(LinkError::NotNormalized("email".into())),
                "{value:?}"
            );
        }
        // Plain non-ASCII addresses are fine (RFC 6531).
        let c = claims(serde_json::json!({"email": "jörg@bücher.test", "email_verified": true}));
        assert_eq!(identifier(&idp, &c), Ok("jörg@bücher.test"));
    }

    #[test]
    fn email_verified_vouches_only_for_the_email_claim() {
        let mut idp = provider(MatchAttribute::Email);
        idp.match_claim = "preferred_username".into();
        let c = claims(serde_json::json!({
            "email": "me@attacker.test", "email_verified": true,
            "preferred_username": "victim@acme.test"
        }));
        assert_eq!(
            identifier(&idp, &c),
            Err(LinkError::UnverifiableClaim("preferred_username".into()))
        );
        idp.require_email_verified = false;
        assert_eq!(identifier(&idp, &c), Ok("victim@acme.test"));
    }

    #[test]
    fn missing_or_non_string_claim() {
        let idp = provider(MatchAttribute::Email);
        for c in [
            serde_json::json!({"email_verified": true}),
            serde_json::json!({"email": 5, "email_verified": true}),
        ] {
            assert_eq!(
                identifier(&idp, &claims(c)),
                Err(LinkError::MissingClaim("email".into()))
            );
        }
    }

    #[test]
    fn names_account_only_without_folding_look_alikes() {
        assert!(names_account("Kim@Acme.test", "kim@acme.test"));
        assert!(names_account("JÖRG@bücher.test", "jörg@bücher.test"));
        assert!(!names_account("\u{212A}im@acme.test", "kim@acme.test"));
        assert!(!names_account("kim@acme.test", "\u{212A}im@acme.test"));
        assert!(!names_account("kim@acme.test", "kim@acme.tes"));
    }
}
