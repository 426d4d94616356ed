//! The API catalog's two sources: the catalog shipped with Tessera (Core, Conversation Hub and
//! Knowledge APIs, seeded into every new partition) and OpenAPI 3 documents imported by a
//! Partition Administrator ([`import_openapi`]).
//!
//! The shipped catalog lives in `data/*.json` in this crate, one file per hub, in
//! exactly the serde shapes of [`Permission`] and [`Api`], so it can be reviewed and edited as
//! data. It is compiled into the binary (no file to lose at deploy time) and checked by the same
//! rules as an import, so a broken edit fails the unit tests rather than a partition's creation.

mod node;
mod openapi;

use std::collections::HashMap;

use serde::Deserialize;
use tessera_domain::api::Api;
use tessera_domain::permission::{Hub, Permission};
use tessera_domain::validation::FieldErrors;

pub use openapi::{ImportError, ImportOptions, MAX_DOCUMENT_BYTES, MAX_OPERATIONS, import_openapi};

/// Permissions and APIs ready to be stored in a partition's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogData {
    /// Permissions, in catalog order.
    pub permissions: Vec<Permission>,
    /// APIs with their operations, in catalog order.
    pub apis: Vec<Api>,
}

/// Why the shipped catalog could not be loaded. Only an edit of `data/*.json` that the unit
/// tests would have caught can cause it.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file is not JSON of the expected shape.
    #[error("catalog file {file} is not a valid catalog: {source}")]
    Parse {
        /// File name, e.g. `core.json`.
        file: &'static str,
        /// The JSON error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A file breaks the catalog's rules.
    #[error("catalog file {file} is invalid: {errors}")]
    Invalid {
        /// File name, e.g. `core.json`.
        file: &'static str,
        /// Each problem, under paths such as `apis[0].operations[3].security[1].scopes[0]`.
        errors: FieldErrors,
    },
}

/// The shipped files, by hub.
const FILES: [(&str, Hub, &str); 3] = [
    ("core.json", Hub::Core, include_str!("../data/core.json")),
    (
        "conversation.json",
        Hub::Conversation,
        include_str!("../data/conversation.json"),
    ),
    (
        "knowledge.json",
        Hub::Knowledge,
        include_str!("../data/knowledge.json"),
    ),
];

/// Placeholder in audiences for the deployment's API base URL.
const API_URL: &str = "{api_url}";
/// Placeholder in audiences for the deployment's public URL (the admin API lives there).
const PUBLIC_URL: &str = "{public_url}";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    permissions: Vec<Permission>,
    apis: Vec<Api>,
}

/// The catalog shipped with Tessera, with audiences under this deployment's URLs
/// (`{api_url}/knowledge/portalmgr/v4`, `{public_url}/admin/api`).
///
/// # Errors
/// A file that does not parse or breaks a rule: a permission's naming rules, its hub not matching
/// its name or file, a duplicate permission name, API id or base path, or an API naming a
/// permission that no file defines.
pub fn shipped(api_url: &str, public_url: &str) -> Result<CatalogData, CatalogError> {
    let api_url = api_url.trim_end_matches('/');
    let public_url = public_url.trim_end_matches('/');
    let mut files = Vec::with_capacity(FILES.len());
    for (file, hub, text) in FILES {
        let parsed: CatalogFile =
            serde_json::from_str(text).map_err(|source| CatalogError::Parse { file, source })?;
        files.push((file, hub, parsed));
    }

    // Permissions first: APIs of one hub may name permissions of another.
    let mut by_name: HashMap<String, Permission> = HashMap::new();
    let mut defined_in: HashMap<&str, &str> = HashMap::new();
    for (file, hub, data) in &files {
        let mut e = FieldErrors::default();
        for (i, p) in data.permissions.iter().enumerate() {
            let field = format!("permissions[{i}].");
            if let Err(errors) = p.validate(&field) {
                e.0.extend(errors.0);
            }
            if p.hub != *hub {
                e.add(
                    format!("{field}hub"),
                    format!("must be {} like the file", hub.as_str()),
                );
            }
            let named = p.name.strip_prefix("app.").unwrap_or(&p.name);
            if named.split('.').next().and_then(Hub::parse) != Some(p.hub) {
                e.add(
                    format!("{field}name"),
                    format!("must start with the hub's name ({}.…)", p.hub.as_str()),
                );
            }
            if let Some(other) = defined_in.insert(&p.name, file) {
                e.add(
                    format!("{field}name"),
                    format!("{:?} is also defined in {other}", p.name),
                );
            }
            by_name.insert(p.name.clone(), p.clone());
        }
        e.into_result()
            .map_err(|errors| CatalogError::Invalid { file, errors })?;
    }

    let mut api_ids: HashMap<String, &str> = HashMap::new();
    let mut base_paths: HashMap<String, &str> = HashMap::new();
    let mut out = CatalogData {
        permissions: Vec::with_capacity(by_name.len()),
        apis: Vec::new(),
    };
    for (file, hub, data) in files {
        let mut e = FieldErrors::default();
        for (i, mut api) in data.apis.into_iter().enumerate() {
            let field = format!("apis[{i}]");
            if let Err(errors) = api.validate(&by_name) {
                for fe in errors.0 {
                    e.add(format!("{field}.{}", fe.field), fe.message);
                }
            }
            if api.hub != hub {
                e.add(
                    format!("{field}.hub"),
                    format!("must be {} like the file", hub.as_str()),
                );
            }
            if let Some(other) = api_ids.insert(api.id.clone(), file) {
                e.add(
                    format!("{field}.id"),
                    format!("{:?} is also used in {other}", api.id),
                );
            }
            if let Some(other) = base_paths.insert(api.base_path.clone(), file) {
                e.add(
                    format!("{field}.base_path"),
                    format!("{:?} is also used in {other}", api.base_path),
                );
            }
            if !api.audience.starts_with(API_URL) && !api.audience.starts_with(PUBLIC_URL) {
                e.add(
                    format!("{field}.audience"),
                    format!("must start with {API_URL} or {PUBLIC_URL}"),
                );
            }
            api.audience = api
                .audience
                .replace(API_URL, api_url)
                .replace(PUBLIC_URL, public_url);
            out.apis.push(api);
        }
        e.into_result()
            .map_err(|errors| CatalogError::Invalid { file, errors })?;
        out.permissions.extend(data.permissions);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use tessera_domain::api::Catalog;
    use tessera_domain::permission::{DEFAULT_SCOPE, PermissionKind};
    use tessera_oauth_types::SecurityScheme;

    use super::*;

    fn load() -> CatalogData {
        shipped("https://api.example.test/", "https://auth.example.test").unwrap()
    }

    #[test]
    fn shipped_catalog_loads_with_every_hub_and_kind() {
        let c = load();
        let hubs: BTreeSet<Hub> = c.permissions.iter().map(|p| p.hub).collect();
        assert_eq!(hubs.len(), 3, "{hubs:?}");
        let api_hubs: BTreeSet<Hub> = c.apis.iter().map(|a| a.hub).collect();
        assert_eq!(api_hubs.len(), 3, "{api_hubs:?}");
        for kind in [
            PermissionKind::Delegated,
            PermissionKind::DelegatedObo,
            PermissionKind::Application,
        ] {
            for hub in [Hub::Core, Hub::Conversation, Hub::Knowledge] {
                assert!(
                    c.permissions.iter().any(|p| p.kind == kind && p.hub == hub),
                    "no {kind:?} permission in {hub:?}"
                );
            }
        }
        assert!(c.apis.len() >= 6, "{}", c.apis.len());
        let anonymous: BTreeSet<&str> = c
            .permissions
            .iter()
            .filter(|p| p.anonymous)
            .map(|p| p.name.as_str())
            .collect();
        for name in [
            "knowledge.portalmgr.read",
            "core.aiservices.read",
            "conversation.messaging.read",
        ] {
            assert!(anonymous.contains(name), "{name} should be anonymous");
        }
        assert!(anonymous.iter().all(|n| !n.starts_with("app.")));
        for name in [
            "app.core.admin.manage",
            "core.admin.manage",
            "app.core.usermgr.read",
            "app.core.casemgr.read",
            "app.knowledge.portalmgr.read",
            "app.knowledge.contentmgr.manage",
            "knowledge.portalmgr.onbehalfof.read",
            "core.aiservices.write",
            "core.customermgr.read",
        ] {
            assert!(
                c.permissions.iter().any(|p| p.name == name),
                "{name} missing"
            );
        }
        assert!(c.permissions.iter().all(|p| p.description.ends_with('.')));
    }

    #[test]
    fn audiences_use_the_deployment_urls() {
        let c = load();
        let by_id: HashMap<&str, &Api> = c.apis.iter().map(|a| (a.id.as_str(), a)).collect();
        assert_eq!(
            by_id["knowledge-portalmgr-v4"].audience,
            "https://api.example.test/knowledge/portalmgr/v4"
        );
        assert_eq!(
            by_id["core-admin-v1"].audience,
            "https://auth.example.test/admin/api"
        );
        assert!(c.apis.iter().all(|a| !a.audience.contains('{')));
        // The token endpoint's index gives application permissions their own API's audience.
        let index = Catalog::new(c.permissions.clone(), &c.apis);
        let aud = index.audiences_for([&"app.core.usermgr.read".to_owned()], "https://fallback");
        assert!(
            aud.contains(&"https://api.example.test/core/usermgr/v3".to_owned()),
            "{aud:?}"
        );
        let aud = index.audiences_for([&"app.core.admin.manage".to_owned()], "https://fallback");
        assert!(
            aud.contains(&"https://auth.example.test/admin/api".to_owned()),
            "{aud:?}"
        );
    }

    #[test]
    fn portal_manager_uses_all_six_schemes_and_client_only_default() {
        let c = load();
        let api = c
            .apis
            .iter()
            .find(|a| a.base_path == "/knowledge/portalmgr/v4")
            .unwrap();
        assert!((15..=30).contains(&api.operations.len()));
        let schemes: BTreeSet<SecurityScheme> = api
            .operations
            .iter()
            .flat_map(|o| o.security.iter().map(|s| s.scheme))
            .collect();
        assert_eq!(schemes.len(), 6, "{schemes:?}");
        let op = |id: &str| {
            api.operations
                .iter()
                .find(|o| o.operation_id == id)
                .unwrap()
        };
        let editions = op("getArticleEditionDetails");
        assert_eq!(editions.security.len(), 1);
        assert_eq!(editions.security[0].scheme, SecurityScheme::OAuthClient);
        assert_eq!(editions.security[0].scopes, [DEFAULT_SCOPE]);
        for id in [
            "getMyPortals",
            "getArticleById",
            "addToReply",
            "search",
            "getUserDetails",
        ] {
            assert!(!op(id).security.is_empty(), "{id}");
        }
        // Agent-only: no customer scheme.
        assert!(op("addToReply").security.iter().all(|s| matches!(
            s.scheme,
            SecurityScheme::OAuthUser | SecurityScheme::OAuthOnBehalfOfUser
        )));
    }

    #[test]
    fn schemes_carry_permissions_of_the_matching_kind_and_every_permission_is_used() {
        let c = load();
        let kinds: HashMap<&str, PermissionKind> = c
            .permissions
            .iter()
            .map(|p| (p.name.as_str(), p.kind))
            .collect();
        let mut used = BTreeSet::new();
        for api in &c.apis {
            for op in &api.operations {
                assert!(
                    !op.security.is_empty(),
                    "{} has no security",
                    op.operation_id
                );
                for req in &op.security {
                    for s in &req.scopes {
                        used.insert(s.as_str());
                        let expected = match req.scheme {
                            SecurityScheme::OAuthClient if s == DEFAULT_SCOPE => continue,
                            SecurityScheme::OAuthClient => PermissionKind::Application,
                            SecurityScheme::OAuthOnBehalfOfUser
                            | SecurityScheme::OAuthOnBehalfOfCustomer => {
                                PermissionKind::DelegatedObo
                            }
                            _ => PermissionKind::Delegated,
                        };
                        assert_eq!(kinds[s.as_str()], expected, "{} {s}", op.operation_id);
                        if req.scheme == SecurityScheme::OAuthAnonymousCustomer {
                            assert!(
                                c.permissions.iter().any(|p| p.name == *s && p.anonymous),
                                "{s} is used by an anonymous scheme but not marked anonymous"
                            );
                        }
                    }
                }
            }
        }
        for p in &c.permissions {
            assert!(
                used.contains(p.name.as_str()),
                "{} is never required",
                p.name
            );
        }
    }
}
