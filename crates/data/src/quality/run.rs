//! Evaluating a rule set over batches in one streaming pass.

use std::collections::HashSet;
use std::hash::Hasher;

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch};
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use hashbrown::HashTable;
use rayon::prelude::*;
use time::OffsetDateTime;

use super::cel_rule::CelRule;
use super::fast_regex::FastRegex;
use super::reference::{ReferenceSet, References};
use super::report::{FailSample, QualityReport, RuleOutcome};
use super::rule::{Check, Rule};
use super::ruleset::{RuleError, RuleSet};
use crate::cell::{
    cell_number, cell_text, format_timestamp, parse_iso_timestamp, parse_loose_date,
};
use crate::profile::{FastBuild, FastHasher};

/// Failing rows kept per rule as examples.
const SAMPLES: usize = 5;

#[derive(Default)]
struct Tally {
    evaluated: u64,
    failed: u64,
    samples: Vec<FailSample>,
}

impl Tally {
    fn fail(&mut self, row: u64, value: Option<&str>) {
        self.failed += 1;
        if self.samples.len() < SAMPLES {
            self.samples.push(FailSample {
                row,
                value: value.map(str::to_owned),
            });
        }
    }
}

enum State<'r> {
    Plain,
    /// Key hashes seen so far.
    Seen(SeenKeys),
    Newest(Option<i64>),
    Cel(Box<CelRule>),
    Lookup(&'r ReferenceSet),
    /// A reference check on an integer column: the reference keys that are
    /// the canonical text of an integer, so cells need not be formatted.
    IntLookup(HashSet<i64, FastBuild>),
    /// A regex check with its pattern compiled to a DFA, when it can be.
    Dfa(Box<FastRegex>),
    Done {
        failed: u64,
        evaluated: u64,
        note: Option<String>,
    },
}

/// One rule, ready to run, with its running state.
pub(crate) struct Compiled<'r> {
    rule: Rule,
    columns: Vec<usize>,
    state: State<'r>,
    tally: Tally,
    note: Option<String>,
    buf: String,
    buf2: String,
}

/// A quality run in progress: push batches in order, then finish.
pub struct QualityRun<'r> {
    rules: Vec<Compiled<'r>>,
    rows: u64,
    now_micros: i64,
}

fn type_name(t: &DataType) -> String {
    t.to_string()
}

impl<'r> QualityRun<'r> {
    /// Prepares `rules` for batches of `schema`. Columns and references the
    /// rules name must exist; `now` is the time freshness is judged against.
    pub fn new(
        rules: &RuleSet,
        schema: &SchemaRef,
        references: &'r References,
        now: OffsetDateTime,
    ) -> Result<Self, Vec<RuleError>> {
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut errors = Vec::new();
        let mut compiled = Vec::new();
        for rule in &rules.rules {
            let err = |message: String| RuleError {
                line: rule.line,
                column: 1,
                rule: Some(rule.id.clone()),
                message,
            };
            let wanted: Vec<&str> = match &rule.check {
                Check::Missing { column }
                | Check::Format { column, .. }
                | Check::Regex { column, .. }
                | Check::Values { column, .. }
                | Check::Range { column, .. }
                | Check::Length { column, .. }
                | Check::Freshness { column, .. }
                | Check::Reference { column, .. } => vec![column],
                Check::Accuracy { key, column, .. } => vec![key, column],
                Check::Compare { column, other, .. } => vec![column, other],
                Check::Duplicate { columns } => columns.iter().map(String::as_str).collect(),
                Check::RowCount { .. } | Check::Schema { .. } | Check::Cel { .. } => Vec::new(),
            };
            let mut columns = Vec::new();
            for w in wanted {
                match names.iter().position(|n| n == w) {
                    Some(i) => columns.push(i),
                    None => errors.push(err(format!("column \"{w}\" is not in the dataset"))),
                }
            }
            let lookup = |name: &str| references.get(name);
            let state = match &rule.check {
                Check::Duplicate { .. } => State::Seen(SeenKeys::new()),
                Check::Regex { regex, .. } => {
                    FastRegex::new(regex).map_or(State::Plain, |f| State::Dfa(Box::new(f)))
                }
                Check::Reference { reference, .. }
                    if columns
                        .first()
                        .is_some_and(|&i| schema.field(i).data_type() == &DataType::Int64) =>
                {
                    match lookup(reference) {
                        Some(r) => State::IntLookup(r.integer_keys()),
                        None => {
                            errors.push(err(format!(
                                "reference dataset \"{reference}\" was not supplied to the run"
                            )));
                            continue;
                        }
                    }
                }
                Check::Freshness { .. } => State::Newest(None),
                Check::Reference { reference, .. } | Check::Accuracy { reference, .. } => {
                    match lookup(reference) {
                        Some(r) => State::Lookup(r),
                        None => {
                            errors.push(err(format!(
                                "reference dataset \"{reference}\" was not supplied to the run"
                            )));
                            continue;
                        }
                    }
                }
                Check::Cel { expr } => match CelRule::new(expr, &names) {
                    Ok(c) => State::Cel(Box::new(c)),
                    Err(e) => {
                        errors.push(err(e));
                        continue;
                    }
                },
                Check::Schema { columns: expected } => {
                    let mut problems = Vec::new();
                    for (name, ty) in expected {
                        match schema.fields().iter().find(|f| f.name() == name) {
                            None => problems.push(format!("column \"{name}\" is missing")),
                            Some(f) => {
                                if let Some(t) = ty
                                    && !type_name(f.data_type()).eq_ignore_ascii_case(t)
                                {
                                    problems.push(format!(
                                        "column \"{name}\" is {} not {t}",
                                        f.data_type()
                                    ));
                                }
                            }
                        }
                    }
                    State::Done {
                        failed: problems.len() as u64,
                        evaluated: expected.len() as u64,
                        note: (!problems.is_empty()).then(|| problems.join("; ")),
                    }
                }
                _ => State::Plain,
            };
            compiled.push(Compiled {
                rule: rule.clone(),
                columns,
                state,
                tally: Tally::default(),
                note: None,
                buf: String::new(),
                buf2: String::new(),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let now_micros = i64::try_from(now.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX);
        Ok(Self {
            rules: compiled,
            rows: 0,
            now_micros,
        })
    }

    /// Checks one batch; row numbers continue from the previous batches.
    ///
    /// Rules are checked in parallel on the rayon pool. Each rule's state
    /// still sees the batches one after another in file order, so counts,
    /// samples and notes are exactly those of a single-threaded run.
    pub fn push_batch(&mut self, batch: &RecordBatch) {
        let base = self.rows;
        self.rules
            .par_iter_mut()
            .with_max_len(1)
            .for_each(|c| eval(c, batch.columns(), base));
        self.rows += batch.num_rows() as u64;
    }

    /// The rows checked so far and each rule with its state in rule-set
    /// order, for [`crate::scan`], which counts the rows and runs the rules.
    pub(crate) fn parts_mut(&mut self) -> (&mut u64, &mut [Compiled<'r>]) {
        (&mut self.rows, &mut self.rules)
    }

    /// The report over every batch pushed.
    pub fn finish(self) -> QualityReport {
        let rows = self.rows;
        let now = self.now_micros;
        let outcomes = self
            .rules
            .into_iter()
            .map(|c| {
                let Compiled {
                    rule,
                    state,
                    mut tally,
                    mut note,
                    ..
                } = c;
                match (&rule.check, state) {
                    (Check::RowCount { min, max }, _) => {
                        tally.evaluated = 1;
                        if min.is_some_and(|m| rows < m) || max.is_some_and(|m| rows > m) {
                            tally.failed = 1;
                            note = Some(format!("{rows} rows"));
                        }
                    }
                    (Check::Freshness { max_age_secs, .. }, State::Newest(newest)) => {
                        tally.evaluated = 1;
                        match newest {
                            Some(t)
                                if now.saturating_sub(t)
                                    <= max_age_secs.saturating_mul(1_000_000) => {}
                            Some(t) => {
                                tally.failed = 1;
                                note = Some(format!(
                                    "the newest value is {}, older than allowed",
                                    format_timestamp(t)
                                ));
                            }
                            None => {
                                tally.failed = 1;
                                note = Some("the column has no dates".to_owned());
                            }
                        }
                    }
                    (Check::Duplicate { .. }, State::Seen(seen)) => {
                        let (found, first) = seen.finish();
                        tally.failed += found;
                        tally.samples.extend(
                            first
                                .into_iter()
                                .map(|(row, value)| FailSample { row, value }),
                        );
                    }
                    (
                        _,
                        State::Done {
                            failed,
                            evaluated,
                            note: n,
                        },
                    ) => {
                        tally.failed = failed;
                        tally.evaluated = evaluated;
                        note = n;
                    }
                    _ => {}
                }
                RuleOutcome {
                    id: rule.id.clone(),
                    check: rule.check.name(),
                    dimension: rule.dimension,
                    evaluated: tally.evaluated,
                    failed: tally.failed,
                    passed: tally.failed <= rule.max_failures,
                    samples: tally.samples,
                    note,
                }
            })
            .collect();
        QualityReport::new(rows, outcomes)
    }
}

/// Calls `f(row, text)` for every row of a column; text is `None` for nulls.
fn each_text(array: &ArrayRef, buf: &mut String, mut f: impl FnMut(usize, Option<&str>)) {
    if let DataType::Utf8 = array.data_type() {
        for (i, v) in array.as_string::<i32>().iter().enumerate() {
            f(i, v);
        }
    } else {
        for i in 0..array.len() {
            let present = cell_text(array, i, buf);
            f(i, present.then_some(buf.as_str()));
        }
    }
}

fn newest_micros(array: &ArrayRef, buf: &mut String) -> Option<i64> {
    match array.data_type() {
        DataType::Date32 => arrow_arith_max(
            array
                .as_primitive::<Date32Type>()
                .iter()
                .flatten()
                .map(|d| i64::from(d) * 86_400_000_000),
        ),
        DataType::Timestamp(..) => arrow_arith_max(
            array
                .as_primitive::<TimestampMicrosecondType>()
                .iter()
                .flatten(),
        ),
        _ => {
            let mut best = None;
            each_text(array, buf, |_, v| {
                let t = v.and_then(|v| {
                    parse_iso_timestamp(v)
                        .or_else(|| parse_loose_date(v).map(|d| i64::from(d) * 86_400_000_000))
                });
                best = best.max(t);
            });
            best
        }
    }
}

fn arrow_arith_max(values: impl Iterator<Item = i64>) -> Option<i64> {
    values.max()
}

/// Whether a text cell is null or blank, deciding most cells by their first byte.
fn blank(v: Option<&str>) -> bool {
    match v {
        None => true,
        Some(s) => match s.as_bytes().first() {
            Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0b => false,
            // A value whose first character is not whitespace is not blank.
            _ => s.chars().next().is_none_or(char::is_whitespace) && s.trim().is_empty(),
        },
    }
}

/// Calls `f(row, value)` for the non-null values of a primitive column.
fn each_value<T: ArrowPrimitiveType>(
    array: &PrimitiveArray<T>,
    mut f: impl FnMut(usize, T::Native),
) {
    let values = array.values();
    match array.nulls().filter(|n| n.null_count() > 0) {
        None => {
            for (i, v) in values.iter().enumerate() {
                f(i, *v);
            }
        }
        Some(nulls) => {
            for i in nulls.valid_indices() {
                f(i, values[i]);
            }
        }
    }
}

/// The column types [`range_typed`] reads directly; their cells always
/// have a non-blank text form.
fn typed_number(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int64
            | DataType::Float64
            | DataType::Date32
            | DataType::Timestamp(TimeUnit::Microsecond, _)
    )
}

/// The range check: `x` is outside `[min, max]`.
fn outside(x: f64, min: Option<f64>, max: Option<f64>) -> bool {
    min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m)
}

/// The range check over a column of numbers, dates or timestamps, reading
/// values straight from the array. `None` for other types.
#[allow(clippy::cast_precision_loss)]
fn range_typed(
    array: &ArrayRef,
    min: Option<f64>,
    max: Option<f64>,
    mut on: impl FnMut(usize, bool),
) -> Option<()> {
    match array.data_type() {
        DataType::Int64 => {
            each_value(array.as_primitive::<Int64Type>(), |i, v| {
                on(i, outside(v as f64, min, max));
            });
        }
        DataType::Float64 => {
            each_value(array.as_primitive::<Float64Type>(), |i, v| {
                on(i, outside(v, min, max));
            });
        }
        DataType::Date32 => {
            each_value(array.as_primitive::<Date32Type>(), |i, v| {
                on(i, outside(f64::from(v), min, max));
            });
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            each_value(array.as_primitive::<TimestampMicrosecondType>(), |i, v| {
                on(i, outside(v as f64, min, max))
            });
        }
        _ => return None,
    }
    Some(())
}

/// Bits of a key hash that choose its part of [`SeenKeys`].
const PART_BITS: u32 = 11;

/// Keys a part holds back before they are looked up together.
const FLUSH_AT: usize = 512;

/// Bytes of key columns kept for samples; past this every part is looked
/// up at once, so memory stays bounded however wide the key.
const MAX_KEPT_BYTES: usize = 64 << 20;

/// A key waiting in its part: its hash, its batch (counted from the first
/// batch still kept) and its index in that batch.
#[derive(Clone, Copy)]
struct Pending {
    hash: u64,
    batch: u64,
    index: u32,
}

/// One part of [`SeenKeys`]: the hashes seen, and the keys not yet looked up.
#[derive(Default)]
struct Part {
    table: HashTable<u64>,
    pending: Vec<Pending>,
}

/// The key hashes a duplicate check has seen, split by their top bits into
/// [`1 << PART_BITS`](PART_BITS) parts. A key waits in its part until the
/// part holds [`FLUSH_AT`] of them; then they are looked up and added in row
/// order while that part's table (about 100 KiB at ten million keys) is in
/// the cache. One table of every key, probed key by key, missed the cache on
/// almost every probe past a million keys. (Measured on ten million keys,
/// alone on one thread: 2,048 parts of 512 took 0.48–0.54 s, 1,024 of 512
/// 0.69–0.79 s, 256 of 2,048 0.88 s.)
///
/// Each key always lands in the same part and each part sees its keys in
/// row order, so the rows that fail are exactly those one table would give:
/// a row fails when its key's hash was met in an earlier row. Failures are
/// found part by part, out of row order, so the first [`SAMPLES`] by row
/// are kept aside with their text; the key column of each batch with a key
/// still waiting is kept to read that text from.
struct SeenKeys {
    parts: Vec<Part>,
    /// Per batch still kept (the first is batch number `first_batch`): the
    /// number of its first row (0-based) and, for a one-column key, that
    /// column, for the samples' text.
    batches: std::collections::VecDeque<(u64, Option<ArrayRef>)>,
    first_batch: u64,
    /// Memory of the key columns in `batches`.
    kept_bytes: usize,
    /// Duplicates found so far.
    found: u64,
    /// The first failing rows found so far, ascending, at most [`SAMPLES`]:
    /// (row number, 1-based; text of a one-column key).
    first: Vec<(u64, Option<String>)>,
}

impl SeenKeys {
    fn new() -> Self {
        Self {
            parts: (0..1 << PART_BITS).map(|_| Part::default()).collect(),
            batches: std::collections::VecDeque::new(),
            first_batch: 0,
            kept_bytes: 0,
            found: 0,
            first: Vec::new(),
        }
    }

    /// Adds a batch's `(hash, index)` pairs, given in row order; `base` is
    /// the rows before the batch, `key` its key column when the key is one
    /// column. Parts that fill up are looked up now; the others wait.
    fn add_batch(&mut self, hashes: &[(u64, usize)], base: u64, key: Option<&ArrayRef>) {
        let batch = self.first_batch + self.batches.len() as u64;
        self.kept_bytes += key.map_or(0, |k| k.get_array_memory_size());
        self.batches.push_back((base, key.cloned()));
        for &(hash, index) in hashes {
            let p = (hash >> (64 - PART_BITS)) as usize;
            let Some(part) = self.parts.get_mut(p) else {
                continue;
            };
            part.pending.push(Pending {
                hash,
                batch,
                index: u32::try_from(index).unwrap_or(u32::MAX),
            });
            if part.pending.len() >= FLUSH_AT {
                self.flush(p);
            }
        }
        if self.kept_bytes > MAX_KEPT_BYTES {
            for p in 0..self.parts.len() {
                self.flush(p);
            }
        }
        self.release();
    }

    /// Looks up and adds part `p`'s waiting keys, in row order.
    fn flush(&mut self, p: usize) {
        let Some(part) = self.parts.get_mut(p) else {
            return;
        };
        let mut pending = std::mem::take(&mut part.pending);
        for k in &pending {
            if insert_hash(&mut part.table, k.hash) {
                continue;
            }
            self.found += 1;
            let Some((base, key)) = usize::try_from(k.batch - self.first_batch)
                .ok()
                .and_then(|b| self.batches.get(b))
            else {
                continue;
            };
            let row = base + u64::from(k.index) + 1;
            let wanted = self.first.len() < SAMPLES || self.first.last().is_some_and(|l| row < l.0);
            if wanted {
                let mut text = String::new();
                let text = key
                    .as_ref()
                    .filter(|a| cell_text(a, k.index as usize, &mut text))
                    .map(|_| text);
                let at = self.first.partition_point(|f| f.0 < row);
                self.first.insert(at, (row, text));
                self.first.truncate(SAMPLES);
            }
        }
        pending.clear();
        if let Some(part) = self.parts.get_mut(p) {
            part.pending = pending;
        }
    }

    /// Drops the kept key columns of batches that no waiting key is from.
    fn release(&mut self) {
        let oldest = self
            .parts
            .iter()
            .filter_map(|p| p.pending.first().map(|k| k.batch))
            .min()
            .unwrap_or(self.first_batch + self.batches.len() as u64);
        while self.first_batch < oldest
            && let Some((_, key)) = self.batches.pop_front()
        {
            self.first_batch += 1;
            self.kept_bytes -= key.map_or(0, |k| k.get_array_memory_size());
        }
    }

    /// Looks up every waiting key; returns the duplicates found and the
    /// first failing rows with their text.
    fn finish(mut self) -> (u64, Vec<(u64, Option<String>)>) {
        for p in 0..self.parts.len() {
            self.flush(p);
        }
        (self.found, self.first)
    }
}

/// Inserts a key hash; false when it was already there. Within a part the
/// top bits are all alike, so the table hashes a rotation that puts varied
/// bits where hashbrown looks (low bits for the slot, top bits for the tag).
fn insert_hash(seen: &mut HashTable<u64>, h: u64) -> bool {
    let mix = |x: u64| x.rotate_right(PART_BITS);
    match seen.entry(mix(h), |&x| x == h, |&x| mix(x)) {
        hashbrown::hash_table::Entry::Occupied(_) => false,
        hashbrown::hash_table::Entry::Vacant(v) => {
            v.insert(h);
            true
        }
    }
}

/// Checks one batch's `columns` with one rule; `base` is the rows before it.
pub(crate) fn eval(c: &mut Compiled<'_>, columns: &[ArrayRef], base: u64) {
    let (buf, buf2) = (&mut c.buf, &mut c.buf2);
    let t = &mut c.tally;
    let row = |i: usize| base + i as u64 + 1;
    let col = |k: usize| &columns[c.columns[k]];
    match (&c.rule.check, &mut c.state) {
        (Check::Missing { .. }, _) if typed_number(col(0).data_type()) => {
            // Formatted numbers, dates and booleans are never blank: only
            // nulls fail.
            let array = col(0);
            t.evaluated += array.len() as u64;
            if let Some(nulls) = array.nulls().filter(|n| n.null_count() > 0) {
                for i in (0..array.len()).filter(|&i| nulls.is_null(i)) {
                    t.fail(row(i), None);
                }
            }
        }
        (Check::Missing { .. }, _) if col(0).data_type() == &DataType::Utf8 => {
            // Straight from the offsets: a cell whose first byte is visible
            // ASCII, or starts a character from U+4000 on (lead byte 0xE4
            // and up: CJK and beyond, where Unicode has no whitespace), is
            // not blank, and most cells are decided by that.
            let array = col(0).as_string::<i32>();
            let (offsets, data) = (array.value_offsets(), array.value_data());
            let nulls = array.nulls().filter(|n| n.null_count() > 0);
            t.evaluated += array.len() as u64;
            for (i, w) in offsets.windows(2).enumerate() {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    t.fail(row(i), None);
                    continue;
                }
                #[allow(clippy::cast_sign_loss)]
                let start = w[0] as usize;
                let visible = w[1] > w[0]
                    && data.get(start).is_some_and(|&b| {
                        (b.is_ascii() && !b.is_ascii_whitespace() && b != 0x0b) || b >= 0xe4
                    });
                if !visible {
                    let v = array.value(i);
                    if blank(Some(v)) {
                        t.fail(row(i), Some(v));
                    }
                }
            }
        }
        (Check::Missing { .. }, _) => each_text(col(0), buf, |i, v| {
            t.evaluated += 1;
            if blank(v) {
                t.fail(row(i), v);
            }
        }),
        (Check::Regex { regex, .. }, State::Dfa(dfa)) if col(0).data_type() == &DataType::Utf8 => {
            // Values are checked two at a time (interleaved DFA walks);
            // failures are still met in row order.
            let mut pending: Option<(usize, &str)> = None;
            for (i, v) in col(0).as_string::<i32>().iter().enumerate() {
                let Some(v) = v else { continue };
                t.evaluated += 1;
                match pending.take() {
                    None => pending = Some((i, v)),
                    Some((j, u)) => {
                        let (u_ok, v_ok) = dfa.is_match2(u, v, regex);
                        if !u_ok {
                            t.fail(row(j), Some(u));
                        }
                        if !v_ok {
                            t.fail(row(i), Some(v));
                        }
                    }
                }
            }
            if let Some((j, u)) = pending
                && !dfa.is_match(u, regex)
            {
                t.fail(row(j), Some(u));
            }
        }
        (Check::Regex { regex, .. }, State::Dfa(dfa)) => each_text(col(0), buf, |i, v| {
            if let Some(v) = v {
                t.evaluated += 1;
                if !dfa.is_match(v, regex) {
                    t.fail(row(i), Some(v));
                }
            }
        }),
        (Check::Format { format, .. }, _) => each_text(col(0), buf, |i, v| {
            if let Some(v) = v {
                t.evaluated += 1;
                if !format.matches(v) {
                    t.fail(row(i), Some(v));
                }
            }
        }),
        (Check::Regex { regex, .. }, _) => each_text(col(0), buf, |i, v| {
            if let Some(v) = v {
                t.evaluated += 1;
                if !regex.is_match(v) {
                    t.fail(row(i), Some(v));
                }
            }
        }),
        (Check::Values { allowed, .. }, _) => each_text(col(0), buf, |i, v| {
            if let Some(v) = v {
                t.evaluated += 1;
                if !allowed.iter().any(|a| a == v) {
                    t.fail(row(i), Some(v));
                }
            }
        }),
        (Check::Length { min, max, .. }, _) => each_text(col(0), buf, |i, v| {
            if let Some(v) = v {
                t.evaluated += 1;
                let n = v.bytes().filter(|&b| (b & 0xc0) != 0x80).count();
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    t.fail(row(i), Some(v));
                }
            }
        }),
        (Check::Range { min, max, .. }, _) if typed_number(col(0).data_type()) => {
            let array = col(0);
            range_typed(array, *min, *max, |i, bad| {
                t.evaluated += 1;
                if bad {
                    cell_text(array, i, buf);
                    t.fail(row(i), Some(buf));
                }
            });
        }
        (Check::Range { min, max, .. }, _) => {
            let array = col(0);
            let numeric = !matches!(array.data_type(), DataType::Utf8);
            for i in 0..array.len() {
                if array.is_null(i) {
                    continue;
                }
                t.evaluated += 1;
                let x = if numeric {
                    cell_number(array, i)
                } else {
                    let s = array.as_string::<i32>().value(i).trim();
                    s.parse::<f64>()
                        .ok()
                        .or_else(|| parse_loose_date(s).map(f64::from))
                };
                if x.is_none_or(|x| min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m)) {
                    cell_text(array, i, buf);
                    t.fail(row(i), Some(buf));
                }
            }
        }
        (Check::Duplicate { .. }, State::Seen(seen)) => {
            let keys: Vec<&ArrayRef> = (0..c.columns.len()).map(col).collect();
            let n = keys.first().map_or(0, |a| a.len());
            let mut hashes = Vec::with_capacity(n);
            if let [key] = keys.as_slice()
                && key.data_type() == &DataType::Utf8
            {
                // One text key: hash the bytes in place, exactly as the
                // general path below hashes the cell's text.
                for (i, v) in key.as_string::<i32>().iter().enumerate() {
                    let Some(v) = v else { continue };
                    let mut h = FastHasher::default();
                    h.write(v.as_bytes());
                    h.write_u8(0x1f);
                    hashes.push((h.finish(), i));
                }
            } else {
                'rows: for i in 0..n {
                    let mut h = FastHasher::default();
                    for k in &keys {
                        if !cell_text(k, i, buf) {
                            continue 'rows;
                        }
                        h.write(buf.as_bytes());
                        h.write_u8(0x1f);
                    }
                    hashes.push((h.finish(), i));
                }
            }
            t.evaluated += hashes.len() as u64;
            let single = if let [key] = keys.as_slice() {
                Some(*key)
            } else {
                None
            };
            seen.add_batch(&hashes, base, single);
        }
        (Check::Freshness { .. }, State::Newest(newest)) => {
            *newest = (*newest).max(newest_micros(col(0), buf));
        }
        (Check::Reference { .. }, State::IntLookup(keys))
            if col(0).data_type() == &DataType::Int64 =>
        {
            let array = col(0);
            each_value(array.as_primitive::<Int64Type>(), |i, v| {
                t.evaluated += 1;
                if !keys.contains(&v) {
                    cell_text(array, i, buf);
                    t.fail(row(i), Some(buf));
                }
            });
        }
        (Check::Reference { .. }, State::Lookup(reference)) => each_text(col(0), buf, |i, v| {
            if let Some(v) = v {
                t.evaluated += 1;
                if !reference.contains(v) {
                    t.fail(row(i), Some(v));
                }
            }
        }),
        (Check::Accuracy { .. }, State::Lookup(reference)) => {
            let (keys, values) = (col(0), col(1));
            for i in 0..keys.len() {
                if !cell_text(keys, i, buf) {
                    continue;
                }
                if let Some(expected) = reference.value(buf) {
                    t.evaluated += 1;
                    let present = cell_text(values, i, buf2);
                    let actual = present.then_some(buf2.as_str());
                    if actual != expected {
                        t.fail(row(i), actual);
                    }
                }
            }
        }
        (Check::Compare { op, .. }, _) => {
            let (a, b) = (col(0), col(1));
            for i in 0..a.len() {
                let ord = match (cell_number(a, i), cell_number(b, i)) {
                    (Some(x), Some(y)) => x.partial_cmp(&y),
                    _ => {
                        if !(cell_text(a, i, buf) && cell_text(b, i, buf2)) {
                            continue;
                        }
                        Some(buf.as_str().cmp(buf2.as_str()))
                    }
                };
                t.evaluated += 1;
                if !ord.is_some_and(|o| op.holds(o)) {
                    cell_text(a, i, buf);
                    t.fail(row(i), Some(buf));
                }
            }
        }
        (Check::Cel { .. }, State::Cel(rule)) => {
            let n = columns.first().map_or(0, |a| a.len());
            for i in 0..n {
                t.evaluated += 1;
                match rule.eval(columns, i, buf) {
                    Ok(true) => {}
                    Ok(false) => t.fail(row(i), None),
                    Err(e) => {
                        if c.note.is_none() {
                            c.note = Some(format!("row {}: {e}", row(i)));
                        }
                        t.fail(row(i), None);
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys held back in parts and looked up later fail the same rows as
    /// one set probed row by row: the same count, and the same first rows
    /// with the same text.
    #[test]
    fn split_key_set_fails_the_same_rows_as_one_set() {
        use arrow_array::StringArray;
        use rand::{Rng, SeedableRng};
        use std::sync::Arc;
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        // Few keys (many duplicates), many keys over enough batches that
        // parts fill up and are looked up mid-stream, and a handful.
        for (keys, batches) in [(30_000u64, 20), (4_000_000, 25), (50, 3)] {
            let mut split = SeenKeys::new();
            let mut one = HashSet::new();
            let (mut failed, mut first) = (0u64, Vec::new());
            let mut base = 0u64;
            for batch in 0..batches {
                let n = if keys == 4_000_000 && batch > 0 {
                    60_000
                } else {
                    [1, 0, 5_000, 77, 20_000, 60_000][batch % 6]
                };
                let texts: Vec<Option<String>> = (0..n)
                    .map(|_| (rng.gen_range(0..9) != 0).then(|| rng.gen_range(0..keys).to_string()))
                    .collect();
                let array: ArrayRef = Arc::new(StringArray::from(texts.clone()));
                let mut hashes = Vec::new();
                for (i, t) in texts.iter().enumerate() {
                    let Some(t) = t else { continue };
                    let mut h = FastHasher::default();
                    h.write(t.as_bytes());
                    let h = h.finish();
                    hashes.push((h, i));
                    if !one.insert(h) {
                        failed += 1;
                        if first.len() < SAMPLES {
                            first.push((base + i as u64 + 1, Some(t.clone())));
                        }
                    }
                }
                split.add_batch(&hashes, base, Some(&array));
                base += n as u64;
            }
            assert!(failed > 0);
            if keys == 4_000_000 {
                // Parts were looked up mid-stream, and the key columns of
                // the batches no waiting key is from were let go.
                assert!(split.parts.iter().any(|p| !p.table.is_empty()));
                assert!(split.batches.len() < batches, "{}", split.batches.len());
            }
            assert_eq!(split.finish(), (failed, first), "{keys} keys");
        }
    }

    /// The missing check on a text column reads the offsets directly; it
    /// must fail exactly the null and blank cells, with the same samples.
    #[test]
    fn missing_text_cells_are_the_null_and_blank_ones() {
        use arrow_array::StringArray;
        use arrow_schema::{Field, Schema};
        use std::sync::Arc;
        let cells: Vec<Option<&str>> = vec![
            Some("a"),
            None,
            Some(""),
            Some(" "),
            Some("\u{2028}"),
            Some("\u{feff}"),
            Some("\u{3fff}"),
            Some("\u{4000}"),
            Some("\u{1680}"),
            Some("\u{10000}"),
            Some("\u{205f}"),
            Some("é"),
            Some("\u{3000}"),
            Some(" x"),
            Some("\u{b}"),
            Some("张"),
            Some("\t\n"),
            None,
            Some("x "),
            Some("\u{a0}"),
            Some("0"),
        ];
        let expected: Vec<u64> = cells
            .iter()
            .enumerate()
            .filter(|(_, v)| blank(**v))
            .map(|(i, _)| i as u64 + 1)
            .collect();
        let schema = Arc::new(Schema::new(vec![Field::new("c", DataType::Utf8, true)]));
        let array: ArrayRef = Arc::new(StringArray::from(cells.clone()));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![array]).unwrap_or_else(|e| panic!("{e}"));
        let rules = RuleSet::parse("[[rule]]\nid = \"m\"\ncheck = \"missing\"\ncolumn = \"c\"\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let refs = References::new();
        let now = time::macros::datetime!(2024-07-01 00:00 UTC);
        let mut run =
            QualityRun::new(&rules, &schema, &refs, now).unwrap_or_else(|e| panic!("{e:?}"));
        run.push_batch(&batch);
        let report = run.finish();
        let outcome = &report.rules[0];
        assert_eq!(outcome.failed, expected.len() as u64);
        assert_eq!(outcome.evaluated, cells.len() as u64);
        let rows: Vec<u64> = outcome.samples.iter().map(|s| s.row).collect();
        assert_eq!(rows, expected[..SAMPLES.min(expected.len())]);
        for sample in &outcome.samples {
            let cell = cells[usize::try_from(sample.row).unwrap_or(0) - 1];
            assert_eq!(sample.value.as_deref(), cell);
        }
    }
}
