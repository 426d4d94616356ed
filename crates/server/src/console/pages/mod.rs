//! The console's pages: askama templates under `templates/console/`, each rendered from a small
//! view struct on the layout of [`view`](super::view).

pub mod account_kinds;
pub mod accounts;
pub mod api_import;
pub mod apis;
pub mod audit_log;
pub mod client_edit;
pub mod client_state;
#[cfg(test)]
mod client_tests;
pub mod clients;
pub mod curl;
pub mod departments;
pub mod fields;
pub mod home;
pub mod identity_providers;
pub mod idp_form;
pub mod metadata;
#[cfg(test)]
mod people_tests;
pub mod permissions;
pub mod secrets;
pub mod signing_keys;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_security;

use super::session::ConsoleUser;
pub use super::view::{Layout, Link, page};

/// The layout of a page of `who`'s console.
#[must_use]
pub fn layout(who: &ConsoleUser, title: &str) -> Layout {
    Layout {
        title: title.to_owned(),
        partition: who.partition.to_string(),
        user: Some(who.user.username.clone()),
        csrf: who.csrf.clone(),
        crumbs: Vec::new(),
        refresh: None,
    }
}
