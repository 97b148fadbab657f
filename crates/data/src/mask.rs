//! Masking by role, with Apache Ranger's mask types. The platform decides
//! which policy a reader gets (at the one door sensitive data passes); this
//! module only transforms batches, so the same policy always gives the same
//! output and can be tested without the platform.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::{Array, ArrayRef, Date32Array, RecordBatch, StringArray, new_null_array};
use arrow_schema::{DataType, Field, Schema};
use sha2::{Digest, Sha256};

use crate::DataError;
use crate::cell::{cell_text, civil_from_days, days_from_civil, parse_loose_date};
use crate::quality::cel_value_for_mask;

/// How one column is masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskType {
    /// Ranger MASK: letters become `x`/`X`, digits `n`, Han characters `*`;
    /// the shape stays visible, the value does not.
    Redact,
    /// Ranger MASK_SHOW_FIRST_4: keep the first four characters.
    ShowFirst4,
    /// Ranger MASK_SHOW_LAST_4: keep the last four characters.
    ShowLast4,
    /// Ranger MASK_HASH: SHA-256 of the value, lower-case hex, so equal
    /// values still join.
    Hash,
    /// Ranger MASK_NULL: the cell becomes null.
    Nullify,
    /// Ranger MASK_DATE_SHOW_YEAR: dates keep their year (as 1 January of
    /// it for date columns, as `YYYY` for text).
    YearOnly,
    /// Ranger CUSTOM as a template: `{first:N}`, `{last:N}`, `{len}` and
    /// literal text, e.g. `{first:3}****{last:4}` for a phone number.
    Template(String),
    /// Ranger CUSTOM as a CEL expression over `value` (the cell, as text)
    /// giving the masked text.
    Cel(String),
}

/// Mask types per column; columns not named pass unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaskPolicy {
    /// Column name → mask.
    pub columns: BTreeMap<String, MaskType>,
}

impl MaskPolicy {
    /// Adds one column's mask.
    pub fn with(mut self, column: impl Into<String>, mask: MaskType) -> Self {
        self.columns.insert(column.into(), mask);
        self
    }
}

/// Applies Ranger's redaction to one value.
pub fn redact(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => 'x',
            'A'..='Z' => 'X',
            '0'..='9' => 'n',
            c if c.is_alphabetic() => '*',
            c => c,
        })
        .collect()
}

fn keep_first(s: &str, n: usize) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < n { c } else { mask_char(c) })
        .collect()
}

fn keep_last(s: &str, n: usize) -> String {
    let len = s.chars().count();
    s.chars()
        .enumerate()
        .map(|(i, c)| if i + n >= len { c } else { mask_char(c) })
        .collect()
}

fn mask_char(c: char) -> char {
    match c {
        'a'..='z' => 'x',
        'A'..='Z' => 'X',
        '0'..='9' => 'n',
        _ => '*',
    }
}

/// Lower-case hex SHA-256 of the value's UTF-8 bytes.
pub fn hash_value(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A parsed custom template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    First(usize),
    Last(usize),
    Len,
}

fn parse_template(t: &str) -> Result<Vec<Piece>, DataError> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Piece::Text(rest[..open].to_owned()));
        }
        let close = rest[open..].find('}').ok_or_else(|| {
            DataError::Expression(format!(
                "mask template \"{t}\": a `{{` at character {} is never closed",
                t.len() - rest.len() + open + 1
            ))
        })? + open;
        let inner = &rest[open + 1..close];
        let bad = || {
            DataError::Expression(format!(
                "mask template \"{t}\": unknown placeholder {{{inner}}}; use {{first:N}}, {{last:N}} or {{len}}"
            ))
        };
        out.push(match inner.split_once(':') {
            Some(("first", n)) => Piece::First(n.trim().parse().map_err(|_| bad())?),
            Some(("last", n)) => Piece::Last(n.trim().parse().map_err(|_| bad())?),
            None if inner == "len" => Piece::Len,
            _ => return Err(bad()),
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    Ok(out)
}

fn render(pieces: &[Piece], s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::First(n) => out.extend(chars.iter().take(*n)),
            Piece::Last(n) => out.extend(chars.iter().skip(chars.len().saturating_sub(*n))),
            Piece::Len => out.push_str(&chars.len().to_string()),
        }
    }
    out
}

fn text_column(
    array: &ArrayRef,
    mut f: impl FnMut(&str) -> Result<Option<String>, DataError>,
) -> Result<ArrayRef, DataError> {
    let mut buf = String::new();
    let mut out: Vec<Option<String>> = Vec::with_capacity(array.len());
    for i in 0..array.len() {
        out.push(if cell_text(array, i, &mut buf) {
            f(&buf)?
        } else {
            None
        });
    }
    Ok(Arc::new(StringArray::from(out)))
}

/// Masks one column.
pub fn mask_array(array: &ArrayRef, mask: &MaskType) -> Result<ArrayRef, DataError> {
    match mask {
        MaskType::Redact => text_column(array, |s| Ok(Some(redact(s)))),
        MaskType::ShowFirst4 => text_column(array, |s| Ok(Some(keep_first(s, 4)))),
        MaskType::ShowLast4 => text_column(array, |s| Ok(Some(keep_last(s, 4)))),
        MaskType::Hash => text_column(array, |s| Ok(Some(hash_value(s)))),
        MaskType::Nullify => Ok(new_null_array(array.data_type(), array.len())),
        MaskType::YearOnly => match array.data_type() {
            DataType::Date32 => {
                let dates = array.as_primitive::<Date32Type>();
                let out: Date32Array = dates
                    .iter()
                    .map(|d| d.map(|d| days_from_civil(civil_from_days(d).0, 1, 1)))
                    .collect();
                Ok(Arc::new(out))
            }
            _ => text_column(array, |s| {
                Ok(Some(match parse_loose_date(s) {
                    Some(d) => format!("{:04}", civil_from_days(d).0),
                    None => s.chars().take(4).collect(),
                }))
            }),
        },
        MaskType::Template(t) => {
            let pieces = parse_template(t)?;
            text_column(array, |s| Ok(Some(render(&pieces, s))))
        }
        MaskType::Cel(expr) => {
            let program = cel::Program::compile(expr)
                .map_err(|e| DataError::Expression(format!("mask expression \"{expr}\": {e}")))?;
            text_column(array, |s| cel_value_for_mask(&program, s).map(Some))
        }
    }
}

/// Masks a batch by `policy`. Masked columns become text (except `Nullify`,
/// which keeps the type, and `YearOnly` on dates, which stays a date).
pub fn mask_batch(batch: &RecordBatch, policy: &MaskPolicy) -> Result<RecordBatch, DataError> {
    let schema = batch.schema();
    for name in policy.columns.keys() {
        if schema.index_of(name).is_err() {
            return Err(DataError::UnknownColumn(name.clone()));
        }
    }
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        match policy.columns.get(field.name()) {
            Some(mask) => {
                let masked = mask_array(array, mask)?;
                fields.push(Field::new(field.name(), masked.data_type().clone(), true));
                columns.push(masked);
            }
            None => {
                fields.push(field.as_ref().clone());
                columns.push(array.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(a: &ArrayRef) -> Vec<Option<String>> {
        let s = a.as_string::<i32>();
        s.iter().map(|v| v.map(str::to_owned)).collect()
    }

    #[test]
    fn ranger_mask_types() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![
            Some("13812345678"),
            None,
            Some("Ab张三"),
        ]));
        let m = |t: MaskType| mask_array(&a, &t).map(|r| texts(&r)).unwrap_or_default();
        assert_eq!(
            m(MaskType::Redact),
            [Some("nnnnnnnnnnn".into()), None, Some("Xx**".into())]
        );
        assert_eq!(m(MaskType::ShowFirst4)[0].as_deref(), Some("1381nnnnnnn"));
        assert_eq!(m(MaskType::ShowLast4)[0].as_deref(), Some("nnnnnnn5678"));
        assert_eq!(m(MaskType::ShowLast4)[2].as_deref(), Some("Ab张三"));
        assert_eq!(
            m(MaskType::Hash)[0].as_deref(),
            Some(hash_value("13812345678").as_str())
        );
        assert_eq!(
            hash_value("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            m(MaskType::Template("{first:3}****{last:4}".into()))[0].as_deref(),
            Some("138****5678")
        );
        assert_eq!(
            m(MaskType::Cel("value.size() > 4 ? 'long' : 'short'".into()))[2].as_deref(),
            Some("short")
        );
        assert_eq!(
            mask_array(&a, &MaskType::Nullify)
                .map(|r| r.null_count())
                .ok(),
            Some(3)
        );
        assert!(mask_array(&a, &MaskType::Template("{first:x}".into())).is_err());
    }

    #[test]
    fn year_only_keeps_date_type() {
        let days = crate::cell::parse_iso_date("1990-07-15").unwrap_or_default();
        let a: ArrayRef = Arc::new(Date32Array::from(vec![Some(days), None]));
        let r = mask_array(&a, &MaskType::YearOnly).ok();
        let first = r
            .as_ref()
            .map(|r| crate::cell::format_date(r.as_primitive::<Date32Type>().value(0)));
        assert_eq!(first.as_deref(), Some("1990-01-01"));
        let t: ArrayRef = Arc::new(StringArray::from(vec!["1990/7/15"]));
        assert_eq!(
            mask_array(&t, &MaskType::YearOnly).map(|r| texts(&r)).ok(),
            Some(vec![Some("1990".into())])
        );
    }

    #[test]
    fn mask_batch_rejects_unknown_columns_and_keeps_others() {
        let a: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        let batch = RecordBatch::try_from_iter([("name", a)]).ok();
        let Some(batch) = batch else { return };
        let policy = MaskPolicy::default().with("nope", MaskType::Redact);
        assert!(matches!(
            mask_batch(&batch, &policy),
            Err(DataError::UnknownColumn(_))
        ));
        let same = mask_batch(&batch, &MaskPolicy::default()).ok();
        assert_eq!(same.map(|b| b.num_rows()), Some(1));
    }
}
