//! A sample resource server: a subset of the Knowledge Portal Manager v4 API, protected by
//! [`tessera_guard`] with the security alternatives the API catalog lists for each operation
//! (docs/product.md#apis-and-the-catalog).
//!
//! | operation | route | alternatives |
//! |---|---|---|
//! | `getMyPortals` | `GET /knowledge/portalmgr/v4/portals` | user, customer, anonymous customer with `knowledge.portalmgr.read`; OBO user or customer with `knowledge.portalmgr.onbehalfof.read` |
//! | `getArticleById` | `GET /knowledge/portalmgr/v4/portals/{portalId}/articles/{articleId}` | same |
//! | `getUserDetails` | `GET /knowledge/portalmgr/v4/users/me` | user with `knowledge.portalmgr.read`; OBO user with `knowledge.portalmgr.onbehalfof.read` |
//! | `getArticleEditionDetails` | `GET /knowledge/portalmgr/v4/articles/{articleId}/editions` | client with `.default` |
//!
//! [`app`] builds the router from a [`Guard`], so a test can mount it in-process with any key
//! source; [`Config::guard`] builds the guard a deployment uses (the partition's two realm
//! issuers, the API's audience, the partition as tenant).
#![deny(missing_docs)]

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tessera_guard::{BuildError, Guard, SecurityRequirement, SecurityScheme};

mod data;
mod handlers;

/// The API's base path, also the suffix of its token audience.
pub const BASE_PATH: &str = "/knowledge/portalmgr/v4";
/// Delegated read permission.
pub const READ: &str = "knowledge.portalmgr.read";
/// On-behalf-of read permission.
pub const OBO_READ: &str = "knowledge.portalmgr.onbehalfof.read";

/// Where the tokens come from and whom they must be for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Tessera's public URL; the realm issuers are `{issuer_base}/system/auth/{partition}-U|C`.
    pub issuer_base: String,
    /// The partition whose tokens are accepted (also checked against the `tenant` claim).
    pub partition: String,
    /// The audience tokens must carry: `{api_url}/knowledge/portalmgr/v4`.
    pub audience: String,
}

impl Config {
    /// A configuration whose API domain is Tessera's public URL (Tessera's default `api_url`).
    #[must_use]
    pub fn new(issuer_base: &str, partition: &str) -> Self {
        let issuer_base = issuer_base.trim_end_matches('/').to_owned();
        let audience = format!("{issuer_base}{BASE_PATH}");
        Self {
            issuer_base,
            partition: partition.to_owned(),
            audience,
        }
    }

    /// The users (`-U`) and customers (`-C`) realm issuers.
    #[must_use]
    pub fn issuers(&self) -> [String; 2] {
        let realm = |suffix| {
            format!(
                "{}/system/auth/{}-{suffix}",
                self.issuer_base, self.partition
            )
        };
        [realm("U"), realm("C")]
    }

    /// The guard for this configuration; keys are fetched from each realm's `/oauth2/keys`.
    ///
    /// # Errors
    /// When the issuer base is not an http(s) URL.
    pub fn guard(&self) -> Result<Guard, BuildError> {
        let [users, customers] = self.issuers();
        Guard::builder()
            .issuer(users)
            .issuer(customers)
            .audience(&self.audience)
            .tenant(&self.partition)
            .leeway(Duration::from_secs(30))
            .build()
    }
}

/// The security alternatives of an operation of this API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `getMyPortals`.
    GetMyPortals,
    /// `getArticleById`.
    GetArticleById,
    /// `getUserDetails`.
    GetUserDetails,
    /// `getArticleEditionDetails`.
    GetArticleEditionDetails,
}

impl Operation {
    /// Who may call the operation, as in the API catalog's Security Details panel.
    #[must_use]
    pub fn security(self) -> Vec<SecurityRequirement> {
        let read = |scheme| SecurityRequirement::new(scheme, [READ]);
        let obo = |scheme| SecurityRequirement::new(scheme, [OBO_READ]);
        match self {
            Self::GetMyPortals | Self::GetArticleById => vec![
                read(SecurityScheme::OAuthUser),
                obo(SecurityScheme::OAuthOnBehalfOfUser),
                read(SecurityScheme::OAuthCustomer),
                obo(SecurityScheme::OAuthOnBehalfOfCustomer),
                read(SecurityScheme::OAuthAnonymousCustomer),
            ],
            Self::GetUserDetails => vec![
                read(SecurityScheme::OAuthUser),
                obo(SecurityScheme::OAuthOnBehalfOfUser),
            ],
            Self::GetArticleEditionDetails => vec![SecurityRequirement::new(
                SecurityScheme::OAuthClient,
                [tessera_guard::DEFAULT_SCOPE],
            )],
        }
    }
}

/// The API's router, each operation behind `guard` with its alternatives. Paths are absolute
/// (`/knowledge/portalmgr/v4/...`), so the router can be merged into a server at its root.
pub fn app(guard: &Guard) -> Router {
    let secured = |op: Operation| guard.require(op.security());
    Router::new()
        .route(
            &format!("{BASE_PATH}/portals"),
            get(handlers::my_portals).route_layer(secured(Operation::GetMyPortals)),
        )
        .route(
            &format!("{BASE_PATH}/portals/{{portal_id}}/articles/{{article_id}}"),
            get(handlers::article).route_layer(secured(Operation::GetArticleById)),
        )
        .route(
            &format!("{BASE_PATH}/users/me"),
            get(handlers::user_details).route_layer(secured(Operation::GetUserDetails)),
        )
        .route(
            &format!("{BASE_PATH}/articles/{{article_id}}/editions"),
            get(handlers::editions).route_layer(secured(Operation::GetArticleEditionDetails)),
        )
}
