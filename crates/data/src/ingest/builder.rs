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
    text.trim().parse().ok()
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
            Self::Float(_) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Parsed::Float),
            Self::Bool(_) => parse_bool(text.trim()).map(Parsed::Bool),
            Self::Date(_) => parse_iso_date(text.trim()).map(Parsed::Day),
            Self::Timestamp(_) => parse_iso_timestamp(text.trim()).map(Parsed::Micros),
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
