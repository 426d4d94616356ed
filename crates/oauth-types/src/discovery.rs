//! OpenID Connect discovery / RFC 8414 authorization server metadata.

use serde::{Deserialize, Serialize};

/// The metadata document of one realm. Lists only what is implemented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The realm issuer.
    pub issuer: String,
    /// Authorization endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// Token endpoint.
    pub token_endpoint: String,
    /// JWKS.
    pub jwks_uri: String,
    /// Userinfo endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// RFC 7009 revocation endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// RFC 7662 introspection endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// RP-initiated logout.
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
    /// `response_mode` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_modes_supported: Vec<String>,
    /// `prompt` values (OIDC Core, Prompt Create draft registry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompt_values_supported: Vec<String>,
    /// Client authentication at the revocation endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    /// Client authentication at the introspection endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    /// Authentication context classes the server can reach (OIDC Discovery §3), one per way of
    /// signing in; `acr_values` at the authorization endpoint is matched against them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acr_values_supported: Vec<String>,
    /// Whether the `claims` request parameter is accepted (OIDC Discovery §3; default false).
    #[serde(default)]
    pub claims_parameter_supported: bool,
    /// Whether `request` objects are accepted (OIDC Discovery; default true, so say no).
    #[serde(default)]
    pub request_parameter_supported: bool,
    /// Whether `request_uri` is accepted (OIDC Discovery defaults it to true, so say no).
    #[serde(default)]
    pub request_uri_parameter_supported: bool,
    /// OpenID Connect Back-Channel Logout 1.0 §2.1.
    #[serde(default)]
    pub backchannel_logout_supported: bool,
    /// Whether logout tokens carry `sid` (Back-Channel Logout 1.0 §2.1).
    #[serde(default)]
    pub backchannel_logout_session_supported: bool,
    /// OpenID Connect Front-Channel Logout 1.0 §3.
    #[serde(default)]
    pub frontchannel_logout_supported: bool,
    /// Whether the front-channel logout URI gets `iss` and `sid` (Front-Channel Logout 1.0 §3).
    #[serde(default)]
    pub frontchannel_logout_session_supported: bool,
}
