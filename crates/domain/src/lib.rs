//! Tessera's domain: the entities of the client-application registry, the rules that decide
//! what a token may carry, and the repository traits behind which storage lives.
//!
//! This crate performs no I/O. Time and randomness come in as parameters ([`Clock`], [`Rng`]) so
//! every rule is testable with fixed values (docs/design.md#habits, habits 1 and 3).
//!
//! To add an entity, follow [`user`] or [`client`]: define the entity in its own module with a
//! `validate` method that collects every broken field rule in [`validation::FieldErrors`] (the
//! admin API turns them into a 422 with one message per field), and a `…Changes` struct of
//! `Option` fields that an `apply(changes, now)` method merges into the entity before validating
//! the result. Add a repository trait to [`store`] (lookups return `Option`; an admin change
//! takes the [`audit::AuditEvent`] to commit in its transaction) and to the [`store::Store`]
//! supertrait, implement it in both store crates with a migration of the same number in each, and
//! cover it with a function in `testing::conformance` listed in `conformance_tests!`, so it runs
//! on every backend.

pub mod account_link;
pub mod address;
pub mod api;
pub mod audit;
pub mod auth_method;
pub mod authorization_request;
pub mod claims_request;
pub mod client;
pub mod clock;
pub mod customer;
pub mod department;
pub mod flow;
pub mod form;
pub mod grant;
pub mod identity_provider;
pub mod ids;
pub mod limits;
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
