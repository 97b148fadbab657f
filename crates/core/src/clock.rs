//! The one place that reads the wall clock.
//!
//! Everything else takes time as a parameter, so tests and the simulator can drive it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The real clock of the machine.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The single sanctioned clock read.
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to: for tests and simulation.
#[derive(Debug, Clone)]
pub struct ManualClock {
    unix_ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            unix_ms: Arc::new(AtomicI64::new(to_ms(start))),
        }
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: time::Duration) {
        self.unix_ms
            .fetch_add(d.whole_milliseconds() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        from_ms(self.unix_ms.load(Ordering::SeqCst))
    }
}

/// Milliseconds since the Unix epoch, the form timestamps take in the database.
pub fn to_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The instant `ms` milliseconds after the Unix epoch.
pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// RFC 3339 text of an instant, with milliseconds, as journal entries carry it.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = from_ms(to_ms(t));
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| to_ms(t).to_string())
}
