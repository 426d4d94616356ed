//! OpenID Connect discovery / RFC 8414 authorization server metadata.

use serde::{Deserialize, Serialize};

/// The metadata document of one realm. Lists only what is implemented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The realm issuer.
    pub issuer: String,
    /// Authorization endpoint, once the interactive flows exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// Token endpoint.
    pub token_endpoint: String,
    /// JWKS.
    pub jwks_uri: String,
    /// Userinfo endpoint, once implemented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// RFC 7009 revocation endpoint, once implemented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// RFC 7662 introspection endpoint, once implemented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// RP-initiated logout, once implemented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// Scopes this realm knows (short form).
    pub scopes_supported: Vec<String>,
    /// `response_type` values.
    pub response_types_supported: Vec<String>,
    /// Grant types.
    pub grant_types_supported: Vec<String>,
    /// Client authentication methods at the token endpoint.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Subject identifier types (OIDC requires the member).
    pub subject_types_supported: Vec<String>,
    /// ID token signing algorithms (OIDC requires the member).
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// PKCE methods.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_challenge_methods_supported: Vec<String>,
    /// Claims that may appear in tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims_supported: Vec<String>,
    /// RFC 9207.
    pub authorization_response_iss_parameter_supported: bool,
}
