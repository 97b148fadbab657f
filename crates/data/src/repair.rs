//! Repair proposals: fixes are computed as a preview of changed cells and
//! removed rows, each with the rule that caused it, and only applied when
//! the steward accepts the preview. Applying gives new batches; the original
//! batches are never touched, so the platform keeps the old version.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::DataType;
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

fn column_index(batch: &RecordBatch, name: &str) -> Result<usize, DataError> {
    batch
        .schema()
        .index_of(name)
        .map_err(|_| DataError::UnknownColumn(name.to_owned()))
}

/// Computes the preview of `plan` over `batches` (the whole dataset: de-duplication needs every row).
pub fn propose(batches: &[RecordBatch], plan: &RepairPlan) -> Result<Proposal, DataError> {
    let mut proposal = Proposal::default();
    let mut fixed: HashMap<(u64, usize), String> = HashMap::new();
    let mut base = 0u64;
    for batch in batches {
        let mut by_column: Vec<(usize, Vec<Fix>)> = Vec::new();
        for (name, fix) in &plan.fixes {
            let i = column_index(batch, name)?;
            if batch.column(i).data_type() != &DataType::Utf8 {
                return Err(DataError::Schema(format!(
                    "column \"{name}\" is not text; fixes apply to text columns"
                )));
            }
            match by_column.iter_mut().find(|(c, _)| *c == i) {
                Some((_, list)) => list.push(*fix),
                None => by_column.push((i, vec![*fix])),
            }
        }
        for (i, fixes) in &by_column {
            let strings = batch.column(*i).as_string::<i32>();
            for (r, v) in strings.iter().enumerate() {
                let Some(before) = v else { continue };
                let mut current = before.to_owned();
                let mut rules = Vec::new();
                for f in fixes {
                    if let Some(after) = f.apply(&current) {
                        current = after;
                        rules.push(f.name());
                    }
                }
                if !rules.is_empty() {
                    let row = base + r as u64 + 1;
                    fixed.insert((row, *i), current.clone());
                    let column = batch.schema().field(*i).name().clone();
                    proposal.changes.push(CellChange {
                        row,
                        column,
                        before: before.to_owned(),
                        after: current,
                        rule: rules.join("+"),
                    });
                }
            }
        }
        base += batch.num_rows() as u64;
    }
    proposal.changes.sort_by_key(|c| c.row);
    if let Some((key, keep)) = &plan.dedup {
        proposal.removals = dedup(batches, key, keep, &fixed)?;
    }
    Ok(proposal)
}

fn dedup(
    batches: &[RecordBatch],
    key: &[String],
    keep: &Survivorship,
    fixed: &HashMap<(u64, usize), String>,
) -> Result<Vec<RowRemoval>, DataError> {
    // Per key: the surviving row, its score (numeric, else text), and the rows it beat.
    type Group = (u64, Option<f64>, String, Vec<u64>);
    let mut groups: HashMap<Vec<String>, Group> = HashMap::new();
    let mut buf = String::new();
    let mut base = 0u64;
    for batch in batches {
        let key_idx: Vec<usize> = key
            .iter()
            .map(|k| column_index(batch, k))
            .collect::<Result<_, _>>()?;
        let by = match keep {
            Survivorship::MostRecentBy(c) => Some(column_index(batch, c)?),
            _ => None,
        };
        'rows: for r in 0..batch.num_rows() {
            let row = base + r as u64 + 1;
            let mut k = Vec::with_capacity(key_idx.len());
            for &i in &key_idx {
                match fixed.get(&(row, i)) {
                    Some(v) => k.push(v.clone()),
                    None if cell_text(batch.column(i), r, &mut buf) => k.push(buf.clone()),
                    None => continue 'rows,
                }
            }
            #[allow(clippy::cast_precision_loss)]
            let (score, text) = match (keep, by) {
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
            match groups.get_mut(&k) {
                None => {
                    groups.insert(k, (row, score, text, Vec::new()));
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
        base += batch.num_rows() as u64;
    }
    let rule = match keep {
        Survivorship::First => "keep first".to_owned(),
        Survivorship::Last => "keep last".to_owned(),
        Survivorship::MostRecentBy(c) => format!("keep most recent by {c}"),
        Survivorship::MostComplete => "keep most complete".to_owned(),
    };
    let mut out: Vec<RowRemoval> = groups
        .into_values()
        .flat_map(|(kept, _, _, beaten)| beaten.into_iter().map(move |row| (row, kept)))
        .map(|(row, kept)| RowRemoval {
            row,
            kept,
            rule: rule.clone(),
        })
        .collect();
    out.sort_by_key(|r| r.row);
    Ok(out)
}

/// Applies an accepted proposal, giving new batches (same schema, changed
/// cells replaced, removed rows left out).
pub fn apply(batches: &[RecordBatch], proposal: &Proposal) -> Result<Vec<RecordBatch>, DataError> {
    let mut changes: HashMap<(u64, &str), &str> = HashMap::new();
    for c in &proposal.changes {
        changes.insert((c.row, c.column.as_str()), c.after.as_str());
    }
    let removed: std::collections::HashSet<u64> = proposal.removals.iter().map(|r| r.row).collect();
    let mut out = Vec::with_capacity(batches.len());
    let mut base = 0u64;
    for batch in batches {
        let schema = batch.schema();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
        for (field, array) in schema.fields().iter().zip(batch.columns()) {
            let touched = (0..batch.num_rows())
                .any(|r| changes.contains_key(&(base + r as u64 + 1, field.name().as_str())));
            if !touched || array.data_type() != &DataType::Utf8 {
                columns.push(array.clone());
                continue;
            }
            let strings = array.as_string::<i32>();
            let new: StringArray = (0..batch.num_rows())
                .map(
                    |r| match changes.get(&(base + r as u64 + 1, field.name().as_str())) {
                        Some(after) => Some((*after).to_owned()),
                        None => strings.is_valid(r).then(|| strings.value(r).to_owned()),
                    },
                )
                .collect();
            columns.push(Arc::new(new));
        }
        let keep: BooleanArray = (0..batch.num_rows())
            .map(|r| Some(!removed.contains(&(base + r as u64 + 1))))
            .collect();
        let rebuilt = RecordBatch::try_new(schema, columns)?;
        out.push(arrow_select::filter::filter_record_batch(&rebuilt, &keep)?);
        base += batch.num_rows() as u64;
    }
    Ok(out)
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
        let out = apply(&[batch()], &p).unwrap_or_default();
        assert_eq!(out[0].num_rows(), 3);
        assert_eq!(out[0].column(0).as_string::<i32>().value(0), "A1");

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
}
