//! Test support shared by the store crates: the conformance suite every backend must pass.

pub mod conformance;
