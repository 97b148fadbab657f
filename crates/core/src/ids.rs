//! Identifiers: UUIDv7, made from the platform clock rather than the wall clock.

use time::OffsetDateTime;
use uuid::{NoContext, Timestamp, Uuid};

/// A new sortable id for a record created at `now`.
pub fn new_id(now: OffsetDateTime) -> String {
    let nanos = now.unix_timestamp_nanos();
    let secs = (nanos / 1_000_000_000) as u64;
    let sub = (nanos % 1_000_000_000) as u32;
    Uuid::new_v7(Timestamp::from_unix(NoContext, secs, sub)).to_string()
}
