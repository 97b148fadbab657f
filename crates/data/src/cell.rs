//! Reading cells of the column types this crate produces, and the date and
//! time text formats it accepts.
//!
//! Ingest only ever makes six Arrow types (Int64, Float64, Boolean, Date32,
//! Timestamp in microseconds and Utf8), so the rest of the crate can treat a
//! column as one of those and fall back to its text form for anything else.

use std::fmt::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};

/// Days from 0000-03-01-based civil calendar arithmetic (Howard Hinnant's
/// algorithm), so dates convert without a table and without the clock.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i32::try_from(month).unwrap_or(1);
    let d = i32::try_from(day).unwrap_or(1);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day) of a day number.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if m <= 2 { y + 1 } else { y };
    (
        year,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether the parts make a real calendar date (e.g. not 2023-02-30):
/// [`checked_days`] is `Some` exactly then.
pub fn is_real_date(year: i32, month: u32, day: u32) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

/// A real calendar date from its parts, or `None` (e.g. 2023-02-30).
pub fn checked_days(year: i32, month: u32, day: u32) -> Option<i32> {
    is_real_date(year, month, day).then(|| days_from_civil(year, month, day))
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0')))
}

/// Parses a strict ISO 8601 calendar date `YYYY-MM-DD` to days since
/// 1970-01-01. Strict on purpose: inference must not guess formats, the
/// repair step converts other spellings explicitly and visibly.
pub fn parse_iso_date(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[0..4])?).ok()?;
    checked_days(year, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// Parses `YYYY-MM-DD[T| ]HH:MM:SS[.ffffff][Z]` to microseconds since the
/// epoch, read as UTC (the platform stores all timestamps in UTC).
pub fn parse_iso_timestamp(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let b = s.as_bytes();
    if b.len() < 19 || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let days = parse_iso_date(s.get(0..10)?)?;
    let (h, m, sec) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut micros = 0i64;
    if b.len() > 19 {
        if b[19] != b'.' || b.len() > 26 || b.len() == 20 {
            return None;
        }
        let frac = digits(&b[20..])?;
        let scale = 10i64.pow(u32::try_from(26 - b.len()).ok()?);
        micros = i64::from(frac) * scale;
    }
    let secs = i64::from(days) * 86_400 + i64::from(h * 3600 + m * 60 + sec);
    Some(secs * 1_000_000 + micros)
}

/// Parses the date spellings met in government spreadsheets — `2023-01-05`,
/// `2023/1/5`, `2023.01.05`, `20230105`, `2023年1月5日` — to days since the epoch.
/// Used by profiling (semantic type), validity checks and the ISO repair.
pub fn parse_loose_date(s: &str) -> Option<i32> {
    let s = s.trim();
    if let Some(d) = parse_iso_date(s) {
        return Some(d);
    }
    let b = s.as_bytes();
    if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        let year = i32::try_from(digits(&b[0..4])?).ok()?;
        return checked_days(year, digits(&b[4..6])?, digits(&b[6..8])?);
    }
    let s = s.strip_suffix('日').unwrap_or(s);
    let mut parts = s.split(['-', '/', '.', '年', '月']);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || m.is_empty()
        || m.len() > 2
        || d.is_empty()
        || d.len() > 2
    {
        return None;
    }
    let year = i32::try_from(digits(y.as_bytes())?).ok()?;
    checked_days(year, digits(m.as_bytes())?, digits(d.as_bytes())?)
}

/// Formats days since the epoch as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
pub fn format_timestamp(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = i32::try_from(secs.div_euclid(86_400)).unwrap_or(0);
    let rem = secs.rem_euclid(86_400);
    let mut out = format!(
        "{}T{:02}:{:02}:{:02}",
        format_date(days),
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if frac != 0 {
        let _ = write!(out, ".{frac:06}");
    }
    out.push('Z');
    out
}

/// Writes the text form of one cell into `buf` (cleared first) and returns
/// false when the cell is null. Strings are copied; other types are
/// formatted the way ingest would have read them, so rules written against
/// text (regex, allowed values, length) mean the same for every type.
pub fn cell_text(array: &ArrayRef, row: usize, buf: &mut String) -> bool {
    buf.clear();
    if array.is_null(row) {
        return false;
    }
    match array.data_type() {
        DataType::Utf8 => buf.push_str(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => buf.push_str(array.as_string::<i64>().value(row)),
        DataType::Int64 => {
            let _ = write!(buf, "{}", array.as_primitive::<Int64Type>().value(row));
        }
        DataType::Float64 => {
            let _ = write!(buf, "{}", array.as_primitive::<Float64Type>().value(row));
        }
        DataType::Boolean => buf.push_str(if array.as_boolean().value(row) {
            "true"
        } else {
            "false"
        }),
        DataType::Date32 => {
            buf.push_str(&format_date(array.as_primitive::<Date32Type>().value(row)))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            buf.push_str(&format_timestamp(
                array.as_primitive::<TimestampMicrosecondType>().value(row),
            ));
        }
        _ => {
            let _ = write!(buf, "{:?}", array.slice(row, 1));
        }
    }
    true
}

/// The numeric value of a cell, for range checks and statistics: integers
/// and floats as themselves, dates as days and timestamps as microseconds
/// since the epoch. `None` for nulls and text.
pub fn cell_number(array: &ArrayRef, row: usize) -> Option<f64> {
    if array.is_null(row) {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    match array.data_type() {
        DataType::Int64 => Some(array.as_primitive::<Int64Type>().value(row) as f64),
        DataType::Float64 => Some(array.as_primitive::<Float64Type>().value(row)),
        DataType::Date32 => Some(f64::from(array.as_primitive::<Date32Type>().value(row))),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Some(array.as_primitive::<TimestampMicrosecondType>().value(row) as f64)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_reject_impossible_days() {
        assert_eq!(parse_iso_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_iso_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_iso_date("2023-02-29"), None);
        assert_eq!(
            parse_loose_date("2023/1/5").map(format_date).as_deref(),
            Some("2023-01-05")
        );
        assert_eq!(
            parse_loose_date("2023年1月5日").map(format_date).as_deref(),
            Some("2023-01-05")
        );
        assert_eq!(
            parse_loose_date("20230105").map(format_date).as_deref(),
            Some("2023-01-05")
        );
        assert_eq!(parse_loose_date("2023-13-05"), None);
    }

    #[test]
    fn timestamps_parse_as_utc() {
        assert_eq!(parse_iso_timestamp("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(parse_iso_timestamp("1970-01-01 00:00:00.5"), Some(500_000));
        assert_eq!(format_timestamp(1_500_000), "1970-01-01T00:00:01.500000Z");
        assert_eq!(parse_iso_timestamp("1970-01-01 24:00:00"), None);
    }
}
