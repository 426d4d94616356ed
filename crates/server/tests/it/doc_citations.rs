//! The documents name the tests that prove each row (`docs/conformance.md`, `docs/security.md`,
//! the flow pages, the README). A renamed or deleted test would leave a row pointing at
//! nothing, so this test reads every Markdown file and fails on a citation of a test that does
//! not exist:
//! - `module::test` where `module` is a module of this test binary (`tests/it/<module>.rs` or
//!   `tests/it/<module>/`) must name a `fn test(` in that module;
//! - `a::b::tests::test` names a unit test in `crates/<any>/src/a/b.rs` (or `a/b/mod.rs`),
//!   which must exist and hold `fn test(`.
//!
//! `module::*` (every test of a module) only needs the module to exist.

use std::path::{Path, PathBuf};

fn markdown(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markdown(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// Every Rust source under `path` (a file, or a directory read recursively), concatenated.
fn source_text(path: &Path) -> Option<String> {
    if path.is_file() {
        return std::fs::read_to_string(path).ok();
    }
    if !path.is_dir() {
        return None;
    }
    let mut text = String::new();
    for entry in std::fs::read_dir(path).ok()? {
        let entry = entry.ok()?.path();
        if let Some(more) = source_text(&entry)
            && (entry.is_dir() || entry.extension().is_some_and(|e| e == "rs"))
        {
            text.push_str(&more);
        }
    }
    Some(text)
}

/// Backtick spans of `text` that look like Rust paths (`a::b`, `a::b::c`), at least two parts.
fn paths(text: &str) -> Vec<&str> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            s.contains("::")
                && s.split("::").all(|p| {
                    p == "*"
                        || (!p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                })
        })
        .collect()
}

/// What a citation turned out to be.
#[derive(Debug, PartialEq)]
enum Citation {
    /// It names a test that exists.
    Found,
    /// It is not a test of this crate (a type, another crate's item).
    NotATest,
    /// It names a test module of this crate, but not a test in it: why.
    Missing(String),
}

fn check(cited: &str, tests_dir: &Path, src_dir: &Path) -> Citation {
    let parts: Vec<&str> = cited.split("::").collect();
    let (text, test, place) = if let [module, test] = parts[..] {
        let file = tests_dir.join(format!("{module}.rs"));
        let text = source_text(&file).or_else(|| source_text(&tests_dir.join(module)));
        (text, test, format!("tests/it/{module}"))
    } else {
        let Some(at) = parts.iter().position(|p| *p == "tests") else {
            return Citation::NotATest;
        };
        let Some(test) = parts.get(at + 1) else {
            return Citation::NotATest;
        };
        // A unit test of any crate in the workspace (`tessera_domain::` may lead the path).
        let mut module = &parts[..at];
        if module.first().is_some_and(|m| m.starts_with("tessera_")) {
            module = &module[1..];
        }
        let module = module.join("/");
        let crates = src_dir.join("../..");
        let text = std::fs::read_dir(&crates)
            .unwrap()
            .filter_map(|c| {
                // `m.rs` with its submodules in `m/`, or `m/mod.rs` and its siblings.
                let base = c.ok()?.path().join("src").join(&module);
                match (source_text(&base.with_extension("rs")), source_text(&base)) {
                    (None, None) => None,
                    (file, dir) => Some(file.unwrap_or_default() + &dir.unwrap_or_default()),
                }
            })
            .next();
        if text.is_none() {
            return Citation::Missing(format!("no crate has a module {module}"));
        }
        (text, *test, format!("the module {module}"))
    };
    match text {
        None => Citation::NotATest,
        Some(_) if test == "*" => Citation::Found,
        Some(text) if text.contains(&format!("fn {test}(")) => Citation::Found,
        Some(_) => Citation::Missing(format!("{place} has no fn {test}")),
    }
}

#[test]
fn every_test_the_documents_cite_exists() {
    let server = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = server.join("../..");
    let tests_dir = server.join("tests/it");
    let src_dir = server.join("src");
    let mut docs = vec![root.join("README.md")];
    markdown(&root.join("docs"), &mut docs);
    let mut checked = 0;
    let mut broken = Vec::new();
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        for cited in paths(&text) {
            match check(cited, &tests_dir, &src_dir) {
                Citation::Missing(why) => broken.push(format!(
                    "{}: `{cited}`: {why}",
                    doc.strip_prefix(&root).unwrap_or(doc).display()
                )),
                Citation::Found => checked += 1,
                Citation::NotATest => {}
            }
        }
    }
    assert!(
        broken.is_empty(),
        "documents cite tests that do not exist:\n{}",
        broken.join("\n")
    );
    // The documents cite well over a hundred tests; a parser that found none would pass vacuously.
    assert!(checked > 100, "only {checked} citations found");
}

#[test]
fn a_citation_of_a_missing_test_is_caught() {
    let server = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (tests_dir, src_dir) = (server.join("tests/it"), server.join("src"));
    let found = |cited| check(cited, &tests_dir, &src_dir);
    assert!(matches!(
        found("code_flow::no_such_test"),
        Citation::Missing(_)
    ));
    assert_eq!(found("code_flow::web_app_signs_in_a_user"), Citation::Found);
    assert!(matches!(
        found("oauth::form::tests::no_such_test"),
        Citation::Missing(_)
    ));
    assert_eq!(found("tessera_domain::Clock"), Citation::NotATest);
    assert!(matches!(found("gone::tests::a_test"), Citation::Missing(_)));
    assert_eq!(paths("a `x::y` b `not a path` c `p::*`"), ["x::y", "p::*"]);
}
