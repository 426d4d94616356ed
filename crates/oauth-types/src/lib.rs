//! Wire types of Tessera's protocols, shared by the server, the `guard` crate and test clients.
//!
//! Nothing here performs I/O or depends on storage: a resource server that only checks tokens
//! pulls in this crate and `serde`, nothing more. Add a type here when it crosses the wire in
//! both directions (server writes it, someone else reads it); keep server-only shapes in the server.
#![deny(missing_docs)]

pub mod claims;
pub mod discovery;
pub mod error;
pub mod jwk;
pub mod problem;
pub mod scheme;
pub mod token;

pub use claims::{AccessTokenClaims, Act, Actor, IdTokenClaims, LogoutTokenClaims, ProfileClaims};
pub use error::{ErrorCode, ErrorResponse};
pub use jwk::{Jwk, JwkSet};
pub use problem::{FieldError, ProblemDetails};
pub use scheme::SecurityScheme;
pub use token::{TokenResponse, grant_type, token_type};
