//! The `tessera` command: serve, init, migrate, partition create, keys rotate and revoke, config
//! example, backup. Each command lives in a module of `cli/`.
#![expect(
    clippy::print_stdout,
    reason = "printing results is the CLI's interface"
)]

mod cli;

use clap::Parser as _;

use cli::args::{Cli, Command, ConfigCommand, KeysCommand, PartitionCommand};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = cli.config.as_deref();
    match cli.command {
        Command::Config(ConfigCommand::Example) => {
            print!("{}", tessera_server::config::reference());
            Ok(())
        }
        Command::Serve(args) => {
            let config = cli::load_config(file, &args.common, args.listen.clone())?;
            cli::serve::serve(config, args.dev).await
        }
        Command::Migrate(common) => cli::migrate(file, &common).await,
        Command::Backup(args) => cli::backup::backup(file, &args).await,
        Command::Init(args) | Command::Partition(PartitionCommand::Create(args)) => {
            cli::partition::create(file, args).await
        }
        Command::Keys(KeysCommand::Rotate {
            common,
            partition,
            realm,
        }) => cli::keys::rotate(file, &common, &partition, &realm).await,
        Command::Keys(KeysCommand::Revoke {
            common,
            kid,
            partition,
        }) => cli::keys::revoke(file, &common, &kid, &partition).await,
    }
}
