//! Login rate limiting, per account and per address.
//!
//! Failed attempts are counted in a sliding window kept in memory on each node. With
//! several PostgreSQL nodes each node counts its own, so the effective limit is per node;
//! this is stated in the README.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// The sliding window failures are counted in.
pub const WINDOW: Duration = Duration::minutes(15);
/// Failures allowed per account in the window before it is locked out.
pub const PER_ACCOUNT: usize = 5;
/// Failures allowed per address in the window.
pub const PER_ADDRESS: usize = 20;

/// Counts failures and says when someone must wait.
#[derive(Default)]
pub struct LoginLimiter {
    accounts: Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
    addresses: Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
}

fn prune(q: &mut VecDeque<OffsetDateTime>, now: OffsetDateTime) {
    while q.front().is_some_and(|t| *t + WINDOW <= now) {
        q.pop_front();
    }
}

fn wait(
    map: &Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
    key: &str,
    limit: usize,
    now: OffsetDateTime,
) -> Option<Duration> {
    let mut map = map.lock().ok()?;
    let q = map.get_mut(key)?;
    prune(q, now);
    if q.len() >= limit {
        q.front().map(|first| *first + WINDOW - now)
    } else {
        None
    }
}

fn record(map: &Mutex<HashMap<String, VecDeque<OffsetDateTime>>>, key: &str, now: OffsetDateTime) {
    if let Ok(mut map) = map.lock() {
        // Bound the memory an attacker can make us hold.
        if map.len() > 100_000 {
            map.retain(|_, q| {
                prune(q, now);
                !q.is_empty()
            });
        }
        let q = map.entry(key.to_string()).or_default();
        prune(q, now);
        q.push_back(now);
    }
}

impl LoginLimiter {
    /// How long the caller must wait before trying again, if they must.
    pub fn must_wait(
        &self,
        username: &str,
        address: &str,
        now: OffsetDateTime,
    ) -> Option<Duration> {
        let a = wait(&self.accounts, &username.to_lowercase(), PER_ACCOUNT, now);
        let b = wait(&self.addresses, address, PER_ADDRESS, now);
        match (a, b) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        }
    }

    /// Counts one failed attempt.
    pub fn failed(&self, username: &str, address: &str, now: OffsetDateTime) {
        record(&self.accounts, &username.to_lowercase(), now);
        record(&self.addresses, address, now);
    }

    /// Forgets the account's failures after a successful login.
    pub fn succeeded(&self, username: &str) {
        if let Ok(mut map) = self.accounts.lock() {
            map.remove(&username.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_failures_and_releases_after_the_window() {
        let l = LoginLimiter::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        for i in 0..PER_ACCOUNT {
            assert!(l.must_wait("Zhang", "1.2.3.4", t0).is_none(), "attempt {i}");
            l.failed("zhang", "1.2.3.4", t0);
        }
        assert!(l.must_wait("ZHANG", "5.6.7.8", t0).is_some());
        assert!(l.must_wait("zhang", "1.2.3.4", t0 + WINDOW).is_none());
    }

    #[test]
    fn address_limit_spans_accounts() {
        let l = LoginLimiter::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        for i in 0..PER_ADDRESS {
            l.failed(&format!("user{i}"), "9.9.9.9", t0);
        }
        assert!(l.must_wait("fresh", "9.9.9.9", t0).is_some());
        assert!(l.must_wait("fresh", "8.8.8.8", t0).is_none());
    }
}
