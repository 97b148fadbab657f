//! Getting departments' files into Arrow: CSV (UTF-8 or GB18030, streamed in
//! batches), XLSX, and Parquet for storage.
//!
//! Bad input loses nothing silently: every malformed row is reported as a
//! [`BadRow`] with its row, line and column, and the caller's [`OnBadRow`]
//! decides whether it is skipped (and listed) or the whole file refused.

mod builder;
mod csv;
mod infer;
mod parquet;
mod tokenizer;
mod xlsx;

use std::fmt;

pub use self::csv::{CsvOptions, CsvReader, Encoding};
pub use self::infer::{infer_type, text_field};
pub use self::parquet::{read_parquet, write_parquet};
pub use self::xlsx::read_xlsx;

/// What to do with a row that cannot be read as the schema says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnBadRow {
    /// Leave the row out and list it in [`CsvReader::bad_rows`].
    #[default]
    Skip,
    /// Stop with [`crate::DataError::BadRow`]; nothing should be stored.
    Refuse,
}

/// Why a row could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRowKind {
    /// The row has more or fewer fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A field's bytes are not valid in the file's encoding.
    Encoding,
    /// A quote inside an unquoted field, or text after a closing quote.
    StrayQuote,
    /// A quoted field is never closed before the end of the file.
    UnclosedQuote,
    /// A field does not parse as its column's type (e.g. `abc` in an integer column).
    BadValue {
        /// The column's type, as the schema names it.
        expected: String,
        /// The field's text.
        value: String,
    },
}

/// One malformed row: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The data row number, 1-based, not counting the header row.
    pub row: u64,
    /// The physical line of the file where the row starts, 1-based.
    pub line: u64,
    /// The 1-based field position of the problem, when it lies in one field.
    pub column: Option<usize>,
    /// The header name of that column, when the column exists.
    pub column_name: Option<String>,
    /// What is wrong.
    pub kind: BadRowKind,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {} (line {})", self.row, self.line)?;
        if let Some(c) = self.column {
            write!(f, ", column {c}")?;
            if let Some(name) = &self.column_name {
                write!(f, " \"{name}\"")?;
            }
        }
        match &self.kind {
            BadRowKind::FieldCount { expected, found } => write!(
                f,
                ": has {found} fields but the header has {expected}; check for an unquoted delimiter or a missing field"
            ),
            BadRowKind::Encoding => write!(
                f,
                ": bytes are not valid in the file's encoding; re-save the file as UTF-8 or GB18030"
            ),
            BadRowKind::StrayQuote => write!(
                f,
                ": a quote appears inside an unquoted field or after a closing quote; double it (\"\") or quote the whole field"
            ),
            BadRowKind::UnclosedQuote => write!(
                f,
                ": a quoted field is never closed, so the rest of the file was read into it; close the quote"
            ),
            BadRowKind::BadValue { expected, value } => write!(
                f,
                ": \"{value}\" is not a valid {expected}; fix the value or declare the column as text"
            ),
        }
    }
}
