//! The HTTP client that fetches identity providers' JWKS and delivers back-channel logout
//! tokens (`backchannel.rs`), which can reach only the addresses the deployment's
//! [`OutboundPolicy`] allows (public ones; loopback too in development).
//!
//! The check is made where the connection is made, not only when the provider is registered:
//! host names are resolved by [`PolicyResolver`], which hands the connector only allowed
//! addresses, so a name that resolved to a public address at registration and to 10.0.0.1 now
//! (DNS rebinding) still cannot be reached. Address literals, which the connector does not
//! resolve, are checked by [`check_url`] before the request. Redirects are not followed and
//! proxies are not used, so neither can move the connection elsewhere.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tessera_domain::address::{AddressClass, OutboundPolicy};

/// Why a fetch was refused before any connection was attempted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    /// The URL names a refused address.
    #[error("refused before connecting: {ip} is a {class} address")]
    Address {
        /// The address.
        ip: std::net::IpAddr,
        /// Its class.
        class: AddressClass,
    },
    /// Every address the host name resolves to is refused (or it resolves to none).
    #[error("refused before connecting: {host} resolves to no allowed address ({found})")]
    Resolved {
        /// The name.
        host: String,
        /// What it resolved to, with each class.
        found: String,
    },
    /// Plain http to anything but an allowed loopback host, or another scheme.
    #[error(
        "refused before connecting: only https is used (plain http only to loopback, where allow_loopback is set)"
    )]
    Scheme,
    /// No host in the URL.
    #[error("refused before connecting: the URL names no host")]
    NoHost,
}

/// Checks what the connector will not resolve: the scheme and an address literal in the URL.
///
/// # Errors
/// [`Refused`] saying why.
pub(crate) fn check_url(url: &reqwest::Url, policy: OutboundPolicy) -> Result<(), Refused> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => literal(ip.into(), policy)?,
        Some(url::Host::Ipv6(ip)) => literal(ip.into(), policy)?,
        Some(url::Host::Domain(name)) => OutboundPolicy::is_localhost_name(name),
        None => return Err(Refused::NoHost),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback && policy.allow_loopback => Ok(()),
        _ => Err(Refused::Scheme),
    }
}

/// Whether an allowed literal is loopback.
fn literal(ip: std::net::IpAddr, policy: OutboundPolicy) -> Result<bool, Refused> {
    policy
        .check(ip)
        .map_err(|class| Refused::Address { ip, class })?;
    Ok(tessera_domain::address::classify(ip) == AddressClass::Loopback)
}

/// Resolves with the system resolver, then keeps only the addresses `policy` allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PolicyResolver {
    policy: OutboundPolicy,
}

impl PolicyResolver {
    /// A resolver enforcing `policy`.
    #[must_use]
    pub(crate) const fn new(policy: OutboundPolicy) -> Self {
        Self { policy }
    }
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.check(a.ip()).is_ok())
                .collect();
            if allowed.is_empty() {
                let found = found
                    .iter()
                    .map(|a| format!("{} {}", a.ip(), tessera_domain::address::classify(a.ip())))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Refused::Resolved { host, found }.into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The client: `timeout` for the whole fetch (connection included), no redirects, no proxy,
/// addresses filtered by `policy`.
///
/// # Errors
/// When the TLS backend cannot be initialised.
pub(crate) fn build(
    policy: OutboundPolicy,
    timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PolicyResolver::new(policy)))
        .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    const STRICT: OutboundPolicy = OutboundPolicy {
        allow_loopback: false,
    };
    const DEV: OutboundPolicy = OutboundPolicy {
        allow_loopback: true,
    };

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn literals_and_schemes() {
        for u in [
            "https://10.0.0.1/jwks",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/jwks",
            "https://[::ffff:10.0.0.1]/jwks",
            "https://[fe80::1]/jwks",
            "https://[fd00::1]/jwks",
            "https://0.0.0.0/jwks",
            "https://100.64.0.1/jwks",
            "https://255.255.255.255/jwks",
            "https://224.0.0.1/jwks",
            "https://192.0.2.1/jwks",
            // Numeric forms the URL parser turns into 127.0.0.1 and 10.0.0.1.
            "https://2130706433/jwks",
            "https://0x7f.1/jwks",
            "https://012.0.0.1/jwks",
        ] {
            assert!(
                matches!(check_url(&url(u), STRICT), Err(Refused::Address { .. })),
                "{u}"
            );
        }
        assert!(check_url(&url("https://127.0.0.1/jwks"), DEV).is_ok());
        assert!(check_url(&url("http://127.0.0.1:8080/jwks"), DEV).is_ok());
        assert!(check_url(&url("http://[::1]:8080/jwks"), DEV).is_ok());
        assert!(check_url(&url("http://localhost:8080/jwks"), DEV).is_ok());
        assert!(matches!(
            check_url(&url("http://127.0.0.1:8080/jwks"), STRICT),
            Err(Refused::Address { .. })
        ));
        assert!(matches!(
            check_url(&url("http://10.0.0.1/jwks"), DEV),
            Err(Refused::Address { .. })
        ));
        for u in [
            "http://idp.example/jwks",
            "http://localhost/jwks",
            "ftp://idp.example/jwks",
        ] {
            assert!(
                matches!(check_url(&url(u), STRICT), Err(Refused::Scheme)),
                "{u}"
            );
        }
        assert!(matches!(
            check_url(&url("http://8.8.8.8/jwks"), DEV),
            Err(Refused::Scheme)
        ));
        assert!(check_url(&url("https://idp.example/jwks"), STRICT).is_ok());
        assert!(check_url(&url("https://8.8.8.8/jwks"), STRICT).is_ok());
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses() {
        let refused = PolicyResolver::new(STRICT)
            .resolve(Name::from_str("localhost").unwrap())
            .await
            .err()
            .expect("localhost resolves only to loopback");
        assert!(refused.to_string().contains("loopback"), "{refused}");
        let allowed: Vec<SocketAddr> = PolicyResolver::new(DEV)
            .resolve(Name::from_str("localhost").unwrap())
            .await
            .unwrap()
            .collect();
        assert!(!allowed.is_empty());
        assert!(allowed.iter().all(|a| a.ip().is_loopback()), "{allowed:?}");
    }
}
