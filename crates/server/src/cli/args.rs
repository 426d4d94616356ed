//! The command line's shape: every subcommand and option `clap` parses.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tessera",
    version,
    about = "OAuth 2.0 / OpenID Connect authorization server with a client-application registry"
)]
pub(crate) struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Run the server (applies pending database migrations first).
    Serve(ServeArgs),
    /// Create the first partition, its Partition Administrator and an admin automation client.
    Init(PartitionArgs),
    /// Apply pending database migrations and exit.
    Migrate(Common),
    /// Manage partitions.
    #[command(subcommand)]
    Partition(PartitionCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Copy a SQLite database to a new file while Tessera runs (a consistent snapshot). Back
    /// the master key file up too: without it the copy's signing keys and secrets are useless.
    /// PostgreSQL is backed up with pg_dump.
    Backup(BackupArgs),
}

#[derive(Args, Debug)]
pub(crate) struct BackupArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// The file to write; it must not exist.
    #[arg(long)]
    pub(crate) to: PathBuf,
}

#[derive(Subcommand, Debug)]
pub(crate) enum PartitionCommand {
    /// Create another partition with its own administrator and automation client.
    Create(PartitionArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum KeysCommand {
    /// Rotate a partition's signing keys (next → active → retired; a new next key is made).
    Rotate {
        #[command(flatten)]
        common: Common,
        /// Partition id.
        #[arg(long)]
        partition: String,
        /// Realm to rotate: users, customers or both.
        #[arg(long, default_value = "both")]
        realm: String,
    },
    /// Withdraw a retired signing key at once (a leaked key): it leaves the JWKS and tokens it
    /// signed stop verifying. The active and next keys are refused: rotate first.
    Revoke {
        #[command(flatten)]
        common: Common,
        /// The key's id (`kid`). Key ids are base64url and may begin with `-`, so a value that
        /// does is the key id, not an option.
        #[arg(allow_hyphen_values = true)]
        kid: String,
        /// Partition id.
        #[arg(long)]
        partition: String,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum ConfigCommand {
    /// Print the reference configuration (every key, default and environment variable).
    Example,
}

/// Options every database-touching command shares (the env names are the config layer's).
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct Common {
    /// sqlite://PATH or postgres://USER@HOST/DB [env: TESSERA_DATABASE_URL]
    #[arg(long)]
    pub(crate) database_url: Option<String>,
    /// Master key file [env: TESSERA_MASTER_KEY_FILE]
    #[arg(long)]
    pub(crate) master_key_file: Option<PathBuf>,
    /// Public URL; issuers are built from it [env: TESSERA_PUBLIC_URL]
    #[arg(long)]
    pub(crate) public_url: Option<String>,
    /// API domain [env: TESSERA_API_URL]
    #[arg(long)]
    pub(crate) api_url: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// Address to listen on [env: TESSERA_LISTEN]
    #[arg(long)]
    pub(crate) listen: Option<String>,
    /// On an empty database, create a demo partition with sample users and applications.
    #[arg(long)]
    pub(crate) dev: bool,
}

#[derive(Args, Debug)]
pub(crate) struct PartitionArgs {
    #[command(flatten)]
    pub(crate) common: Common,
    /// Partition id: 3-40 letters or digits.
    #[arg(long)]
    pub(crate) partition: String,
    /// Username of the first Partition Administrator.
    #[arg(long)]
    pub(crate) admin_username: String,
    /// File holding their password ("-" reads standard input).
    #[arg(long)]
    pub(crate) admin_password_file: PathBuf,
    /// Their email address.
    #[arg(long)]
    pub(crate) admin_email: Option<String>,
    /// Print the result as JSON for scripts.
    #[arg(long)]
    pub(crate) json: bool,
}
