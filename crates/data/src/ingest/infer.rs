//! Schema inference over a sample of rows.
//!
//! A column gets the narrowest type every non-empty sample value fits; one
//! value that fits none gives text, so inference never makes a later row
//! "wrong" merely because the sample was small — and when it does happen the
//! row is reported, not changed. The caller can always override.

use arrow_schema::{DataType, TimeUnit};

use crate::cell::{parse_iso_date, parse_iso_timestamp};

/// The text type every column falls back to.
pub fn text_field() -> DataType {
    DataType::Utf8
}

#[derive(Clone, Copy)]
struct Candidates {
    int: bool,
    float: bool,
    boolean: bool,
    date: bool,
    timestamp: bool,
    seen: bool,
}

impl Candidates {
    const ALL: Self = Self {
        int: true,
        float: true,
        boolean: true,
        date: true,
        timestamp: true,
        seen: false,
    };
}

/// Whether `s` is an integer the platform should treat as a number.
/// Digit strings with a leading zero or more than 10 digits are identifiers
/// (phone numbers, codes, ID numbers): reading them as numbers would lose
/// leading zeros and invite arithmetic on them.
pub(crate) fn is_int(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty()
        && digits.len() <= 10
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'))
}

pub(crate) fn is_float(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let leading_zero_code = body.len() > 1 && body.starts_with('0') && !body[1..].starts_with('.');
    let plain_digits = body.bytes().all(|b| b.is_ascii_digit());
    !leading_zero_code
        && (!plain_digits || is_int(s))
        && body.bytes().any(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && s.parse::<f64>().is_ok_and(f64::is_finite)
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "TRUE" | "True" => Some(true),
        "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Infers one column's type from its sample values (empty values ignored).
pub fn infer_type<'a>(values: impl IntoIterator<Item = &'a str>) -> DataType {
    let mut c = Candidates::ALL;
    for v in values {
        if v.is_empty() {
            continue;
        }
        c.seen = true;
        c.int &= is_int(v);
        c.float &= is_float(v);
        c.boolean &= parse_bool(v).is_some();
        c.date &= parse_iso_date(v).is_some();
        c.timestamp &= parse_iso_timestamp(v).is_some();
        if !(c.int || c.float || c.boolean || c.date || c.timestamp) {
            return text_field();
        }
    }
    if !c.seen {
        text_field()
    } else if c.int {
        DataType::Int64
    } else if c.float {
        DataType::Float64
    } else if c.boolean {
        DataType::Boolean
    } else if c.date {
        DataType::Date32
    } else if c.timestamp {
        DataType::Timestamp(TimeUnit::Microsecond, None)
    } else {
        text_field()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_narrowest_type_and_keeps_identifiers_as_text() {
        assert_eq!(infer_type(["1", "-2", ""]), DataType::Int64);
        assert_eq!(infer_type(["1", "2.5"]), DataType::Float64);
        assert_eq!(infer_type(["true", "False"]), DataType::Boolean);
        assert_eq!(infer_type(["2024-01-02", ""]), DataType::Date32);
        assert_eq!(
            infer_type(["2024-01-02 03:04:05"]),
            DataType::Timestamp(TimeUnit::Microsecond, None)
        );
        assert_eq!(infer_type(["13812345678"]), DataType::Utf8);
        assert_eq!(infer_type(["0101"]), DataType::Utf8);
        assert_eq!(infer_type(["1", "x"]), DataType::Utf8);
        assert_eq!(infer_type([""]), DataType::Utf8);
    }
}
