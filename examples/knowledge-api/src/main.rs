//! Runs the sample Knowledge API against a Tessera instance.
//!
//! ```text
//! tessera serve --dev                      # terminal 1: Tessera on 127.0.0.1:8080, partition `demo`
//! cargo run -p knowledge-api               # terminal 2: this API on 127.0.0.1:9090
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:9090/knowledge/portalmgr/v4/portals
//! ```

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Parser;
use knowledge_api::Config;

/// A Knowledge Portal Manager v4 subset protected by tessera-guard.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Tessera's public URL (the realm issuers live under it).
    #[arg(
        long,
        env = "KNOWLEDGE_API_ISSUER_BASE",
        default_value = "http://127.0.0.1:8080"
    )]
    issuer_base: String,
    /// The partition whose tokens are accepted.
    #[arg(long, env = "KNOWLEDGE_API_PARTITION", default_value = "demo")]
    partition: String,
    /// The audience tokens must carry [default: {issuer-base}/knowledge/portalmgr/v4].
    #[arg(long, env = "KNOWLEDGE_API_AUDIENCE")]
    audience: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "KNOWLEDGE_API_LISTEN", default_value = "127.0.0.1:9090")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tessera_guard=debug".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = Config::new(&args.issuer_base, &args.partition);
    if let Some(audience) = args.audience {
        config.audience = audience;
    }
    let guard = config.guard().context("configuring the guard")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let [users, customers] = config.issuers();
    tracing::info!(
        listen = %args.listen, %users, %customers, audience = %config.audience,
        "knowledge API ready"
    );
    axum::serve(listener, knowledge_api::app(&guard))
        .with_graceful_shutdown(async {
            // An error here means no signal handler could be installed; then run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .context("serving")
}
