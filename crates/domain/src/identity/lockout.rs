//! How repeated wrong passwords slow down and then lock a staff account.
//!
//! The first few failures cost nothing; from then on each failure makes the account wait a
//! doubling delay before the next attempt is even checked; after `lock_after` consecutive
//! failures the account is locked for `lock_minutes`. A success resets the count.

use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub free_failures: u32,
    pub max_delay_seconds: i64,
    pub lock_after: u32,
    pub lock_minutes: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            free_failures: 3,
            max_delay_seconds: 60,
            lock_after: 10,
            lock_minutes: 30,
        }
    }
}

/// Whether an attempt may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockoutDecision {
    Allowed,
    /// Too soon after the last failure: wait this many seconds.
    Wait(i64),
    /// Locked until this instant.
    Locked(OffsetDateTime),
}

impl LockoutPolicy {
    /// The instant before which no new attempt is checked, after `failures` consecutive
    /// failures, the last at `at`. `None`: no wait.
    pub fn next_allowed(&self, failures: u32, at: OffsetDateTime) -> Option<OffsetDateTime> {
        if failures >= self.lock_after {
            return Some(at + Duration::minutes(self.lock_minutes));
        }
        if failures < self.free_failures {
            return None;
        }
        let exponent = (failures - self.free_failures).min(20);
        let delay = (1i64 << exponent).min(self.max_delay_seconds);
        Some(at + Duration::seconds(delay))
    }

    pub fn decide(
        &self,
        failures: u32,
        not_before: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> LockoutDecision {
        match not_before {
            Some(t) if t > now => {
                if failures >= self.lock_after {
                    LockoutDecision::Locked(t)
                } else {
                    let secs = (t - now).whole_seconds().max(1);
                    LockoutDecision::Wait(secs)
                }
            }
            _ => LockoutDecision::Allowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn delays_grow_then_lock() {
        let p = LockoutPolicy::default();
        let t = datetime!(2026-11-24 10:00 UTC);
        assert_eq!(p.next_allowed(1, t), None);
        assert_eq!(p.next_allowed(2, t), None);
        assert_eq!(p.next_allowed(3, t), Some(t + Duration::seconds(1)));
        assert_eq!(p.next_allowed(4, t), Some(t + Duration::seconds(2)));
        assert_eq!(p.next_allowed(9, t), Some(t + Duration::seconds(60)));
        assert_eq!(p.next_allowed(10, t), Some(t + Duration::minutes(30)));
        assert_eq!(
            p.decide(4, p.next_allowed(4, t), t),
            LockoutDecision::Wait(2)
        );
        assert_eq!(
            p.decide(10, p.next_allowed(10, t), t + Duration::minutes(5)),
            LockoutDecision::Locked(t + Duration::minutes(30))
        );
        assert_eq!(
            p.decide(10, p.next_allowed(10, t), t + Duration::minutes(31)),
            LockoutDecision::Allowed
        );
    }

    proptest::proptest! {
        #[test]
        fn delay_never_shrinks(n in 0u32..30) {
            let p = LockoutPolicy::default();
            let t = datetime!(2026-11-24 10:00 UTC);
            let a = p.next_allowed(n, t).unwrap_or(t);
            let b = p.next_allowed(n + 1, t).unwrap_or(t);
            proptest::prop_assert!(b >= a);
        }
    }
}
