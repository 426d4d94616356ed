//! The console's built-in client in every partition's users realm (docs/product.md#console).
//!
//! New partitions get it from provisioning, existing ones from the `0010_console` migration;
//! neither can know the deployment's public URL for sure (a migration not at all), so
//! `tessera serve` calls [`ensure_all`] at start: every partition then has the client, with the
//! redirect URLs of the public URL it is served at.

use tessera_domain::audit::{Action, ObjectType, Outcome};
use tessera_domain::client::{CONSOLE_CLIENT_ID, ClientApplication};
use tessera_domain::store::StoreError;

use crate::audit::AuditContext;
use crate::state::AppState;
use crate::urls;

/// Creates the console client where it is missing and points its redirect URLs at the current
/// public URL; returns how many partitions it changed.
///
/// # Errors
/// When storage fails.
pub async fn ensure_all(state: &AppState) -> Result<usize, StoreError> {
    let mut changed = 0;
    let public = &state.config.public_url;
    for partition in state.store.list_partitions().await? {
        let p = partition.id;
        let now = state.clock.now();
        let wanted = ClientApplication::console(
            p.clone(),
            urls::console_callback(public, &p),
            urls::console_signed_out(public, &p),
            now,
        );
        let audit = |action: Action| {
            AuditContext::system(Some(p.clone())).event(
                state,
                action,
                ObjectType::ClientApplication,
                Some(CONSOLE_CLIENT_ID.to_string()),
                Outcome::Success,
                Some("the Administration Console's built-in client".into()),
            )
        };
        match state.store.get_client(&p, CONSOLE_CLIENT_ID).await? {
            None => {
                state
                    .store
                    .create_client(&wanted, &audit(Action::ClientApplicationCreate))
                    .await?;
            }
            Some(have)
                if have.redirect_urls != wanted.redirect_urls
                    || have.post_logout_redirect_urls != wanted.post_logout_redirect_urls
                    || !have.enabled =>
            {
                let fixed = ClientApplication {
                    redirect_urls: wanted.redirect_urls,
                    post_logout_redirect_urls: wanted.post_logout_redirect_urls,
                    enabled: true,
                    updated_at: now,
                    ..have
                };
                state
                    .store
                    .update_client(&fixed, &audit(Action::ClientApplicationUpdate))
                    .await?;
            }
            Some(_) => continue,
        }
        state.invalidate_client(&p, CONSOLE_CLIENT_ID);
        changed += 1;
    }
    Ok(changed)
}
