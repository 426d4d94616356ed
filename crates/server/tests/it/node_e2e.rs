//! Running the Node.js halves of the end-to-end tests (`e2e/*/run.mjs`, `examples/spa`): what
//! they need installed, and one run of a script with a time limit. Without Node.js or a
//! package a test is skipped with the reason, except in CI (`CI` set), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether `node` runs and each `(dir, package)` is installed under `dir/node_modules`, or why not.
pub fn prerequisites(packages: &[(&str, &str)]) -> Result<(), String> {
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => return Err(format!("`node --version` failed: {}", out.status)),
        Err(e) => {
            return Err(format!(
                "node is not installed ({e}); apt-get install nodejs npm"
            ));
        }
    }
    let root = workspace_root();
    for (dir, package) in packages {
        if !root.join(dir).join("node_modules").join(package).exists() {
            return Err(format!(
                "{dir} has no node_modules/{package}: run `npm ci --prefix {dir}`"
            ));
        }
    }
    Ok(())
}

/// Skips a test whose prerequisites are missing (the reason on stderr) — except in CI (`CI`
/// set), where a missing prerequisite is a failure.
pub fn skip(what: &str, reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} cannot run: {reason}"
    );
    eprintln!("skipping {what}: {reason}");
}

/// Runs `node {script}` (relative to the workspace root) with `env`, killed after `limit`;
/// returns (success, what it printed). Blocking: call it from `spawn_blocking`.
pub fn run_script(script: &str, env: &[(&str, String)], limit: Duration) -> (bool, String) {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("run.log");
    let out_file = std::fs::File::create(&out).unwrap();
    let root = workspace_root();
    let mut cmd = Command::new("node");
    cmd.arg(root.join(script))
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(out_file.try_clone().unwrap())
        .stderr(out_file);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut printed = std::fs::read_to_string(&out).unwrap_or_default();
    if status.is_none() {
        printed.push_str(&format!(
            "\n(killed: {script} took longer than {limit:?})\n"
        ));
    }
    (status.is_some_and(|s| s.success()), printed)
}
