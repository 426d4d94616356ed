//! CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`): how the configuration names the reverse proxies
//! whose forwarding headers are believed (`proxy.trusted_proxies`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// An address block: a network address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// A text that is not a CIDR block; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a CIDR block such as 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32: {reason}")]
pub struct CidrError {
    text: String,
    reason: &'static str,
}

impl Cidr {
    /// Whether `ip` is inside the block. An IPv4 address seen as IPv4-mapped IPv6
    /// (`::ffff:10.0.0.1`, as a dual-stack socket reports it) counts as the IPv4 address.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        // A shift by the full width (prefix 0) overflows: the mask is then empty.
        let host_bits = |width: u8| u32::from(width.saturating_sub(self.prefix));
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(host_bits(32)).unwrap_or(0);
                u32::from(ip) & mask == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(host_bits(128)).unwrap_or(0);
                u128::from(ip) & mask == u128::from(net)
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    /// `address/prefix`, or a bare address for a single host. Host bits must be zero
    /// (`10.0.0.1/8` is refused rather than guessed, since it is usually a typo).
    fn from_str(text: &str) -> Result<Self, CidrError> {
        let err = |reason| CidrError {
            text: text.to_owned(),
            reason,
        };
        let trimmed = text.trim();
        let (addr, prefix) = match trimmed.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (trimmed, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| err("the address is not an IPv4 or IPv6 address"))?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| err("the prefix length must be 0-32 (IPv4) or 0-128 (IPv6)"))?,
        };
        let cidr = Self { network, prefix };
        // The network address is inside its own block only when its host bits are zero.
        if !cidr.contains(network) {
            return Err(err("the address has bits set beyond the prefix length"));
        }
        Ok(cidr)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl TryFrom<String> for Cidr {
    type Error = CidrError;
    fn try_from(s: String) -> Result<Self, CidrError> {
        s.parse()
    }
}

impl From<Cidr> for String {
    fn from(c: Cidr) -> Self {
        c.to_string()
    }
}

/// Deserializes a list of blocks from a TOML array, or from one comma-separated string: an
/// environment variable cannot hold an array (`TESSERA_PROXY__TRUSTED_PROXIES=10.0.0.0/8,::1`).
///
/// # Errors
/// The first entry that is not a CIDR block.
pub(crate) fn deserialize_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Cidr>, D::Error> {
    struct List;
    impl<'de> Visitor<'de> for List {
        type Value = Vec<Cidr>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of CIDR blocks, or one comma-separated string of them")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<Cidr>, E> {
            v.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.parse().map_err(E::custom))
                .collect()
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Cidr>, A::Error> {
            let mut out = Vec::new();
            while let Some(c) = seq.next_element::<Cidr>()? {
                out.push(c);
            }
            Ok(out)
        }
    }
    d.deserialize_any(List)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks_contain_their_addresses_only() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.255.1.2")));
        assert!(
            c.contains(ip("::ffff:10.0.0.1")),
            "IPv4-mapped counts as IPv4"
        );
        assert!(!c.contains(ip("11.0.0.0")));
        assert!(!c.contains(ip("::1")));
        let host: Cidr = "127.0.0.1".parse().unwrap();
        assert_eq!(host.to_string(), "127.0.0.1/32");
        assert!(host.contains(ip("127.0.0.1")) && !host.contains(ip("127.0.0.2")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("192.0.2.1")) && !all.contains(ip("::2")));
        let all6: Cidr = "::/0".parse().unwrap();
        assert!(all6.contains(ip("2001:db8::1")));
    }

    #[test]
    fn malformed_blocks_are_refused_with_a_reason() {
        for bad in [
            "10.0.0/8",
            "10.0.0.0/33",
            "10.0.0.1/8",
            "::1/129",
            "proxy.internal",
            "",
        ] {
            let e = bad.parse::<Cidr>().unwrap_err().to_string();
            assert!(e.contains("is not a CIDR block"), "{bad}: {e}");
        }
    }

    #[test]
    fn lists_come_from_arrays_or_comma_separated_strings() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(deserialize_with = "deserialize_list")]
            v: Vec<Cidr>,
        }
        let a: T = toml::from_str("v = [\"10.0.0.0/8\", \"::1\"]").unwrap();
        let b: T = toml::from_str("v = \"10.0.0.0/8, ::1\"").unwrap();
        assert_eq!(a.v, b.v);
        assert_eq!(a.v.len(), 2);
        let e = toml::from_str::<T>("v = [\"10.0.0.1/8\"]")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("10.0.0.1/8"), "{e}");
    }
}
