//! OAuth 2.0 error codes (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 8693 §2.2.2)
//! and the JSON body that carries them.

use serde::{Deserialize, Serialize};

/// An error code from the OAuth registry. Kept as an enum so a typo cannot reach the wire.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is missing a parameter, repeats one, or is otherwise malformed.
    InvalidRequest,
    /// Client authentication failed (unknown client, wrong secret, disabled client).
    InvalidClient,
    /// The grant (code, refresh token, subject token) is invalid, expired or revoked.
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The grant type is not supported by this server.
    UnsupportedGrantType,
    /// A requested scope is unknown, not assigned, or of the wrong kind.
    InvalidScope,
    /// The resource owner or server denied the request.
    AccessDenied,
    /// The authorization server does not support this `response_type`.
    UnsupportedResponseType,
    /// An unexpected condition; never carries details.
    ServerError,
    /// The server is overloaded or in maintenance; retry later.
    TemporarilyUnavailable,
    /// RFC 6750: the access token is missing, expired, revoked or malformed.
    InvalidToken,
    /// RFC 6750: the token lacks a scope the resource needs.
    InsufficientScope,
    /// RFC 7009: the server cannot revoke this kind of token.
    UnsupportedTokenType,
    /// RFC 8693 §2.2.2: the requested target (audience or resource) is unknown.
    InvalidTarget,
    /// OpenID Connect: `prompt=none` but the user must sign in.
    LoginRequired,
    /// OpenID Connect: the `request` parameter (request objects) is not supported.
    RequestNotSupported,
    /// OpenID Connect: the `request_uri` parameter is not supported.
    RequestUriNotSupported,
    /// OpenID Connect (the `unmet_authentication_requirements` error code, for Core §5.5.1.1):
    /// the sign-in cannot reach the authentication context class requested as essential.
    UnmetAuthenticationRequirements,
}

impl ErrorCode {
    /// The registry string, as it appears on the wire.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::InvalidTarget => "invalid_target",
            Self::LoginRequired => "login_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON error body of RFC 6749 §5.2.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The error code.
    pub error: ErrorCode,
    /// Human-readable detail for the developer; never contains a secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl ErrorResponse {
    /// An error with a description.
    #[must_use]
    pub fn new(error: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: Some(description.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_registry_strings() {
        for code in [
            ErrorCode::InvalidScope,
            ErrorCode::UnsupportedGrantType,
            ErrorCode::InvalidTarget,
            ErrorCode::UnmetAuthenticationRequirements,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
