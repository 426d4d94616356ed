//! The six security schemes of the platform's API catalog, and which tokens satisfy each.

use serde::{Deserialize, Serialize};

use crate::claims::{AccessTokenClaims, Actor};

/// A security scheme name as used in OpenAPI documents and the API catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SecurityScheme {
    /// A user (agent) signed in through the authorization code flow.
    #[serde(rename = "oAuthUser")]
    OAuthUser,
    /// A customer signed in through the authorization code flow.
    #[serde(rename = "oAuthCustomer")]
    OAuthCustomer,
    /// A client application as itself (client credentials).
    #[serde(rename = "oAuthClient")]
    OAuthClient,
    /// A client acting for a user (on-behalf-of).
    #[serde(rename = "oAuthOnBehalfOfUser")]
    OAuthOnBehalfOfUser,
    /// A client acting for a customer (on-behalf-of).
    #[serde(rename = "oAuthOnBehalfOfCustomer")]
    OAuthOnBehalfOfCustomer,
    /// An anonymous customer.
    #[serde(rename = "oAuthAnonymousCustomer")]
    OAuthAnonymousCustomer,
}

impl SecurityScheme {
    /// Every scheme, in catalog order.
    pub const ALL: [Self; 6] = [
        Self::OAuthUser,
        Self::OAuthCustomer,
        Self::OAuthClient,
        Self::OAuthOnBehalfOfUser,
        Self::OAuthOnBehalfOfCustomer,
        Self::OAuthAnonymousCustomer,
    ];

    /// The name used in OpenAPI documents.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OAuthUser => "oAuthUser",
            Self::OAuthCustomer => "oAuthCustomer",
            Self::OAuthClient => "oAuthClient",
            Self::OAuthOnBehalfOfUser => "oAuthOnBehalfOfUser",
            Self::OAuthOnBehalfOfCustomer => "oAuthOnBehalfOfCustomer",
            Self::OAuthAnonymousCustomer => "oAuthAnonymousCustomer",
        }
    }

    /// Parses an OpenAPI scheme name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The actor a token must have to be considered under this scheme.
    #[must_use]
    pub const fn actor(self) -> Actor {
        match self {
            Self::OAuthUser | Self::OAuthOnBehalfOfUser => Actor::User,
            Self::OAuthCustomer | Self::OAuthOnBehalfOfCustomer => Actor::Customer,
            Self::OAuthClient => Actor::Client,
            Self::OAuthAnonymousCustomer => Actor::AnonymousCustomer,
        }
    }

    /// Whether the scheme is an on-behalf-of scheme (the token carries `act`).
    #[must_use]
    pub const fn is_on_behalf_of(self) -> bool {
        matches!(
            self,
            Self::OAuthOnBehalfOfUser | Self::OAuthOnBehalfOfCustomer
        )
    }

    /// Whether a token's actor and `act` claim match this scheme (scopes are checked separately).
    #[must_use]
    pub fn matches(self, claims: &AccessTokenClaims) -> bool {
        claims.actor == self.actor() && claims.act.is_some() == self.is_on_behalf_of()
    }
}

impl std::fmt::Display for SecurityScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
