//! Reading the chain of addresses a reverse proxy reports: RFC 7239 `Forwarded` or the informal
//! `X-Forwarded-For`. Both list the hops a request passed, the original client first; each proxy
//! appends the address it received the request from. Anything a client sent is in the list too,
//! so these headers are only read here; `request_meta` decides which entries to believe (those
//! appended by trusted proxies, walking from the right).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

/// The header a deployment's proxies maintain. Only one is read: a proxy that appends to one
/// passes the other through from the client unchanged, so reading both would let a client
/// choose its own address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (what most proxies and load balancers send).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// One entry of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hop {
    /// An address.
    Address(IpAddr),
    /// `unknown`, an obfuscated identifier (RFC 7239 §6.2-6.3), or an entry that does not parse.
    Unknown,
}

/// The chain in `which`, first hop first: every line of the header in order, empty entries
/// skipped. Empty when the header is absent.
#[must_use]
pub(crate) fn hops(headers: &HeaderMap, which: ForwardedHeader) -> Vec<Hop> {
    let name = match which {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    let mut out = Vec::new();
    for line in headers.get_all(name) {
        let Ok(line) = line.to_str() else {
            out.push(Hop::Unknown);
            continue;
        };
        // No legitimate node contains a comma, even quoted (RFC 7239 §6), so a plain split keeps
        // a client's unbalanced quote from swallowing the entries proxies append after it.
        for element in line.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            out.push(match which {
                ForwardedHeader::XForwardedFor => node(element),
                ForwardedHeader::Forwarded => forwarded_for(element),
            });
        }
    }
    out
}

/// The `for` parameter of one `Forwarded` element (RFC 7239 §4: `for=192.0.2.60;proto=http`,
/// parameter names in any case, at most once each).
fn forwarded_for(element: &str) -> Hop {
    let mut found = None;
    for pair in element.split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            return Hop::Unknown;
        };
        if name.trim().eq_ignore_ascii_case("for") {
            if found.is_some() {
                return Hop::Unknown;
            }
            found = Some(value.trim());
        }
    }
    found.map_or(Hop::Unknown, |v| node(&unquote(v)))
}

/// A token or an RFC 9110 quoted-string, unquoted.
fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                out.push(if c == '\\' {
                    chars.next().unwrap_or(c)
                } else {
                    c
                });
            }
            out
        }
        None => v.to_owned(),
    }
}

/// A node (RFC 7239 §6): `192.0.2.43`, `192.0.2.43:47011`, `[2001:db8::1]`, `[2001:db8::1]:80`,
/// either with an obfuscated port (`:_p1`), or, as `X-Forwarded-For` often has it, a bare IPv6
/// address.
fn node(s: &str) -> Hop {
    let host = match s.rsplit_once(":_") {
        Some((host, port))
            if port
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
        {
            host
        }
        _ => s,
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Hop::Address(ip);
    }
    if let Ok(sa) = host.parse::<SocketAddr>() {
        return Hop::Address(sa.ip());
    }
    host.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|v6| v6.parse::<Ipv6Addr>().ok())
        .map_or(Hop::Unknown, |v6| Hop::Address(IpAddr::V6(v6)))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn addr(s: &str) -> Hop {
        Hop::Address(s.parse().unwrap())
    }

    fn headers(name: &'static str, lines: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for l in lines {
            h.append(name, HeaderValue::from_bytes(l).unwrap());
        }
        h
    }

    #[test]
    fn x_forwarded_for_lists_every_line_in_order() {
        let h = headers(
            "x-forwarded-for",
            &[
                b"198.51.100.7, 2001:db8::1",
                b"[2001:db8::2]:443,, 10.0.0.2:8080",
            ],
        );
        assert_eq!(
            hops(&h, ForwardedHeader::XForwardedFor),
            vec![
                addr("198.51.100.7"),
                addr("2001:db8::1"),
                addr("2001:db8::2"),
                addr("10.0.0.2"),
            ]
        );
        assert!(
            hops(&h, ForwardedHeader::Forwarded).is_empty(),
            "other header"
        );
        let h = headers("x-forwarded-for", &[b"evil, 10.0.0.2", b"\xff"]);
        assert_eq!(
            hops(&h, ForwardedHeader::XForwardedFor),
            vec![Hop::Unknown, addr("10.0.0.2"), Hop::Unknown]
        );
    }

    #[test]
    fn forwarded_reads_the_for_parameter_of_each_element() {
        let h = headers(
            "forwarded",
            &[
                b"for=192.0.2.60;proto=http;by=203.0.113.43, FOR=\"[2001:db8:cafe::17]:4711\"",
                b"for=unknown, for=_hidden, for=\"192.0.2.43:_p1\", proto=https",
                b"for=\"198.51.100.1, for=198.51.100.2",
                b"for=10.0.0.1;for=10.0.0.2, for=\"\\[::1\\]\"",
            ],
        );
        assert_eq!(
            hops(&h, ForwardedHeader::Forwarded),
            vec![
                addr("192.0.2.60"),
                addr("2001:db8:cafe::17"),
                Hop::Unknown,
                Hop::Unknown,
                addr("192.0.2.43"),
                Hop::Unknown,
                Hop::Unknown,
                addr("198.51.100.2"),
                Hop::Unknown,
                addr("::1"),
            ]
        );
    }
}
