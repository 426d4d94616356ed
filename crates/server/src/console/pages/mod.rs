//! The console's pages: askama templates under `templates/console/`, each rendered from a small
//! view struct on the layout of [`view`](super::view).

pub mod account_kinds;
pub mod accounts;
pub mod clients;
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
#[cfg(test)]
mod tests;

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
