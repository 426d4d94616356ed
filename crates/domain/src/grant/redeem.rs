//! Whether a presented authorization code may be redeemed (RFC 6749 §4.1.3, RFC 7636 §4.6,
//! RFC 9700 §4.5.3): the decisions of the token endpoint's code grant, apart from the store.
//!
//! The token endpoint looks the code up without spending it, asks [`check`], and only then lets
//! the store consume it: a presentation that fails a binding (another client, the other realm, a
//! different redirect URI, a wrong or missing PKCE verifier) leaves the code usable by its
//! rightful client. A code that was consumed already and passes the bindings is a replay
//! ([`RedeemError::Replayed`]): the caller revokes the grant, and with it every token issued from
//! the first redemption (RFC 6749 §4.1.2, RFC 9700 §4.5.3).

use crate::clock::Clock;
use crate::grant::{CodeLookup, Grant};
use crate::ids::{ClientId, Realm};
use crate::pkce::{self, PkceError};

/// Longest code value looked up: issued codes are 43 characters; a longer value is not one of
/// ours and is not worth hashing.
pub const MAX_CODE_LEN: usize = 128;

/// Why a code cannot be redeemed. Each cause has its own variant; the texts are what the client
/// reads in `error_description` (all are `invalid_grant`, RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    /// No such code in this partition (or a value no code can have).
    #[error("the authorization code is invalid or has expired")]
    Unknown,
    /// The code was issued to another client. Whether consumed or not, this changes nothing:
    /// revoking here would let any client that saw a used code end another client's sign-in.
    #[error("the authorization code was issued to another client application")]
    OtherClient,
    /// The code was issued by the other realm of the same partition.
    #[error(
        "the authorization code was issued by the other realm of this partition; redeem it at the issuer that issued it"
    )]
    OtherRealm,
    /// The code (or its grant) has expired, or the grant was revoked.
    #[error("the authorization code has expired")]
    Expired,
    /// `redirect_uri` differs from the authorization request's (RFC 6749 §4.1.3).
    #[error("redirect_uri differs from the one in the authorization request")]
    RedirectMismatch,
    /// The PKCE verifier does not fit the code's challenge (RFC 7636 §4.6).
    #[error("{0}")]
    Pkce(#[from] PkceError),
    /// A second use of a code by its own client, passing every binding: the caller revokes the
    /// grant before answering.
    #[error("the authorization code was already used; the tokens issued for it have been revoked")]
    Replayed {
        /// The grant the code started, to revoke.
        grant_id: uuid::Uuid,
    },
}

/// What the token request presents with the code.
#[derive(Debug, Clone, Copy)]
pub struct Presentation<'a> {
    /// The authenticated client.
    pub client: ClientId,
    /// The realm whose token endpoint received the request.
    pub realm: Realm,
    /// The request's `redirect_uri`.
    pub redirect_uri: &'a str,
    /// The request's `code_verifier`.
    pub code_verifier: Option<&'a str>,
}

/// Refuses a code value before it is hashed and looked up.
///
/// # Errors
/// [`RedeemError::Unknown`] for a value longer than [`MAX_CODE_LEN`].
pub fn check_value(code: &str) -> Result<(), RedeemError> {
    if code.len() > MAX_CODE_LEN {
        Err(RedeemError::Unknown)
    } else {
        Ok(())
    }
}

/// Decides a presentation of the stored code `found` before the store consumes it.
///
/// The client is compared first. A consumed code is then a replay only when the realm, the
/// redirect URI and the PKCE verifier fit (its expiry no longer matters): otherwise anyone who
/// saw a used SPA code — whose client id is public — could end the sign-in without the
/// verifier. An unconsumed code must also be unexpired, and its grant live.
///
/// # Errors
/// The first [`RedeemError`] that applies; [`RedeemError::Replayed`] asks the caller to revoke.
pub fn check(
    found: &CodeLookup,
    presented: &Presentation<'_>,
    clock: &dyn Clock,
) -> Result<(), RedeemError> {
    if found.grant.client_id != presented.client {
        return Err(RedeemError::OtherClient);
    }
    if found.consumed {
        bindings(found, presented, None)?;
        return Err(RedeemError::Replayed {
            grant_id: found.grant.id,
        });
    }
    bindings(found, presented, Some(clock))
}

/// Decides the grant as the store returned it on consuming the code: it may have been revoked
/// (or have expired) between the look-up and the consumption.
///
/// # Errors
/// [`RedeemError::Expired`] when the grant is no longer live.
pub fn check_consumed(grant: &Grant, clock: &dyn Clock) -> Result<(), RedeemError> {
    if grant.is_live(clock.now()) {
        Ok(())
    } else {
        Err(RedeemError::Expired)
    }
}

/// What the code is bound to besides its client: realm, expiry (when `clock` is given),
/// redirect URI and PKCE, in that order.
fn bindings(
    found: &CodeLookup,
    presented: &Presentation<'_>,
    clock: Option<&dyn Clock>,
) -> Result<(), RedeemError> {
    if found.grant.realm != presented.realm {
        return Err(RedeemError::OtherRealm);
    }
    if let Some(clock) = clock {
        let now = clock.now();
        if found.code.expires_at <= now || !found.grant.is_live(now) {
            return Err(RedeemError::Expired);
        }
    }
    if found.code.redirect_uri != presented.redirect_uri {
        return Err(RedeemError::RedirectMismatch);
    }
    pkce::verify(
        found.code.code_challenge.as_deref(),
        presented.code_verifier,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::{Duration, OffsetDateTime};

    use super::*;
    use crate::auth_method::AuthMethod;
    use crate::clock::MockClock;
    use crate::grant::AuthorizationCode;
    use crate::ids::PartitionId;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const REDIRECT: &str = "https://app.example/cb";

    fn start() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    fn client(n: u128) -> ClientId {
        uuid::Uuid::from_u128(n)
    }

    /// A code issued to client 1 at the users realm, valid 60 s, its grant 1 day.
    fn found(consumed: bool) -> CodeLookup {
        let partition = PartitionId::parse("acme").unwrap();
        let grant = Grant {
            id: uuid::Uuid::from_u128(7),
            partition: partition.clone(),
            realm: Realm::Users,
            client_id: client(1),
            subject: uuid::Uuid::from_u128(9),
            scope: "openid".into(),
            session_id: uuid::Uuid::from_u128(8),
            auth_time: start(),
            auth_method: AuthMethod::Password,
            claims_request: None,
            created_at: start(),
            expires_at: start() + Duration::days(1),
            revoked_at: None,
        };
        let code = AuthorizationCode {
            hash: vec![1; 32],
            partition,
            grant_id: grant.id,
            redirect_uri: REDIRECT.into(),
            nonce: None,
            code_challenge: Some(CHALLENGE.into()),
            created_at: start(),
            expires_at: start() + Duration::seconds(60),
        };
        CodeLookup {
            code,
            grant,
            consumed,
        }
    }

    fn rightful() -> Presentation<'static> {
        Presentation {
            client: client(1),
            realm: Realm::Users,
            redirect_uri: REDIRECT,
            code_verifier: Some(VERIFIER),
        }
    }

    #[test]
    fn the_rightful_presentation_passes() {
        let clock = MockClock::new(start());
        assert_eq!(check(&found(false), &rightful(), &clock), Ok(()));
    }

    #[test]
    fn overlong_values_are_unknown() {
        assert_eq!(check_value(&"a".repeat(43)), Ok(()));
        assert_eq!(check_value(&"a".repeat(128)), Ok(()));
        assert_eq!(check_value(&"a".repeat(129)), Err(RedeemError::Unknown));
    }

    #[test]
    fn another_client_is_refused_consumed_or_not_and_never_revokes() {
        let clock = MockClock::new(start());
        let other = Presentation {
            client: client(2),
            ..rightful()
        };
        for consumed in [false, true] {
            assert_eq!(
                check(&found(consumed), &other, &clock),
                Err(RedeemError::OtherClient)
            );
        }
    }

    #[test]
    fn the_other_realm_is_refused() {
        let clock = MockClock::new(start());
        let at_customers = Presentation {
            realm: Realm::Customers,
            ..rightful()
        };
        assert_eq!(
            check(&found(false), &at_customers, &clock),
            Err(RedeemError::OtherRealm)
        );
    }

    #[test]
    fn a_code_expires_at_its_expiry_and_with_its_grant() {
        let clock = MockClock::new(start());
        clock.advance(Duration::seconds(59));
        assert_eq!(check(&found(false), &rightful(), &clock), Ok(()));
        clock.advance(Duration::seconds(1));
        assert_eq!(
            check(&found(false), &rightful(), &clock),
            Err(RedeemError::Expired)
        );
        // A revoked grant expires its code at once.
        let clock = MockClock::new(start());
        let mut revoked = found(false);
        revoked.grant.revoked_at = Some(start());
        assert_eq!(
            check(&revoked, &rightful(), &clock),
            Err(RedeemError::Expired)
        );
    }

    #[test]
    fn the_redirect_uri_must_be_the_requests() {
        let clock = MockClock::new(start());
        for other in ["https://app.example/other", "https://app.example/cb/", ""] {
            let p = Presentation {
                redirect_uri: other,
                ..rightful()
            };
            assert_eq!(
                check(&found(false), &p, &clock),
                Err(RedeemError::RedirectMismatch),
                "{other:?}"
            );
        }
    }

    #[test]
    fn pkce_failures_name_their_cause() {
        let clock = MockClock::new(start());
        let with = |v: Option<&'static str>| Presentation {
            code_verifier: v,
            ..rightful()
        };
        let cases = [
            (None, PkceError::MissingVerifier),
            (
                Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXa"),
                PkceError::Mismatch,
            ),
            (Some("short"), PkceError::MalformedVerifier),
        ];
        for (verifier, cause) in cases {
            assert_eq!(
                check(&found(false), &with(verifier), &clock),
                Err(RedeemError::Pkce(cause))
            );
        }
        // A code issued without a challenge: a verifier is a downgrade attempt, none is fine.
        let mut plain = found(false);
        plain.code.code_challenge = None;
        assert_eq!(
            check(&plain, &rightful(), &clock),
            Err(RedeemError::Pkce(PkceError::UnexpectedVerifier))
        );
        assert_eq!(check(&plain, &with(None), &clock), Ok(()));
    }

    #[test]
    fn a_consumed_code_is_a_replay_only_when_the_bindings_fit() {
        let clock = MockClock::new(start());
        // Long after its expiry: a replay is a replay.
        clock.advance(Duration::hours(2));
        assert_eq!(
            check(&found(true), &rightful(), &clock),
            Err(RedeemError::Replayed {
                grant_id: uuid::Uuid::from_u128(7)
            })
        );
        // Without the verifier (a SPA's client id is public), no revocation.
        let no_verifier = Presentation {
            code_verifier: None,
            ..rightful()
        };
        assert_eq!(
            check(&found(true), &no_verifier, &clock),
            Err(RedeemError::Pkce(PkceError::MissingVerifier))
        );
        let elsewhere = Presentation {
            redirect_uri: "https://evil.example/cb",
            ..rightful()
        };
        assert_eq!(
            check(&found(true), &elsewhere, &clock),
            Err(RedeemError::RedirectMismatch)
        );
        let other_realm = Presentation {
            realm: Realm::Customers,
            ..rightful()
        };
        assert_eq!(
            check(&found(true), &other_realm, &clock),
            Err(RedeemError::OtherRealm)
        );
    }

    #[test]
    fn the_consumed_grant_must_still_be_live() {
        let clock = MockClock::new(start());
        let mut grant = found(false).grant;
        assert_eq!(check_consumed(&grant, &clock), Ok(()));
        grant.revoked_at = Some(start());
        assert_eq!(check_consumed(&grant, &clock), Err(RedeemError::Expired));
        grant.revoked_at = None;
        clock.advance(Duration::days(1));
        assert_eq!(check_consumed(&grant, &clock), Err(RedeemError::Expired));
    }

    #[test]
    fn messages_are_the_token_endpoints() {
        assert_eq!(
            RedeemError::Pkce(PkceError::MissingVerifier).to_string(),
            "code_verifier is required: the authorization request carried a code_challenge"
        );
        assert_eq!(
            RedeemError::Replayed {
                grant_id: uuid::Uuid::nil()
            }
            .to_string(),
            "the authorization code was already used; the tokens issued for it have been revoked"
        );
    }
}
