//! The document's security schemes and requirements: which platform scheme each oauth2 scheme
//! stands for, the permissions its flows declare, and the `security` arrays that name them.

use tessera_domain::api::SecurityRequirement;
use tessera_domain::permission::{DEFAULT_SCOPE, Hub, Permission, PermissionKind};
use tessera_oauth_types::SecurityScheme;

use super::operations::clip;
use super::{Draft, Importer, MAX_DESCRIPTION_CHARS, index, key};
use crate::node::Node;

/// A security scheme of the document, as far as the import cares.
pub(super) enum SchemeEntry {
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

impl Importer<'_> {
    /// Reads `components.securitySchemes`, declaring the permissions of every oauth2 scheme.
    pub(super) fn security_schemes(&mut self, root: &Node) {
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

    pub(super) fn security_scheme(&mut self, name: &str, scheme: &Node, loc: &str) -> SchemeEntry {
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
    pub(super) fn platform_scheme(
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
    pub(super) fn declare(
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
    pub(super) fn requirements(
        &mut self,
        node: &Node,
        loc: &str,
        what: &str,
    ) -> Vec<SecurityRequirement> {
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
}

/// Whether a scheme can carry a permission of this kind: the token endpoint issues application
/// permissions only by client credentials and OBO permissions only by on-behalf-of, so any
/// other pairing would describe an operation no token could reach.
pub(super) const fn suits(scheme: SecurityScheme, kind: PermissionKind) -> bool {
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

pub(super) fn kind_mismatch(scheme: SecurityScheme, name: &str, kind: PermissionKind) -> String {
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

/// A scope as written in the document, in short form: without the partition's prefix, without
/// a leading `${PLACEHOLDER}` (the platform's own documents use `${SCOPE_PREFIX}`), and, for any
/// other URL, the part after its last `/`.
pub(super) fn short_scope(scope: &str, prefix: Option<&str>) -> Result<String, String> {
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
