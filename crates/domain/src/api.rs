//! The API catalog: APIs, their operations and each operation's security alternatives, and the
//! in-memory index the token endpoint uses to find permissions and token audiences.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use tessera_oauth_types::SecurityScheme;

use crate::permission::{Hub, Permission};
use crate::validation::FieldErrors;

/// One alternative of an operation's security: this scheme with these scopes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityRequirement {
    /// Scheme.
    pub scheme: SecurityScheme,
    /// Scopes required (short form; `.default` for client-only operations).
    pub scopes: Vec<String>,
}

/// An operation of an API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Unique within the API.
    pub operation_id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path relative to the API's base path, with `{params}`.
    pub path: String,
    /// One-line summary.
    pub summary: String,
    /// Alternatives; any one satisfied grants access.
    pub security: Vec<SecurityRequirement>,
}

/// An API of the catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Api {
    /// Stable id, e.g. `knowledge-portalmgr-v4`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Hub.
    pub hub: Hub,
    /// Base path, e.g. `/knowledge/portalmgr/v4`.
    pub base_path: String,
    /// The `aud` value of tokens for this API.
    pub audience: String,
    /// Operations.
    pub operations: Vec<Operation>,
}

/// HTTP methods an operation may have.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

impl Api {
    /// Checks the API's shape: ids, paths, methods, and that every scope it names (other than
    /// `.default`) is in `permissions`.
    ///
    /// # Errors
    /// Every problem, under `field` paths such as `operations[3].security[0].scopes[1]`.
    pub fn validate(&self, permissions: &HashMap<String, Permission>) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        let id_ok = (1..=100).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !id_ok {
            e.add(
                "id",
                "must be 1-100 characters of letters, digits, '-', '_' or '.'",
            );
        }
        e.check_len("name", &self.name, 1, 200);
        if !self.base_path.starts_with('/') {
            e.add("base_path", "must start with '/'");
        }
        e.check_len("audience", &self.audience, 1, 500);
        let mut seen = BTreeSet::new();
        for (i, op) in self.operations.iter().enumerate() {
            let f = format!("operations[{i}]");
            if op.operation_id.is_empty() || !seen.insert(op.operation_id.as_str()) {
                e.add(
                    format!("{f}.operation_id"),
                    "must be present and unique within the API",
                );
            }
            if !METHODS.contains(&op.method.as_str()) {
                e.add(
                    format!("{f}.method"),
                    format!("must be one of {}", METHODS.join(", ")),
                );
            }
            if !op.path.starts_with('/') {
                e.add(format!("{f}.path"), "must start with '/'");
            }
            for (j, req) in op.security.iter().enumerate() {
                for (k, s) in req.scopes.iter().enumerate() {
                    if s != crate::permission::DEFAULT_SCOPE && !permissions.contains_key(s) {
                        e.add(
                            format!("{f}.security[{j}].scopes[{k}]"),
                            format!("names unknown permission {s:?}"),
                        );
                    }
                }
            }
        }
        e.into_result()
    }
}

/// A partition's catalog indexed for the token endpoint.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Permissions by short name.
    pub permissions: HashMap<String, Permission>,
    /// For each permission, the audiences of the APIs that require it.
    pub audiences: HashMap<String, BTreeSet<String>>,
}

impl Catalog {
    /// Indexes permissions and APIs. An API operation requiring `.default` (client-only) lends
    /// its audience to every application permission of the API's hub.
    #[must_use]
    pub fn new(permissions: Vec<Permission>, apis: &[Api]) -> Self {
        let permissions: HashMap<_, _> = permissions
            .into_iter()
            .map(|p| (p.name.clone(), p))
            .collect();
        let mut audiences: HashMap<String, BTreeSet<String>> = HashMap::new();
        for api in apis {
            for op in &api.operations {
                for req in &op.security {
                    for s in &req.scopes {
                        if s == crate::permission::DEFAULT_SCOPE {
                            for p in permissions.values().filter(|p| {
                                p.hub == api.hub
                                    && p.kind == crate::permission::PermissionKind::Application
                            }) {
                                audiences
                                    .entry(p.name.clone())
                                    .or_default()
                                    .insert(api.audience.clone());
                            }
                        } else {
                            audiences
                                .entry(s.clone())
                                .or_default()
                                .insert(api.audience.clone());
                        }
                    }
                }
            }
        }
        Self {
            permissions,
            audiences,
        }
    }

    /// The audiences for a set of granted permissions; `fallback` when none is known.
    #[must_use]
    pub fn audiences_for<'a>(
        &self,
        granted: impl IntoIterator<Item = &'a String>,
        fallback: &str,
    ) -> Vec<String> {
        let mut out = BTreeSet::new();
        for p in granted {
            if let Some(a) = self.audiences.get(p) {
                out.extend(a.iter().cloned());
            }
        }
        if out.is_empty() {
            out.insert(fallback.to_owned());
        }
        out.into_iter().collect()
    }
}
