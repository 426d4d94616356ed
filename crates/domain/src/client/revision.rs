//! The revision of a client application: what an edit form or an `If-Match` header carries so
//! that a change made meanwhile by someone else is reported instead of overwritten (a "lost
//! update", RFC 9110 §13.1.1 and §3.2 of RFC 9110's conditional requests).
//!
//! A revision names one version of everything a client application's representation holds:
//! `updated_at` (which moves on every change of its settings, see [`next_update_time`]) and
//! its assigned permissions (which do not touch `updated_at`). It is opaque to callers.

use time::OffsetDateTime;

use super::ClientApplication;

/// The time an update stamps: `now`, kept to the microsecond as both stores keep it, and
/// always later than `previous`, so that every update gives a new revision even when two
/// updates fall in the same microsecond (or a test clock stands still).
#[must_use]
pub fn next_update_time(previous: OffsetDateTime, now: OffsetDateTime) -> OffsetDateTime {
    let micros = |t: OffsetDateTime| t.unix_timestamp_nanos().div_euclid(1000);
    let at = micros(now).max(micros(previous) + 1);
    OffsetDateTime::from_unix_timestamp_nanos(at * 1000).unwrap_or(now)
}

/// FNV-1a (64 bits): a stable digest of the permission names, not a security measure — a
/// revision only has to differ when they differ.
fn fnv1a(parts: &[String]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl ClientApplication {
    /// This version's revision: `updated_at` in microseconds and a digest of the assigned
    /// permissions, as `"<micros>-<digest>"` (usable as an entity tag's opaque part).
    #[must_use]
    pub fn revision(&self) -> String {
        let micros = self.updated_at.unix_timestamp_nanos().div_euclid(1000);
        format!("{micros}-{:016x}", fnv1a(&self.permissions))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ids::PartitionId;

    fn sample() -> ClientApplication {
        let p = PartitionId::parse("acme").unwrap_or_else(|e| panic!("{e}"));
        let t = datetime!(2026-01-01 00:00:00 UTC);
        ClientApplication::console(
            p,
            "https://a.example/cb".into(),
            "https://a.example/".into(),
            t,
        )
    }

    #[test]
    fn every_update_moves_the_time_even_in_the_same_microsecond() {
        let t = datetime!(2026-01-01 00:00:00.000_001_5 UTC);
        let next = next_update_time(t, t);
        assert_eq!(next, datetime!(2026-01-01 00:00:00.000_002 UTC));
        let later = datetime!(2026-01-01 00:00:05.123_456_789 UTC);
        assert_eq!(
            next_update_time(t, later),
            datetime!(2026-01-01 00:00:05.123_456 UTC),
            "kept to the microsecond, as the stores keep it"
        );
    }

    #[test]
    fn the_revision_changes_with_the_settings_and_with_the_permissions() {
        let a = sample();
        let mut b = a.clone();
        assert_eq!(a.revision(), b.revision());
        b.permissions = vec!["core.read".into()];
        assert_ne!(a.revision(), b.revision());
        let mut c = a.clone();
        c.updated_at = next_update_time(c.updated_at, c.updated_at);
        assert_ne!(a.revision(), c.revision());
        // Two names are not one name glued together.
        let mut d = a.clone();
        d.permissions = vec!["ab".into(), "c".into()];
        let mut e = a;
        e.permissions = vec!["a".into(), "bc".into()];
        assert_ne!(d.revision(), e.revision());
    }
}
