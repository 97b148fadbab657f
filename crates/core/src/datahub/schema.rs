//! Editing a dataset's schema: the current version re-read with new column types,
//! stored as a new version with lineage kind `retype`.

use super::data_error;
use super::datasets::{Ingested, UploadReport};
use crate::access::{Action, Resource};
use crate::error::{CoreError, FieldError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use govops_data::ingest::{CsvOptions, CsvReader, Encoding, OnBadRow};
use serde_json::json;

/// The column types a steward may choose when editing a schema.
pub const COLUMN_TYPES: [&str; 6] = ["text", "integer", "decimal", "boolean", "date", "timestamp"];

/// The name of a column type as the schema form shows it.
pub fn type_name(t: &str) -> &'static str {
    match t {
        "Int64" => "integer",
        "Float64" => "decimal",
        "Boolean" => "boolean",
        "Date32" => "date",
        t if t.starts_with("Timestamp") => "timestamp",
        _ => "text",
    }
}

fn arrow_type(name: &str) -> Option<arrow_schema::DataType> {
    use arrow_schema::{DataType, TimeUnit};
    Some(match name {
        "text" => DataType::Utf8,
        "integer" => DataType::Int64,
        "decimal" => DataType::Float64,
        "boolean" => DataType::Boolean,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        _ => return None,
    })
}

/// A CSV field as ingest reads it back: quoted when it holds a delimiter, a
/// quote, a line break, or space at either end.
fn push_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A stored version as CSV text, made batch by batch as it is read, so that
/// re-reading a version of any size with new types holds one batch at a
/// time. Blocking.
struct CsvText<I> {
    batches: I,
    /// The text not yet read: the header, then one batch's rows.
    text: Vec<u8>,
    at: usize,
    cell: String,
}

impl<I> CsvText<I> {
    fn new(schema: &SchemaRef, batches: I) -> Self {
        let mut text = Vec::new();
        for (i, f) in schema.fields().iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            push_field(&mut text, f.name());
        }
        text.push(b'\n');
        Self {
            batches,
            text,
            at: 0,
            cell: String::new(),
        }
    }

    fn push_batch(&mut self, b: &RecordBatch) {
        for r in 0..b.num_rows() {
            for (i, a) in b.columns().iter().enumerate() {
                if i > 0 {
                    self.text.push(b',');
                }
                if govops_data::cell::cell_text(a, r, &mut self.cell) {
                    push_field(&mut self.text, &self.cell);
                }
            }
            self.text.push(b'\n');
        }
    }
}

impl<I> std::io::Read for CsvText<I>
where
    I: Iterator<Item = std::result::Result<RecordBatch, govops_data::DataError>>,
{
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.text.len() {
            self.text.clear();
            self.at = 0;
            match self.batches.next() {
                None => return Ok(0),
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                Some(Ok(b)) => self.push_batch(&b),
            }
        }
        let n = out.len().min(self.text.len() - self.at);
        out[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Platform {
    /// Edits the schema: re-reads the current version with the chosen column types and
    /// stores the result as a new version (lineage kind `retype`). A value that does not
    /// parse as its new type refuses the change, naming its row and column.
    pub async fn retype_columns(
        &self,
        who: &Principal,
        dataset: &str,
        types: Vec<(String, String)>,
    ) -> Result<UploadReport> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )?;
        let (version, sha) = self.version_file(&ds, None).await?;
        let mut problems = Vec::new();
        for (col, t) in &types {
            if arrow_type(t).is_none() {
                problems.push(FieldError {
                    field: format!("type.{col}"),
                    message: format!(
                        "`{t}` is not a column type; choose one of {}.",
                        COLUMN_TYPES.join(", ")
                    ),
                });
            }
        }
        if types.is_empty() {
            problems.push(FieldError {
                field: "types".into(),
                message: "Choose a new type for at least one column.".into(),
            });
        }
        if !problems.is_empty() {
            return Err(CoreError::invalid_fields(
                "datahub.schema.invalid",
                problems,
            ));
        }
        let files = self.datafiles();
        let wanted = types.clone();
        let prepared = self
            .prepare_version(&ds, move || {
                let (schema, batches) = files.open(&sha)?;
                let mut fields = Vec::new();
                for f in schema.fields() {
                    let t = match wanted.iter().find(|(c, _)| c == f.name()) {
                        Some((_, t)) => arrow_type(t).unwrap_or_else(|| f.data_type().clone()),
                        None => f.data_type().clone(),
                    };
                    fields.push(arrow_schema::Field::new(f.name(), t, true));
                }
                if fields
                    .iter()
                    .zip(schema.fields())
                    .all(|(new, old)| new.data_type() == old.data_type())
                {
                    return Err(CoreError::invalid_field(
                        "datahub.schema.unchanged",
                        "types",
                        "Every column already has the type chosen; nothing was changed.",
                    ));
                }
                for (c, _) in &wanted {
                    if schema.index_of(c).is_err() {
                        return Err(CoreError::invalid_field(
                            "datahub.schema.invalid",
                            format!("type.{c}"),
                            format!("`{c}` is not a column of the current version."),
                        ));
                    }
                }
                let options = CsvOptions {
                    on_bad_row: OnBadRow::Refuse,
                    schema: Some(std::sync::Arc::new(arrow_schema::Schema::new(fields))),
                    encoding: Encoding::Utf8,
                    ..CsvOptions::default()
                };
                let text: Box<dyn std::io::Read + Send> = Box::new(CsvText::new(&schema, batches));
                let reader = CsvReader::new(text, options)
                    .map_err(|e| data_error("datahub.upload.unreadable", e))?;
                Ok(Ingested::CsvStream(Box::new(reader)))
            })
            .await?;
        let rules = json!({ "types": types }).to_string();
        self.record_version(
            who.actor(),
            &ds,
            format!("column types changed from version {version}"),
            prepared,
            Some((version, "retype", rules, 0, 0)),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array, StringArray};
    use std::io::Read;
    use std::sync::Arc;

    fn batch(names: &[Option<&str>], n: &[i64]) -> RecordBatch {
        let name: ArrayRef = Arc::new(StringArray::from(names.to_vec()));
        let n: ArrayRef = Arc::new(Int64Array::from(n.to_vec()));
        RecordBatch::try_from_iter([("name, full", name), ("n", n)])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Batches come out as one CSV text, read in pieces of any size: header,
    /// then every row in order, with fields quoted where ingest needs it.
    #[test]
    fn versions_become_csv_text_batch_by_batch() {
        let batches = [
            batch(&[Some("a"), None], &[1, 2]),
            batch(&[], &[]),
            batch(&[Some(" b"), Some("say \"hi\", twice")], &[3, 4]),
        ];
        let schema = batches[0].schema();
        let expected = "\"name, full\",n\na,1\n,2\n\" b\",3\n\"say \"\"hi\"\", twice\",4\n";
        for piece in [1, 3, 64] {
            let mut text = CsvText::new(
                &schema,
                batches.iter().cloned().map(Ok::<_, govops_data::DataError>),
            );
            let mut out = Vec::new();
            let mut buf = vec![0; piece];
            loop {
                let n = text.read(&mut buf).unwrap_or_else(|e| panic!("{e}"));
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(String::from_utf8_lossy(&out), expected, "pieces of {piece}");
        }
    }

    /// A batch that cannot be read ends the text with an error, not early.
    #[test]
    fn a_batch_that_cannot_be_read_is_an_error() {
        let first = batch(&[Some("a")], &[1]);
        let schema = first.schema();
        let items = vec![
            Ok(first),
            Err(govops_data::DataError::Schema("torn file".into())),
        ];
        let mut out = Vec::new();
        let e = CsvText::new(&schema, items.into_iter())
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(e.to_string().contains("torn file"), "{e}");
        assert_eq!(String::from_utf8_lossy(&out), "\"name, full\",n\na,1\n");
    }
}
