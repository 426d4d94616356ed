//! The storage conformance suite (filled in with the store crates).
