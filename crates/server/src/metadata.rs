//! The metadata a developer needs to call Tessera: per security scheme, the flow and the
//! addresses (the console's Metadata panel, the admin API's `metadata`, and tenant metadata).

use serde::Serialize;
use tessera_domain::{PartitionId, Realm};
use tessera_oauth_types::SecurityScheme;

use crate::config::Config;
use crate::urls;

/// How a scheme obtains tokens.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SchemeMetadata {
    /// Scheme name.
    pub scheme: SecurityScheme,
    /// OAuth flow: `authorization_code`, `client_credentials` or `password` (on-behalf-of).
    pub flow: &'static str,
    /// Where users sign in (flows with a browser step only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// Where tokens are requested.
    pub access_token_url: String,
    /// The actor tokens of this scheme carry.
    pub actor: &'static str,
}

/// The metadata of every scheme for a partition.
#[must_use]
pub(crate) fn schemes(config: &Config, p: &PartitionId) -> Vec<SchemeMetadata> {
    let public = &config.public_url;
    let api = config.api_url();
    SecurityScheme::ALL
        .into_iter()
        .map(|scheme| {
            let (flow, authorization_url, access_token_url) = match scheme {
                SecurityScheme::OAuthUser => (
                    "authorization_code",
                    Some(urls::endpoint(public, p, Realm::Users, urls::AUTHORIZE)),
                    urls::endpoint(public, p, Realm::Users, urls::TOKEN),
                ),
                SecurityScheme::OAuthCustomer => (
                    "authorization_code",
                    Some(urls::endpoint(public, p, Realm::Customers, urls::AUTHORIZE)),
                    urls::endpoint(public, p, Realm::Customers, urls::TOKEN),
                ),
                SecurityScheme::OAuthClient => (
                    "client_credentials",
                    None,
                    urls::endpoint(public, p, Realm::Users, urls::TOKEN),
                ),
                SecurityScheme::OAuthOnBehalfOfUser => (
                    "password",
                    None,
                    urls::endpoint(public, p, Realm::Users, urls::TOKEN),
                ),
                SecurityScheme::OAuthOnBehalfOfCustomer => (
                    "password",
                    None,
                    urls::endpoint(public, p, Realm::Customers, urls::TOKEN),
                ),
                SecurityScheme::OAuthAnonymousCustomer => {
                    ("client_credentials", None, urls::anonymous_token(api, p))
                }
            };
            SchemeMetadata {
                scheme,
                flow,
                authorization_url,
                access_token_url,
                actor: scheme.actor().as_str(),
            }
        })
        .collect()
}
