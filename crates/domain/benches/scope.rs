//! Scope resolution (`tessera_domain::scope::resolve`), which every token request runs: the
//! client-credentials `.default` request and an explicit three-permission delegated request,
//! against a catalog of 200 permissions of which the client is assigned 20.
#![expect(
    clippy::unwrap_used,
    reason = "benchmark set-up: a failed step should stop the run with its error"
)]

use std::collections::{HashMap, HashSet};
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tessera_domain::flow::Flow;
use tessera_domain::permission::{Hub, Permission, PermissionKind};
use tessera_domain::scope::{ScopeRequest, resolve};

fn bench(c: &mut Criterion) {
    let mut catalog = HashMap::new();
    for i in 0..200 {
        let (kind, verb) = match i % 2 {
            0 => (PermissionKind::Application, "manage"),
            _ => (PermissionKind::Delegated, "read"),
        };
        let name = format!("knowledge.portal{i}.{verb}");
        catalog.insert(
            name.clone(),
            Permission {
                name,
                hub: Hub::Knowledge,
                kind,
                description: String::new(),
                anonymous: false,
            },
        );
    }
    let mut names: Vec<&String> = catalog.keys().collect();
    names.sort();
    let assigned: HashSet<String> = names.iter().take(20).map(|n| (*n).clone()).collect();
    let prefix = "https://api.example/auth/";
    let delegated: Vec<&String> = names
        .iter()
        .take(20)
        .copied()
        .filter(|n| n.ends_with(".read"))
        .take(3)
        .collect();
    let explicit = format!(
        "openid {} {prefix}{} {}",
        delegated[0], delegated[1], delegated[2]
    );
    // Both requests succeed, so what is measured is the resolution, not an error path.
    let cc = || ScopeRequest {
        flow: Flow::ClientCredentials,
        requested: Some(".default"),
        prefix,
    };
    let code = || ScopeRequest {
        flow: Flow::AuthorizationCode,
        requested: Some(&explicit),
        prefix,
    };
    resolve(cc(), &catalog, &assigned).unwrap();
    resolve(code(), &catalog, &assigned).unwrap();
    c.bench_function("scope_client_credentials_default", |b| {
        b.iter(|| resolve(black_box(cc()), &catalog, &assigned).unwrap());
    });
    c.bench_function("scope_authorization_code_explicit", |b| {
        b.iter(|| resolve(black_box(code()), &catalog, &assigned).unwrap());
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
