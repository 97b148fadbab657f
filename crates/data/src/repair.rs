//! Repair proposals: fixes are computed as a preview of changed cells and
//! removed rows, each with the rule that caused it, and only applied when
//! the steward accepts the preview. Applying gives new batches; the original
//! batches are never touched, so the platform keeps the old version.
//!
//! Both passes stream: [`Survey`] reads the batches once for the changes
//! and the removals, [`Repairer`] reads them again and writes the repaired
//! batches. Between batches only the de-duplication's groups (one per
//! distinct key) and the removed row numbers are kept.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Schema};
use govops_ids::Phone;
use serde::Serialize;

use crate::DataError;
use crate::cell::{cell_number, cell_text, format_date, parse_loose_date};

/// A cell-level fix for a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// Remove leading and trailing whitespace (including the ideographic space).
    Trim,
    /// Full-width ASCII forms and the ideographic space to their half-width forms.
    HalfWidth,
    /// Dates in common spellings to ISO 8601 `YYYY-MM-DD`.
    IsoDate,
    /// Mobile numbers to their 11 bare digits (`+86 138-1234-5678` → `13812345678`).
    Phone,
    /// Codes to upper case (`91350100m000100y43` → `91350100M000100Y43`).
    UpperCase,
}

impl Fix {
    /// The fix's name as shown in the preview.
    pub fn name(self) -> &'static str {
        match self {
            Self::Trim => "trim",
            Self::HalfWidth => "half_width",
            Self::IsoDate => "iso_date",
            Self::Phone => "phone",
            Self::UpperCase => "upper_case",
        }
    }

    /// The fixed value, or `None` when the fix does not apply (the value is
    /// left as it is — a fix never guesses).
    pub fn apply(self, s: &str) -> Option<String> {
        let out = match self {
            Self::Trim => s.trim().to_owned(),
            Self::HalfWidth => s
                .chars()
                .map(|c| match c {
                    '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
                    '\u{3000}' => ' ',
                    c => c,
                })
                .collect(),
            Self::IsoDate => format_date(parse_loose_date(s)?),
            Self::Phone => Phone::parse(s).ok()?.as_str().to_owned(),
            Self::UpperCase => s.to_uppercase(),
        };
        (out != s).then_some(out)
    }
}

/// Which row of a group of duplicates survives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Survivorship {
    /// The first row in file order.
    First,
    /// The last row in file order.
    Last,
    /// The row with the greatest value of this column (e.g. `updated_at`);
    /// ties keep the earlier row.
    MostRecentBy(String),
    /// The row with the most non-blank cells; ties keep the earlier row.
    MostComplete,
}

/// What to repair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairPlan {
    /// Fixes per column, applied in order.
    pub fixes: Vec<(String, Fix)>,
    /// De-duplicate by these key columns with this survivorship rule.
    pub dedup: Option<(Vec<String>, Survivorship)>,
}

/// One changed cell in the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellChange {
    /// 1-based row in the dataset.
    pub row: u64,
    /// Column name.
    pub column: String,
    /// The value now.
    pub before: String,
    /// The value after the fix.
    pub after: String,
    /// The fixes that changed it, joined by `+`.
    pub rule: String,
}

/// One row removed as a duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowRemoval {
    /// 1-based row removed.
    pub row: u64,
    /// 1-based row kept in its place.
    pub kept: u64,
    /// The survivorship rule that decided.
    pub rule: String,
}

/// The preview of a repair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// Changed cells, in row order.
    pub changes: Vec<CellChange>,
    /// Removed rows, in row order.
    pub removals: Vec<RowRemoval>,
}

fn column_index(schema: &Schema, name: &str) -> Result<usize, DataError> {
    schema
        .index_of(name)
        .map_err(|_| DataError::UnknownColumn(name.to_owned()))
}

/// A plan's cell fixes, checked against a schema: each fixed column's
/// index and its fixes in the plan's order.
#[derive(Debug, Clone)]
struct Fixer {
    by_column: Vec<(usize, Vec<Fix>)>,
}

impl Fixer {
    fn new(schema: &Schema, fixes: &[(String, Fix)]) -> Result<Self, DataError> {
        let mut by_column: Vec<(usize, Vec<Fix>)> = Vec::new();
        for (name, fix) in fixes {
            let i = column_index(schema, name)?;
            if schema.field(i).data_type() != &DataType::Utf8 {
                return Err(DataError::Schema(format!(
                    "column \"{name}\" is not text; fixes apply to text columns"
                )));
            }
            match by_column.iter_mut().find(|(c, _)| *c == i) {
                Some((_, list)) => list.push(*fix),
                None => by_column.push((i, vec![*fix])),
            }
        }
        Ok(Self { by_column })
    }

    /// `batch` (its first row is row `base + 1`) with its cells fixed; each
    /// changed cell goes to `on_change`, in row order and, within a row, in
    /// the plan's column order.
    fn fix(
        &self,
        batch: &RecordBatch,
        base: u64,
        mut on_change: impl FnMut(CellChange),
    ) -> Result<RecordBatch, DataError> {
        if self.by_column.is_empty() {
            return Ok(batch.clone());
        }
        let schema = batch.schema();
        let mut columns = batch.columns().to_vec();
        let mut changes = Vec::new();
        for (i, fixes) in &self.by_column {
            let Some(strings) = batch.column(*i).as_string_opt::<i32>() else {
                return Err(DataError::Schema(format!(
                    "column {} is not text in this batch",
                    schema.field(*i).name()
                )));
            };
            let mut fixed: Vec<Option<String>> = Vec::new();
            for (r, v) in strings.iter().enumerate() {
                let Some(before) = v else { continue };
                let mut current: Option<String> = None;
                let mut rules = Vec::new();
                for f in fixes {
                    if let Some(after) = f.apply(current.as_deref().unwrap_or(before)) {
                        current = Some(after);
                        rules.push(f.name());
                    }
                }
                let Some(after) = current else { continue };
                if fixed.is_empty() {
                    fixed.resize(strings.len(), None);
                }
                fixed[r] = Some(after.clone());
                changes.push(CellChange {
                    row: base + r as u64 + 1,
                    column: schema.field(*i).name().clone(),
                    before: before.to_owned(),
                    after,
                    rule: rules.join("+"),
                });
            }
            if fixed.is_empty() {
                continue;
            }
            let new: StringArray = strings
                .iter()
                .zip(&fixed)
                .map(|(old, new)| new.as_deref().or(old))
                .collect();
            columns[*i] = Arc::new(new);
        }
        changes.sort_by_key(|c| c.row);
        changes.into_iter().for_each(&mut on_change);
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

/// One key's surviving row so far: its row, its score (numeric, else
/// text) and the rows it beat.
type Group = (u64, Option<f64>, String, Vec<u64>);

/// De-duplication by key, fed the fixed batches in order: it keeps one
/// group per distinct key (so its memory grows with the distinct keys,
/// not with the rows).
struct Dedup {
    keys: Vec<usize>,
    by: Option<usize>,
    keep: Survivorship,
    groups: HashMap<Vec<String>, Group>,
}

impl Dedup {
    fn new(schema: &Schema, key: &[String], keep: &Survivorship) -> Result<Self, DataError> {
        let keys = key
            .iter()
            .map(|k| column_index(schema, k))
            .collect::<Result<_, _>>()?;
        let by = match keep {
            Survivorship::MostRecentBy(c) => Some(column_index(schema, c)?),
            _ => None,
        };
        Ok(Self {
            keys,
            by,
            keep: keep.clone(),
            groups: HashMap::new(),
        })
    }

    fn push(&mut self, batch: &RecordBatch, base: u64) {
        let mut buf = String::new();
        'rows: for r in 0..batch.num_rows() {
            let row = base + r as u64 + 1;
            let mut k = Vec::with_capacity(self.keys.len());
            for &i in &self.keys {
                if !cell_text(batch.column(i), r, &mut buf) {
                    continue 'rows;
                }
                k.push(buf.clone());
            }
            #[allow(clippy::cast_precision_loss)]
            let (score, text) = match (&self.keep, self.by) {
                (Survivorship::First, _) => (Some(-(row as f64)), String::new()),
                (Survivorship::Last, _) => (Some(row as f64), String::new()),
                (Survivorship::MostRecentBy(_), Some(i)) => {
                    let col: &ArrayRef = batch.column(i);
                    let n = cell_number(col, r);
                    let t = if n.is_none() && cell_text(col, r, &mut buf) {
                        buf.clone()
                    } else {
                        String::new()
                    };
                    (n, t)
                }
                _ => {
                    let filled = (0..batch.num_columns())
                        .filter(|&c| {
                            cell_text(batch.column(c), r, &mut buf) && !buf.trim().is_empty()
                        })
                        .count();
                    (Some(filled as f64), String::new())
                }
            };
            match self.groups.get_mut(&k) {
                None => {
                    self.groups.insert(k, (row, score, text, Vec::new()));
                }
                Some(g) => {
                    let better = match (score, g.1) {
                        (Some(a), Some(b)) => a > b,
                        (Some(_), None) => true,
                        (None, Some(_)) => false,
                        (None, None) => text > g.2,
                    };
                    if better {
                        let old = g.0;
                        g.3.push(old);
                        g.0 = row;
                        g.1 = score;
                        g.2 = text;
                    } else {
                        g.3.push(row);
                    }
                }
            }
        }
    }

    fn finish(self) -> Vec<RowRemoval> {
        let rule = match &self.keep {
            Survivorship::First => "keep first".to_owned(),
            Survivorship::Last => "keep last".to_owned(),
            Survivorship::MostRecentBy(c) => format!("keep most recent by {c}"),
            Survivorship::MostComplete => "keep most complete".to_owned(),
        };
        let mut out: Vec<RowRemoval> = self
            .groups
            .into_values()
            .flat_map(|(kept, _, _, beaten)| beaten.into_iter().map(move |row| (row, kept)))
            .map(|(row, kept)| RowRemoval {
                row,
                kept,
                rule: rule.clone(),
            })
            .collect();
        out.sort_by_key(|r| r.row);
        out
    }
}

/// The first pass of a repair over a dataset's batches, in order: it
/// reports every changed cell as it meets it and, at the end, the rows
/// de-duplication removes. Only the de-duplication's groups are kept
/// between batches, so a version of any size can be surveyed.
pub struct Survey {
    fixer: Fixer,
    dedup: Option<Dedup>,
    base: u64,
}

impl Survey {
    /// Checks `plan` against the dataset's `schema`: every named column
    /// must exist, and fixed columns must be text.
    pub fn new(schema: &Schema, plan: &RepairPlan) -> Result<Self, DataError> {
        let dedup = match &plan.dedup {
            Some((key, keep)) => Some(Dedup::new(schema, key, keep)?),
            None => None,
        };
        Ok(Self {
            fixer: Fixer::new(schema, &plan.fixes)?,
            dedup,
            base: 0,
        })
    }

    /// Surveys the next batch; its changed cells go to `on_change` in row
    /// order. De-duplication compares keys after the fixes.
    pub fn push(
        &mut self,
        batch: &RecordBatch,
        on_change: impl FnMut(CellChange),
    ) -> Result<(), DataError> {
        let fixed = self.fixer.fix(batch, self.base, on_change)?;
        if let Some(d) = &mut self.dedup {
            d.push(&fixed, self.base);
        }
        self.base += batch.num_rows() as u64;
        Ok(())
    }

    /// The rows de-duplication removes, in row order.
    pub fn finish(self) -> Vec<RowRemoval> {
        self.dedup.map(Dedup::finish).unwrap_or_default()
    }
}

/// Computes the preview of `plan` over `batches` (the whole dataset, in
/// memory; [`Survey`] does the same batch by batch).
pub fn propose(batches: &[RecordBatch], plan: &RepairPlan) -> Result<Proposal, DataError> {
    let Some(first) = batches.first() else {
        return Ok(Proposal::default());
    };
    let mut survey = Survey::new(&first.schema(), plan)?;
    let mut changes = Vec::new();
    for b in batches {
        survey.push(b, |c| changes.push(c))?;
    }
    Ok(Proposal {
        changes,
        removals: survey.finish(),
    })
}

/// The second pass of a repair: the same batches again, in the same order,
/// come out with the plan's fixes applied and the surveyed removals left
/// out — the cells and rows the preview showed, recomputed rather than
/// kept, so the new version is written in bounded memory.
pub struct Repairer {
    fixer: Fixer,
    /// Rows to leave out, ascending.
    removed: Vec<u64>,
    /// The first entry of `removed` not yet passed.
    next: usize,
    base: u64,
}

impl Repairer {
    /// A repairer for `plan` over a dataset of `schema`, leaving out
    /// `removals` (as [`Survey::finish`] gave them).
    pub fn new(
        schema: &Schema,
        plan: &RepairPlan,
        removals: &[RowRemoval],
    ) -> Result<Self, DataError> {
        let mut removed: Vec<u64> = removals.iter().map(|r| r.row).collect();
        removed.sort_unstable();
        Ok(Self {
            fixer: Fixer::new(schema, &plan.fixes)?,
            removed,
            next: 0,
            base: 0,
        })
    }

    /// The next batch, repaired.
    pub fn repair(&mut self, batch: &RecordBatch) -> Result<RecordBatch, DataError> {
        let fixed = self.fixer.fix(batch, self.base, |_| {})?;
        let end = self.base + batch.num_rows() as u64;
        let upto = self.next + self.removed[self.next..].partition_point(|&r| r <= end);
        let gone = &self.removed[self.next..upto];
        let base = self.base;
        self.base = end;
        self.next = upto;
        if gone.is_empty() {
            return Ok(fixed);
        }
        let mut keep = vec![true; batch.num_rows()];
        for &row in gone {
            if let Some(k) = usize::try_from(row - base - 1)
                .ok()
                .and_then(|i| keep.get_mut(i))
            {
                *k = false;
            }
        }
        Ok(arrow_select::filter::filter_record_batch(
            &fixed,
            &BooleanArray::from(keep),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> RecordBatch {
        let id: ArrayRef = Arc::new(StringArray::from(vec![" a1 ", "A1", "b2", "ｃ３"]));
        let day: ArrayRef = Arc::new(StringArray::from(vec![
            Some("2023/1/5"),
            Some("2023-01-06"),
            None,
            Some("x"),
        ]));
        let phone: ArrayRef = Arc::new(StringArray::from(vec![
            "+86 138-1234-5678",
            "13812345678",
            "12",
            "",
        ]));
        RecordBatch::try_from_iter([("id", id), ("day", day), ("phone", phone)])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn fixes_are_previewed_cell_by_cell() {
        let plan = RepairPlan {
            fixes: vec![
                ("id".into(), Fix::Trim),
                ("id".into(), Fix::HalfWidth),
                ("id".into(), Fix::UpperCase),
                ("day".into(), Fix::IsoDate),
                ("phone".into(), Fix::Phone),
            ],
            dedup: None,
        };
        let p = propose(&[batch()], &plan).unwrap_or_default();
        let cells: Vec<(u64, &str, &str, &str, &str)> = p
            .changes
            .iter()
            .map(|c| {
                (
                    c.row,
                    c.column.as_str(),
                    c.before.as_str(),
                    c.after.as_str(),
                    c.rule.as_str(),
                )
            })
            .collect();
        assert_eq!(
            cells,
            [
                (1, "id", " a1 ", "A1", "trim+upper_case"),
                (1, "day", "2023/1/5", "2023-01-05", "iso_date"),
                (1, "phone", "+86 138-1234-5678", "13812345678", "phone"),
                (3, "id", "b2", "B2", "upper_case"),
                (4, "id", "ｃ３", "C3", "half_width+upper_case"),
            ]
        );
    }

    #[test]
    fn dedup_by_key_after_fixes_with_stated_survivorship() {
        let plan = RepairPlan {
            fixes: vec![("id".into(), Fix::Trim), ("id".into(), Fix::UpperCase)],
            dedup: Some((vec!["id".into()], Survivorship::MostComplete)),
        };
        let p = propose(&[batch()], &plan).unwrap_or_default();
        assert_eq!(
            p.removals,
            [RowRemoval {
                row: 2,
                kept: 1,
                rule: "keep most complete".into()
            }]
        );
        let b = batch();
        let out = Repairer::new(&b.schema(), &plan, &p.removals)
            .and_then(|mut r| r.repair(&b))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.num_rows(), 3);
        assert_eq!(out.column(0).as_string::<i32>().value(0), "A1");

        let last = RepairPlan {
            fixes: plan.fixes.clone(),
            dedup: Some((vec!["id".into()], Survivorship::Last)),
        };
        let p = propose(&[batch()], &last).unwrap_or_default();
        assert_eq!(
            p.removals
                .iter()
                .map(|r| (r.row, r.kept))
                .collect::<Vec<_>>(),
            [(1, 2)]
        );
    }

    /// The same rows split into batches of every size give the same
    /// changes, removals and repaired rows as one batch: the passes carry
    /// row numbers, groups and removals across batch boundaries.
    #[test]
    fn batches_of_any_size_repair_alike() {
        let ids: Vec<String> = (0..40).map(|i| format!(" k{} ", i % 7)).collect();
        let seen: Vec<Option<i64>> = (0..40)
            .map(|i| (i % 5 != 0).then_some((i * 37) % 11))
            .collect();
        let id: ArrayRef = Arc::new(StringArray::from(ids));
        let at: ArrayRef = Arc::new(arrow_array::Int64Array::from(seen));
        let whole =
            RecordBatch::try_from_iter([("id", id), ("at", at)]).unwrap_or_else(|e| panic!("{e}"));
        let plan = RepairPlan {
            fixes: vec![("id".into(), Fix::Trim), ("id".into(), Fix::UpperCase)],
            dedup: Some((vec!["id".into()], Survivorship::MostRecentBy("at".into()))),
        };
        let one = propose(std::slice::from_ref(&whole), &plan).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.changes.len(), 40);
        assert_eq!(one.removals.len(), 33);
        let rows = |batches: &[RecordBatch]| -> Vec<(String, Option<i64>)> {
            let mut r = Repairer::new(&whole.schema(), &plan, &one.removals)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut out = Vec::new();
            for b in batches {
                let b = r.repair(b).unwrap_or_else(|e| panic!("{e}"));
                let (id, at) = (
                    b.column(0).as_string::<i32>(),
                    b.column(1).as_primitive::<arrow_array::types::Int64Type>(),
                );
                for i in 0..b.num_rows() {
                    out.push((id.value(i).to_owned(), at.is_valid(i).then(|| at.value(i))));
                }
            }
            out
        };
        let expected = rows(std::slice::from_ref(&whole));
        assert_eq!(expected.len(), 7);
        for size in [1, 3, 6, 13, 39] {
            let split: Vec<RecordBatch> = (0..40)
                .step_by(size)
                .map(|s| whole.slice(s, size.min(40 - s)))
                .collect();
            assert_eq!(
                propose(&split, &plan).ok().as_ref(),
                Some(&one),
                "batches of {size}"
            );
            assert_eq!(rows(&split), expected, "batches of {size}");
        }
    }
}
