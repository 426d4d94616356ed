//! Import of an OpenAPI 3.0/3.1 document into the API catalog: its oauth2 `securitySchemes`
//! become permissions, its operations (with their per-operation `security`) one [`Api`].
//!
//! The document comes from a Partition Administrator's upload, so nothing in it is trusted:
//! size, nesting and alias expansion are capped before any of it is looked at, and every problem
//! is reported with the path of the offending field (`paths["/portals"].get.security[0]`) so
//! the admin API can answer 422 with one message per field, all at once.

use std::collections::{HashMap, HashSet};

use tessera_domain::api::{Api, SecurityRequirement};
use tessera_domain::permission::{Hub, Permission, PermissionKind};
use tessera_domain::validation::FieldErrors;
use tessera_oauth_types::{FieldError, SecurityScheme};

use super::CatalogData;
use super::node::{self, Node};

mod operations;
mod schemes;
#[cfg(test)]
mod tests;

use schemes::SchemeEntry;

/// Documents larger than this are refused before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;
/// At most this many operations per document.
pub const MAX_OPERATIONS: usize = 2000;
/// Problems reported per import; past this the caller has enough to fix first.
const MAX_PROBLEMS: usize = 100;
/// Longest summary kept (the first line of `summary`, else of `description`).
const MAX_SUMMARY_CHARS: usize = 300;
/// Longest permission description kept (the domain's limit).
const MAX_DESCRIPTION_CHARS: usize = 500;
/// Field name for problems with the document as a whole.
const DOCUMENT: &str = "document";

/// What the document does not say, or what the partition decides instead of the document.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The deployment's API base URL; the API's audience is this plus its base path.
    pub api_url: String,
    /// The partition's API permission prefix; scope URLs starting with it are shortened by
    /// removing it. Other scope URLs are shortened to the part after their last `/`.
    pub permission_prefix: Option<String>,
    /// The imported API's id; by default a slug of `info.title` and `info.version`.
    pub api_id: Option<String>,
    /// The hub of permissions (and of the API) whose name or base path does not start with a
    /// hub's name.
    pub default_hub: Option<Hub>,
    /// The API's base path; by default the path of `servers[0].url`.
    pub base_path: Option<String>,
}

/// Why a document cannot be imported: every problem found, each under the path of the field
/// it concerns (`document` for the document as a whole, option names such as `base_path` for
/// what an [`ImportOptions`] field must supply).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the OpenAPI document cannot be imported: {0}")]
pub struct ImportError(pub FieldErrors);

impl ImportError {
    /// The problems, in document order.
    #[must_use]
    pub fn problems(&self) -> &[FieldError] {
        &self.0.0
    }

    fn single(field: &str, message: impl Into<String>) -> Self {
        Self(FieldErrors::single(field, message))
    }
}

impl From<ImportError> for FieldErrors {
    fn from(e: ImportError) -> Self {
        e.0
    }
}

/// Parses an OpenAPI 3.0 or 3.1 document (JSON when it starts with `{`, YAML otherwise) into
/// permissions and one API.
///
/// Security schemes must be `oauth2` schemes named like the platform's six (`oAuthUser`,
/// `oAuthClient`, …); a scheme with another name is taken as `oAuthUser` when it has an
/// authorization code (or implicit) flow and as `oAuthClient` when its only flow is client
/// credentials. Non-oauth2 schemes (`bearerAuth`) are skipped. Each permission's kind follows from
/// its name, and it must suit the scheme that declares it (delegated for user, customer and
/// anonymous schemes, on-behalf-of for OBO schemes, application or `.default` for `oAuthClient`).
/// A permission is `anonymous` when some operation accepts it under `oAuthAnonymousCustomer`.
/// Operations without `security` take the document's; an operation without `operationId` gets
/// one made of its method and path (`get_portals_portalid`).
///
/// # Errors
/// Every problem found, up to 100, each with the path of its field.
pub fn import_openapi(document: &str, options: &ImportOptions) -> Result<CatalogData, ImportError> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(ImportError::single(
            DOCUMENT,
            format!(
                "is {} bytes; documents over {MAX_DOCUMENT_BYTES} bytes (5 MiB) are refused",
                document.len()
            ),
        ));
    }
    if document.trim().is_empty() {
        return Err(ImportError::single(
            DOCUMENT,
            "is empty; send an OpenAPI 3 document",
        ));
    }
    let root = node::parse(document).map_err(|m| ImportError::single(DOCUMENT, m))?;
    let mut importer = Importer {
        options,
        problems: Problems::default(),
        schemes: HashMap::new(),
        permissions: Vec::new(),
        permission_index: HashMap::new(),
    };
    let data = importer.run(&root);
    importer.problems.finish(data)
}

/// Collected problems, capped at [`MAX_PROBLEMS`].
#[derive(Default)]
struct Problems {
    errors: FieldErrors,
    dropped: usize,
}

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        if self.errors.0.len() < MAX_PROBLEMS {
            self.errors.add(field, message);
        } else {
            self.dropped += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.errors.0.is_empty()
    }

    fn finish(mut self, data: Option<CatalogData>) -> Result<CatalogData, ImportError> {
        if self.dropped > 0 {
            self.errors.add(
                DOCUMENT,
                format!(
                    "{} more problem(s) not listed; fix these first",
                    self.dropped
                ),
            );
        }
        match data {
            Some(data) if self.errors.0.is_empty() => Ok(data),
            // Every path to `None` records why; this keeps a missed one from passing silently.
            None if self.errors.0.is_empty() => {
                Err(ImportError::single(DOCUMENT, "could not be imported"))
            }
            _ => Err(ImportError(self.errors)),
        }
    }
}

/// `base.key` for identifier-like keys, `base["key"]` otherwise (paths, scope URLs).
fn key(base: &str, k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident {
        if base.is_empty() {
            k.to_owned()
        } else {
            format!("{base}.{k}")
        }
    } else {
        format!("{base}[{}]", serde_json::Value::from(k))
    }
}

fn index(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// A permission being collected.
struct Draft {
    name: String,
    hub: Hub,
    description: String,
}

struct Importer<'o> {
    options: &'o ImportOptions,
    problems: Problems,
    schemes: HashMap<String, SchemeEntry>,
    permissions: Vec<Draft>,
    permission_index: HashMap<String, usize>,
}

/// An operation before its id is settled (generated ids must avoid every explicit one).
struct OpDraft {
    explicit_id: Option<String>,
    method: &'static str,
    path: String,
    summary: String,
    security: Vec<SecurityRequirement>,
}

impl Importer<'_> {
    fn run(&mut self, root: &Node) -> Option<CatalogData> {
        if root.as_map().is_none() {
            self.problems.add(
                DOCUMENT,
                format!(
                    "must be an OpenAPI object (a mapping with openapi, info and paths), not {}",
                    root.kind()
                ),
            );
            return None;
        }
        // A document of another format or version would only produce noise past this point.
        if !self.check_version(root) {
            return None;
        }
        let info = self.info(root);
        self.security_schemes(root);
        let doc_security = match root.get("security") {
            Some(n) => self.requirements(n, "security", "the document-level security"),
            None => Vec::new(),
        };
        let base_path = self.base_path(root);
        let operations = self.operations(root, &doc_security);
        let (title, version) = info?;
        let base_path = base_path?;
        let operations = operations?;

        let hub = self.api_hub(&base_path, &operations);
        let id = self.api_id(&title, &version);
        let audience = self.audience(&base_path);
        if !self.problems.is_empty() {
            return None;
        }
        let (hub, id, audience) = (hub?, id?, audience?);

        let anonymous: HashSet<&str> = operations
            .iter()
            .flat_map(|o| o.security.iter())
            .filter(|r| r.scheme == SecurityScheme::OAuthAnonymousCustomer)
            .flat_map(|r| r.scopes.iter().map(String::as_str))
            .collect();
        let permissions: Vec<Permission> = self
            .permissions
            .iter()
            .map(|d| Permission {
                name: d.name.clone(),
                hub: d.hub,
                kind: PermissionKind::implied_by(&d.name),
                description: d.description.clone(),
                anonymous: anonymous.contains(d.name.as_str()),
            })
            .collect();
        let api = Api {
            id,
            name: title,
            hub,
            base_path,
            audience,
            operations,
        };
        // A safety net: everything it checks was checked above with document paths.
        let by_name: HashMap<String, Permission> = permissions
            .iter()
            .map(|p| (p.name.clone(), p.clone()))
            .collect();
        if let Err(e) = api.validate(&by_name) {
            for fe in e.0 {
                self.problems.add(format!("api.{}", fe.field), fe.message);
            }
            return None;
        }
        for (i, p) in permissions.iter().enumerate() {
            if let Err(e) = p.validate(&format!("permissions[{i}].")) {
                for fe in e.0 {
                    self.problems.add(fe.field, fe.message);
                }
                return None;
            }
        }
        Some(CatalogData {
            permissions,
            apis: vec![api],
        })
    }

    fn check_version(&mut self, root: &Node) -> bool {
        match root.get("openapi") {
            Some(Node::String(v)) if v.starts_with("3.") => return true,
            Some(Node::String(v)) => self.problems.add(
                "openapi",
                format!("is {v:?}; only OpenAPI 3.0 and 3.1 documents can be imported"),
            ),
            Some(other) => self.problems.add(
                "openapi",
                format!(
                    "must be a version string such as \"3.1.0\", not {}",
                    other.kind()
                ),
            ),
            None if root.get("swagger").is_some() => self.problems.add(
                "swagger",
                "Swagger 2.0 documents cannot be imported; convert the document to OpenAPI 3 first",
            ),
            None => self.problems.add(
                "openapi",
                "is required (the OpenAPI version, e.g. \"3.1.0\")",
            ),
        }
        false
    }

    /// `info.title` (trimmed) and `info.version` (numbers accepted, YAML writes `4.0` unquoted).
    fn info(&mut self, root: &Node) -> Option<(String, String)> {
        let Some(info) = root.get("info") else {
            self.problems
                .add("info", "is required (with title and version)");
            return None;
        };
        if info.as_map().is_none() {
            self.problems.add(
                "info",
                format!(
                    "must be a mapping with title and version, not {}",
                    info.kind()
                ),
            );
            return None;
        }
        let title = match info.get("title") {
            Some(Node::String(t)) if !t.trim().is_empty() => {
                let t = t.trim();
                let n = t.chars().count();
                if n > 200 {
                    self.problems.add(
                        "info.title",
                        format!(
                            "must be at most 200 characters (got {n}); it becomes the API's name"
                        ),
                    );
                    None
                } else if t.chars().any(char::is_control) {
                    self.problems
                        .add("info.title", "must not contain control characters");
                    None
                } else {
                    Some(t.to_owned())
                }
            }
            Some(Node::String(_)) | None => {
                self.problems
                    .add("info.title", "is required; it becomes the API's name");
                None
            }
            Some(other) => {
                self.problems.add(
                    "info.title",
                    format!("must be a string, not {}", other.kind()),
                );
                None
            }
        };
        let version = match info.get("version") {
            Some(Node::String(v) | Node::Number(v)) if !v.trim().is_empty() => {
                Some(v.trim().to_owned())
            }
            Some(Node::String(_)) | None => {
                self.problems.add("info.version", "is required");
                None
            }
            Some(other) => {
                self.problems.add(
                    "info.version",
                    format!("must be a string, not {}", other.kind()),
                );
                None
            }
        };
        Some((title?, version?))
    }
}
