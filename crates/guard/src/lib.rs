//! A tower layer for resource servers that accept access tokens issued by Tessera
//! (docs/product.md#resource-servers).
//!
//! The guard validates `Authorization: Bearer` JWT access tokens (RFC 9068) against each trusted
//! realm's JWKS — fetched over HTTP(S) from `{issuer}/oauth2/keys`, cached, refreshed when a token
//! names an unknown `kid` — and then enforces a route's **security alternatives**: a list of
//! `(scheme, required scopes)` pairs of which one must be satisfied, exactly as in the API
//! catalog's per-operation `security`.
//!
//! | outcome | status | `WWW-Authenticate` | `code` |
//! |---|---|---|---|
//! | no `Authorization` header | 401 | `Bearer` | `401-104` |
//! | header not `Bearer <token>` | 401 | `Bearer error="invalid_request"` | `401-104` |
//! | bad, expired, forged or foreign token | 401 | `Bearer error="invalid_token"` | `401-101` |
//! | token's actor admitted by no alternative | 403 | — | `403-112` |
//! | actor admitted, scopes missing | 403 | `Bearer error="insufficient_scope", scope="..."` | `403-197` |
//! | issuer's keys cannot be fetched | 503 | — (`Retry-After`) | `503-100` |
//!
//! Bodies are RFC 9457 `application/problem+json` with the platform's `code` and
//! `developerMessage` ([`ProblemDetails`](tessera_oauth_types::ProblemDetails)). Tokens are
//! never logged.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use axum::{Json, Router, routing::get};
//! use tessera_guard::{Authenticated, Guard, SecurityRequirement, SecurityScheme};
//!
//! async fn my_portals(Authenticated(claims): Authenticated) -> Json<Vec<String>> {
//!     Json(vec![format!("portals of {} in {}", claims.sub, claims.tenant)])
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let guard = Guard::builder()
//!     .issuer("http://127.0.0.1:8080/system/auth/acme-U")
//!     .issuer("http://127.0.0.1:8080/system/auth/acme-C")
//!     .audience("http://127.0.0.1:8080/knowledge/portalmgr/v4")
//!     .leeway(Duration::from_secs(30))
//!     .build()?;
//!
//! let read = "knowledge.portalmgr.read";
//! let obo_read = "knowledge.portalmgr.onbehalfof.read";
//! let app = Router::new().route(
//!     "/knowledge/portalmgr/v4/portals",
//!     get(my_portals).route_layer(guard.require([
//!         SecurityRequirement::new(SecurityScheme::OAuthUser, [read]),
//!         SecurityRequirement::new(SecurityScheme::OAuthCustomer, [read]),
//!         SecurityRequirement::new(SecurityScheme::OAuthAnonymousCustomer, [read]),
//!         SecurityRequirement::new(SecurityScheme::OAuthOnBehalfOfUser, [obo_read]),
//!         SecurityRequirement::new(SecurityScheme::OAuthOnBehalfOfCustomer, [obo_read]),
//!     ])),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9090").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Use `route_layer` (not `layer`) so unmatched paths still answer 404 rather than 401, and put
//! CORS outside the guard: preflight requests carry no token.
//!
//! # Keys
//!
//! Each issuer's keys come from a [`KeySource`]: [`HttpKeySource`] by default,
//! [`StaticKeySource`] for tests and in-process servers, or your own. The cache asks the source
//! on first use, when a token names an unknown `kid` (at most once per
//! [`min_refresh_interval`](GuardBuilder::min_refresh_interval), concurrent misses sharing one
//! fetch) and when its copy is older than [`max_key_age`](GuardBuilder::max_key_age). Only
//! ES256, RS256 and EdDSA are accepted, each key with the one algorithm its type implies.
//!
//! # Verifying other JWTs
//!
//! The guard's checks are a [`TokenPolicy`]: algorithms, `typ`, audiences, leeway, expiry rule
//! and clock. The same type verifies any JWT against a [`KeySet`] in memory or a [`KeyCache`]
//! over a [`KeySource`], so an issuer verifying its own tokens, hints or other issuers'
//! assertions uses exactly the guard's rules, changing only what its policy says.
#![deny(missing_docs)]

mod bearer;
mod clock;
mod extract;
mod guard;
mod keys;
mod layer;
mod rejection;
mod requirement;
mod verify;

pub use clock::{Clock, SystemClock};
pub use extract::Authenticated;
pub use guard::{BuildError, Guard, GuardBuilder, IssuerResolver};
pub use jsonwebtoken::Algorithm;
pub use keys::{
    BoxError, CacheSettings, HttpKeySource, KeyCache, KeySet, KeySource, KeySourceError,
    StaticKeySource,
};
pub use layer::{RequireLayer, RequireService};
pub use rejection::Rejection;
pub use requirement::{DEFAULT_SCOPE, SecurityRequirement};
pub use tessera_oauth_types::{AccessTokenClaims, Actor, JwkSet, SecurityScheme};
pub use verify::{
    ACCESS_TOKEN_TYPE, ASYMMETRIC_ALGORITHMS, MAX_TOKEN_BYTES, NOT_SUBJECT_TOKEN_TYPES,
    TESSERA_ALGORITHMS, TokenPolicy, Types, VerifyError,
};
