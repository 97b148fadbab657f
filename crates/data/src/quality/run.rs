//! Evaluating a rule set over batches in one streaming pass.

use std::collections::HashSet;
use std::hash::Hasher;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use time::OffsetDateTime;

use super::cel_rule::CelRule;
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
    Seen(HashSet<u64, FastBuild>),
    Newest(Option<i64>),
    Cel(Box<CelRule>),
    Lookup(&'r ReferenceSet),
    Done {
        failed: u64,
        evaluated: u64,
        note: Option<String>,
    },
}

struct Compiled<'r> {
    rule: Rule,
    columns: Vec<usize>,
    state: State<'r>,
    tally: Tally,
    note: Option<String>,
}

/// A quality run in progress: push batches in order, then finish.
pub struct QualityRun<'r> {
    rules: Vec<Compiled<'r>>,
    rows: u64,
    now_micros: i64,
    buf: String,
    buf2: String,
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
                Check::Duplicate { .. } => State::Seen(HashSet::default()),
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
            buf: String::new(),
            buf2: String::new(),
        })
    }

    /// Checks one batch; row numbers continue from the previous batches.
    pub fn push_batch(&mut self, batch: &RecordBatch) {
        let base = self.rows;
        for c in &mut self.rules {
            eval(c, batch.columns(), base, &mut self.buf, &mut self.buf2);
        }
        self.rows += batch.num_rows() as u64;
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

fn eval(
    c: &mut Compiled<'_>,
    columns: &[ArrayRef],
    base: u64,
    buf: &mut String,
    buf2: &mut String,
) {
    let t = &mut c.tally;
    let row = |i: usize| base + i as u64 + 1;
    let col = |k: usize| &columns[c.columns[k]];
    match (&c.rule.check, &mut c.state) {
        (Check::Missing { .. }, _) => each_text(col(0), buf, |i, v| {
            t.evaluated += 1;
            if v.is_none_or(|s| s.trim().is_empty()) {
                t.fail(row(i), v);
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
                let n = v.chars().count();
                if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                    t.fail(row(i), Some(v));
                }
            }
        }),
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
            'rows: for i in 0..n {
                let mut h = FastHasher::default();
                for k in &keys {
                    if !cell_text(k, i, buf) {
                        continue 'rows;
                    }
                    h.write(buf.as_bytes());
                    h.write_u8(0x1f);
                }
                t.evaluated += 1;
                if !seen.insert(h.finish()) {
                    let shown = if keys.len() == 1 {
                        Some(buf.as_str())
                    } else {
                        None
                    };
                    t.fail(row(i), shown);
                }
            }
        }
        (Check::Freshness { .. }, State::Newest(newest)) => {
            *newest = (*newest).max(newest_micros(col(0), buf));
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
