//! Permissions (scopes): named by hub and kind, in short form (`knowledge.portalmgr.read`) or
//! full form (the partition's API permission prefix + the short name).

use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;

/// The product area a permission belongs to; the console groups permissions by hub.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hub {
    /// Core: users, customers, cases, AI services, administration.
    Core,
    /// Conversation Hub: messaging.
    Conversation,
    /// Knowledge: portals, articles, content.
    Knowledge,
}

impl Hub {
    /// Stored and wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Conversation => "conversation",
            Self::Knowledge => "knowledge",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "core" => Some(Self::Core),
            "conversation" => Some(Self::Conversation),
            "knowledge" => Some(Self::Knowledge),
            _ => None,
        }
    }
}

/// Which flows may carry a permission.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    /// Acting for a signed-in user or customer (authorization code, token exchange, anonymous).
    Delegated,
    /// Acting for a user or customer through on-behalf-of.
    DelegatedObo,
    /// The client as itself (client credentials).
    Application,
}

impl PermissionKind {
    /// Stored and wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Delegated => "delegated",
            Self::DelegatedObo => "delegated_obo",
            Self::Application => "application",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "delegated" => Some(Self::Delegated),
            "delegated_obo" => Some(Self::DelegatedObo),
            "application" => Some(Self::Application),
            _ => None,
        }
    }

    /// The kind a well-formed name implies: `app.` prefix → application, `.onbehalfof.` → OBO.
    #[must_use]
    pub fn implied_by(name: &str) -> Self {
        if name.starts_with("app.") {
            Self::Application
        } else if name.contains(".onbehalfof.") {
            Self::DelegatedObo
        } else {
            Self::Delegated
        }
    }
}

/// A permission of a partition's catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// Short name, e.g. `knowledge.portalmgr.read`.
    pub name: String,
    /// Hub.
    pub hub: Hub,
    /// Kind.
    pub kind: PermissionKind,
    /// What it allows.
    pub description: String,
    /// Whether anonymous customers may be granted it.
    pub anonymous: bool,
}

/// The reserved scope that stands for "every assigned permission this flow allows".
pub const DEFAULT_SCOPE: &str = ".default";

/// The delegated permission of the admin API: a Partition Administrator's own access to it.
pub const ADMIN_DELEGATED: &str = "core.admin.manage";

impl Permission {
    /// Checks the naming rules of docs/product.md#permissions.
    ///
    /// # Errors
    /// Each rule the permission breaks, under `field_prefix`.
    pub fn validate(&self, field_prefix: &str) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        let name_ok = (3..=200).contains(&self.name.len())
            && self.name.split('.').all(|seg| {
                !seg.is_empty()
                    && seg.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                    })
            });
        if !name_ok {
            e.add(
                format!("{field_prefix}name"),
                "must be dot-separated lowercase segments of a-z, 0-9, '_' or '-' (e.g. knowledge.portalmgr.read)",
            );
        } else if PermissionKind::implied_by(&self.name) != self.kind {
            e.add(
                format!("{field_prefix}kind"),
                format!(
                    "a permission named {:?} must be of kind {} (application permissions start with 'app.', OBO permissions contain '.onbehalfof.')",
                    self.name,
                    PermissionKind::implied_by(&self.name).as_str()
                ),
            );
        }
        if self.anonymous && self.kind != PermissionKind::Delegated {
            e.add(
                format!("{field_prefix}anonymous"),
                "only delegated permissions can be granted to anonymous customers",
            );
        }
        if self.description.chars().count() > 500 {
            e.add(
                format!("{field_prefix}description"),
                "must be at most 500 characters",
            );
        }
        e.into_result()
    }

    /// The full form under `prefix`.
    #[must_use]
    pub fn full_name(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.name)
    }
}

/// Reduces a scope token in short or full form to its short form.
#[must_use]
pub fn short_form<'a>(token: &'a str, prefix: &str) -> &'a str {
    if !prefix.is_empty()
        && let Some(rest) = token.strip_prefix(prefix)
        && !rest.is_empty()
    {
        return rest;
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(name: &str, kind: PermissionKind) -> Permission {
        Permission {
            name: name.into(),
            hub: Hub::Knowledge,
            kind,
            description: String::new(),
            anonymous: false,
        }
    }

    #[test]
    fn naming_rules() {
        assert!(
            perm("knowledge.portalmgr.read", PermissionKind::Delegated)
                .validate("")
                .is_ok()
        );
        assert!(
            perm("app.core.usermgr.read", PermissionKind::Application)
                .validate("")
                .is_ok()
        );
        assert!(
            perm(
                "knowledge.portalmgr.onbehalfof.read",
                PermissionKind::DelegatedObo
            )
            .validate("")
            .is_ok()
        );
        assert!(
            perm("app.core.usermgr.read", PermissionKind::Delegated)
                .validate("")
                .is_err()
        );
        assert!(
            perm("Knowledge..read", PermissionKind::Delegated)
                .validate("")
                .is_err()
        );
    }

    #[test]
    fn short_and_full_forms() {
        let prefix = "https://api.example/auth/";
        assert_eq!(
            short_form("https://api.example/auth/core.x.read", prefix),
            "core.x.read"
        );
        assert_eq!(short_form("core.x.read", prefix), "core.x.read");
        assert_eq!(
            short_form("https://api.example/auth/.default", prefix),
            ".default"
        );
        assert_eq!(
            short_form("https://other/auth/core.x.read", prefix),
            "https://other/auth/core.x.read"
        );
    }
}
