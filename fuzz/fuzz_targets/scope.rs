//! Scope resolution (`tessera_domain::scope::resolve`) against the shipped catalog: a granted
//! set holds only permissions that are in the catalog, assigned, and of the flow's kind, OIDC
//! scopes only where the flow allows them, and requesting exactly what was granted grants it
//! again. Input: a flow byte, a prefix byte, an assignment byte, then the `scope` parameter.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tessera_domain::flow::Flow;
use tessera_domain::permission::Permission;
use tessera_domain::scope::{ScopeError, ScopeRequest, resolve};

const FLOWS: [Flow; 5] = [
    Flow::AuthorizationCode,
    Flow::ClientCredentials,
    Flow::AnonymousCustomer,
    Flow::OnBehalfOf,
    Flow::TokenExchange,
];
const PREFIX: &str = "https://api.acme.test/auth/";

fn catalog() -> &'static (HashMap<String, Permission>, Vec<String>) {
    static CATALOG: OnceLock<(HashMap<String, Permission>, Vec<String>)> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let data = tessera_catalog::shipped("https://api.acme.test", "https://auth.acme.test")
            .expect("the shipped catalog loads");
        let names = data.permissions.iter().map(|p| p.name.clone()).collect();
        let map = data
            .permissions
            .into_iter()
            .map(|p| (p.name.clone(), p))
            .collect();
        (map, names)
    })
}

fuzz_target!(|data: &[u8]| {
    let [flow, prefix, assign, rest @ ..] = data else {
        return;
    };
    let Ok(requested) = std::str::from_utf8(rest) else {
        return;
    };
    let flow = FLOWS[usize::from(*flow) % FLOWS.len()];
    let prefix = if prefix % 2 == 0 { "" } else { PREFIX };
    let (catalog, names) = catalog();
    // All, none, or every second or third permission assigned.
    let assigned: HashSet<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| match assign % 4 {
            0 => true,
            1 => false,
            2 => i % 2 == 0,
            _ => i % 3 == 0,
        })
        .map(|(_, n)| n.clone())
        .collect();
    let request = ScopeRequest {
        flow,
        requested: Some(requested),
        prefix,
    };
    match resolve(request, catalog, &assigned) {
        Ok(granted) => {
            assert!(!granted.permissions.is_empty() || !granted.oidc.is_empty());
            for name in &granted.permissions {
                let p = catalog
                    .get(name)
                    .expect("granted permissions are in the catalog");
                assert!(assigned.contains(name), "{name} granted but not assigned");
                assert_eq!(p.kind, flow.kind(), "{name} granted in {flow:?}");
                assert!(flow != Flow::AnonymousCustomer || p.anonymous);
            }
            assert!(granted.oidc.is_empty() || flow.allows_oidc_scopes());
            let scope = granted.to_scope_string();
            let again = resolve(
                ScopeRequest {
                    flow,
                    requested: Some(&scope),
                    prefix,
                },
                catalog,
                &assigned,
            );
            assert_eq!(again, Ok(granted), "re-requesting {scope:?}");
        }
        Err(ScopeError::Refused { problems, .. }) => assert!(!problems.is_empty()),
        Err(e) => {
            let _ = e.describe();
        }
    }
});
