//! Whether a presented refresh token may be exchanged, and for what (RFC 6749 §6, RFC 9700
//! §4.14.2): the decisions of the token endpoint's refresh grant, apart from the store.
//!
//! Refresh tokens rotate: every exchange returns a new one and marks the old one used. A used
//! token presented again ([`RefreshError::Reused`]) means that two parties hold it, one of them
//! not the client; the caller revokes the grant, and with it every token of the sign-in. A
//! request may narrow the scope ([`narrow`]); it may never widen it (RFC 6749 §6).

use crate::clock::Clock;
use crate::grant::{Grant, RefreshToken, Rotation};
use crate::ids::{ClientId, Realm};
use crate::permission::short_form;
use crate::scope::GrantedScopes;

/// Longest refresh token value looked up (issued ones are 43 characters).
pub const MAX_TOKEN_LEN: usize = 128;

/// The one answer for a token that does not work for this request, whatever the cause: someone
/// else's token says nothing about itself.
const UNUSABLE: &str = "the refresh token is invalid, expired or revoked";

/// Why a refresh was refused. Each cause has its own variant; those that must not tell a
/// client about someone else's token share one text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    /// No such token in this partition (or a value no token can have).
    #[error("{UNUSABLE}")]
    Unknown,
    /// The token belongs to another client's grant.
    #[error("{UNUSABLE}")]
    OtherClient,
    /// The token was issued by the other realm of this partition.
    #[error("{UNUSABLE}")]
    OtherRealm,
    /// The token, or its grant, has expired or was revoked.
    #[error("{UNUSABLE}")]
    Expired,
    /// The token was exchanged before (RFC 9700 §4.14.2): the caller revokes the grant before
    /// answering.
    #[error(
        "the refresh token was already used; for safety every token of this sign-in has been revoked — sign in again"
    )]
    Reused {
        /// The grant (token family) to revoke.
        grant_id: uuid::Uuid,
    },
    /// The request asks for scopes the grant does not hold (any more): `invalid_scope`.
    #[error(
        "a refresh can only narrow the original grant; not granted originally (or no longer assigned): {}",
        quoted(.scopes)
    )]
    Wider {
        /// The refused values as requested (each cut to 120 characters).
        scopes: Vec<String>,
    },
}

fn quoted(scopes: &[String]) -> String {
    scopes
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a token value before it is hashed and looked up.
///
/// # Errors
/// [`RefreshError::Unknown`] for a value longer than [`MAX_TOKEN_LEN`].
pub fn check_value(value: &str) -> Result<(), RefreshError> {
    if value.len() > MAX_TOKEN_LEN {
        Err(RefreshError::Unknown)
    } else {
        Ok(())
    }
}

/// Decides a presentation of the stored `token` of `grant` by `client` at `realm`: someone
/// else's token first (saying nothing about it), then reuse, then expiry.
///
/// # Errors
/// The first [`RefreshError`] that applies; [`RefreshError::Reused`] asks the caller to revoke.
pub fn check(
    token: &RefreshToken,
    grant: &Grant,
    client: ClientId,
    realm: Realm,
    clock: &dyn Clock,
) -> Result<(), RefreshError> {
    if grant.client_id != client {
        return Err(RefreshError::OtherClient);
    }
    if grant.realm != realm {
        return Err(RefreshError::OtherRealm);
    }
    if token.used_at.is_some() {
        return Err(RefreshError::Reused { grant_id: grant.id });
    }
    if !token.is_live(grant, clock.now()) {
        return Err(RefreshError::Expired);
    }
    Ok(())
}

/// Decides what the store's compare-and-set found: a token used in the meantime is a reuse
/// (two requests raced with one token: one of them is not the legitimate client).
///
/// # Errors
/// [`RefreshError::Reused`] for [`Rotation::AlreadyUsed`].
pub fn check_rotation(rotation: Rotation, grant: &Grant) -> Result<(), RefreshError> {
    match rotation {
        Rotation::Rotated => Ok(()),
        Rotation::AlreadyUsed => Err(RefreshError::Reused { grant_id: grant.id }),
    }
}

/// The scope of the refreshed tokens: `granted` (what the grant still holds) when the request
/// names none, else exactly the requested part of it. Requested values may carry the
/// partition's permission `prefix`.
///
/// # Errors
/// [`RefreshError::Wider`] listing every requested value `granted` does not hold.
pub fn narrow(
    granted: &GrantedScopes,
    requested: Option<&str>,
    prefix: &str,
) -> Result<GrantedScopes, RefreshError> {
    let Some(requested) = requested else {
        return Ok(granted.clone());
    };
    let mut narrowed = GrantedScopes::default();
    let mut wider = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        let name = short_form(s, prefix);
        if let Some(o) = granted.oidc.iter().find(|o| **o == name) {
            narrowed.oidc.insert(o);
        } else if granted.permissions.contains(name) {
            narrowed.permissions.insert(name.to_owned());
        } else {
            wider.push(s.chars().take(120).collect::<String>());
        }
    }
    if wider.is_empty() {
        Ok(narrowed)
    } else {
        Err(RefreshError::Wider { scopes: wider })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::{Duration, OffsetDateTime};

    use super::*;
    use crate::auth_method::AuthMethod;
    use crate::clock::MockClock;
    use crate::ids::PartitionId;
    use crate::scope::OIDC_SCOPES;

    const PREFIX: &str = "app.";

    fn start() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    /// A grant of client 1 at the users realm for a day, and its fresh token for an hour.
    fn family() -> (RefreshToken, Grant) {
        let partition = PartitionId::parse("acme").unwrap();
        let grant = Grant {
            id: uuid::Uuid::from_u128(7),
            partition: partition.clone(),
            realm: Realm::Users,
            client_id: uuid::Uuid::from_u128(1),
            subject: uuid::Uuid::from_u128(9),
            scope: "openid offline_access".into(),
            session_id: uuid::Uuid::from_u128(8),
            auth_time: start(),
            auth_method: AuthMethod::Password,
            claims_request: None,
            created_at: start(),
            expires_at: start() + Duration::days(1),
            revoked_at: None,
        };
        let token = RefreshToken {
            hash: vec![2; 32],
            partition,
            grant_id: grant.id,
            created_at: start(),
            expires_at: start() + Duration::hours(1),
            used_at: None,
        };
        (token, grant)
    }

    fn presented(
        token: &RefreshToken,
        grant: &Grant,
        clock: &MockClock,
    ) -> Result<(), RefreshError> {
        check(token, grant, uuid::Uuid::from_u128(1), Realm::Users, clock)
    }

    fn granted(oidc: &[&'static str], permissions: &[&str]) -> GrantedScopes {
        GrantedScopes {
            oidc: oidc.iter().copied().collect(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn a_fresh_token_of_the_client_passes() {
        let (token, grant) = family();
        assert_eq!(presented(&token, &grant, &MockClock::new(start())), Ok(()));
    }

    #[test]
    fn overlong_values_are_unknown() {
        assert_eq!(check_value(&"r".repeat(128)), Ok(()));
        assert_eq!(check_value(&"r".repeat(129)), Err(RefreshError::Unknown));
    }

    #[test]
    fn someone_elses_token_says_nothing_about_itself() {
        let (token, grant) = family();
        let clock = MockClock::new(start());
        let other = check(
            &token,
            &grant,
            uuid::Uuid::from_u128(2),
            Realm::Users,
            &clock,
        );
        assert_eq!(other, Err(RefreshError::OtherClient));
        let realm = check(&token, &grant, grant.client_id, Realm::Customers, &clock);
        assert_eq!(realm, Err(RefreshError::OtherRealm));
        // Even a used one: another client's presentation revokes nothing.
        let mut used = token;
        used.used_at = Some(start());
        let other = check(
            &used,
            &grant,
            uuid::Uuid::from_u128(2),
            Realm::Users,
            &clock,
        );
        assert_eq!(other, Err(RefreshError::OtherClient));
        for e in [
            RefreshError::Unknown,
            RefreshError::OtherClient,
            RefreshError::OtherRealm,
            RefreshError::Expired,
        ] {
            assert_eq!(e.to_string(), UNUSABLE);
        }
    }

    #[test]
    fn a_used_token_is_reuse_even_after_expiry() {
        let (mut token, grant) = family();
        token.used_at = Some(start());
        let clock = MockClock::new(start());
        clock.advance(Duration::hours(3));
        assert_eq!(
            presented(&token, &grant, &clock),
            Err(RefreshError::Reused { grant_id: grant.id })
        );
    }

    #[test]
    fn tokens_expire_with_their_sliding_expiry_and_their_grant() {
        let (token, mut grant) = family();
        let clock = MockClock::new(start());
        clock.advance(Duration::minutes(59));
        assert_eq!(presented(&token, &grant, &clock), Ok(()));
        clock.advance(Duration::minutes(1));
        assert_eq!(
            presented(&token, &grant, &clock),
            Err(RefreshError::Expired)
        );
        let clock = MockClock::new(start());
        grant.revoked_at = Some(start());
        assert_eq!(
            presented(&token, &grant, &clock),
            Err(RefreshError::Expired)
        );
    }

    #[test]
    fn a_lost_race_is_reuse() {
        let (_, grant) = family();
        assert_eq!(check_rotation(Rotation::Rotated, &grant), Ok(()));
        assert_eq!(
            check_rotation(Rotation::AlreadyUsed, &grant),
            Err(RefreshError::Reused { grant_id: grant.id })
        );
    }

    #[test]
    fn narrowing_keeps_what_is_asked_and_refuses_more() {
        let g = granted(&["openid", "offline_access"], &["docs.read", "docs.write"]);
        assert_eq!(narrow(&g, None, PREFIX), Ok(g.clone()));
        assert_eq!(
            narrow(&g, Some("openid  app.docs.read"), PREFIX),
            Ok(granted(&["openid"], &["docs.read"]))
        );
        assert_eq!(narrow(&g, Some(""), PREFIX), Ok(GrantedScopes::default()));
        let e = narrow(&g, Some("openid profile app.docs.admin"), PREFIX).unwrap_err();
        assert_eq!(
            e,
            RefreshError::Wider {
                scopes: vec!["profile".into(), "app.docs.admin".into()]
            }
        );
        assert_eq!(
            e.to_string(),
            "a refresh can only narrow the original grant; not granted originally (or no longer assigned): 'profile', 'app.docs.admin'"
        );
        let long = "x".repeat(300);
        let Err(RefreshError::Wider { scopes }) = narrow(&g, Some(&long), PREFIX) else {
            panic!("a wider scope");
        };
        assert_eq!(scopes, vec!["x".repeat(120)]);
    }

    /// Permissions a grant may hold in the property tests.
    const PERMISSIONS: [&str; 4] = ["docs.read", "docs.write", "mail.send", "files.list"];

    fn scope_names() -> Vec<String> {
        OIDC_SCOPES
            .iter()
            .map(|s| (*s).to_owned())
            .chain(PERMISSIONS.iter().map(|p| (*p).to_owned()))
            .collect()
    }

    fn granted_of(picks: &[bool]) -> GrantedScopes {
        let mut g = GrantedScopes::default();
        for (name, on) in scope_names().iter().zip(picks) {
            if !on {
                continue;
            }
            match OIDC_SCOPES.iter().find(|o| **o == name) {
                Some(o) => {
                    g.oidc.insert(o);
                }
                None => {
                    g.permissions.insert(name.clone());
                }
            }
        }
        g
    }

    fn holds(g: &GrantedScopes, name: &str) -> bool {
        g.oidc.iter().any(|o| *o == name) || g.permissions.contains(name)
    }

    proptest! {
        /// Whatever is asked, the result is within the grant, and exactly the request.
        #[test]
        fn a_narrowed_scope_is_the_requested_part_of_the_grant(
            held in proptest::collection::vec(any::<bool>(), 10),
            asked in proptest::collection::vec((0usize..10, any::<bool>()), 0..12),
        ) {
            let names = scope_names();
            let g = granted_of(&held);
            let request: Vec<String> = asked
                .iter()
                .map(|(i, prefixed)| {
                    let n = &names[i % names.len()];
                    if *prefixed && PERMISSIONS.contains(&n.as_str()) { format!("{PREFIX}{n}") } else { n.clone() }
                })
                .collect();
            let joined = request.join(" ");
            let refused: Vec<String> = request
                .iter()
                .filter(|r| !holds(&g, short_form(r, PREFIX)))
                .cloned()
                .collect();
            match narrow(&g, Some(&joined), PREFIX) {
                Ok(n) => {
                    prop_assert!(refused.is_empty());
                    prop_assert!(n.oidc.is_subset(&g.oidc));
                    prop_assert!(n.permissions.is_subset(&g.permissions));
                    for r in &request {
                        prop_assert!(holds(&n, short_form(r, PREFIX)), "{r} kept");
                    }
                    let kept = n.oidc.len() + n.permissions.len();
                    let distinct: std::collections::BTreeSet<&str> =
                        request.iter().map(|r| short_form(r, PREFIX)).collect();
                    prop_assert_eq!(kept, distinct.len());
                    // Narrowing again by the same request changes nothing.
                    prop_assert_eq!(narrow(&n, Some(&joined), PREFIX), Ok(n.clone()));
                }
                Err(RefreshError::Wider { scopes }) => prop_assert_eq!(scopes, refused),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        /// No request widens: every scope outside the grant is refused, with the others.
        #[test]
        fn a_scope_outside_the_grant_is_always_refused(
            held in proptest::collection::vec(any::<bool>(), 10),
            extra in "[a-z]{1,8}\\.[a-z]{1,8}",
        ) {
            let g = granted_of(&held);
            prop_assume!(!holds(&g, &extra));
            let mut request: Vec<String> = g.oidc.iter().map(|o| (*o).to_owned()).collect();
            request.push(extra.clone());
            let result = narrow(&g, Some(&request.join(" ")), "");
            prop_assert_eq!(result, Err(RefreshError::Wider { scopes: vec![extra] }));
        }
    }
}
