//! The crate's error type. Every variant says what was wrong and where, so the
//! platform can show it to the data steward unchanged.

use crate::ingest::BadRow;

/// What went wrong while reading, checking, repairing or masking a dataset.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The underlying reader or writer failed.
    #[error("reading or writing the data failed: {0}")]
    Io(#[from] std::io::Error),
    /// A malformed row was met and the upload asked to refuse the file.
    #[error("{0}; the upload asked to refuse files with bad rows, so nothing was stored")]
    BadRow(Box<BadRow>),
    /// The file has no header row or no rows at all.
    #[error("the file is empty: it needs a header row naming the columns")]
    Empty,
    /// The caller's override schema does not fit the file.
    #[error("the schema does not fit the file: {0}")]
    Schema(String),
    /// A column named by a rule, repair or mask policy is not in the dataset.
    #[error("column \"{0}\" is not in the dataset; check the spelling against the header")]
    UnknownColumn(String),
    /// Arrow refused to build a batch (a bug in this crate if it ever shows).
    #[error("building the Arrow batch failed: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Parquet reading or writing failed.
    #[error("Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// The XLSX workbook could not be read.
    #[error("XLSX: {0}")]
    Xlsx(String),
    /// A custom expression (CEL or template) is invalid.
    #[error("{0}")]
    Expression(String),
}
