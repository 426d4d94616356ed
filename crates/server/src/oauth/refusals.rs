//! How the domain's refusals read at the OAuth interface: the one place that gives each cause
//! of `tessera_domain`'s grant and authorization-request decisions its error code (RFC 6749
//! §4.1.2.1 and §5.2, OIDC Core §3.1.2.6). The text the client reads is the cause's own
//! (`Display`), so a decision and its message cannot drift apart.

use tessera_domain::authorization_request::{OtherAccount, PageError, RequestError};
use tessera_domain::grant::eligibility::EligibilityError;
use tessera_domain::grant::redeem::RedeemError;
use tessera_domain::grant::refresh::RefreshError;
use tessera_domain::scope::ScopeError;
use tessera_oauth_types::ErrorCode;

use super::error::OAuthError;

/// Every refused code presentation is `invalid_grant` (RFC 6749 §5.2).
impl From<RedeemError> for OAuthError {
    fn from(e: RedeemError) -> Self {
        Self::invalid_grant(e.to_string())
    }
}

/// A wider scope is `invalid_scope`; every other refused refresh is `invalid_grant` (RFC 6749
/// §5.2).
impl From<RefreshError> for OAuthError {
    fn from(e: RefreshError) -> Self {
        let code = match e {
            RefreshError::Wider { .. } => ErrorCode::InvalidScope,
            RefreshError::Unknown
            | RefreshError::OtherClient
            | RefreshError::OtherRealm
            | RefreshError::Expired
            | RefreshError::Reused { .. } => ErrorCode::InvalidGrant,
        };
        Self::new(code, e.to_string())
    }
}

/// A client that may not use a grant is `unauthorized_client`; the password grant itself is
/// `unsupported_grant_type`; a malformed request of a grant is `invalid_request` (RFC 6749 §5.2).
impl From<EligibilityError> for OAuthError {
    fn from(e: EligibilityError) -> Self {
        let code = match e {
            EligibilityError::PasswordGrant => ErrorCode::UnsupportedGrantType,
            EligibilityError::ClientCredentialsAtCustomers { .. }
            | EligibilityError::SpaClientCredentials
            | EligibilityError::SpaOnBehalfOf
            | EligibilityError::OnBehalfOfDisabled
            | EligibilityError::TokenExchangeDisabled => ErrorCode::UnauthorizedClient,
            EligibilityError::EmailAtUsers
            | EligibilityError::BothUserNames
            | EligibilityError::NoUserName
            | EligibilityError::UserNameAtCustomers
            | EligibilityError::NoEmail
            | EligibilityError::SubjectTokenType
            | EligibilityError::RequestedTokenType
            | EligibilityError::ProviderDisabled
            | EligibilityError::ProviderOfOtherRealm(_) => ErrorCode::InvalidRequest,
        };
        Self::new(code, e.to_string())
    }
}

/// A scope a grant cannot give this client is `invalid_scope` (RFC 6749 §5.2), whatever the flow.
impl From<ScopeError> for OAuthError {
    fn from(e: ScopeError) -> Self {
        Self::new(ErrorCode::InvalidScope, e.describe())
    }
}

/// A refusal before the redirect URI is trusted: a 400 whose text the authorization endpoint
/// shows on its error page, never sent to a client.
impl From<PageError> for OAuthError {
    fn from(e: PageError) -> Self {
        Self::invalid_request(e.to_string())
    }
}

/// A refusal sent back to the client's redirect URI (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6).
impl From<RequestError> for OAuthError {
    fn from(e: RequestError) -> Self {
        let code = match e {
            RequestError::RequestObject => ErrorCode::RequestNotSupported,
            RequestError::RequestUri => ErrorCode::RequestUriNotSupported,
            RequestError::UnsupportedResponseType(_) => ErrorCode::UnsupportedResponseType,
            RequestError::Scope(_) => ErrorCode::InvalidScope,
            RequestError::UnreachableAcr => ErrorCode::UnmetAuthenticationRequirements,
            RequestError::StateTooLong
            | RequestError::NoResponseType
            | RequestError::ResponseMode
            | RequestError::Pkce(_)
            | RequestError::SpaWithoutPkce
            | RequestError::NonceTooLong
            | RequestError::PromptNoneCombined
            | RequestError::UnsupportedPrompt(_)
            | RequestError::MaxAge
            | RequestError::Claims(_)
            | RequestError::ForeignIdTokenHint => ErrorCode::InvalidRequest,
        };
        Self::new(code, e.to_string())
    }
}

/// The error for the client when an account signed in (or was signed in, with `prompt=none`)
/// that is not the one the request names: `login_required` for a hint, the error OIDC Core
/// §3.1.2.1 suggests; `access_denied` for `sub`, since §5.5.1 forbids answering for anyone else.
#[must_use]
pub(crate) fn other_account(other: OtherAccount, prompt_none: bool) -> OAuthError {
    match (other, prompt_none) {
        (OtherAccount::Hint, true) => OAuthError::new(
            ErrorCode::LoginRequired,
            "prompt=none was requested but the signed-in user is not the one id_token_hint names",
        ),
        (OtherAccount::Hint, false) => OAuthError::new(
            ErrorCode::LoginRequired,
            "the user who signed in is not the one id_token_hint names",
        ),
        (OtherAccount::ClaimsSub, true) => OAuthError::new(
            ErrorCode::LoginRequired,
            "prompt=none was requested but the signed-in user is not the sub the claims parameter asks for",
        ),
        (OtherAccount::ClaimsSub, false) => OAuthError::new(
            ErrorCode::AccessDenied,
            "the user who signed in is not the sub the claims parameter asks for",
        ),
    }
}

#[cfg(test)]
mod tests {
    use tessera_domain::Realm;
    use tessera_domain::claims_request::ClaimsRequestError;
    use tessera_domain::flow::Flow;
    use tessera_domain::pkce::PkceError;

    use super::*;

    /// The code each cause of a refused authorization request travels back with; the e2e
    /// tests send one of each kind (`code_flow_refusals::redirects`).
    #[test]
    fn each_authorization_request_refusal_has_its_code() {
        let cases = [
            (RequestError::StateTooLong, ErrorCode::InvalidRequest),
            (RequestError::RequestObject, ErrorCode::RequestNotSupported),
            (RequestError::RequestUri, ErrorCode::RequestUriNotSupported),
            (RequestError::NoResponseType, ErrorCode::InvalidRequest),
            (
                RequestError::UnsupportedResponseType("token".into()),
                ErrorCode::UnsupportedResponseType,
            ),
            (RequestError::ResponseMode, ErrorCode::InvalidRequest),
            (
                RequestError::Scope(ScopeError::Missing {
                    flow: Flow::AuthorizationCode,
                }),
                ErrorCode::InvalidScope,
            ),
            (
                RequestError::Pkce(PkceError::UnsupportedMethod),
                ErrorCode::InvalidRequest,
            ),
            (RequestError::SpaWithoutPkce, ErrorCode::InvalidRequest),
            (RequestError::NonceTooLong, ErrorCode::InvalidRequest),
            (RequestError::PromptNoneCombined, ErrorCode::InvalidRequest),
            (
                RequestError::UnsupportedPrompt("x".into()),
                ErrorCode::InvalidRequest,
            ),
            (RequestError::MaxAge, ErrorCode::InvalidRequest),
            (
                RequestError::Claims(ClaimsRequestError::NotAnObject),
                ErrorCode::InvalidRequest,
            ),
            (
                RequestError::UnreachableAcr,
                ErrorCode::UnmetAuthenticationRequirements,
            ),
            (RequestError::ForeignIdTokenHint, ErrorCode::InvalidRequest),
        ];
        for (cause, code) in cases {
            let text = cause.to_string();
            let e = OAuthError::from(cause);
            assert_eq!((e.code, e.description), (code, text));
        }
    }

    #[test]
    fn token_endpoint_refusals_have_their_codes() {
        for e in [
            RedeemError::Unknown,
            RedeemError::OtherClient,
            RedeemError::OtherRealm,
            RedeemError::Expired,
            RedeemError::RedirectMismatch,
            RedeemError::Pkce(PkceError::Mismatch),
            RedeemError::Replayed {
                grant_id: uuid::Uuid::nil(),
            },
        ] {
            assert_eq!(OAuthError::from(e).code, ErrorCode::InvalidGrant);
        }
        let e = OAuthError::from(RefreshError::Wider {
            scopes: vec!["x".into()],
        });
        assert_eq!(e.code, ErrorCode::InvalidScope);
        for e in [
            RefreshError::Unknown,
            RefreshError::OtherClient,
            RefreshError::OtherRealm,
            RefreshError::Expired,
            RefreshError::Reused {
                grant_id: uuid::Uuid::nil(),
            },
        ] {
            assert_eq!(OAuthError::from(e).code, ErrorCode::InvalidGrant);
        }
        let cases = [
            (
                EligibilityError::PasswordGrant,
                ErrorCode::UnsupportedGrantType,
            ),
            (
                EligibilityError::SpaClientCredentials,
                ErrorCode::UnauthorizedClient,
            ),
            (
                EligibilityError::OnBehalfOfDisabled,
                ErrorCode::UnauthorizedClient,
            ),
            (EligibilityError::NoEmail, ErrorCode::InvalidRequest),
            (
                EligibilityError::ProviderOfOtherRealm(Realm::Customers),
                ErrorCode::InvalidRequest,
            ),
        ];
        for (cause, code) in cases {
            assert_eq!(OAuthError::from(cause).code, code);
        }
    }

    #[test]
    fn pages_and_other_accounts() {
        let e = OAuthError::from(PageError::UnknownClient);
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(
            other_account(OtherAccount::ClaimsSub, false).code,
            ErrorCode::AccessDenied
        );
        assert_eq!(
            other_account(OtherAccount::Hint, false).code,
            ErrorCode::LoginRequired
        );
    }
}
