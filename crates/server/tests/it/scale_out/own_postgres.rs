//! A PostgreSQL server of the test's own (initdb into a temporary directory, a free loopback
//! port), so a test can stop it and start it again without touching the shared server other
//! tests use. PostgreSQL refuses to run as root: as root, its commands run as `postgres`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::dev_server::free_port;

/// A private PostgreSQL cluster; stopped (immediately) and removed when dropped.
#[derive(Debug)]
pub struct OwnPostgres {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

/// The newest `/usr/lib/postgresql/<version>/bin` (Debian's layout), or `pg_ctl` on `PATH`.
pub fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, p)| p.join("pg_ctl").exists())
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, p)) => p,
        None => {
            let out = Command::new("sh")
                .args(["-c", "command -v pg_ctl"])
                .output()
                .unwrap();
            let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            assert!(
                !path.is_empty(),
                "the outage test needs PostgreSQL's server programs (initdb, pg_ctl)"
            );
            Path::new(&path).parent().unwrap().to_owned()
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl OwnPostgres {
    /// Creates and starts a cluster with trust authentication for `postgres` on 127.0.0.1.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown of the PostgreSQL directory");
        }
        let pg = Self {
            bin: bin_dir(),
            data: dir.path().join("data"),
            log: dir.path().join("postgres.log"),
            port: free_port(),
            as_postgres,
            _dir: dir,
        };
        let data = pg.data.display().to_string();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        pg.start_again();
        pg
    }

    /// The database URL Tessera uses.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the (stopped) server on its port and waits until it accepts connections.
    pub fn start_again(&self) {
        let socket_dir = self.data.parent().unwrap().display().to_string();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {socket_dir} -c fsync=off",
            self.port
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-l",
                &self.log.display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the server as a crash would: `pg_ctl stop -m immediate` ends every connection at
    /// once without a checkpoint.
    pub fn stop_immediately(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        out
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                &self.data.display().to_string(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
    }
}
