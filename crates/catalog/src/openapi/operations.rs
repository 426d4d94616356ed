//! The document's operations: the API's base path, hub, id and audience, each operation of the
//! path items, and the ids generated for operations that name none.

use std::collections::{HashMap, HashSet};

use tessera_domain::api::{METHODS, Operation, SecurityRequirement};
use tessera_domain::permission::Hub;

use super::{Importer, MAX_OPERATIONS, MAX_SUMMARY_CHARS, OpDraft, key};
use crate::node::Node;

impl Importer<'_> {
    pub(super) fn base_path(&mut self, root: &Node) -> Option<String> {
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

    pub(super) fn operations(
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
    pub(super) fn operation(
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
    pub(super) fn api_hub(&mut self, base_path: &str, operations: &[Operation]) -> Option<Hub> {
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

    pub(super) fn api_id(&mut self, title: &str, version: &str) -> Option<String> {
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

    pub(super) fn audience(&mut self, base_path: &str) -> Option<String> {
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

/// `Some(Some(METHOD))` for an importable operation key, `Some(None)` for `trace` (a real
/// method the catalog cannot hold), `None` for the path item's other keys.
pub(super) fn method_of(key: &str) -> Option<Option<&'static str>> {
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

/// Replaces `{name}` in a server URL with the default of `variables.name`.
pub(super) fn substitute_variables(url: &str, variables: Option<&Node>) -> String {
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
pub(super) fn server_path(url: &str) -> &str {
    let rest = match url.split_once("://") {
        Some((_, after)) => after.find('/').map_or("", |i| &after[i..]),
        None => url,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

pub(super) fn normalize_base_path(path: &str) -> Result<String, String> {
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
pub(super) fn summary_of(op: &Node) -> String {
    ["summary", "description"]
        .iter()
        .filter_map(|k| op.get(k).and_then(Node::as_str))
        .map(|s| s.trim().lines().next().unwrap_or("").trim())
        .find(|s| !s.is_empty())
        .map_or_else(String::new, |s| clip(s, MAX_SUMMARY_CHARS))
}

/// At most `max` characters, ending in `…` when cut.
pub(super) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Lower-case letters, digits and dots, every other run of characters a single `-`.
pub(super) fn slug(s: &str) -> String {
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
pub(super) fn generated_id(method: &str, path: &str) -> String {
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
pub(super) fn settle_ids(drafts: Vec<OpDraft>, mut taken: HashSet<String>) -> Vec<Operation> {
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
