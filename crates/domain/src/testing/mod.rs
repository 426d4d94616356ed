//! Test support shared by the store crates: the conformance suite every backend must pass and
//! the sample data it is written against.

pub mod conformance;
pub mod fixtures;
