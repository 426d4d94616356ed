//! Import of an OpenAPI 3.0/3.1 document into the API catalog: its oauth2 `securitySchemes`
//! become permissions, its operations (with their per-operation `security`) one [`Api`].
//!
//! The document comes from a Partition Administrator's upload, so nothing in it is trusted:
//! size, nesting and alias expansion are capped before any of it is looked at, and every problem
//! is reported with the path of the offending field (`paths["/portals"].get.security[0]`) so
//! the admin API can answer 422 with one message per field, all at once.

use std::collections::{HashMap, HashSet};

use tessera_domain::api::{Api, METHODS, Operation, SecurityRequirement};
use tessera_domain::permission::{DEFAULT_SCOPE, Hub, Permission, PermissionKind};
use tessera_domain::validation::FieldErrors;
use tessera_oauth_types::{FieldError, SecurityScheme};

use super::CatalogData;
use super::node::{self, Node};

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

/// A security scheme of the document, as far as the import cares.
enum SchemeEntry {
    /// An oauth2 scheme: the platform scheme it stands for and the short names of the scopes
    /// its flows declare.
    OAuth {
        scheme: SecurityScheme,
        declared: Vec<String>,
    },
    /// Another type (`http` bearer, `apiKey`, `openIdConnect`, …): skipped in requirements.
    Other,
    /// Defined but broken (already reported): requirements naming it are skipped silently.
    Invalid,
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

    /// Reads `components.securitySchemes`, declaring the permissions of every oauth2 scheme.
    fn security_schemes(&mut self, root: &Node) {
        let base = "components.securitySchemes";
        let Some(components) = root.get("components") else {
            return;
        };
        if components.as_map().is_none() {
            self.problems.add(
                "components",
                format!("must be a mapping, not {}", components.kind()),
            );
            return;
        }
        let Some(schemes) = components.get("securitySchemes") else {
            return;
        };
        let Some(entries) = schemes.as_map() else {
            self.problems.add(
                base,
                format!(
                    "must be a mapping of scheme name to scheme, not {}",
                    schemes.kind()
                ),
            );
            return;
        };
        for (name, scheme) in entries {
            let loc = key(base, name);
            let entry = self.security_scheme(name, scheme, &loc);
            self.schemes.insert(name.clone(), entry);
        }
    }

    fn security_scheme(&mut self, name: &str, scheme: &Node, loc: &str) -> SchemeEntry {
        if scheme.as_map().is_none() {
            self.problems.add(
                loc,
                format!("must be a security scheme object, not {}", scheme.kind()),
            );
            return SchemeEntry::Invalid;
        }
        if scheme.get("$ref").is_some() {
            self.problems.add(
                key(loc, "$ref"),
                "references to security schemes are not supported; define the scheme here",
            );
            return SchemeEntry::Invalid;
        }
        match scheme.get("type") {
            Some(Node::String(t)) if t == "oauth2" => {}
            Some(Node::String(_)) => return SchemeEntry::Other,
            Some(other) => {
                self.problems.add(
                    key(loc, "type"),
                    format!("must be a string, not {}", other.kind()),
                );
                return SchemeEntry::Invalid;
            }
            None => {
                self.problems.add(
                    key(loc, "type"),
                    "is required (oauth2, http, apiKey, openIdConnect or mutualTLS)",
                );
                return SchemeEntry::Invalid;
            }
        }
        let flows_loc = key(loc, "flows");
        let Some(flows) = scheme.get("flows").and_then(Node::as_map) else {
            self.problems.add(
                &flows_loc,
                "is required for an oauth2 scheme (a mapping of flow name to flow)",
            );
            return SchemeEntry::Invalid;
        };
        let Some(platform) = self.platform_scheme(name, flows, loc) else {
            return SchemeEntry::Invalid;
        };
        let mut declared: Vec<String> = Vec::new();
        for (flow_name, flow) in flows {
            let flow_loc = key(&flows_loc, flow_name);
            if flow.as_map().is_none() {
                self.problems.add(
                    &flow_loc,
                    format!("must be an OAuth flow object, not {}", flow.kind()),
                );
                continue;
            }
            let scopes_loc = key(&flow_loc, "scopes");
            let scopes = match flow.get("scopes") {
                None => continue,
                Some(s) => match s.as_map() {
                    Some(m) => m,
                    None => {
                        self.problems.add(
                            &scopes_loc,
                            format!(
                                "must be a mapping of scope to description, not {}",
                                s.kind()
                            ),
                        );
                        continue;
                    }
                },
            };
            for (scope, description) in scopes {
                let scope_loc = key(&scopes_loc, scope);
                let description = match description {
                    Node::String(d) => d.trim(),
                    Node::Null => "",
                    other => {
                        self.problems.add(
                            &scope_loc,
                            format!("the description must be a string, not {}", other.kind()),
                        );
                        continue;
                    }
                };
                if let Some(short) = self.declare(platform, scope, description, &scope_loc)
                    && !declared.contains(&short)
                {
                    declared.push(short);
                }
            }
        }
        SchemeEntry::OAuth {
            scheme: platform,
            declared,
        }
    }

    /// Which of the six platform schemes a document scheme stands for.
    fn platform_scheme(
        &mut self,
        name: &str,
        flows: &[(String, Node)],
        loc: &str,
    ) -> Option<SecurityScheme> {
        if let Some(s) = SecurityScheme::parse(name) {
            return Some(s);
        }
        let names = SecurityScheme::ALL.map(SecurityScheme::as_str).join(", ");
        if let Some(s) = SecurityScheme::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
        {
            self.problems.add(
                loc,
                format!(
                    "is not a platform scheme name (names are case-sensitive); did you mean {s}?"
                ),
            );
            return None;
        }
        let has = |f: &str| flows.iter().any(|(k, _)| k == f);
        if has("authorizationCode") || has("implicit") {
            return Some(SecurityScheme::OAuthUser);
        }
        if has("clientCredentials") && !has("password") {
            return Some(SecurityScheme::OAuthClient);
        }
        let flow_names: Vec<&str> = flows.iter().map(|(k, _)| k.as_str()).collect();
        self.problems.add(
            loc,
            format!(
                "is not one of the platform's scheme names ({names}) and its flows ({}) do not say which it is; rename the scheme",
                flow_names.join(", ")
            ),
        );
        None
    }

    /// Declares a scope of `scheme` as a permission; its short name when it is acceptable.
    fn declare(
        &mut self,
        scheme: SecurityScheme,
        scope: &str,
        description: &str,
        loc: &str,
    ) -> Option<String> {
        let short = match short_scope(scope, self.options.permission_prefix.as_deref()) {
            Ok(s) => s,
            Err(m) => {
                self.problems.add(loc, m);
                return None;
            }
        };
        if short == DEFAULT_SCOPE {
            if scheme == SecurityScheme::OAuthClient {
                return Some(short);
            }
            self.problems.add(
                loc,
                format!(
                    "{DEFAULT_SCOPE} stands for the client's own assigned permissions and belongs only to {}; {scheme} needs named permissions",
                    SecurityScheme::OAuthClient
                ),
            );
            return None;
        }
        let kind = PermissionKind::implied_by(&short);
        if !suits(scheme, kind) {
            self.problems.add(loc, kind_mismatch(scheme, &short, kind));
            return None;
        }
        if let Some(&i) = self.permission_index.get(&short) {
            if let Some(d) = self.permissions.get_mut(i)
                && d.description.is_empty()
            {
                d.description = clip(description, MAX_DESCRIPTION_CHARS);
            }
            return Some(short);
        }
        let segment = short.strip_prefix("app.").unwrap_or(&short);
        let hub = match segment.split('.').next().and_then(Hub::parse) {
            Some(h) => h,
            None => match self.options.default_hub {
                Some(h) => h,
                None => {
                    self.problems.add(
                        loc,
                        format!("cannot tell the hub of permission {short:?}: its name does not start with core, conversation or knowledge; give the hub"),
                    );
                    return None;
                }
            },
        };
        let candidate = Permission {
            name: short.clone(),
            hub,
            kind,
            description: clip(description, MAX_DESCRIPTION_CHARS),
            anonymous: false,
        };
        if let Err(e) = candidate.validate("") {
            for fe in e.0 {
                self.problems.add(
                    loc,
                    format!("permission {short:?}: {} {}", fe.field, fe.message),
                );
            }
            return None;
        }
        self.permission_index
            .insert(short.clone(), self.permissions.len());
        self.permissions.push(Draft {
            name: short.clone(),
            hub,
            description: candidate.description,
        });
        Some(short)
    }

    /// A `security` array: one alternative per item, each naming one oauth2 scheme.
    fn requirements(&mut self, node: &Node, loc: &str, what: &str) -> Vec<SecurityRequirement> {
        let Some(items) = node.as_seq() else {
            self.problems.add(
                loc,
                format!(
                    "must be a list of security requirements, not {}",
                    node.kind()
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let item_loc = index(loc, i);
            let Some(entries) = item.as_map() else {
                self.problems.add(
                    &item_loc,
                    format!(
                        "must be a mapping of scheme name to scopes, not {}",
                        item.kind()
                    ),
                );
                continue;
            };
            let mut found: Vec<SecurityRequirement> = Vec::new();
            let mut oauth_names: Vec<&str> = Vec::new();
            for (name, scopes) in entries {
                let entry_loc = key(&item_loc, name);
                let (scheme, declared) = match self.schemes.get(name) {
                    Some(SchemeEntry::OAuth { scheme, declared }) => (*scheme, declared.clone()),
                    Some(SchemeEntry::Other | SchemeEntry::Invalid) => continue,
                    None => {
                        self.problems.add(
                            &entry_loc,
                            format!("names security scheme {name:?}, which components.securitySchemes does not define"),
                        );
                        continue;
                    }
                };
                oauth_names.push(name);
                let Some(list) = scopes.as_seq() else {
                    self.problems.add(
                        &entry_loc,
                        format!("must be a list of scopes, not {}", scopes.kind()),
                    );
                    continue;
                };
                let mut required = Vec::new();
                for (k, scope) in list.iter().enumerate() {
                    let scope_loc = index(&entry_loc, k);
                    let Some(scope) = scope.as_str() else {
                        self.problems.add(
                            &scope_loc,
                            format!("must be a scope string, not {}", scope.kind()),
                        );
                        continue;
                    };
                    match short_scope(scope, self.options.permission_prefix.as_deref()) {
                        Ok(short) if declared.contains(&short) => {
                            if !required.contains(&short) {
                                required.push(short);
                            }
                        }
                        Ok(short) => self.problems.add(
                            &scope_loc,
                            format!(
                                "scope {short:?} is not declared in the flows of components.securitySchemes.{name} (declared: {})",
                                if declared.is_empty() { "none".to_owned() } else { declared.join(", ") }
                            ),
                        ),
                        Err(m) => self.problems.add(&scope_loc, m),
                    }
                }
                found.push(SecurityRequirement {
                    scheme,
                    scopes: required,
                });
            }
            if oauth_names.len() > 1 {
                self.problems.add(
                    &item_loc,
                    format!(
                        "{what}: this alternative names {} together, which would need several tokens at once; list each scheme as its own item of the security list",
                        oauth_names.join(" and ")
                    ),
                );
                continue;
            }
            out.extend(found);
        }
        out
    }

    fn base_path(&mut self, root: &Node) -> Option<String> {
        if let Some(bp) = &self.options.base_path {
            return match normalize_base_path(bp) {
                Ok(p) => Some(p),
                Err(m) => {
                    self.problems.add("base_path", m);
                    None
                }
            };
        }
        let give = "or give the base path explicitly";
        let Some(servers) = root.get("servers") else {
            self.problems.add(
                "servers",
                format!("is missing, so the API's base path is unknown; add a server URL {give}"),
            );
            return None;
        };
        let Some(first) = servers.as_seq().and_then(<[Node]>::first) else {
            self.problems.add(
                "servers",
                format!(
                    "must be a non-empty list of servers, not {}; add a server URL {give}",
                    servers.kind()
                ),
            );
            return None;
        };
        let Some(url) = first.get("url").and_then(Node::as_str) else {
            self.problems.add(
                "servers[0].url",
                format!("is required (a string) to know the API's base path; add it {give}"),
            );
            return None;
        };
        let url = substitute_variables(url, first.get("variables"));
        let path = server_path(&url);
        if path.is_empty() || path == "/" {
            self.problems.add(
                "servers[0].url",
                format!("{url:?} has no path, so the API's base path is unknown; {give}"),
            );
            return None;
        }
        match normalize_base_path(path) {
            Ok(p) => Some(p),
            Err(m) => {
                self.problems
                    .add("servers[0].url", format!("its path {path:?}: {m}; {give}"));
                None
            }
        }
    }

    fn operations(
        &mut self,
        root: &Node,
        doc_security: &[SecurityRequirement],
    ) -> Option<Vec<Operation>> {
        let Some(paths) = root.get("paths") else {
            self.problems
                .add("paths", "is required; the document defines no operations");
            return None;
        };
        let Some(items) = paths.as_map() else {
            self.problems.add(
                "paths",
                format!(
                    "must be a mapping of path to path item, not {}",
                    paths.kind()
                ),
            );
            return None;
        };
        let count: usize = items
            .iter()
            .filter_map(|(_, item)| item.as_map())
            .map(|m| m.iter().filter(|(k, _)| method_of(k).is_some()).count())
            .sum();
        if count > MAX_OPERATIONS {
            self.problems.add(
                "paths",
                format!("defines {count} operations; at most {MAX_OPERATIONS} can be imported from one document"),
            );
            return None;
        }
        if count == 0 {
            self.problems
                .add("paths", "defines no operations; there is nothing to import");
            return None;
        }
        let mut drafts: Vec<OpDraft> = Vec::with_capacity(count);
        let mut explicit: HashMap<String, String> = HashMap::new();
        for (path, item) in items {
            let path_loc = key("paths", path);
            if !path.starts_with('/') {
                self.problems.add(&path_loc, "a path must start with '/'");
                continue;
            }
            if path.len() > 1000 || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
                self.problems.add(
                    &path_loc,
                    "a path must be at most 1000 characters, without spaces or control characters",
                );
                continue;
            }
            let Some(entries) = item.as_map() else {
                self.problems.add(
                    &path_loc,
                    format!(
                        "must be a path item (a mapping of method to operation), not {}",
                        item.kind()
                    ),
                );
                continue;
            };
            if item.get("$ref").is_some() {
                self.problems.add(
                    key(&path_loc, "$ref"),
                    "path item references are not supported; define the operations here",
                );
                continue;
            }
            for (m, op) in entries {
                if let Some(draft) =
                    self.operation(path, &path_loc, m, op, &mut explicit, doc_security)
                {
                    drafts.push(draft);
                }
            }
        }
        Some(settle_ids(drafts, explicit.into_keys().collect()))
    }

    /// One operation of a path item; `None` (with the reason recorded) when it cannot be
    /// imported, or when `method` is one of the path item's other keys (`parameters`, …).
    fn operation(
        &mut self,
        path: &str,
        path_loc: &str,
        method: &str,
        op: &Node,
        explicit: &mut HashMap<String, String>,
        doc_security: &[SecurityRequirement],
    ) -> Option<OpDraft> {
        let op_loc = key(path_loc, method);
        let Some(method) = method_of(method)? else {
            self.problems.add(
                &op_loc,
                format!(
                    "{} operations cannot be imported (methods: {})",
                    method.to_ascii_uppercase(),
                    METHODS.join(", ")
                ),
            );
            return None;
        };
        if op.as_map().is_none() {
            self.problems.add(
                &op_loc,
                format!("must be an operation object, not {}", op.kind()),
            );
            return None;
        }
        let id_loc = key(&op_loc, "operationId");
        let explicit_id = match op.get("operationId") {
            None => None,
            Some(Node::String(id)) => {
                if id.is_empty()
                    || id.chars().count() > 200
                    || id.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    self.problems.add(
                        &id_loc,
                        "must be 1 to 200 characters without spaces or control characters",
                    );
                    return None;
                }
                if let Some(other) = explicit.insert(id.clone(), format!("{method} {path}")) {
                    self.problems.add(
                        &id_loc,
                        format!("{id:?} is also the operationId of {other}"),
                    );
                    return None;
                }
                Some(id.clone())
            }
            Some(other) => {
                self.problems
                    .add(&id_loc, format!("must be a string, not {}", other.kind()));
                return None;
            }
        };
        let security = match op.get("security") {
            Some(n) => {
                let what = format!(
                    "operation {} ({method} {path})",
                    explicit_id.as_deref().unwrap_or("without operationId")
                );
                self.requirements(n, &key(&op_loc, "security"), &what)
            }
            None => doc_security.to_vec(),
        };
        Some(OpDraft {
            explicit_id,
            method,
            path: path.to_owned(),
            summary: summary_of(op),
            security,
        })
    }

    /// The hub from the base path (`/knowledge/...`), else the option, else the hub of the first
    /// permission an operation requires.
    fn api_hub(&mut self, base_path: &str, operations: &[Operation]) -> Option<Hub> {
        if let Some(h) = base_path.split('/').nth(1).and_then(Hub::parse) {
            return Some(h);
        }
        if let Some(h) = self.options.default_hub {
            return Some(h);
        }
        let used = operations
            .iter()
            .flat_map(|o| o.security.iter())
            .flat_map(|r| r.scopes.iter())
            .find_map(|s| self.permission_index.get(s))
            .and_then(|&i| self.permissions.get(i))
            .map(|d| d.hub);
        if used.is_none() {
            self.problems.add(
                "hub",
                "cannot tell which hub the API belongs to: its base path does not start with /core, /conversation or /knowledge and it requires no permission; give the hub",
            );
        }
        used
    }

    fn api_id(&mut self, title: &str, version: &str) -> Option<String> {
        let id = match &self.options.api_id {
            Some(id) => id.clone(),
            None => {
                let mut s = slug(&format!("{title}-{version}"));
                s.truncate(100);
                let s = s.trim_end_matches('-').to_owned();
                if s.is_empty() { "api".to_owned() } else { s }
            }
        };
        let ok = (1..=100).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Some(id)
        } else {
            self.problems.add(
                "api_id",
                "must be 1-100 characters of letters, digits, '-', '_' or '.'",
            );
            None
        }
    }

    fn audience(&mut self, base_path: &str) -> Option<String> {
        let api_url = self.options.api_url.trim_end_matches('/');
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            self.problems.add(
                "api_url",
                "must be the deployment's API base URL (http or https); the API's audience is built from it",
            );
            return None;
        }
        let audience = format!("{api_url}{}", base_path.trim_end_matches('/'));
        if audience.chars().count() > 500 {
            self.problems.add(
                "base_path",
                "makes the API's audience longer than 500 characters",
            );
            return None;
        }
        Some(audience)
    }
}

/// Whether a scheme can carry a permission of this kind: the token endpoint issues application
/// permissions only by client credentials and OBO permissions only by on-behalf-of, so any
/// other pairing would describe an operation no token could reach.
const fn suits(scheme: SecurityScheme, kind: PermissionKind) -> bool {
    matches!(
        (scheme, kind),
        (
            SecurityScheme::OAuthUser
                | SecurityScheme::OAuthCustomer
                | SecurityScheme::OAuthAnonymousCustomer,
            PermissionKind::Delegated
        ) | (
            SecurityScheme::OAuthOnBehalfOfUser | SecurityScheme::OAuthOnBehalfOfCustomer,
            PermissionKind::DelegatedObo
        ) | (SecurityScheme::OAuthClient, PermissionKind::Application)
    )
}

fn kind_mismatch(scheme: SecurityScheme, name: &str, kind: PermissionKind) -> String {
    let wants = match scheme {
        SecurityScheme::OAuthClient => "application permissions (named app.…) or .default",
        SecurityScheme::OAuthOnBehalfOfUser | SecurityScheme::OAuthOnBehalfOfCustomer => {
            "on-behalf-of permissions (named ….onbehalfof.…)"
        }
        _ => "delegated permissions (neither app.… nor ….onbehalfof.…)",
    };
    format!(
        "{name:?} is a {} permission, but {scheme} tokens carry only {wants}",
        kind.as_str()
    )
}

/// `Some(Some(METHOD))` for an importable operation key, `Some(None)` for `trace` (a real
/// method the catalog cannot hold), `None` for the path item's other keys.
fn method_of(key: &str) -> Option<Option<&'static str>> {
    match key {
        "get" => Some(Some("GET")),
        "put" => Some(Some("PUT")),
        "post" => Some(Some("POST")),
        "delete" => Some(Some("DELETE")),
        "options" => Some(Some("OPTIONS")),
        "head" => Some(Some("HEAD")),
        "patch" => Some(Some("PATCH")),
        "trace" => Some(None),
        _ => None,
    }
}

/// A scope as written in the document, in short form: without the partition's prefix, without
/// a leading `${PLACEHOLDER}` (the platform's own documents use `${SCOPE_PREFIX}`), and, for any
/// other URL, the part after its last `/`.
fn short_scope(scope: &str, prefix: Option<&str>) -> Result<String, String> {
    if let Some(p) = prefix.filter(|p| !p.is_empty())
        && let Some(rest) = scope.strip_prefix(p)
        && !rest.is_empty()
    {
        return Ok(rest.to_owned());
    }
    let unplaced = scope
        .strip_prefix("${")
        .and_then(|s| s.split_once('}'))
        .map_or(scope, |(_, rest)| rest);
    match unplaced.rsplit_once('/') {
        Some((_, last)) if last.contains('.') => Ok(last.to_owned()),
        Some(_) => Err(format!(
            "cannot derive a permission name from {scope:?}: the part after its last '/' is not a dotted name such as knowledge.portalmgr.read"
        )),
        None if unplaced.is_empty() => Err("a scope must not be empty".to_owned()),
        None => Ok(unplaced.to_owned()),
    }
}

/// Replaces `{name}` in a server URL with the default of `variables.name`.
fn substitute_variables(url: &str, variables: Option<&Node>) -> String {
    let Some(vars) = variables.and_then(Node::as_map) else {
        return url.to_owned();
    };
    let mut out = url.to_owned();
    for (name, var) in vars {
        if let Some(default) = var.get("default").and_then(Node::as_str) {
            out = out.replace(&format!("{{{name}}}"), default);
        }
    }
    out
}

/// The path of a server URL (absolute or relative), without query or fragment.
fn server_path(url: &str) -> &str {
    let rest = match url.split_once("://") {
        Some((_, after)) => after.find('/').map_or("", |i| &after[i..]),
        None => url,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

fn normalize_base_path(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err("must start with '/'".to_owned());
    }
    if let Some(var) = path.find('{') {
        return Err(format!(
            "contains a server variable ({}) with no default",
            &path[var..path[var..].find('}').map_or(path.len(), |e| var + e + 1)]
        ));
    }
    if path.chars().count() > 300
        || path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
    {
        return Err(
            "must be at most 300 characters, without spaces, control characters, '?' or '#'"
                .to_owned(),
        );
    }
    let trimmed = path.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    })
}

/// The first line of `summary`, else of `description`, clipped.
fn summary_of(op: &Node) -> String {
    ["summary", "description"]
        .iter()
        .filter_map(|k| op.get(k).and_then(Node::as_str))
        .map(|s| s.trim().lines().next().unwrap_or("").trim())
        .find(|s| !s.is_empty())
        .map_or_else(String::new, |s| clip(s, MAX_SUMMARY_CHARS))
}

/// At most `max` characters, ending in `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Lower-case letters, digits and dots, every other run of characters a single `-`.
fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// `get_portals_portalid_articles` for `GET /portals/{portalID}/articles`.
fn generated_id(method: &str, path: &str) -> String {
    let mut out = method.to_ascii_lowercase();
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    out.truncate(150);
    out
}

/// The operations with their ids: explicit ones as written, missing ones generated from method
/// and path, numbered (`_2`, `_3`, …) where they would collide with any other.
fn settle_ids(drafts: Vec<OpDraft>, mut taken: HashSet<String>) -> Vec<Operation> {
    drafts
        .into_iter()
        .map(|d| {
            let operation_id = match d.explicit_id {
                Some(id) => id,
                None => {
                    let base = generated_id(d.method, &d.path);
                    let mut id = base.clone();
                    let mut n = 2;
                    while taken.contains(&id) {
                        id = format!("{base}_{n}");
                        n += 1;
                    }
                    taken.insert(id.clone());
                    id
                }
            };
            Operation {
                operation_id,
                method: d.method.to_owned(),
                path: d.path,
                summary: d.summary,
                security: d.security,
            }
        })
        .collect()
}
