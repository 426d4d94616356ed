//! The guard's only source of wall-clock time, so expiry rules are testable without sleeping
//! (docs/design.md#habits, habit 3).

use std::fmt::Debug;

/// Tells the current time for `exp`, `nbf` and `iat` checks.
pub trait Clock: Send + Sync + Debug {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place the guard reads the wall clock; tests inject their own `Clock`"
    )]
    fn now_unix(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            // A clock set before 1970 makes every token look unexpired-but-not-yet-valid,
            // which the `nbf` rule then refuses: failing closed.
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}
