//! Claims of the JWT access tokens Tessera issues (RFC 9068 plus the platform's own).

use serde::{Deserialize, Serialize};

/// Who a token acts for. A resource server decides with it which security scheme applies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A signed-in agent of the partition's users realm.
    User,
    /// A signed-in end customer of the partition's customers realm.
    Customer,
    /// A visitor nobody signed in; see the anonymous-customer flow.
    AnonymousCustomer,
    /// A client application acting as itself (client credentials).
    Client,
}

impl Actor {
    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Customer => "customer",
            Self::AnonymousCustomer => "anonymous_customer",
            Self::Client => "client",
        }
    }
}

/// RFC 8693 §4.1 actor claim: the party acting on behalf of `sub`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Act {
    /// The acting client's id.
    pub sub: String,
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// The realm issuer, `{public_url}/system/auth/{partition}-U|C`.
    pub iss: String,
    /// The user's or customer's id, the client id, or a fresh id for anonymous customers.
    pub sub: String,
    /// Audiences of the APIs whose permissions were granted.
    pub aud: Vec<String>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Not before, seconds since the epoch.
    pub nbf: i64,
    /// Unique token id (used for revocation).
    pub jti: String,
    /// The client the token was issued to (`anonymous` for anonymous customers).
    pub client_id: String,
    /// Granted permissions, short form, space separated.
    pub scope: String,
    /// The partition id.
    pub tenant: String,
    /// Who the token acts for.
    pub actor: Actor,
    /// Present on on-behalf-of tokens: the client acting for `sub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Act>,
    /// Present on token-exchange tokens: the identity provider's registration id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
}

impl AccessTokenClaims {
    /// The granted scopes as an iterator of short names.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }
}

/// The `events` member of a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The claims of a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). It never has a
/// `nonce` (§2.4: "A nonce Claim MUST NOT be present"), so that it cannot be taken for an ID
/// token; its header's `typ` is `logout+jwt` (§2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutTokenClaims {
    /// Issuer (the realm).
    pub iss: String,
    /// The client id.
    pub aud: String,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// Expiry, Unix seconds (§2.4 recommends at most two minutes).
    pub exp: i64,
    /// Unique id, for the relying party's replay check (§2.6).
    pub jti: String,
    /// `{"http://schemas.openid.net/event/backchannel-logout": {}}`.
    pub events: serde_json::Map<String, serde_json::Value>,
    /// The user's or customer's id.
    pub sub: String,
    /// The session that ended (the ID tokens' `sid`).
    pub sid: String,
}

/// The claims of an OpenID Connect ID token (OIDC Core §2, §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer (the realm).
    pub iss: String,
    /// The user's or customer's id.
    pub sub: String,
    /// The client id.
    pub aud: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// When the subject signed in, Unix seconds.
    pub auth_time: i64,
    /// How the subject signed in: RFC 8176 method values (`["pwd"]` for a password).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The authentication context class the sign-in reached (`urn:tessera:acr:pwd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// The authorization request's `nonce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Left half of the access token's hash, base64url (OIDC Core §3.1.3.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The browser session (OIDC Front-/Back-Channel Logout `sid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Partition id.
    pub tenant: String,
    /// `user` or `customer`.
    pub actor: Actor,
    /// Profile and email claims the granted scopes release.
    #[serde(flatten)]
    pub profile: ProfileClaims,
}

/// Standard claims released by the `profile` and `email` scopes (OIDC Core §5.4), shared by ID
/// tokens and the userinfo response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileClaims {
    /// Display name (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Username of an agent (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Email address (`email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether an administrator verified `email` (`email`; OIDC Core §5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}
