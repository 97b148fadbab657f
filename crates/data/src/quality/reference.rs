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
        for batch in batches {
            out.add_batch(batch, key, value)?;
        }
        Ok(out)
    }

    /// Adds one batch's `key` column and optional `value` column, so that a
    /// set can be built from a stream without holding the whole dataset (a
    /// later row's value replaces an earlier one's for the same key).
    pub fn add_batch(
        &mut self,
        batch: &RecordBatch,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), DataError> {
        let schema = batch.schema();
        let index = |name: &str| {
            schema
                .index_of(name)
                .map_err(|_| DataError::UnknownColumn(name.to_owned()))
        };
        let ki = index(key)?;
        let vi = value.map(index).transpose()?;
        let (mut k, mut v) = (String::new(), String::new());
        for row in 0..batch.num_rows() {
            if !cell_text(batch.column(ki), row, &mut k) {
                continue;
            }
            let val =
                vi.and_then(|i| cell_text(batch.column(i), row, &mut v).then(|| v.as_str().into()));
            self.values.insert(k.as_str().into(), val);
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::ReferenceSet;
    use crate::DataError;
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use std::sync::Arc;

    fn batch(keys: &[Option<&str>], values: &[Option<&str>]) -> RecordBatch {
        let k: ArrayRef = Arc::new(StringArray::from(keys.to_vec()));
        let v: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
        RecordBatch::try_from_iter([("code", k), ("name", v)]).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Batch by batch gives the set the pairs give: null keys left out, a
    /// null value kept as no value, a later row's value winning.
    #[test]
    fn a_set_built_batch_by_batch_is_the_set_of_its_pairs() {
        let batches = [
            batch(&[Some("a"), None, Some("b")], &[Some("1"), Some("x"), None]),
            batch(&[Some("c"), Some("a")], &[Some("3"), Some("4")]),
        ];
        let set = ReferenceSet::from_batches(&batches, "code", Some("name"))
            .unwrap_or_else(|e| panic!("{e}"));
        let expected = ReferenceSet::from_pairs([("a", Some("4")), ("b", None), ("c", Some("3"))]);
        for key in ["a", "b", "c", "x", ""] {
            assert_eq!(set.contains(key), expected.contains(key), "{key}");
            assert_eq!(set.value(key), expected.value(key), "{key}");
        }
        let keys_only =
            ReferenceSet::from_batches(&batches, "code", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(keys_only.value("a"), Some(None));
        assert!(matches!(
            ReferenceSet::from_batches(&batches, "code", Some("nope")),
            Err(DataError::UnknownColumn(c)) if c == "nope"
        ));
    }
}
