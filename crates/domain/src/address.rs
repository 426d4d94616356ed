//! Which network addresses Tessera may contact on an administrator's behalf (an identity
//! provider's `jwks_uri`). Only public unicast addresses are allowed: a registration must not be
//! able to make Tessera probe its own host or the network it runs in (server-side request
//! forgery), whether the address is written in the URL or a host name resolves to it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an IP address is, as far as contacting it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressClass {
    /// A public unicast address.
    Public,
    /// This host: 127.0.0.0/8, `::1` (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3).
    Loopback,
    /// "This network" 0.0.0.0/8 and `::` (RFC 1122, RFC 4291 §2.5.2); connecting to them reaches
    /// this host on most systems.
    Unspecified,
    /// RFC 1918 private ranges, and the deprecated IPv6 site-local fec0::/10 (RFC 3879).
    Private,
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    SharedAddressSpace,
    /// 169.254.0.0/16 (RFC 3927; cloud metadata services live here) and fe80::/10.
    LinkLocal,
    /// fc00::/7 (RFC 4193).
    UniqueLocal,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 255.255.255.255 (RFC 919).
    Broadcast,
    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737), 2001:db8::/32 (RFC 3849),
    /// 3fff::/20 (RFC 9637).
    Documentation,
    /// Every other special-purpose range of the IANA registries (RFC 6890): protocol
    /// assignments, benchmarking, 6to4 relays, 240.0.0.0/4, IPv4-compatible IPv6, discard-only,
    /// Teredo and ORCHID, SRv6, and IPv6 outside global unicast 2000::/3.
    Reserved,
}

impl AddressClass {
    /// Words for messages.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Loopback => "loopback",
            Self::Unspecified => "unspecified",
            Self::Private => "private",
            Self::SharedAddressSpace => "shared (carrier-grade NAT)",
            Self::LinkLocal => "link-local",
            Self::UniqueLocal => "unique-local",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Documentation => "documentation",
            Self::Reserved => "reserved",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Classifies an address. IPv4-mapped IPv6 (`::ffff:10.0.0.1`) and NAT64 (`64:ff9b::/96`,
/// RFC 6052) addresses are classified by the IPv4 address they carry, since that is where a
/// connection to them ends up.
#[must_use]
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    use AddressClass as C;
    match ip.octets() {
        [0, ..] => C::Unspecified,
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] => C::Private,
        [100, 64..=127, ..] => C::SharedAddressSpace,
        [127, ..] => C::Loopback,
        [169, 254, ..] => C::LinkLocal,
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => C::Documentation,
        // IETF protocol assignments, the deprecated 6to4 relay anycast (RFC 7526), benchmarking
        // (RFC 2544).
        [192, 0, 0, _] | [192, 88, 99, _] | [198, 18..=19, ..] => C::Reserved,
        [224..=239, ..] => C::Multicast,
        [255, 255, 255, 255] => C::Broadcast,
        [240..=255, ..] => C::Reserved,
        _ => C::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    use AddressClass as C;
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => C::Unspecified,
        [0, 0, 0, 0, 0, 0, 0, 1] => C::Loopback,
        // IPv4-compatible addresses (deprecated, RFC 4291 §2.5.5.1).
        [0, 0, 0, 0, 0, 0, _, _] => C::Reserved,
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => {
            let [a, b] = hi.to_be_bytes();
            let [c, d] = lo.to_be_bytes();
            classify_v4(Ipv4Addr::new(a, b, c, d))
        }
        [0x2001, 0x0db8, ..] => C::Documentation,
        [0x3fff, second, ..] if second < 0x1000 => C::Documentation,
        // 2001::/23 IETF protocol assignments (Teredo, ORCHID, ...), 2002::/16 6to4
        // (deprecated, RFC 7526).
        [0x2001, second, ..] if second < 0x0200 => C::Reserved,
        [0x2002, ..] => C::Reserved,
        [first, ..] if first & 0xfe00 == 0xfc00 => C::UniqueLocal,
        [first, ..] if first & 0xffc0 == 0xfe80 => C::LinkLocal,
        [first, ..] if first & 0xffc0 == 0xfec0 => C::Private,
        [first, ..] if first & 0xff00 == 0xff00 => C::Multicast,
        // SRv6 segment identifiers (RFC 9602).
        [0x5f00, ..] => C::Reserved,
        [first, ..] if first & 0xe000 == 0x2000 => C::Public,
        // Discard-only 100::/64 (RFC 6666), local-use NAT64 64:ff9b:1::/48 (RFC 8215), and
        // everything IANA has not allocated for global unicast.
        _ => C::Reserved,
    }
}

/// Which addresses outbound fetches may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboundPolicy {
    /// Also allow loopback (and `localhost`): for tests and local development only, where the
    /// identity provider runs on the same machine. Unsafe in production: it exposes every
    /// service listening on the host.
    pub allow_loopback: bool,
}

impl OutboundPolicy {
    /// `Err` with the address's class when it may not be contacted.
    ///
    /// # Errors
    /// The class of a refused address.
    pub fn check(self, ip: IpAddr) -> Result<(), AddressClass> {
        match classify(ip) {
            AddressClass::Public => Ok(()),
            AddressClass::Loopback if self.allow_loopback => Ok(()),
            class => Err(class),
        }
    }

    /// Whether `host` is a name for this machine: `localhost` and names under it, which RFC 6761
    /// §6.3 reserves for loopback.
    #[must_use]
    pub fn is_localhost_name(host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        host == "localhost" || host.ends_with(".localhost")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> AddressClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        use AddressClass as C;
        let cases = [
            ("0.0.0.0", C::Unspecified),
            ("0.255.255.255", C::Unspecified),
            ("1.1.1.1", C::Public),
            ("9.255.255.255", C::Public),
            ("10.0.0.1", C::Private),
            ("10.255.255.255", C::Private),
            ("11.0.0.0", C::Public),
            ("100.63.255.255", C::Public),
            ("100.64.0.0", C::SharedAddressSpace),
            ("100.127.255.255", C::SharedAddressSpace),
            ("100.128.0.0", C::Public),
            ("126.255.255.255", C::Public),
            ("127.0.0.1", C::Loopback),
            ("127.255.255.254", C::Loopback),
            ("128.0.0.0", C::Public),
            ("169.253.255.255", C::Public),
            ("169.254.0.0", C::LinkLocal),
            ("169.254.169.254", C::LinkLocal),
            ("169.255.0.0", C::Public),
            ("172.15.255.255", C::Public),
            ("172.16.0.0", C::Private),
            ("172.31.255.255", C::Private),
            ("172.32.0.0", C::Public),
            ("192.0.0.8", C::Reserved),
            ("192.0.1.0", C::Public),
            ("192.0.2.1", C::Documentation),
            ("192.0.3.0", C::Public),
            ("192.88.99.1", C::Reserved),
            ("192.167.255.255", C::Public),
            ("192.168.0.1", C::Private),
            ("192.168.255.255", C::Private),
            ("192.169.0.0", C::Public),
            ("198.17.255.255", C::Public),
            ("198.18.0.0", C::Reserved),
            ("198.19.255.255", C::Reserved),
            ("198.20.0.0", C::Public),
            ("198.51.100.7", C::Documentation),
            ("203.0.113.200", C::Documentation),
            ("203.0.114.0", C::Public),
            ("223.255.255.255", C::Public),
            ("224.0.0.1", C::Multicast),
            ("239.255.255.255", C::Multicast),
            ("240.0.0.0", C::Reserved),
            ("255.255.255.254", C::Reserved),
            ("255.255.255.255", C::Broadcast),
        ];
        for (ip, want) in cases {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges() {
        use AddressClass as C;
        let cases = [
            ("::", C::Unspecified),
            ("::1", C::Loopback),
            ("::2", C::Reserved),
            ("::10.0.0.1", C::Reserved),
            // IPv4-mapped: the IPv4 address decides.
            ("::ffff:10.0.0.1", C::Private),
            ("::ffff:127.0.0.1", C::Loopback),
            ("::ffff:169.254.169.254", C::LinkLocal),
            ("::ffff:0.0.0.0", C::Unspecified),
            ("::ffff:8.8.8.8", C::Public),
            // NAT64 well-known prefix: likewise.
            ("64:ff9b::8.8.8.8", C::Public),
            ("64:ff9b::10.0.0.1", C::Private),
            ("64:ff9b::127.0.0.1", C::Loopback),
            ("64:ff9b:1::1", C::Reserved),
            ("100::1", C::Reserved),
            ("2001::1", C::Reserved),
            ("2001:1ff::1", C::Reserved),
            ("2001:200::1", C::Public),
            ("2001:db8::1", C::Documentation),
            ("2001:db9::1", C::Public),
            ("2002:a00:1::1", C::Reserved),
            ("2606:4700::1111", C::Public),
            ("3fff::1", C::Documentation),
            ("3fff:fff::1", C::Documentation),
            ("3fff:1000::1", C::Public),
            ("5f00::1", C::Reserved),
            ("4000::1", C::Reserved),
            ("fc00::1", C::UniqueLocal),
            ("fd12:3456::1", C::UniqueLocal),
            ("fe80::1", C::LinkLocal),
            ("febf::1", C::LinkLocal),
            ("fec0::1", C::Private),
            ("ff02::1", C::Multicast),
            ("ff0e::1", C::Multicast),
        ];
        for (ip, want) in cases {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    #[test]
    fn policy_allows_public_and_optionally_loopback() {
        let strict = OutboundPolicy::default();
        let dev = OutboundPolicy {
            allow_loopback: true,
        };
        for ip in ["8.8.8.8", "2606:4700::1111", "::ffff:1.1.1.1"] {
            assert_eq!(strict.check(ip.parse().unwrap()), Ok(()), "{ip}");
        }
        for ip in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(
                strict.check(ip.parse().unwrap()),
                Err(AddressClass::Loopback),
                "{ip}"
            );
            assert_eq!(dev.check(ip.parse().unwrap()), Ok(()), "{ip}");
        }
        // The development setting opens loopback only.
        for ip in [
            "0.0.0.0",
            "10.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "fc00::1",
            "fe80::1",
            "::",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
        ] {
            assert!(dev.check(ip.parse().unwrap()).is_err(), "{ip}");
        }
    }

    #[test]
    fn localhost_names() {
        for h in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "a.localhost",
            "x.y.Localhost",
        ] {
            assert!(OutboundPolicy::is_localhost_name(h), "{h}");
        }
        for h in [
            "localhost.example",
            "notlocalhost",
            "example.com",
            "127.0.0.1",
        ] {
            assert!(!OutboundPolicy::is_localhost_name(h), "{h}");
        }
    }
}
