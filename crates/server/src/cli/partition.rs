//! `tessera init` and `tessera partition create`: a partition with its first Partition
//! Administrator and an automation client whose secret is printed once.

use std::io::Read as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use tessera_domain::PartitionId;
use tessera_server::provision::{Created, NewPartition};

use super::args::PartitionArgs;
use super::{init_tracing, load_config, open};

pub(crate) async fn create(file: Option<&Path>, args: PartitionArgs) -> anyhow::Result<()> {
    let config = load_config(file, &args.common, None)?;
    init_tracing(config.log_format);
    let spec = NewPartition {
        id: PartitionId::parse(&args.partition)?,
        admin_username: args.admin_username.clone(),
        admin_password: read_password(&args.admin_password_file)?,
        admin_email: args.admin_email.clone(),
        demo: false,
    };
    let state = open(config, false).await?;
    let created = state
        .provisioner()
        .create(&**state.store(), &spec)
        .await
        .map_err(|e| anyhow::anyhow!("cannot create partition {}: {e}", spec.id))?;
    state.close_audit().await;
    if args.json {
        println!("{}", serde_json::to_string(&created)?);
    } else {
        print_created(&created);
    }
    Ok(())
}

/// The password from a file or standard input (`-`): never from the command line, where other
/// users of the machine and the shell's history would see it.
fn read_password(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read password file {}", path.display()))?;
    }
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("the password file {} is empty", path.display());
    }
    Ok(password)
}

fn print_created(c: &Created) {
    println!("Created partition {}", c.partition);
    println!("  Partition Administrator: {}", c.admin_username);
    println!("  Users realm issuer:      {}", c.user_issuer);
    println!("  Customers realm issuer:  {}", c.customer_issuer);
    println!("  Automation client id:    {}", c.automation_client_id);
    println!(
        "  Automation secret:       {}   (shown once; store it now)",
        c.automation_client_secret
    );
}
