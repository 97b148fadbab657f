//! The running state and final profile of one column.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use serde::Serialize;

use super::EXACT_DISTINCT_BOUND;
use super::pattern::MAX_SHAPE;
use hashbrown::HashTable;

use super::hll::{HyperLogLog, hash_bytes};
use super::pattern::{fold_into, has_shape, shape};
use super::semantic::{SemanticCounter, SemanticMatch};
use crate::cell::{format_date, format_timestamp};

/// Values listed in `top_values`.
const TOP: usize = 10;
/// Distinct shapes tracked; further shapes are counted in `patterns_other`.
const MAX_PATTERNS: usize = 64;

/// Mean and spread of a numeric, date or timestamp column (dates in days,
/// timestamps in microseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NumericStats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Population standard deviation.
    pub stddev: f64,
}

/// Character-length statistics of a text column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LengthStats {
    /// Shortest value, in characters.
    pub min: u64,
    /// Longest value, in characters.
    pub max: u64,
    /// Mean length.
    pub mean: f64,
}

/// Everything the profile says about one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// Arrow type, as text.
    pub data_type: String,
    /// Rows seen.
    pub rows: u64,
    /// Null cells.
    pub nulls: u64,
    /// Text cells that are empty or only whitespace.
    pub empty: u64,
    /// Distinct non-null values.
    pub distinct: u64,
    /// Whether `distinct` is exact (else a HyperLogLog estimate).
    pub distinct_exact: bool,
    /// Smallest value as text (lexicographic for text).
    pub min: Option<String>,
    /// Largest value as text.
    pub max: Option<String>,
    /// Numeric statistics, for numbers, dates and timestamps.
    pub numeric: Option<NumericStats>,
    /// Length statistics, for text.
    pub length: Option<LengthStats>,
    /// The most frequent values with their counts, most frequent first.
    pub top_values: Vec<(String, u64)>,
    /// Whether `top_values` is exact. When a column passes the exact bound,
    /// values first seen after that point are not counted, so a value that
    /// only becomes frequent late in the file could be missing.
    pub top_exact: bool,
    /// Value shapes (see [`super::shape`]) with their counts, most frequent first.
    pub patterns: Vec<(String, u64)>,
    /// Values whose shape was not among the tracked ones.
    pub patterns_other: u64,
    /// The detected semantic type, if any reached the threshold.
    pub semantic: Option<SemanticMatch>,
}

/// A distinct text value with its count and what profiling derived from it
/// the first time, so that repeats cost one lookup.
struct TextEntry {
    text: Box<str>,
    count: u64,
    /// Length in characters.
    len: u32,
    /// Empty or only whitespace.
    blank: bool,
    /// Index of its shape in `patterns`, `u32::MAX` for "other".
    pattern: u32,
}

/// Bits in a full text table's filter (8 KiB: it stays in the L1 cache).
/// With [`EXACT_DISTINCT_BOUND`] hashes in it, about one new value in seven
/// still has to be looked up.
const FILTER_BITS: usize = 1 << 16;

/// A hash's word and bit in the filter: bits 16 to 31 of the hash, which
/// the table itself does not use to place it or to tag it.
fn filter_slot(hash: u64) -> (usize, u32) {
    let slot = (hash >> 16) as usize & (FILTER_BITS - 1);
    (slot / 64, (slot % 64) as u32)
}

/// The hash of a numeric key (the bits of the value), shared by the
/// HyperLogLog and the exact-count table.
fn number_hash(key: i64) -> u64 {
    hash_bytes(&key.to_le_bytes())
}

/// The first sixteen bytes as a big-endian number, zero-padded. If
/// `prefix(a) < prefix(b)` then `a < b` as strings: the first differing
/// byte decides both, and a zero pad only ever stands where the shorter
/// string ends (so it sorts first either way). Equal prefixes decide nothing.
///
/// Read straight from `bytes` with at most two word loads (overlapping
/// when shorter than 16 bytes), not copied into a zeroed buffer: the copy
/// of a value shorter than 16 bytes is a library call whose small stores
/// the buffer's one wide load then has to wait for (no store forwarding).
fn prefix(bytes: &[u8]) -> u128 {
    let n = bytes.len();
    let word = |at: usize| {
        bytes.get(at..at + 8).map_or(0, |w| {
            let mut x = [0u8; 8];
            x.copy_from_slice(w);
            u64::from_be_bytes(x)
        })
    };
    let (hi, lo) = match n {
        16.. => (word(0), word(8)),
        // Bytes 8..n are the last n - 8 of the word that ends at n.
        9..=15 => (word(0), word(n - 8) << (8 * (16 - n))),
        8 => (word(0), 0),
        _ => {
            let mut w = 0u64;
            for (i, &b) in bytes.iter().enumerate() {
                w |= u64::from(b) << (56 - 8 * i);
            }
            (w, 0)
        }
    };
    (u128::from(hi) << 64) | u128::from(lo)
}

/// `a == b`, comparing strings of up to 32 bytes (what profiling mostly
/// compares) a word at a time without a library call: two overlapping
/// reads from each end cover every byte.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8).map(|w| {
            let mut x = [0u8; 8];
            x.copy_from_slice(w);
            u64::from_le_bytes(x)
        })
    };
    let half = |s: &[u8], at: usize| {
        s.get(at..at + 4).map(|w| {
            let mut x = [0u8; 4];
            x.copy_from_slice(w);
            u32::from_le_bytes(x)
        })
    };
    match n {
        0..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=32 => {
            word(a, 0) == word(b, 0)
                && word(a, 8) == word(b, 8)
                && word(a, n - 16) == word(b, n - 16)
                && word(a, n - 8) == word(b, n - 8)
        }
        _ => a == b,
    }
}

/// Characters in valid UTF-8: every byte that does not continue a character.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xc0) != 0x80).count()
}

#[derive(Default)]
struct Welford {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Welford {
    fn add(&mut self, x: f64) {
        if self.n == 0 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.n += 1;
        #[allow(clippy::cast_precision_loss)]
        let n = self.n as f64;
        let d = x - self.mean;
        self.mean += d / n;
        self.m2 += d * (x - self.mean);
    }

    fn stats(&self) -> Option<NumericStats> {
        #[allow(clippy::cast_precision_loss)]
        let n = self.n as f64;
        (self.n > 0).then(|| NumericStats {
            min: self.min,
            max: self.max,
            mean: self.mean,
            stddev: (self.m2 / n).sqrt(),
        })
    }
}

pub(crate) struct ColumnState {
    name: String,
    data_type: DataType,
    rows: u64,
    nulls: u64,
    empty: u64,
    hll: HyperLogLog,
    /// Exact counts, keyed by the same hash the HyperLogLog takes, so each
    /// value is hashed once.
    /// (hash, index into `text_entries`): small entries, compared by hash
    /// before any text is touched.
    text_counts: HashTable<(u64, u32)>,
    text_entries: Vec<TextEntry>,
    num_counts: HashTable<(i64, u64)>,
    overflow: bool,
    /// Once the exact-count table is full (and so fixed), one bit per
    /// [`FILTER_BITS`] slot for each hash in it: a value whose bit is clear
    /// is surely not in the table, and is decided without probing it. Most
    /// values of an identifier column are new, and the probe's cache misses
    /// were the larger part of profiling such a column.
    filter: Vec<u64>,
    welford: Welford,
    text_min: Option<String>,
    text_max: Option<String>,
    /// [`prefix`] of `text_min` and `text_max` (0 while there are none).
    min_prefix: u128,
    max_prefix: u128,
    len_min: u64,
    len_max: u64,
    len_sum: u64,
    /// Shapes in first-seen order with their counts (at most `MAX_PATTERNS`).
    patterns: Vec<(String, u64)>,
    /// Indexes into `patterns`, by the hash of the shape.
    pattern_index: HashTable<usize>,
    /// The index in `patterns` of the previous value's shape: columns mostly
    /// repeat one shape, so this usually saves the search.
    last_pattern: usize,
    /// The shape met before `last_pattern`'s.
    prev_pattern: usize,
    /// Characters in each shape of `patterns` (`u32::MAX` for a cut shape).
    pattern_chars: Vec<u32>,
    patterns_other: u64,
    shape_buf: String,
    semantic: SemanticCounter,
}

impl ColumnState {
    pub fn new(name: &str, data_type: &DataType) -> Self {
        Self {
            name: name.to_owned(),
            data_type: data_type.clone(),
            rows: 0,
            nulls: 0,
            empty: 0,
            hll: HyperLogLog::default(),
            text_counts: HashTable::new(),
            text_entries: Vec::new(),
            num_counts: HashTable::new(),
            overflow: false,
            filter: Vec::new(),
            welford: Welford::default(),
            text_min: None,
            text_max: None,
            min_prefix: 0,
            max_prefix: 0,
            len_min: u64::MAX,
            len_max: 0,
            len_sum: 0,
            patterns: Vec::new(),
            pattern_index: HashTable::new(),
            last_pattern: 0,
            prev_pattern: 0,
            pattern_chars: Vec::new(),
            patterns_other: 0,
            shape_buf: String::new(),
            semantic: SemanticCounter::default(),
        }
    }

    pub fn push(&mut self, array: &ArrayRef) {
        self.rows += array.len() as u64;
        self.nulls += array.null_count() as u64;
        match array.data_type() {
            DataType::Utf8 => {
                for v in array.as_string::<i32>().iter().flatten() {
                    self.push_text(v);
                }
            }
            DataType::Int64 => {
                for v in array.as_primitive::<Int64Type>().iter().flatten() {
                    #[allow(clippy::cast_precision_loss)]
                    self.push_number(v, v as f64);
                }
            }
            DataType::Float64 => {
                for v in array.as_primitive::<Float64Type>().iter().flatten() {
                    #[allow(clippy::cast_possible_wrap)]
                    self.push_number(v.to_bits() as i64, v);
                }
            }
            DataType::Date32 => {
                let mut n = 0u32;
                for v in array.as_primitive::<Date32Type>().iter().flatten() {
                    self.push_number(i64::from(v), f64::from(v));
                    n = n.saturating_add(1);
                }
                if self.semantic.wants_more() {
                    self.semantic.add_dates(n);
                }
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                for v in array
                    .as_primitive::<TimestampMicrosecondType>()
                    .iter()
                    .flatten()
                {
                    #[allow(clippy::cast_precision_loss)]
                    self.push_number(v, v as f64);
                }
            }
            DataType::Boolean => {
                for v in array.as_boolean().iter().flatten() {
                    self.push_number(i64::from(v), f64::from(u8::from(v)));
                }
            }
            _ => {}
        }
    }

    fn push_number(&mut self, key: i64, x: f64) {
        let hash = number_hash(key);
        self.hll.add_hash(hash);
        self.welford.add(x);
        if self.surely_new(hash) {
            return;
        }
        if let Some(c) = self.num_counts.find_mut(hash, |e| e.0 == key) {
            c.1 += 1;
        } else if self.num_counts.len() < EXACT_DISTINCT_BOUND {
            self.num_counts
                .insert_unique(hash, (key, 1), |e| number_hash(e.0));
        } else if !self.overflow {
            self.overflow = true;
            let hashes: Vec<u64> = self.num_counts.iter().map(|e| number_hash(e.0)).collect();
            self.fill_filter(&hashes);
        }
    }

    /// Whether the table is full and `hash` surely not in it (see `filter`).
    fn surely_new(&self, hash: u64) -> bool {
        let (word, bit) = filter_slot(hash);
        self.filter.get(word).is_some_and(|w| w & (1 << bit) == 0)
    }

    /// Sets up the filter of a table that just became full, from its hashes.
    fn fill_filter(&mut self, hashes: &[u64]) {
        self.filter = vec![0; FILTER_BITS / 64];
        for &h in hashes {
            let (word, bit) = filter_slot(h);
            if let Some(w) = self.filter.get_mut(word) {
                *w |= 1 << bit;
            }
        }
    }

    fn push_text(&mut self, v: &str) {
        let bytes = v.as_bytes();
        let hash = hash_bytes(bytes);
        let entries = &self.text_entries;
        let found = if self.surely_new(hash) {
            None
        } else {
            self.text_counts
                .find(hash, |&(h, i)| {
                    h == hash && same_bytes(entries[i as usize].text.as_bytes(), bytes)
                })
                .map(|&(_, i)| i as usize)
        };
        if let Some(e) = found.and_then(|i| self.text_entries.get_mut(i)) {
            // A value seen before: everything but its count is known. Its
            // hash is already in the sketch, its length and shape are
            // cached, and it cannot be a new minimum or maximum.
            e.count += 1;
            self.empty += u64::from(e.blank);
            self.len_sum += u64::from(e.len);
            match self.patterns.get_mut(e.pattern as usize) {
                Some(p) => p.1 += 1,
                None => self.patterns_other += 1,
            }
            if self.semantic.wants_more() {
                self.semantic.add(v);
            }
            return;
        }
        // Most values start with a visible ASCII character and so are not
        // blank; only the others need the Unicode-aware trim.
        let surely_not_blank = bytes
            .first()
            .is_some_and(|&b| b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0b);
        let blank = !surely_not_blank
            && v.chars().next().is_none_or(char::is_whitespace)
            && v.trim().is_empty();
        if blank {
            self.empty += 1;
        }
        self.hll.add_hash(hash);
        let pattern = self.pattern_of(v);
        // A shape has one character per character of the value unless it
        // was cut (then its length is not known).
        let len = match pattern.and_then(|i| self.pattern_chars.get(i)) {
            Some(&n) if n != u32::MAX => u64::from(n),
            _ => char_count(bytes) as u64,
        };
        self.len_min = self.len_min.min(len);
        self.len_max = self.len_max.max(len);
        self.len_sum += len;
        // Values whose first eight bytes already lie strictly between the
        // minimum's and the maximum's cannot move either: skip both
        // comparisons (see `prefix`).
        let p = prefix(bytes);
        if !(p > self.min_prefix && p < self.max_prefix) {
            match &mut self.text_min {
                Some(m) if v < m.as_str() => v.clone_into(m),
                None => self.text_min = Some(v.to_owned()),
                _ => {}
            }
            match &mut self.text_max {
                Some(m) if v > m.as_str() => v.clone_into(m),
                None => self.text_max = Some(v.to_owned()),
                _ => {}
            }
            self.min_prefix = self.text_min.as_deref().map_or(0, |m| prefix(m.as_bytes()));
            self.max_prefix = self.text_max.as_deref().map_or(0, |m| prefix(m.as_bytes()));
        }
        if self.semantic.wants_more() {
            self.semantic.add(v);
        }
        if self.text_entries.len() < EXACT_DISTINCT_BOUND {
            let index = u32::try_from(self.text_entries.len()).unwrap_or(u32::MAX);
            self.text_entries.push(TextEntry {
                text: v.into(),
                count: 1,
                len: u32::try_from(len).unwrap_or(u32::MAX),
                blank,
                pattern: pattern.map_or(u32::MAX, |p| u32::try_from(p).unwrap_or(u32::MAX)),
            });
            self.text_counts
                .insert_unique(hash, (hash, index), |&(h, _)| h);
        } else if !self.overflow {
            self.overflow = true;
            let hashes: Vec<u64> = self.text_counts.iter().map(|&(h, _)| h).collect();
            self.fill_filter(&hashes);
        }
    }

    /// Counts the shape of a new value `v` and returns its index in
    /// `patterns`, or `None` when it is counted in `patterns_other`.
    ///
    /// A value of at most `MAX_SHAPE` bytes is folded byte by byte once
    /// ([`fold_into`]); equal to a known shape's bytes, that is its shape.
    /// The last two shapes met are tried first (a column usually repeats
    /// one or alternates between two, e.g. IDs ending in a digit or `X`),
    /// then an ASCII value's folded bytes are its shape; other values are
    /// folded character by character.
    fn pattern_of(&mut self, v: &str) -> Option<usize> {
        let recent = [self.last_pattern, self.prev_pattern];
        let mut folded = [0u8; MAX_SHAPE];
        if let Some(n) = fold_into(v, &mut folded) {
            let f = folded.get(..n).unwrap_or_default();
            for (k, &i) in recent.iter().enumerate() {
                if let Some(p) = self.patterns.get_mut(i)
                    && same_bytes(p.0.as_bytes(), f)
                {
                    p.1 += 1;
                    if k == 1 {
                        self.prev_pattern = self.last_pattern;
                        self.last_pattern = i;
                    }
                    return Some(i);
                }
            }
            if v.is_ascii() {
                return self.count_pattern(f);
            }
        }
        for (k, &i) in recent.iter().enumerate() {
            if let Some(p) = self.patterns.get_mut(i)
                && has_shape(v, &p.0)
            {
                p.1 += 1;
                if k == 1 {
                    self.prev_pattern = self.last_pattern;
                    self.last_pattern = i;
                }
                return Some(i);
            }
        }
        let mut buf = std::mem::take(&mut self.shape_buf);
        shape(v, &mut buf);
        let found = self.count_pattern(buf.as_bytes());
        self.shape_buf = buf;
        found
    }

    /// Counts `shape` (valid UTF-8) and returns its index in `patterns`,
    /// or `None` when it is counted in `patterns_other` (the table is full;
    /// since shapes are never removed, such a shape stays "other").
    fn count_pattern(&mut self, shape: &[u8]) -> Option<usize> {
        let h = hash_bytes(shape);
        let patterns = &self.patterns;
        let found = self
            .pattern_index
            .find(h, |&i| patterns[i].0.as_bytes() == shape)
            .copied();
        let i = if let Some(i) = found {
            self.patterns[i].1 += 1;
            i
        } else if self.patterns.len() < MAX_PATTERNS {
            let i = self.patterns.len();
            let text = String::from_utf8_lossy(shape).into_owned();
            let chars = if text.ends_with('…') && text.chars().count() == MAX_SHAPE + 1 {
                u32::MAX
            } else {
                u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
            };
            self.patterns.push((text, 1));
            self.pattern_chars.push(chars);
            let patterns = &self.patterns;
            self.pattern_index
                .insert_unique(h, i, |&j| hash_bytes(patterns[j].0.as_bytes()));
            i
        } else {
            self.patterns_other += 1;
            return None;
        };
        if i != self.last_pattern {
            self.prev_pattern = self.last_pattern;
            self.last_pattern = i;
        }
        Some(i)
    }

    fn number_text(&self, key: i64) -> String {
        match self.data_type {
            #[allow(clippy::cast_sign_loss)]
            DataType::Float64 => f64::from_bits(key as u64).to_string(),
            DataType::Date32 => format_date(i32::try_from(key).unwrap_or_default()),
            DataType::Timestamp(..) => format_timestamp(key),
            DataType::Boolean => (key != 0).to_string(),
            _ => key.to_string(),
        }
    }

    pub fn finish(self) -> ColumnProfile {
        let is_text = matches!(self.data_type, DataType::Utf8);
        let exact_len = if is_text {
            self.text_entries.len()
        } else {
            self.num_counts.len()
        };
        let mut top: Vec<(String, u64)> = if is_text {
            self.text_entries
                .iter()
                .map(|e| (e.text.to_string(), e.count))
                .collect()
        } else {
            self.num_counts
                .iter()
                .map(|(k, v)| (self.number_text(*k), *v))
                .collect()
        };
        top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(TOP);
        let mut patterns = self.patterns;
        patterns.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let non_null = self.rows - self.nulls;
        let numeric = if is_text { None } else { self.welford.stats() };
        #[allow(clippy::cast_possible_truncation)]
        let num_text = |x: f64| match self.data_type {
            DataType::Float64 => x.to_string(),
            DataType::Date32 => format_date(x as i32),
            DataType::Timestamp(..) => format_timestamp(x as i64),
            DataType::Boolean => (x != 0.0).to_string(),
            _ => format!("{x:.0}"),
        };
        let (min, max) = if is_text {
            (self.text_min, self.text_max)
        } else {
            (
                numeric.map(|s| num_text(s.min)),
                numeric.map(|s| num_text(s.max)),
            )
        };
        #[allow(clippy::cast_precision_loss)]
        let length = (is_text && non_null > 0).then(|| LengthStats {
            min: self.len_min,
            max: self.len_max,
            mean: self.len_sum as f64 / non_null as f64,
        });
        ColumnProfile {
            name: self.name,
            data_type: self.data_type.to_string(),
            rows: self.rows,
            nulls: self.nulls,
            empty: self.empty,
            distinct: if self.overflow {
                self.hll.estimate()
            } else {
                exact_len as u64
            },
            distinct_exact: !self.overflow,
            min,
            max,
            numeric,
            length,
            top_values: top,
            top_exact: !self.overflow,
            patterns,
            patterns_other: self.patterns_other,
            semantic: self.semantic.best(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{prefix, same_bytes};

    #[test]
    fn same_bytes_is_equality() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        for _ in 0..200_000 {
            let n = rng.gen_range(0..40);
            let a: Vec<u8> = (0..n).map(|_| rng.gen_range(0..3)).collect();
            let mut b = a.clone();
            match rng.gen_range(0..3) {
                0 => {}
                1 if n > 0 => b[rng.gen_range(0..n)] ^= 1,
                _ => b.push(0),
            }
            assert_eq!(same_bytes(&a, &b), a == b, "{a:?} {b:?}");
        }
    }

    #[test]
    fn prefix_is_the_zero_padded_first_sixteen_bytes() {
        let bytes: Vec<u8> = (1..=40).collect();
        for n in 0..=40 {
            let mut w = [0u8; 16];
            let k = n.min(16);
            w[..k].copy_from_slice(&bytes[..k]);
            assert_eq!(prefix(&bytes[..n]), u128::from_be_bytes(w), "{n}");
        }
    }

    #[test]
    fn a_smaller_prefix_means_a_smaller_string() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let alphabet: [&[u8]; 6] = [b"\0", b"a", b"b", b"1", "张".as_bytes(), b"\xff"];
        let random = |rng: &mut rand::rngs::StdRng| -> Vec<u8> {
            let n = rng.gen_range(0..24);
            (0..n)
                .flat_map(|_| alphabet[rng.gen_range(0..alphabet.len())].iter().copied())
                .collect()
        };
        for _ in 0..100_000 {
            let (a, b) = (random(&mut rng), random(&mut rng));
            if prefix(&a) < prefix(&b) {
                assert!(a < b, "{a:?} {b:?}");
            }
        }
    }

    /// Once the exact-count table is full, values already in it are still
    /// counted (the filter must never call a known value new), new ones are
    /// not, and the distinct count falls back to the sketch.
    #[test]
    fn a_full_table_still_counts_its_own_values() {
        use super::{ColumnState, EXACT_DISTINCT_BOUND};
        use arrow_array::{ArrayRef, Int64Array, StringArray};
        use std::sync::Arc;
        let bound = EXACT_DISTINCT_BOUND as i64;
        let mut values: Vec<i64> = (0..bound).collect();
        for i in 0..20_000 {
            values.push(bound + i);
            if i % 100 == 0 {
                values.push(5);
            }
            if i % 200 == 0 {
                values.push(bound - 7);
            }
        }
        let texts: Vec<String> = values.iter().map(|v| format!("v{v:06}")).collect();
        let ints: ArrayRef = Arc::new(Int64Array::from(values));
        let strs: ArrayRef = Arc::new(StringArray::from(texts));
        for (array, five, seven) in [
            (ints, "5".to_owned(), (bound - 7).to_string()),
            (strs, "v000005".to_owned(), format!("v{:06}", bound - 7)),
        ] {
            let mut state = ColumnState::new("c", array.data_type());
            for at in (0..array.len()).step_by(4_096) {
                state.push(&array.slice(at, 4_096.min(array.len() - at)));
            }
            let profile = state.finish();
            assert_eq!(profile.top_values[0], (five, 201));
            assert_eq!(profile.top_values[1], (seven, 101));
            assert!(profile.top_values[2..].iter().all(|(_, n)| *n == 1));
            assert!(!profile.distinct_exact);
            assert!(
                profile.distinct.abs_diff(30_000) < 1_500,
                "{}",
                profile.distinct
            );
        }
    }

    /// Shapes and lengths as a naive profiler would count them: the shape
    /// of every value, a table of the first `MAX_PATTERNS` shapes, and the
    /// length of every value in characters.
    #[test]
    fn patterns_and_lengths_match_a_naive_count() {
        use super::{ColumnState, MAX_PATTERNS, shape};
        use arrow_array::{ArrayRef, StringArray};
        use rand::{Rng, SeedableRng};
        use std::sync::Arc;
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let pieces = [
            "1", "9", "X", "x", "a", "Z", "-", " ", "张", "三", "Ａ", "é", "…", "\u{3000}", "@",
        ];
        let mut values: Vec<Option<String>> = Vec::new();
        for i in 0..30_000u32 {
            let v = match i % 7 {
                // IDs alternating between two shapes.
                0 | 1 => format!("1101011990{:07}{}", i, if i % 3 == 0 { "X" } else { "1" }),
                // Random short and long mixes: many shapes, some cut.
                2 | 3 => {
                    let n = rng.gen_range(0..40);
                    (0..n)
                        .map(|_| pieces[rng.gen_range(0..pieces.len())])
                        .collect()
                }
                4 => "张".repeat(1 + (i as usize % 30)),
                5 => String::new(),
                _ => format!("user{i}@example.cn"),
            };
            values.push((i % 11 != 0).then_some(v));
        }
        for batch in values.chunks(4_096) {
            let mut state = ColumnState::new("c", &arrow_schema::DataType::Utf8);
            let mut table: Vec<(String, u64)> = Vec::new();
            let mut other = 0u64;
            let (mut min, mut max, mut sum) = (u64::MAX, 0u64, 0u64);
            let mut buf = String::new();
            // The same values pushed twice, in two arrays.
            for _ in 0..2 {
                let array: ArrayRef = Arc::new(StringArray::from(batch.to_vec()));
                state.push(&array);
                for v in batch.iter().flatten() {
                    shape(v, &mut buf);
                    if let Some(e) = table.iter_mut().find(|(s, _)| *s == buf) {
                        e.1 += 1;
                    } else if table.len() < MAX_PATTERNS {
                        table.push((buf.clone(), 1));
                    } else {
                        other += 1;
                    }
                    let n = v.chars().count() as u64;
                    (min, max, sum) = (min.min(n), max.max(n), sum + n);
                }
            }
            let profile = state.finish();
            table.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            assert_eq!(profile.patterns, table);
            assert_eq!(profile.patterns_other, other);
            let length = profile.length.map(|l| (l.min, l.max));
            assert_eq!(length, Some((min, max)));
            let non_null = profile.rows - profile.nulls;
            #[allow(clippy::cast_precision_loss)]
            let mean = sum as f64 / non_null as f64;
            assert_eq!(profile.length.map(|l| l.mean), Some(mean));
        }
    }
}
