//! Tessera's domain: the entities of the client-application registry, the rules that decide
//! what a token may carry, and the repository traits behind which storage lives.
//!
//! This crate performs no I/O. Time and randomness come in as parameters ([`Clock`], [`Rng`]) so
//! every rule is testable with fixed values. To add an entity: define it in its own module with a
//! `New…` params struct whose `validate` returns [`validation::FieldErrors`], add its repository
//! trait to [`store`], implement it in both store crates, and cover it in `testing::conformance`.

pub mod account_link;
pub mod address;
pub mod api;
pub mod audit;
pub mod auth_method;
pub mod claims_request;
pub mod client;
pub mod clock;
pub mod customer;
pub mod department;
pub mod flow;
pub mod grant;
pub mod identity_provider;
pub mod ids;
pub mod page;
pub mod partition;
pub mod permission;
pub mod pkce;
pub mod scope;
pub mod secret;
pub mod session;
pub mod signing_key;
pub mod standard_claims;
pub mod store;
pub mod user;
pub mod validation;

#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Clock, Rng};
pub use ids::{ClientId, PartitionId, Realm};
