//! Typed rules: what each check means once its file entry has been validated.

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::profile::SemanticType;

/// The six quality dimensions of GB/T 36344 and DAMA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// 完整性: required values are present.
    Completeness,
    /// 规范性/有效性: values have the right format and range.
    Validity,
    /// 唯一性: no duplicate records.
    Uniqueness,
    /// 一致性: columns agree with each other and with other datasets.
    Consistency,
    /// 时效性: data is as fresh as its declared update frequency.
    Timeliness,
    /// 准确性: values agree with an authoritative reference.
    Accuracy,
}

impl Dimension {
    /// Every dimension, in report order.
    pub const ALL: [Self; 6] = [
        Self::Completeness,
        Self::Validity,
        Self::Uniqueness,
        Self::Consistency,
        Self::Timeliness,
        Self::Accuracy,
    ];

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.to_string() == s)
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Completeness => "completeness",
            Self::Validity => "validity",
            Self::Uniqueness => "uniqueness",
            Self::Consistency => "consistency",
            Self::Timeliness => "timeliness",
            Self::Accuracy => "accuracy",
        })
    }
}

/// Formats a `format` check can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One of the semantic types (identifier checksums included).
    Semantic(SemanticType),
    /// Strict ISO 8601 date `YYYY-MM-DD`.
    IsoDate,
    /// An integer.
    Integer,
    /// A decimal number.
    Decimal,
}

impl Format {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "resident_id" => Self::Semantic(SemanticType::ResidentId),
            "credit_code" => Self::Semantic(SemanticType::CreditCode),
            "mobile_phone" | "phone" => Self::Semantic(SemanticType::MobilePhone),
            "email" => Self::Semantic(SemanticType::Email),
            "date" => Self::Semantic(SemanticType::Date),
            "iso_date" => Self::IsoDate,
            "integer" => Self::Integer,
            "decimal" => Self::Decimal,
            _ => return None,
        })
    }

    /// Whether `value` has this format.
    pub fn matches(self, value: &str) -> bool {
        match self {
            Self::Semantic(kind) => kind.matches(value),
            Self::IsoDate => crate::cell::parse_iso_date(value).is_some(),
            Self::Integer => value.parse::<i64>().is_ok(),
            Self::Decimal => value.parse::<f64>().is_ok_and(f64::is_finite),
        }
    }
}

/// A comparison between two columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl CmpOp {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "<" => Self::Lt,
            "<=" => Self::Le,
            "==" | "=" => Self::Eq,
            "!=" => Self::Ne,
            ">=" => Self::Ge,
            ">" => Self::Gt,
            _ => return None,
        })
    }

    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Self::Lt => ord == Less,
            Self::Le => ord != Greater,
            Self::Eq => ord == Equal,
            Self::Ne => ord != Equal,
            Self::Ge => ord != Less,
            Self::Gt => ord == Greater,
        }
    }
}

/// What a rule checks.
#[derive(Debug, Clone)]
pub enum Check {
    /// The dataset has between `min` and `max` rows.
    RowCount { min: Option<u64>, max: Option<u64> },
    /// The column has no null or blank cells.
    Missing { column: String },
    /// Non-null values have a format.
    Format { column: String, format: Format },
    /// Non-null values match a regular expression (the whole value).
    Regex { column: String, regex: Regex },
    /// Non-null values are among the allowed ones.
    Values {
        column: String,
        allowed: Vec<String>,
    },
    /// Non-null values lie within `[min, max]`. For dates the bounds are
    /// days since 1970-01-01 (the file may write them as dates).
    Range {
        column: String,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// Non-null text values have between `min` and `max` characters.
    Length {
        column: String,
        min: Option<usize>,
        max: Option<usize>,
    },
    /// No two rows share the key; rows after the first of each key fail.
    Duplicate { columns: Vec<String> },
    /// The newest value of a date or timestamp column is at most
    /// `max_age_secs` before the run's `now`.
    Freshness { column: String, max_age_secs: i64 },
    /// Non-null values exist in a reference dataset's key column.
    Reference { column: String, reference: String },
    /// Where the key is found in the reference, the column equals the
    /// reference's value.
    Accuracy {
        key: String,
        column: String,
        reference: String,
    },
    /// `column op other` holds on rows where both are present.
    Compare {
        column: String,
        op: CmpOp,
        other: String,
    },
    /// The dataset has these columns, with these types where given.
    Schema {
        columns: Vec<(String, Option<String>)>,
    },
    /// A CEL expression over the row's columns is true.
    Cel { expr: String },
}

impl Check {
    /// The check's name as written in rule files.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RowCount { .. } => "row_count",
            Self::Missing { .. } => "missing",
            Self::Format { .. } => "format",
            Self::Regex { .. } => "regex",
            Self::Values { .. } => "values",
            Self::Range { .. } => "range",
            Self::Length { .. } => "length",
            Self::Duplicate { .. } => "duplicate",
            Self::Freshness { .. } => "freshness",
            Self::Reference { .. } => "reference",
            Self::Accuracy { .. } => "accuracy",
            Self::Compare { .. } => "compare",
            Self::Schema { .. } => "schema",
            Self::Cel { .. } => "cel",
        }
    }

    /// The dimension a check belongs to unless the rule says otherwise.
    pub fn default_dimension(&self) -> Dimension {
        match self {
            Self::RowCount { .. } | Self::Missing { .. } => Dimension::Completeness,
            Self::Format { .. }
            | Self::Regex { .. }
            | Self::Values { .. }
            | Self::Range { .. }
            | Self::Length { .. }
            | Self::Cel { .. } => Dimension::Validity,
            Self::Duplicate { .. } => Dimension::Uniqueness,
            Self::Freshness { .. } => Dimension::Timeliness,
            Self::Reference { .. } | Self::Compare { .. } | Self::Schema { .. } => {
                Dimension::Consistency
            }
            Self::Accuracy { .. } => Dimension::Accuracy,
        }
    }
}

/// One rule of a rule set.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique within the set.
    pub id: String,
    /// The dimension it scores.
    pub dimension: Dimension,
    /// What it checks.
    pub check: Check,
    /// Failures tolerated before the rule counts as failed.
    pub max_failures: u64,
    /// Line of the rule in its file, for messages.
    pub line: usize,
}
