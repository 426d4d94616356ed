//! `tessera serve`: refuses plain http off loopback, opens the store, completes what start-up
//! owes (signing key families, the console's client, the `--dev` partition) and serves until
//! SIGINT or SIGTERM, then writes the pending audit events.

use std::net::SocketAddr;

use anyhow::Context as _;
use tessera_server::config::Config;
use tessera_server::runtime;

use super::{init_tracing, open};

pub(crate) async fn serve(config: Config, dev: bool) -> anyhow::Result<()> {
    init_tracing(config.log_format);
    let addr: SocketAddr = config.listen.parse()?;
    let metrics_addr: Option<SocketAddr> = config
        .metrics
        .listen
        .as_deref()
        .map(str::parse)
        .transpose()?;
    // Before anything is opened or written: a refused start changes nothing.
    let insecure = insecure_urls(&config);
    if !insecure.is_empty() && !config.insecure_public_url {
        anyhow::bail!(
            "plain http on a host other than loopback: {}. Tokens, passwords and cookies would cross the network in clear (OpenID Connect Core §16.17). Put Tessera behind a TLS-terminating proxy and set --public-url https://... (and --api-url, if set); for a closed test network only, set insecure_public_url = true (TESSERA_INSECURE_PUBLIC_URL=true)",
            insecure.join(", ")
        );
    }
    let state = open(config, true).await?;
    tracing::info!(backend = state.store().backend(), "storage ready");
    match state
        .provisioner()
        .complete_key_families(&**state.store())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            families = n,
            "created the signing keys that realms lacked (RS256 for ID tokens: OpenID Connect Core §15.1)"
        ),
        // Another instance starting at the same moment may have created them first.
        Err(e) => tracing::warn!(error = %e, "could not complete the realms' signing key families"),
    }
    if dev {
        super::dev::partition(&state).await?;
    }
    match tessera_server::ensure_console_clients(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            partitions = n,
            "set up the Administration Console's built-in client for the public URL"
        ),
        // Another instance starting at the same moment may have done it first.
        Err(e) => {
            tracing::warn!(error = %e, "could not set up the Administration Console's client")
        }
    }
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}; is another server running there? pass --listen to choose another address"))?;
    tracing::info!(%addr, public_url = %state.config().public_url, "Tessera is listening");
    if !insecure.is_empty() {
        // OpenID Connect Core §16.17 and RFC 9700 §2.6: issuers and every endpoint are https.
        tracing::warn!(
            urls = %insecure.join(", "),
            "plain http on a host other than loopback: tokens, passwords and cookies cross the network in clear (insecure_public_url is set)"
        );
    }
    let app = tessera_server::router(state.clone());
    let purger = tokio::spawn(runtime::purge_expired(state.clone()));
    let metrics_server = match metrics_addr {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
                format!(
                    "cannot listen on {addr} for metrics; set [metrics] listen to a free address"
                )
            })?;
            tracing::info!(%addr, "serving /metrics on its own listener");
            let app = tessera_server::metrics_router(state.clone());
            Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            }))
        }
        None => None,
    };
    let limits = tessera_server::http_server::ConnectionLimits::from_config(&state.config().http);
    tessera_server::http_server::serve(listener, app, limits, shutdown_signal()).await;
    purger.abort();
    if let Some(m) = metrics_server {
        m.abort();
    }
    tracing::info!("shutting down: writing pending audit events");
    state.close_audit().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Whether the issuers built from `public_url` are fit to leave this machine: https, or plain
/// http only on a loopback host (development) — the rule redirect URLs follow.
fn public_url_is_safe(public_url: &str) -> bool {
    tessera_domain::client::check_redirect_url(public_url).is_ok()
}

/// The configured addresses clients are sent to that break that rule: the public URL (issuers,
/// every OAuth endpoint) and the API URL (the compatibility token endpoints), each named.
fn insecure_urls(config: &Config) -> Vec<String> {
    [
        ("public_url", Some(&config.public_url)),
        ("api_url", config.api_url.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, url)| {
        url.filter(|u| !public_url_is_safe(u))
            .map(|u| format!("{name} {u}"))
    })
    .collect()
}

#[cfg(test)]
mod public_url_tests {
    use super::public_url_is_safe;

    #[test]
    fn only_https_or_loopback_http_is_safe() {
        for safe in [
            "https://auth.example",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(public_url_is_safe(safe), "{safe}");
        }
        for unsafe_url in ["http://auth.example", "http://10.0.0.5:8080", "not a url"] {
            assert!(!public_url_is_safe(unsafe_url), "{unsafe_url}");
        }
    }
}
