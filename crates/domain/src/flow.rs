//! The token flows and which permission kinds each may carry (docs/product.md#flows).

use crate::permission::PermissionKind;

/// A way of obtaining a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Authorization code (with or without PKCE), and refresh of its tokens.
    AuthorizationCode,
    /// Client credentials: the client as itself.
    ClientCredentials,
    /// Client credentials at the anonymous-customer endpoint.
    AnonymousCustomer,
    /// `grant_type=password` with a `subject_*` parameter.
    OnBehalfOf,
    /// RFC 8693 token exchange with an external identity provider's token.
    TokenExchange,
}

impl Flow {
    /// The permission kind this flow grants.
    #[must_use]
    pub const fn kind(self) -> PermissionKind {
        match self {
            Self::AuthorizationCode | Self::AnonymousCustomer | Self::TokenExchange => {
                PermissionKind::Delegated
            }
            Self::ClientCredentials => PermissionKind::Application,
            Self::OnBehalfOf => PermissionKind::DelegatedObo,
        }
    }

    /// A human name for error messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization code",
            Self::ClientCredentials => "client credentials",
            Self::AnonymousCustomer => "anonymous customer",
            Self::OnBehalfOf => "on-behalf-of",
            Self::TokenExchange => "token exchange",
        }
    }

    /// Whether the OpenID Connect scopes (`openid`, `profile`, `email`, `offline_access`) apply.
    #[must_use]
    pub const fn allows_oidc_scopes(self) -> bool {
        matches!(self, Self::AuthorizationCode)
    }

    /// The flows that grant a permission of `kind`, for "use … instead" messages.
    #[must_use]
    pub const fn fitting(kind: PermissionKind) -> &'static str {
        match kind {
            PermissionKind::Delegated => {
                "authorization code or token exchange (or anonymous customer, for permissions marked anonymous)"
            }
            PermissionKind::DelegatedObo => "on-behalf-of",
            PermissionKind::Application => "client credentials",
        }
    }
}
