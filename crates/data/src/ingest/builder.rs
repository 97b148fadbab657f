//! Column builders: turn checked field text into Arrow arrays.
//!
//! A row is parsed completely before any of it is appended, so a row with a
//! bad value is reported and left out whole instead of leaving the columns
//! with different lengths or a silently nulled cell.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_schema::{DataType, TimeUnit};

use super::infer::parse_bool;
use crate::DataError;
use crate::cell::{parse_iso_date, parse_iso_timestamp};

/// `text.trim()`, deciding the usual cell by its two end bytes: a visible
/// ASCII character at both ends means there is nothing to trim (every
/// other whitespace character is outside ASCII).
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// `text.trim().parse::<i64>()`, with plain digits (the usual integer
/// cell) read without the general parser: up to 18 digits cannot overflow.
fn parse_int(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Some(
            b.iter()
                .fold(0i64, |n, d| n * 10 + i64::from(d.wrapping_sub(b'0'))),
        );
    }
    trim(text).parse().ok()
}

/// `text.parse::<f64>()` for the usual decimal cell, `[-]digits[.digits]`
/// with at most 15 digits, without the general parser; `None` for
/// anything else (the caller then uses it). Such a value is `m / 10^k`
/// with `m < 2^53` and `k ≤ 15`, both exact as `f64`, and IEEE division
/// rounds the exact quotient correctly, as the general parser does.
fn parse_plain_decimal(text: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let b = text.as_bytes();
    let (negative, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(dot) => (&b[..dot], &b[dot + 1..]),
        None => (b, &b[..0]),
    };
    let has_dot = int.len() < b.len();
    if int.is_empty() || (has_dot && frac.is_empty()) || int.len() + frac.len() > 15 {
        return None;
    }
    let mut m = 0u64;
    for &c in int.iter().chain(frac) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        m = m * 10 + u64::from(d);
    }
    #[allow(clippy::cast_precision_loss)]
    let v = m as f64 / POW10.get(frac.len()).copied()?;
    Some(if negative { -v } else { v })
}

/// A field's value after parsing, before it is appended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Parsed {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Day(i32),
    Micros(i64),
    Text,
}

pub(crate) enum ColumnBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    Text(StringBuilder),
}

impl ColumnBuilder {
    pub fn new(data_type: &DataType, capacity: usize) -> Result<Self, DataError> {
        Ok(match data_type {
            DataType::Int64 => Self::Int(Int64Builder::with_capacity(capacity)),
            DataType::Float64 => Self::Float(Float64Builder::with_capacity(capacity)),
            DataType::Boolean => Self::Bool(BooleanBuilder::with_capacity(capacity)),
            DataType::Date32 => Self::Date(Date32Builder::with_capacity(capacity)),
            DataType::Timestamp(TimeUnit::Microsecond, None) => {
                Self::Timestamp(TimestampMicrosecondBuilder::with_capacity(capacity))
            }
            DataType::Utf8 => Self::Text(StringBuilder::with_capacity(capacity, capacity * 16)),
            other => {
                return Err(DataError::Schema(format!(
                    "type {other} is not supported for CSV columns; use Int64, Float64, Boolean, Date32, Timestamp(µs) or Utf8"
                )));
            }
        })
    }

    /// Parses `text` for this column; `None` when it does not fit the type.
    pub fn parse(&self, text: &str) -> Option<Parsed> {
        if text.is_empty() {
            return Some(Parsed::Null);
        }
        match self {
            Self::Int(_) => parse_int(text).map(Parsed::Int),
            Self::Float(_) => {
                let text = trim(text);
                parse_plain_decimal(text)
                    .or_else(|| text.parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                    .map(Parsed::Float)
            }
            Self::Bool(_) => parse_bool(trim(text)).map(Parsed::Bool),
            Self::Date(_) => parse_iso_date(trim(text)).map(Parsed::Day),
            Self::Timestamp(_) => parse_iso_timestamp(trim(text)).map(Parsed::Micros),
            Self::Text(_) => Some(Parsed::Text),
        }
    }

    pub fn append(&mut self, value: Parsed, text: &str) {
        match (self, value) {
            (Self::Int(b), Parsed::Int(v)) => b.append_value(v),
            (Self::Float(b), Parsed::Float(v)) => b.append_value(v),
            (Self::Bool(b), Parsed::Bool(v)) => b.append_value(v),
            (Self::Date(b), Parsed::Day(v)) => b.append_value(v),
            (Self::Timestamp(b), Parsed::Micros(v)) => b.append_value(v),
            (Self::Text(b), Parsed::Text) => b.append_value(text),
            (Self::Int(b), _) => b.append_null(),
            (Self::Float(b), _) => b.append_null(),
            (Self::Bool(b), _) => b.append_null(),
            (Self::Date(b), _) => b.append_null(),
            (Self::Timestamp(b), _) => b.append_null(),
            (Self::Text(b), _) => b.append_null(),
        }
    }

    pub fn finish(&mut self) -> ArrayRef {
        match self {
            Self::Int(b) => Arc::new(b.finish()),
            Self::Float(b) => Arc::new(b.finish()),
            Self::Bool(b) => Arc::new(b.finish()),
            Self::Date(b) => Arc::new(b.finish()),
            Self::Timestamp(b) => Arc::new(b.finish()),
            Self::Text(b) => Arc::new(b.finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_decimals_parse_as_the_general_parser_does() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "-1",
            "1.5",
            "1000.5",
            "76000.5",
            "0.1",
            "0.3",
            "123456789012345",
            "12345678901234.5",
            "1234567890123456",
            "0.000000000000001",
            "9007199254740993",
            "1.",
            ".5",
            "-",
            "-.5",
            "1e5",
            "+1",
            "1.2.3",
            "1,5",
            " 1",
            "",
            "00012.50",
            "999999999999999",
            "99999999999999.9",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for _ in 0..200_000 {
            let digits = rng.gen_range(1..16);
            let int: u64 = rng.gen_range(0..10u64.pow(digits));
            let frac_len = rng.gen_range(0..9);
            let frac: u64 = rng.gen_range(0..10u64.pow(frac_len));
            let sign = if rng.gen_bool(0.3) { "-" } else { "" };
            cases.push(if frac_len == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac:0w$}", w = frac_len as usize)
            });
        }
        for c in &cases {
            let fast = super::parse_plain_decimal(c);
            if let Some(v) = fast {
                let general: f64 = c.parse().unwrap_or(f64::NAN);
                assert_eq!(v.to_bits(), general.to_bits(), "{c:?}");
            }
        }
        assert!(super::parse_plain_decimal("1000.5").is_some());
        assert!(super::parse_plain_decimal("1e5").is_none());
    }

    #[test]
    fn trims_as_str_trim_does() {
        for t in [
            "",
            "a",
            " a",
            "a ",
            "\ta\n",
            "\u{3000}1\u{3000}",
            "1\u{a0}",
            "\u{85}x",
            "x\u{2028}",
            "张",
            " 张 ",
            "a b",
            "\u{b}1",
            "1\u{c}",
        ] {
            assert_eq!(super::trim(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn plain_digits_parse_as_the_general_parser_does() {
        let mut cases: Vec<String> = [
            "0",
            "7",
            "007",
            "42",
            " 42",
            "42 ",
            "+5",
            "-5",
            "",
            "1a",
            "١٢",
            "９",
            "999999999999999999",
            "9999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "000000000000000000001",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        cases.extend((0..2_000u64).map(|i| (i * 7_919 % 1_000_003).to_string()));
        for c in &cases {
            assert_eq!(super::parse_int(c), c.trim().parse::<i64>().ok(), "{c:?}");
        }
    }
}
