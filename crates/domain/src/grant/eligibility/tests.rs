//! Every refusal of the grants a client makes without a browser.

use time::OffsetDateTime;

use super::*;
use crate::client::{DEFAULT_ID_TOKEN_ALG, ResourceType};
use crate::identity_provider::MatchAttribute;
use crate::ids::PartitionId;

fn client(platform: Platform, obo: bool, exchange: bool) -> ClientApplication {
    ClientApplication {
        partition: PartitionId::parse("acme").unwrap(),
        client_id: uuid::Uuid::from_u128(1),
        name: "Backend".into(),
        resource_type: ResourceType::Global,
        platform,
        redirect_urls: vec![],
        post_logout_redirect_urls: vec![],
        obo_enabled: obo,
        token_exchange_enabled: exchange,
        access_token_ttl: 3600,
        enabled: true,
        id_token_signed_response_alg: DEFAULT_ID_TOKEN_ALG,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: true,
        frontchannel_logout_uri: None,
        frontchannel_logout_session_required: true,
        permissions: vec![],
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn idp(realm: Realm, enabled: bool) -> IdentityProvider {
    IdentityProvider {
        id: uuid::Uuid::nil(),
        partition: PartitionId::parse("acme").unwrap(),
        name: "SSO".into(),
        issuer: "https://sso.example".into(),
        jwks_uri: Some("https://sso.example/keys".into()),
        jwks: None,
        audiences: vec!["api://tessera".into()],
        realm,
        match_claim: "email".into(),
        match_attribute: MatchAttribute::Email,
        require_email_verified: true,
        enabled,
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

const USERS_TOKEN: &str = "https://id.example/system/auth/acme-U/oauth2/token";

#[test]
fn client_credentials_are_for_web_apps_at_the_users_realm() {
    let web = client(Platform::Web, false, false);
    let endpoint = || USERS_TOKEN.to_owned();
    assert_eq!(client_credentials(&web, Realm::Users, endpoint), Ok(()));
    let e = client_credentials(&web, Realm::Customers, endpoint).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("client credentials are served only at the users realm: use {USERS_TOKEN}")
    );
    let spa = client(Platform::Spa, false, false);
    assert_eq!(
        client_credentials(&spa, Realm::Users, endpoint),
        Err(EligibilityError::SpaClientCredentials)
    );
}

#[test]
fn the_password_grant_is_only_on_behalf_of() {
    assert_eq!(not_a_password_grant(None, None), Ok(()));
    for (u, p) in [
        (Some("ann"), None),
        (None, Some("pw")),
        (Some("ann"), Some("pw")),
    ] {
        assert_eq!(
            not_a_password_grant(u, p),
            Err(EligibilityError::PasswordGrant)
        );
    }
}

#[test]
fn on_behalf_of_needs_a_web_app_with_the_switch_on() {
    assert_eq!(on_behalf_of(&client(Platform::Web, true, false)), Ok(()));
    assert_eq!(
        on_behalf_of(&client(Platform::Spa, true, false)),
        Err(EligibilityError::SpaOnBehalfOf)
    );
    assert_eq!(
        on_behalf_of(&client(Platform::Web, false, false)),
        Err(EligibilityError::OnBehalfOfDisabled)
    );
}

#[test]
fn on_behalf_of_names_users_by_name_or_id_and_customers_by_email() {
    let users = |u, i, e| obo_subject(Realm::Users, u, i, e);
    assert_eq!(
        users(Some("ann"), None, None),
        Ok(OboSubject::Username("ann"))
    );
    assert_eq!(users(None, Some("42"), None), Ok(OboSubject::UserId("42")));
    assert_eq!(
        users(Some("ann"), None, Some("a@x")),
        Err(EligibilityError::EmailAtUsers)
    );
    assert_eq!(
        users(Some("ann"), Some("42"), None),
        Err(EligibilityError::BothUserNames)
    );
    assert_eq!(users(None, None, None), Err(EligibilityError::NoUserName));
    let customers = |u, i, e| obo_subject(Realm::Customers, u, i, e);
    assert_eq!(
        customers(None, None, Some("c@x")),
        Ok(OboSubject::Email("c@x"))
    );
    assert_eq!(
        customers(Some("ann"), None, Some("c@x")),
        Err(EligibilityError::UserNameAtCustomers)
    );
    assert_eq!(
        customers(None, Some("42"), None),
        Err(EligibilityError::UserNameAtCustomers)
    );
    assert_eq!(customers(None, None, None), Err(EligibilityError::NoEmail));
}

#[test]
fn token_exchange_needs_a_web_app_with_the_switch_on() {
    assert_eq!(token_exchange(&client(Platform::Web, false, true)), Ok(()));
    for c in [
        client(Platform::Web, false, false),
        client(Platform::Spa, false, true),
    ] {
        assert_eq!(
            token_exchange(&c),
            Err(EligibilityError::TokenExchangeDisabled)
        );
    }
}

#[test]
fn token_exchange_takes_provider_tokens_for_an_access_token() {
    for t in [
        token_type::ACCESS_TOKEN,
        token_type::JWT,
        token_type::ID_TOKEN,
    ] {
        assert_eq!(token_types(t, None), Ok(()));
    }
    assert_eq!(
        token_types(token_type::JWT, Some(token_type::ACCESS_TOKEN)),
        Ok(())
    );
    assert_eq!(
        token_types("urn:ietf:params:oauth:token-type:saml2", None),
        Err(EligibilityError::SubjectTokenType)
    );
    assert_eq!(
        token_types(token_type::JWT, Some(token_type::ID_TOKEN)),
        Err(EligibilityError::RequestedTokenType)
    );
}

#[test]
fn the_provider_must_be_enabled_and_of_the_realm() {
    assert_eq!(provider(&idp(Realm::Users, true), Realm::Users), Ok(()));
    assert_eq!(
        provider(&idp(Realm::Users, false), Realm::Users),
        Err(EligibilityError::ProviderDisabled)
    );
    let e = provider(&idp(Realm::Customers, true), Realm::Users).unwrap_err();
    assert_eq!(e, EligibilityError::ProviderOfOtherRealm(Realm::Customers));
    assert_eq!(
        e.to_string(),
        "this identity provider maps to the customers realm; request the exchange at its token endpoint (-C)"
    );
}
