//! govops-data: the pure logic of the data hub (数据中台).
//!
//! Departments' datasets arrive as CSV (UTF-8 or GB18030), XLSX or Parquet and
//! become Apache Arrow [`RecordBatch`](arrow_array::RecordBatch)es
//! ([`ingest`]). They are profiled in one pass ([`profile`]), checked against
//! six-dimension quality rules ([`quality`]), repaired by proposed and
//! previewed fixes ([`repair`]), classified by sensitivity ([`classify`]) and
//! masked by role ([`mask`]).
//!
//! The crate is pure: it reads no clock (the current time is a parameter where
//! freshness is judged), opens no file or socket (callers hand in `impl Read`
//! and `impl Write`) and knows nothing of the database or HTTP. That keeps the
//! hard logic testable and benchmarkable without a running platform.
//!
//! SQL rules are deliberately absent: DataFusion would add about ten minutes
//! to a cold build on two cores, and CEL custom rules plus the built-in checks
//! cover the rule shapes the data stewards have asked for.

pub mod cell;
pub mod classify;
mod error;
pub mod ingest;
pub mod mask;
pub mod profile;
pub mod quality;
pub mod repair;
pub mod scan;

pub use error::DataError;
