//! Editing a dataset's schema: the current version re-read with new column types,
//! stored as a new version with lineage kind `retype`.

use super::datasets::{Upload, UploadFormat, UploadReport, ingest};
use crate::access::{Action, Resource};
use crate::error::{CoreError, FieldError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
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

/// Writes batches as CSV text (each cell in the form ingest reads back). Blocking.
fn batches_to_csv(schema: &SchemaRef, batches: &[RecordBatch]) -> Vec<u8> {
    fn field(out: &mut String, s: &str) {
        if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(s);
        }
    }
    let mut out = String::new();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, n);
    }
    out.push('\n');
    let mut buf = String::new();
    for b in batches {
        for r in 0..b.num_rows() {
            for (i, a) in b.columns().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if govops_data::cell::cell_text(a, r, &mut buf) {
                    field(&mut out, &buf);
                }
            }
            out.push('\n');
        }
    }
    out.into_bytes()
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
                let (schema, batches) = files.read(&sha)?;
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
                let upload = Upload {
                    format: UploadFormat::Csv,
                    file_name: String::new(),
                    bytes: batches_to_csv(&schema, &batches),
                    refuse_bad_rows: true,
                };
                ingest(
                    upload,
                    Some(std::sync::Arc::new(arrow_schema::Schema::new(fields))),
                )
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
