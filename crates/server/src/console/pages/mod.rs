//! The console's pages: askama templates under `templates/console/`, each rendered from a small
//! view struct on the layout of [`view`](super::view).

pub(crate) mod account_kinds;
pub(crate) mod accounts;
pub(crate) mod actions;
pub(crate) mod api_import;
pub(crate) mod apis;
pub(crate) mod audit_log;
pub(crate) mod client_edit;
pub(crate) mod client_state;
#[cfg(test)]
mod client_tests;
pub(crate) mod clients;
pub(crate) mod curl;
pub(crate) mod departments;
pub(crate) mod fields;
pub(crate) mod home;
pub(crate) mod identity_providers;
pub(crate) mod idp_form;
pub(crate) mod metadata;
#[cfg(test)]
mod people_tests;
pub(crate) mod permissions;
pub(crate) mod secrets;
pub(crate) mod signing_keys;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_security;

use super::session::ConsoleUser;
pub(crate) use super::view::{Layout, Link, page};

/// The layout of a page of `who`'s console.
#[must_use]
pub(crate) fn layout(who: &ConsoleUser, title: &str) -> Layout {
    Layout {
        title: title.to_owned(),
        partition: who.partition.to_string(),
        user: Some(who.user.username.clone()),
        csrf: who.csrf.clone(),
        crumbs: Vec::new(),
        refresh: None,
    }
}
