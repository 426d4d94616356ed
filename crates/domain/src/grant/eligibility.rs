//! Which client may use which of the grants a client makes without a browser — client
//! credentials (RFC 6749 §4.4), on-behalf-of (docs/flows/on-behalf-of.md) and token exchange
//! (RFC 8693, docs/flows/token-exchange.md) — and the request parameters each requires, apart
//! from looking accounts and identity providers up.

use tessera_oauth_types::token_type;

use crate::client::{ClientApplication, Platform};
use crate::identity_provider::IdentityProvider;
use crate::ids::Realm;

/// Why a client may not use a grant, or a request of it is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityError {
    /// Client credentials at the customers realm: a client acts as itself at the users realm.
    #[error("client credentials are served only at the users realm: use {users_token_endpoint}")]
    ClientCredentialsAtCustomers {
        /// The token endpoint to use instead.
        users_token_endpoint: String,
    },
    /// A SPA has no secret to authenticate itself with.
    #[error(
        "a single-page application cannot use client credentials; it signs users in with the authorization code flow and PKCE"
    )]
    SpaClientCredentials,
    /// The resource owner password grant, which RFC 9700 §2.4 forbids.
    #[error(
        "the resource owner password grant is not supported; for on-behalf-of send subject_username or subject_userid (users realm) or subject_email (customers realm) and no password"
    )]
    PasswordGrant,
    /// On-behalf-of needs a Web application with a secret.
    #[error(
        "a single-page application cannot use on-behalf-of; it needs a Web application with a secret"
    )]
    SpaOnBehalfOf,
    /// On-behalf-of is switched off for the client.
    #[error(
        "on-behalf-of is not enabled for this client application; a Partition Administrator can switch on 'Client On-Behalf-Of (OBO) Flow'"
    )]
    OnBehalfOfDisabled,
    /// `subject_email` at the users realm.
    #[error(
        "subject_email names a customer: request it at the customers realm (-C) token endpoint"
    )]
    EmailAtUsers,
    /// Both `subject_username` and `subject_userid`.
    #[error("send subject_username or subject_userid, not both")]
    BothUserNames,
    /// Neither `subject_username` nor `subject_userid` at the users realm.
    #[error("the subject_username or subject_userid parameter is required")]
    NoUserName,
    /// `subject_username` or `subject_userid` at the customers realm.
    #[error(
        "subject_username and subject_userid name users: request them at the users realm (-U) token endpoint; customers are named by subject_email"
    )]
    UserNameAtCustomers,
    /// No `subject_email` at the customers realm.
    #[error("the subject_email parameter is required at the customers realm")]
    NoEmail,
    /// Token exchange is switched off for the client, or the client is a SPA.
    #[error(
        "token exchange is not enabled for this client application; a Partition Administrator can switch on 'Token Exchange Grant Type' (Web applications only)"
    )]
    TokenExchangeDisabled,
    /// A `subject_token_type` other than an access token, a JWT or an ID token (RFC 8693 §2.1).
    #[error(
        "subject_token_type must be {}, {} or {}",
        token_type::ACCESS_TOKEN,
        token_type::JWT,
        token_type::ID_TOKEN
    )]
    SubjectTokenType,
    /// A `requested_token_type` other than an access token.
    #[error("only {} can be requested", token_type::ACCESS_TOKEN)]
    RequestedTokenType,
    /// The identity provider is disabled.
    #[error("this identity provider is disabled")]
    ProviderDisabled,
    /// The identity provider maps to the other realm.
    #[error(
        "this identity provider maps to the {} realm; request the exchange at its token endpoint (-{})",
        .0.as_str(),
        .0.suffix()
    )]
    ProviderOfOtherRealm(Realm),
}

/// Whether `client` may use client credentials at `realm`; `users_token_endpoint` names the
/// address to use instead.
///
/// # Errors
/// [`EligibilityError::ClientCredentialsAtCustomers`] or
/// [`EligibilityError::SpaClientCredentials`].
pub fn client_credentials(
    client: &ClientApplication,
    realm: Realm,
    users_token_endpoint: impl FnOnce() -> String,
) -> Result<(), EligibilityError> {
    if realm != Realm::Users {
        return Err(EligibilityError::ClientCredentialsAtCustomers {
            users_token_endpoint: users_token_endpoint(),
        });
    }
    if client.platform != Platform::Web {
        return Err(EligibilityError::SpaClientCredentials);
    }
    Ok(())
}

/// Refuses the resource owner password grant: `grant_type=password` is served only as the
/// platform's on-behalf-of, which sends no `username` or `password`.
///
/// # Errors
/// [`EligibilityError::PasswordGrant`].
pub fn not_a_password_grant(
    username: Option<&str>,
    password: Option<&str>,
) -> Result<(), EligibilityError> {
    if username.is_some() || password.is_some() {
        Err(EligibilityError::PasswordGrant)
    } else {
        Ok(())
    }
}

/// Whether `client` may act on behalf of a user or customer.
///
/// # Errors
/// [`EligibilityError::SpaOnBehalfOf`] or [`EligibilityError::OnBehalfOfDisabled`].
pub fn on_behalf_of(client: &ClientApplication) -> Result<(), EligibilityError> {
    if client.platform != Platform::Web {
        return Err(EligibilityError::SpaOnBehalfOf);
    }
    if !client.obo_enabled {
        return Err(EligibilityError::OnBehalfOfDisabled);
    }
    Ok(())
}

/// The account an on-behalf-of request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OboSubject<'a> {
    /// A user by `subject_username`.
    Username(&'a str),
    /// A user by `subject_userid`.
    UserId(&'a str),
    /// A customer by `subject_email`.
    Email(&'a str),
}

/// Reads the `subject_*` parameters of an on-behalf-of request at `realm`: users are named by
/// user name or id, customers by email, one way only.
///
/// # Errors
/// The [`EligibilityError`] naming the misplaced, doubled or missing parameter.
pub fn obo_subject<'a>(
    realm: Realm,
    username: Option<&'a str>,
    userid: Option<&'a str>,
    email: Option<&'a str>,
) -> Result<OboSubject<'a>, EligibilityError> {
    match realm {
        Realm::Users => {
            if email.is_some() {
                return Err(EligibilityError::EmailAtUsers);
            }
            match (username, userid) {
                (Some(_), Some(_)) => Err(EligibilityError::BothUserNames),
                (None, None) => Err(EligibilityError::NoUserName),
                (Some(name), None) => Ok(OboSubject::Username(name)),
                (None, Some(id)) => Ok(OboSubject::UserId(id)),
            }
        }
        Realm::Customers => {
            if username.is_some() || userid.is_some() {
                return Err(EligibilityError::UserNameAtCustomers);
            }
            email
                .map(OboSubject::Email)
                .ok_or(EligibilityError::NoEmail)
        }
    }
}

/// Whether `client` may exchange tokens: a Web application with the switch on.
///
/// # Errors
/// [`EligibilityError::TokenExchangeDisabled`].
pub fn token_exchange(client: &ClientApplication) -> Result<(), EligibilityError> {
    if client.platform == Platform::Web && client.token_exchange_enabled {
        Ok(())
    } else {
        Err(EligibilityError::TokenExchangeDisabled)
    }
}

/// Checks the token types of an exchange (RFC 8693 §2.1): the subject token is an identity
/// provider's access token, JWT or ID token, and only an access token can be asked for.
///
/// # Errors
/// [`EligibilityError::SubjectTokenType`] or [`EligibilityError::RequestedTokenType`].
pub fn token_types(
    subject_token_type: &str,
    requested_token_type: Option<&str>,
) -> Result<(), EligibilityError> {
    match subject_token_type {
        token_type::ACCESS_TOKEN | token_type::JWT | token_type::ID_TOKEN => {}
        _ => return Err(EligibilityError::SubjectTokenType),
    }
    if requested_token_type.is_some_and(|t| t != token_type::ACCESS_TOKEN) {
        return Err(EligibilityError::RequestedTokenType);
    }
    Ok(())
}

/// Whether `idp` may vouch for an account of `realm`: enabled, and mapped to that realm.
///
/// # Errors
/// [`EligibilityError::ProviderDisabled`] or [`EligibilityError::ProviderOfOtherRealm`].
pub fn provider(idp: &IdentityProvider, realm: Realm) -> Result<(), EligibilityError> {
    if !idp.enabled {
        return Err(EligibilityError::ProviderDisabled);
    }
    if idp.realm != realm {
        return Err(EligibilityError::ProviderOfOtherRealm(idp.realm));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
