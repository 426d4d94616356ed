//! Scope resolution, the centre of the model: a permission is in a token only if it is
//! **assigned** to the client, **requested** in the call, and of a **kind the flow allows**.
//!
//! Requests that name a scope failing any of the three are refused as a whole, naming each
//! offending scope and why — silently dropping scopes hides configuration mistakes.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::flow::Flow;
use crate::permission::{ADMIN_DELEGATED, DEFAULT_SCOPE, Permission, PermissionKind, short_form};

/// The OpenID Connect scopes the authorization code flow may add: the standard ones of OIDC
/// Core §5.4 (`address` and `phone` included, even when an account has no such claim — the
/// scope then releases nothing) and `offline_access` (§11).
pub const OIDC_SCOPES: [&str; 6] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

/// What the caller asked for and the context to decide in.
#[derive(Debug, Clone, Copy)]
pub struct ScopeRequest<'a> {
    /// The flow.
    pub flow: Flow,
    /// The raw `scope` parameter, if sent.
    pub requested: Option<&'a str>,
    /// The partition's API permission prefix (full form = prefix + short name).
    pub prefix: &'a str,
}

/// Why one requested scope was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeProblem {
    /// Not in the partition's catalog.
    Unknown,
    /// In the catalog but not assigned to this client.
    NotAssigned,
    /// Assigned, but of a kind this flow does not grant.
    WrongKind {
        /// The permission's kind.
        kind: PermissionKind,
    },
    /// Delegated, assigned, but not marked for anonymous customers.
    NotAnonymous,
    /// An OpenID Connect scope outside the authorization code flow.
    OidcNotAllowed,
    /// Characters outside RFC 6749 §3.3's scope-token grammar.
    Malformed,
}

/// A refused scope request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub enum ScopeError {
    /// No scope was requested and the flow has no default.
    Missing {
        /// The flow.
        flow: Flow,
    },
    /// Named scopes were refused.
    Refused {
        /// The flow.
        flow: Flow,
        /// Each refused scope (as sent, truncated) and why.
        problems: Vec<(String, ScopeProblem)>,
    },
    /// Every requested scope was valid but none remained (e.g. `.default` with nothing assigned).
    Empty {
        /// The flow.
        flow: Flow,
    },
}

impl ScopeError {
    /// The `error_description` text.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Missing { flow } => format!(
                "the scope parameter is required for the {} flow; request the permissions you need, or '{DEFAULT_SCOPE}' for every assigned {} permission",
                flow.name(),
                flow.kind().as_str()
            ),
            Self::Empty { flow } => format!(
                "no {} permission is assigned to this client application; a Partition Administrator can assign one in its Permissions tab",
                flow.kind().as_str()
            ),
            Self::Refused { flow, problems } => problems
                .iter()
                .map(|(scope, p)| {
                    let why = match p {
                        ScopeProblem::Unknown => "unknown permission".to_owned(),
                        ScopeProblem::NotAssigned => {
                            "not assigned to this client application".to_owned()
                        }
                        ScopeProblem::WrongKind { kind } => format!(
                            "{} {} permission cannot be granted by the {} flow; use the {} flow",
                            if *kind == PermissionKind::Application {
                                "an"
                            } else {
                                "a"
                            },
                            kind.as_str(),
                            flow.name(),
                            Flow::fitting(*kind)
                        ),
                        ScopeProblem::NotAnonymous => {
                            "not available to anonymous customers".to_owned()
                        }
                        ScopeProblem::OidcNotAllowed => {
                            format!(
                                "OpenID Connect scopes are not granted by the {} flow",
                                flow.name()
                            )
                        }
                        ScopeProblem::Malformed => "not a valid scope token".to_owned(),
                    };
                    format!("'{scope}': {why}")
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// The outcome of a successful resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantedScopes {
    /// Catalog permissions granted, short form, sorted.
    pub permissions: BTreeSet<String>,
    /// OpenID Connect scopes granted.
    pub oidc: BTreeSet<&'static str>,
}

impl GrantedScopes {
    /// The space-separated `scope` value (OIDC scopes first, then permissions).
    #[must_use]
    pub fn to_scope_string(&self) -> String {
        let mut out = String::new();
        for s in self
            .oidc
            .iter()
            .copied()
            .chain(self.permissions.iter().map(String::as_str))
        {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        }
        out
    }
}

fn is_scope_token(s: &str) -> bool {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// Resolves a scope request.
///
/// `catalog` is the partition's permissions by short name; `assigned` the client's permissions.
///
/// # Errors
/// [`ScopeError`] naming every refused scope and why.
pub fn resolve(
    req: ScopeRequest<'_>,
    catalog: &HashMap<String, Permission>,
    assigned: &HashSet<String>,
) -> Result<GrantedScopes, ScopeError> {
    let flow = req.flow;
    let fits =
        |p: &Permission| p.kind == flow.kind() && (flow != Flow::AnonymousCustomer || p.anonymous);
    // Token exchange turns an outside provider's token into a Tessera one: the admin API comes
    // with it only when the request names it, never through a missing `scope` or `.default`.
    let implied = |p: &Permission| flow != Flow::TokenExchange || p.name != ADMIN_DELEGATED;
    let all_assigned = || {
        assigned
            .iter()
            .filter_map(|name| catalog.get(name))
            .filter(|p| fits(p) && implied(p))
            .map(|p| p.name.clone())
            .collect::<BTreeSet<_>>()
    };

    let raw = req.requested.map(str::trim).filter(|s| !s.is_empty());
    let Some(raw) = raw else {
        // Token exchange defaults to every assigned delegated permission (docs/product.md#flows);
        // the other flows require an explicit request (RFC 6749 §3.3 allows failing instead of
        // defaulting).
        if flow == Flow::TokenExchange {
            let permissions = all_assigned();
            if permissions.is_empty() {
                return Err(ScopeError::Empty { flow });
            }
            return Ok(GrantedScopes {
                permissions,
                oidc: BTreeSet::new(),
            });
        }
        return Err(ScopeError::Missing { flow });
    };

    let mut granted = GrantedScopes::default();
    let mut problems = Vec::new();
    for token in raw.split(' ').filter(|t| !t.is_empty()) {
        let shown = || token.chars().take(120).collect::<String>();
        if !is_scope_token(token) {
            problems.push((shown(), ScopeProblem::Malformed));
            continue;
        }
        let name = short_form(token, req.prefix);
        if name == DEFAULT_SCOPE {
            granted.permissions.extend(all_assigned());
            continue;
        }
        if let Some(oidc) = OIDC_SCOPES.iter().find(|s| **s == name) {
            if flow.allows_oidc_scopes() {
                granted.oidc.insert(oidc);
            } else {
                problems.push((shown(), ScopeProblem::OidcNotAllowed));
            }
            continue;
        }
        let problem = match catalog.get(name) {
            None => ScopeProblem::Unknown,
            Some(_) if !assigned.contains(name) => ScopeProblem::NotAssigned,
            Some(p) if p.kind != flow.kind() => ScopeProblem::WrongKind { kind: p.kind },
            Some(p) if flow == Flow::AnonymousCustomer && !p.anonymous => {
                ScopeProblem::NotAnonymous
            }
            Some(p) => {
                granted.permissions.insert(p.name.clone());
                continue;
            }
        };
        problems.push((shown(), problem));
    }
    if !problems.is_empty() {
        return Err(ScopeError::Refused { flow, problems });
    }
    if granted.permissions.is_empty() && granted.oidc.is_empty() {
        return Err(ScopeError::Empty { flow });
    }
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permission::Hub;
    use proptest::prelude::*;

    const PREFIX: &str = "https://api.acme.test/auth/";

    fn catalog() -> HashMap<String, Permission> {
        [
            ("knowledge.portalmgr.read", PermissionKind::Delegated, true),
            (
                "knowledge.portalmgr.manage",
                PermissionKind::Delegated,
                false,
            ),
            (
                "knowledge.portalmgr.onbehalfof.read",
                PermissionKind::DelegatedObo,
                false,
            ),
            ("app.core.usermgr.read", PermissionKind::Application, false),
            ("app.core.casemgr.read", PermissionKind::Application, false),
            (
                "app.knowledge.contentmgr.manage",
                PermissionKind::Application,
                false,
            ),
        ]
        .into_iter()
        .map(|(n, kind, anonymous)| {
            (
                n.to_owned(),
                Permission {
                    name: n.into(),
                    hub: Hub::Core,
                    kind,
                    description: String::new(),
                    anonymous,
                },
            )
        })
        .collect()
    }

    fn assigned() -> HashSet<String> {
        [
            "knowledge.portalmgr.read",
            "knowledge.portalmgr.manage",
            "knowledge.portalmgr.onbehalfof.read",
            "app.core.usermgr.read",
            "app.core.casemgr.read",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    }

    fn run(flow: Flow, scope: Option<&str>) -> Result<GrantedScopes, ScopeError> {
        resolve(
            ScopeRequest {
                flow,
                requested: scope,
                prefix: PREFIX,
            },
            &catalog(),
            &assigned(),
        )
    }

    #[test]
    fn token_exchange_grants_the_admin_permission_only_when_named() {
        let mut cat = catalog();
        cat.insert(
            ADMIN_DELEGATED.to_owned(),
            Permission {
                name: ADMIN_DELEGATED.into(),
                hub: Hub::Core,
                kind: PermissionKind::Delegated,
                description: String::new(),
                anonymous: false,
            },
        );
        let mut mine = assigned();
        mine.insert(ADMIN_DELEGATED.to_owned());
        let go = |scope: Option<&str>| {
            resolve(
                ScopeRequest {
                    flow: Flow::TokenExchange,
                    requested: scope,
                    prefix: PREFIX,
                },
                &cat,
                &mine,
            )
            .unwrap()
            .to_scope_string()
        };
        let everyday = "knowledge.portalmgr.manage knowledge.portalmgr.read";
        assert_eq!(go(None), everyday);
        assert_eq!(go(Some(".default")), everyday);
        assert_eq!(go(Some("core.admin.manage")), "core.admin.manage");
        assert_eq!(
            go(Some(
                ".default https://api.acme.test/auth/core.admin.manage"
            )),
            format!("core.admin.manage {everyday}")
        );
    }

    #[test]
    fn client_credentials_grants_assigned_application_permissions_in_both_forms() {
        let g = run(
            Flow::ClientCredentials,
            Some("app.core.usermgr.read https://api.acme.test/auth/app.core.casemgr.read"),
        )
        .unwrap();
        assert_eq!(
            g.to_scope_string(),
            "app.core.casemgr.read app.core.usermgr.read"
        );
    }

    #[test]
    fn default_expands_to_assigned_permissions_of_the_flows_kind() {
        let g = run(
            Flow::ClientCredentials,
            Some("https://api.acme.test/auth/.default"),
        )
        .unwrap();
        assert_eq!(
            g.to_scope_string(),
            "app.core.casemgr.read app.core.usermgr.read"
        );
        let g = run(Flow::AnonymousCustomer, Some(".default")).unwrap();
        assert_eq!(g.to_scope_string(), "knowledge.portalmgr.read");
    }

    #[test]
    fn each_offending_scope_is_named_with_its_reason() {
        let err = run(
            Flow::ClientCredentials,
            Some("knowledge.portalmgr.read app.knowledge.contentmgr.manage nope.x openid"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("'knowledge.portalmgr.read': a delegated permission cannot be granted by the client credentials flow; use the authorization code"), "{text}");
        assert!(
            text.contains("'app.knowledge.contentmgr.manage': not assigned"),
            "{text}"
        );
        assert!(text.contains("'nope.x': unknown permission"), "{text}");
        assert!(
            text.contains("'openid': OpenID Connect scopes are not granted"),
            "{text}"
        );
    }

    #[test]
    fn anonymous_flow_needs_the_anonymous_flag() {
        let err = run(Flow::AnonymousCustomer, Some("knowledge.portalmgr.manage")).unwrap_err();
        assert!(
            err.to_string()
                .contains("not available to anonymous customers")
        );
    }

    #[test]
    fn missing_scope_and_token_exchange_default() {
        assert!(matches!(
            run(Flow::ClientCredentials, None),
            Err(ScopeError::Missing { .. })
        ));
        let g = run(Flow::TokenExchange, None).unwrap();
        assert_eq!(
            g.to_scope_string(),
            "knowledge.portalmgr.manage knowledge.portalmgr.read"
        );
    }

    #[test]
    fn oidc_scopes_only_in_code_flow() {
        let g = run(
            Flow::AuthorizationCode,
            Some("openid offline_access knowledge.portalmgr.read"),
        )
        .unwrap();
        assert_eq!(
            g.to_scope_string(),
            "offline_access openid knowledge.portalmgr.read"
        );
    }

    #[test]
    fn address_and_phone_are_standard_scopes() {
        let g = run(
            Flow::AuthorizationCode,
            Some("openid profile email address phone"),
        )
        .unwrap();
        assert_eq!(g.to_scope_string(), "address email openid phone profile");
        for flow in [Flow::ClientCredentials, Flow::TokenExchange] {
            let text = run(flow, Some("address phone")).unwrap_err().to_string();
            assert!(
                text.contains("'address': OpenID Connect scopes are not granted"),
                "{text}"
            );
        }
    }

    proptest! {
        /// Whatever is requested, a granted permission is assigned, known and of the flow's kind.
        #[test]
        fn granted_is_always_assigned_and_of_the_flows_kind(
            picks in proptest::collection::vec(0usize..9, 0..8),
            flow_i in 0usize..5,
        ) {
            let names = ["knowledge.portalmgr.read", "knowledge.portalmgr.manage", "knowledge.portalmgr.onbehalfof.read",
                "app.core.usermgr.read", "app.core.casemgr.read", "app.knowledge.contentmgr.manage", ".default", "openid", "x.y"];
            let flows = [Flow::AuthorizationCode, Flow::ClientCredentials, Flow::AnonymousCustomer, Flow::OnBehalfOf, Flow::TokenExchange];
            let flow = flows[flow_i];
            let scope = picks.iter().map(|i| names[*i]).collect::<Vec<_>>().join(" ");
            if let Ok(g) = run(flow, Some(&scope)) {
                let cat = catalog();
                for p in &g.permissions {
                    prop_assert!(assigned().contains(p));
                    prop_assert_eq!(cat[p].kind, flow.kind());
                }
            }
        }

        /// Arbitrary bytes never panic the resolver.
        #[test]
        fn arbitrary_input_never_panics(s in ".{0,200}") {
            let _ = run(Flow::ClientCredentials, Some(&s));
        }
    }
}
