//! Facts about the request that audit events, the login back-off and the anonymous endpoint's
//! rate limit use: above all the client's address, decided here and nowhere else.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::config::ProxyConfig;
use crate::forwarded::{self, Hop};
use crate::state::AppState;

/// The caller's source address, when the server knows it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestMeta {
    /// The client's address (see [`client_address`]).
    pub ip: Option<IpAddr>,
    /// The same address as text, as the audit log records it.
    pub source_ip: Option<String>,
}

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| client_address(c.0.ip(), &parts.headers, &state.config.proxy));
        Ok(Self {
            ip,
            source_ip: ip.map(|ip| ip.to_string()),
        })
    }
}

/// The address of the client behind `peer`, the address that connected to us.
///
/// A peer that is not a trusted proxy is the client: whatever forwarding headers it sent are its
/// own claims and are ignored. Behind trusted proxies, the configured header's chain is walked
/// from the right (the entries the proxies appended) past every trusted proxy; the first address
/// that is not one is the client. A client can prepend anything to the chain, but never get past
/// the entry its first trusted proxy appended. If a trusted proxy reports its client as unknown
/// or unparseable, the nearest address known is that proxy itself.
#[must_use]
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, proxy: &ProxyConfig) -> IpAddr {
    let peer = peer.to_canonical();
    if !proxy.trusts(peer) {
        return peer;
    }
    let mut nearest = peer;
    for hop in forwarded::hops(headers, proxy.client_address_header)
        .into_iter()
        .rev()
    {
        match hop {
            Hop::Address(ip) => {
                nearest = ip.to_canonical();
                if !proxy.trusts(nearest) {
                    break;
                }
            }
            Hop::Unknown => break,
        }
    }
    nearest
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::forwarded::ForwardedHeader;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxy(cidrs: &[&str], header: ForwardedHeader) -> ProxyConfig {
        ProxyConfig {
            trusted_proxies: cidrs.iter().map(|c| c.parse().unwrap()).collect(),
            client_address_header: header,
        }
    }

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let h = with("x-forwarded-for", "198.51.100.7");
        let none = proxy(&[], ForwardedHeader::XForwardedFor);
        assert_eq!(client_address(ip("10.0.0.1"), &h, &none), ip("10.0.0.1"));
        let other = proxy(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        assert_eq!(
            client_address(ip("192.0.2.1"), &h, &other),
            ip("192.0.2.1"),
            "a peer outside the trusted blocks speaks for itself"
        );
        assert_eq!(
            client_address(ip("::ffff:192.0.2.1"), &h, &none),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_entry_is_the_client() {
        let p = proxy(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let peer = ip("10.0.0.1");
        let cases = [
            ("198.51.100.7", "198.51.100.7"),
            // The client's own claims are left of what the proxies appended.
            ("1.1.1.1, 198.51.100.7", "198.51.100.7"),
            ("garbage, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
            ("1.1.1.1, 198.51.100.7, 10.0.0.9, 10.1.2.3", "198.51.100.7"),
            // A trusted proxy that could not say: the nearest known address.
            ("198.51.100.7, unknown, 10.0.0.9", "10.0.0.9"),
            ("not-an-address", "10.0.0.1"),
            // Only trusted hops: the farthest of them.
            ("10.0.0.5, 10.0.0.9", "10.0.0.5"),
            ("", "10.0.0.1"),
        ];
        for (xff, want) in cases {
            assert_eq!(
                client_address(peer, &with("x-forwarded-for", xff), &p),
                ip(want),
                "X-Forwarded-For: {xff}"
            );
        }
        assert_eq!(
            client_address(peer, &HeaderMap::new(), &p),
            peer,
            "no header"
        );
    }

    #[test]
    fn only_the_configured_header_is_read() {
        let xff = proxy(&["127.0.0.1/32"], ForwardedHeader::XForwardedFor);
        let fwd = proxy(&["127.0.0.1/32"], ForwardedHeader::Forwarded);
        let peer = ip("127.0.0.1");
        let mut h = with("forwarded", "for=192.0.2.1, for=\"[2001:db8::7]:443\"");
        h.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.7"));
        assert_eq!(client_address(peer, &h, &fwd), ip("2001:db8::7"));
        assert_eq!(client_address(peer, &h, &xff), ip("198.51.100.7"));
    }
}
