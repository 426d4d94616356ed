//! The server crate's modules depend on each other in one direction: a test reads the sources
//! and fails on any cycle among the top-level modules or among their direct submodules (e.g.
//! `state → provision → audit → state`). `state` in particular depends on no feature module, so
//! every endpoint can be built on it without the state knowing the endpoints.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file (`oauth/token/mod.rs` → `["oauth", "token"]`).
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The identifiers following each `prefix` in `text` (`crate::oauth::token` → `[oauth, token]`).
fn paths_after<'t>(text: &'t str, prefix: &str) -> Vec<Vec<&'t str>> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i + prefix.len()..]
                .split("::")
                .map_while(|seg| {
                    let end = seg
                        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                        .unwrap_or(seg.len());
                    (end > 0).then(|| &seg[..end])
                })
                .take(2)
                .collect()
        })
        .collect()
}

/// Edges between modules cut to `depth` segments; test modules and comments are left out.
fn edges(root: &Path, depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(root, &mut files);
    let known: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(root, f)).collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(root, file);
        if module.is_empty()
            || module
                .last()
                .is_some_and(|m| m == "tests" || m.ends_with("_tests"))
        {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let from = module.iter().take(depth).cloned().collect::<Vec<_>>();
        let is_mod_file = file.file_stem().is_some_and(|s| s == "mod");
        let mut targets: Vec<Vec<String>> = paths_after(&code, "crate::")
            .into_iter()
            .map(|p| p.iter().map(|s| (*s).to_owned()).collect())
            .collect();
        // `super::x` in `a/b.rs` is `a::x`; in `a/b/mod.rs` it is `a::x` too.
        let parent: Vec<String> = if is_mod_file || module.len() > 1 {
            module[..module.len() - 1].to_vec()
        } else {
            Vec::new()
        };
        for p in paths_after(&code, "super::") {
            let mut t = parent.clone();
            t.extend(p.iter().map(|s| (*s).to_owned()));
            targets.push(t);
        }
        for target in targets {
            // Keep only the prefix that names a module of this crate.
            let mut to: Vec<String> = Vec::new();
            for seg in target.into_iter().take(depth) {
                let mut next = to.clone();
                next.push(seg);
                if !known.contains(&next) {
                    break;
                }
                to = next;
            }
            if to.is_empty() || to.starts_with(&from) || from.starts_with(&to) {
                continue;
            }
            out.entry(from.join("::"))
                .or_default()
                .insert(to.join("::"));
        }
    }
    out
}

/// One cycle, if the graph has any (depth-first search).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut c = path[i..].to_vec();
            c.push(node.to_owned());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_server_modules_have_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for depth in [1, 2] {
        let graph = edges(&root, depth);
        assert!(
            graph.get("state").is_some_and(|deps| !deps.is_empty()),
            "the reader found no dependency of `state`: {graph:?}"
        );
        if let Some(c) = cycle(&graph) {
            panic!("module cycle at depth {depth}: {}", c.join(" -> "));
        }
    }
    let state = &edges(&root, 1)["state"];
    for feature in ["oauth", "admin_api", "pages", "compat", "ops", "provision"] {
        assert!(
            !state.contains(feature),
            "`state` depends on the feature module `{feature}`: {state:?}"
        );
    }
}
