//! `tessera keys rotate` and `tessera keys revoke`: the signing keys' life cycle from the shell.

use std::path::Path;

use anyhow::{Context as _, bail};
use tessera_domain::store::StoreError;
use tessera_domain::{PartitionId, Realm};
use tessera_server::audit::AuditContext;
use tessera_server::provision::ProvisionError;

use super::args::Common;
use super::{init_tracing, load_config, open};

/// Rotates one realm's keys or both (`realm` is `users`, `customers` or `both`).
pub(crate) async fn rotate(
    file: Option<&Path>,
    common: &Common,
    partition: &str,
    realm: &str,
) -> anyhow::Result<()> {
    let config = load_config(file, common, None)?;
    init_tracing(config.log_format);
    let partition = PartitionId::parse(partition)?;
    let realms: Vec<Realm> = match realm {
        "both" => Realm::ALL.to_vec(),
        other => vec![Realm::parse(other).context("--realm must be users, customers or both")?],
    };
    let state = open(config, false).await?;
    let actor = AuditContext::system(Some(partition.clone()));
    for realm in realms {
        let keys = state
            .provisioner()
            .rotate_keys(&**state.store(), &partition, realm, &actor)
            .await?;
        let kids: Vec<String> = keys
            .iter()
            .map(|k| format!("{} ({})", k.kid, k.alg.as_str()))
            .collect();
        println!(
            "{partition}-{}: rotated; new next keys {}",
            realm.suffix(),
            kids.join(", ")
        );
    }
    state.close_audit().await;
    Ok(())
}

/// Withdraws a retired key at once (a leaked key); the store refuses the active and next keys.
pub(crate) async fn revoke(
    file: Option<&Path>,
    common: &Common,
    kid: &str,
    partition: &str,
) -> anyhow::Result<()> {
    let config = load_config(file, common, None)?;
    init_tracing(config.log_format);
    let partition = PartitionId::parse(partition)?;
    let state = open(config, false).await?;
    let actor = AuditContext::system(Some(partition.clone()));
    let withdrawn = state
        .provisioner()
        .withdraw_key(&**state.store(), &partition, kid, &actor)
        .await;
    state.close_audit().await;
    let key = match withdrawn {
        Err(ProvisionError::Store(StoreError::NotFound)) => {
            bail!("partition {partition} has no signing key {kid}")
        }
        other => other?,
    };
    println!(
        "{partition}-{}: withdrew key {}; other instances stop accepting it within a second",
        key.realm.suffix(),
        key.kid
    );
    Ok(())
}
