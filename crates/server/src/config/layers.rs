//! How the layers combine: TOML tables merged key by key, and `TESSERA_*` environment variables
//! turned into a table of the same shape.

pub(super) fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// `TESSERA_*` names that are not configuration: the configuration file's path, the log
/// filter, the test suite's (`TESSERA_TEST_*`), what the examples in `examples/` and their
/// end-to-end drivers read (so a shell set up to run an example can still start the server),
/// and Kubernetes' service links (below).
const NOT_CONFIGURATION: &[&str] = &[
    "CONFIG",
    "LOG",
    "ISSUER",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "SPA_CLIENT_ID",
    "SPA_SCOPE",
    "USERNAME",
    "PASSWORD",
];

fn is_not_configuration(rest: &str) -> bool {
    NOT_CONFIGURATION.contains(&rest)
        || rest.starts_with("TEST_")
        // Kubernetes gives every pod of a namespace with a Service named `tessera` its address
        // as TESSERA_SERVICE_HOST, TESSERA_PORT, TESSERA_PORT_8080_TCP_ADDR, … (service links).
        || rest.starts_with("SERVICE_")
        || rest == "PORT"
        || rest.starts_with("PORT_")
}

/// `TESSERA_A__B=v` → `{a = {b = v}}`; values parse as TOML scalars when they can
/// (`3600` → integer, `true` → boolean), else as strings.
pub(super) fn env_table(env: impl IntoIterator<Item = (String, String)>) -> toml::Table {
    let mut out = toml::Table::new();
    for (key, value) in env {
        let Some(rest) = key.strip_prefix("TESSERA_") else {
            continue;
        };
        if rest.is_empty() || is_not_configuration(rest) {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        let parsed = format!("v = {value}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .filter(|v| !v.is_table() && !v.is_array())
            .unwrap_or(toml::Value::String(value));
        let mut cur = &mut out;
        for (i, seg) in path.iter().enumerate() {
            if i + 1 == path.len() {
                cur.insert(seg.clone(), parsed.clone());
            } else {
                let entry = cur
                    .entry(seg.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if !entry.is_table() {
                    *entry = toml::Value::Table(toml::Table::new());
                }
                let toml::Value::Table(t) = entry else { break };
                cur = t;
            }
        }
    }
    out
}
