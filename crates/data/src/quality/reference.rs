//! Reference datasets for `reference` (consistency) and `accuracy` checks:
//! the caller loads the other dataset's key column, and optionally a value
//! column, into a lookup table before the run.

use std::collections::HashMap;

use arrow_array::RecordBatch;

use crate::DataError;
use crate::cell::cell_text;
use crate::profile::FastBuild;

/// Keys of a reference dataset, each with an optional authoritative value.
#[derive(Debug, Default, Clone)]
pub struct ReferenceSet {
    values: HashMap<Box<str>, Option<Box<str>>, FastBuild>,
}

/// Reference datasets by the name rules use in `reference = "..."`.
pub type References = HashMap<String, ReferenceSet>;

impl ReferenceSet {
    /// Builds a set from `(key, value)` pairs.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, Option<V>)>,
    ) -> Self {
        let values = pairs
            .into_iter()
            .map(|(k, v)| (k.as_ref().into(), v.map(|v| v.as_ref().into())))
            .collect();
        Self { values }
    }

    /// Builds a set from a dataset's `key` column and optional `value` column.
    pub fn from_batches<'a>(
        batches: impl IntoIterator<Item = &'a RecordBatch>,
        key: &str,
        value: Option<&str>,
    ) -> Result<Self, DataError> {
        let mut out = Self::default();
        let (mut k, mut v) = (String::new(), String::new());
        for batch in batches {
            let ki = batch
                .schema()
                .index_of(key)
                .map_err(|_| DataError::UnknownColumn(key.to_owned()))?;
            let vi = match value {
                Some(name) => Some(
                    batch
                        .schema()
                        .index_of(name)
                        .map_err(|_| DataError::UnknownColumn(name.to_owned()))?,
                ),
                None => None,
            };
            for row in 0..batch.num_rows() {
                if !cell_text(batch.column(ki), row, &mut k) {
                    continue;
                }
                let val = vi.and_then(|i| {
                    cell_text(batch.column(i), row, &mut v).then(|| v.as_str().into())
                });
                out.values.insert(k.as_str().into(), val);
            }
        }
        Ok(out)
    }

    /// Whether `key` is in the reference.
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// The reference value for `key`: `None` when the key is absent,
    /// `Some(None)` when it is present without a value.
    pub fn value(&self, key: &str) -> Option<Option<&str>> {
        self.values.get(key).map(|v| v.as_deref())
    }

    /// The keys that are the canonical text of an integer (what an Int64
    /// cell formats to), as integers: an integer cell is in the reference
    /// exactly when its value is in this set.
    pub(crate) fn integer_keys(&self) -> std::collections::HashSet<i64, FastBuild> {
        self.values
            .keys()
            .filter_map(|k| k.parse::<i64>().ok().filter(|n| n.to_string() == **k))
            .collect()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
