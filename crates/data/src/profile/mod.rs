//! One-pass profiling: feed batches in file order, get per-column statistics
//! at the end. Memory per column is bounded (a capped exact-count table, a
//! 4 KiB HyperLogLog, a capped pattern table), so any file size profiles in
//! the same space.

mod column;
mod hll;
mod pattern;
mod semantic;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use rayon::prelude::*;
use serde::Serialize;

pub use column::{ColumnProfile, LengthStats, NumericStats};
pub use hll::{FastBuild, FastHasher, HyperLogLog, hash_bytes};
pub use pattern::shape;
pub use semantic::{
    SEMANTIC_SAMPLE, SEMANTIC_THRESHOLD, SemanticCounter, SemanticMatch, SemanticType,
};

pub(crate) use column::ColumnState;

/// Distinct values counted exactly per column; above this the count comes
/// from HyperLogLog and the top-values table stops admitting new values.
pub const EXACT_DISTINCT_BOUND: usize = 10_000;

/// A whole dataset's profile.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetProfile {
    /// Rows profiled.
    pub rows: u64,
    /// One entry per column, in schema order.
    pub columns: Vec<ColumnProfile>,
}

impl DatasetProfile {
    /// The profile of the column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Accumulates a profile over batches.
pub struct Profiler {
    rows: u64,
    columns: Vec<ColumnState>,
}

impl Profiler {
    /// A profiler for batches of `schema`.
    pub fn new(schema: &SchemaRef) -> Self {
        Self {
            rows: 0,
            columns: schema
                .fields()
                .iter()
                .map(|f| ColumnState::new(f.name(), f.data_type()))
                .collect(),
        }
    }

    /// Adds one batch (its schema must be the one given to [`Profiler::new`]).
    ///
    /// Columns are profiled in parallel on the rayon pool. Each column's
    /// state still sees the batches one after another in file order, so the
    /// profile is exactly the one a single thread would compute.
    pub fn push_batch(&mut self, batch: &RecordBatch) {
        self.rows += batch.num_rows() as u64;
        self.columns
            .par_iter_mut()
            .zip(batch.columns().par_iter())
            .for_each(|(state, array)| state.push(array));
    }

    /// The rows pushed so far and each column's state in schema order, for
    /// [`crate::scan`], which counts the rows and pushes the columns itself.
    pub(crate) fn parts_mut(&mut self) -> (&mut u64, &mut [ColumnState]) {
        (&mut self.rows, &mut self.columns)
    }

    /// The profile of everything pushed.
    pub fn finish(self) -> DatasetProfile {
        DatasetProfile {
            rows: self.rows,
            columns: self.columns.into_iter().map(ColumnState::finish).collect(),
        }
    }
}

/// Profiles a sequence of batches in one pass.
pub fn profile_batches<'a>(
    schema: &SchemaRef,
    batches: impl IntoIterator<Item = &'a RecordBatch>,
) -> DatasetProfile {
    let mut p = Profiler::new(schema);
    for b in batches {
        p.push_batch(b);
    }
    p.finish()
}
