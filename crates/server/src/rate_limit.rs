//! A per-source-address token bucket for endpoints that need no credentials (the anonymous
//! customer token), so one address cannot mint tokens without bound.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked before idle ones are forgotten.
const MAX_TRACKED: usize = 50_000;

/// Buckets by address.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// Allows `per_minute` requests a minute per address, with bursts of `burst`.
    #[must_use]
    pub(crate) fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `addr`; `Err(wait)` says how long until one is available.
    ///
    /// # Errors
    /// When the address has used its allowance.
    pub(crate) fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let addr = client_block(addr);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&addr) {
            // Forget addresses whose buckets have refilled: they would start full anyway.
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
            if buckets.len() >= MAX_TRACKED {
                // Every tracked address is mid-burst: a flood from more addresses than the
                // table holds. Refusing newcomers for a moment keeps memory bounded.
                return Err(Duration::from_secs(1));
            }
        }
        let (tokens, at) = buckets.entry(addr).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else if self.per_second > 0.0 {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second))
        } else {
            Err(Duration::from_secs(60))
        }
    }
}

/// The unit a client is counted by: an IPv4 address, or the /64 an IPv6 address is in (one
/// subscriber line or host usually holds a whole /64, so counting single IPv6 addresses would
/// hand one client 2^64 allowances). IPv4-mapped IPv6 addresses count as their IPv4 address.
#[must_use]
pub(crate) fn client_block(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !((1u128 << 64) - 1),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64_and_the_table_is_bounded() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(client_block(a), client_block(b));
        assert_ne!(
            client_block(a),
            client_block("2001:db8:1:3::1".parse().unwrap())
        );
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_block(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());

        let l = RateLimiter::new(60, 3);
        let t0 = Instant::now();
        for n in 0..MAX_TRACKED as u32 {
            l.check(IpAddr::V4(std::net::Ipv4Addr::from(n)), t0)
                .unwrap();
        }
        let newcomer = IpAddr::V4(std::net::Ipv4Addr::from(u32::MAX));
        assert!(
            l.check(newcomer, t0).is_err(),
            "no room while every bucket is mid-burst"
        );
        assert!(l.buckets.lock().unwrap().len() <= MAX_TRACKED);
        // Once the buckets have refilled, their addresses are forgotten and newcomers fit.
        assert!(l.check(newcomer, t0 + Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn bursts_then_refills_per_address() {
        let l = RateLimiter::new(60, 3);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check(a, t0).is_ok());
        }
        let wait = l.check(a, t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO);
        assert!(l.check(b, t0).is_ok(), "other addresses are not affected");
        assert!(
            l.check(a, t0 + Duration::from_millis(1100)).is_ok(),
            "one token a second refills"
        );
    }
}
