//! Datasets and their versions: create, upload (CSV, XLSX, Parquet), retype columns,
//! open or close, and the read models of the catalogue and the dataset page.

use super::files::StoredFile;
use super::masks::{self, ColumnClass};
use super::quality::{self, QualityRunSummary};
use super::{blocking, check_dataset_id, data_error};
use crate::access::{Action, Resource};
use crate::error::{CoreError, FieldError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use govops_data::ingest::{BadRow, CsvOptions, CsvReader, OnBadRow};
use govops_data::profile::{DatasetProfile, Profiler};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::FromRow;
use std::io::Cursor;

/// Update frequencies (DCAT `accrualPeriodicity`, as the EU vocabulary names them).
pub const FREQUENCIES: [&str; 6] = ["DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "ANNUAL", "IRREG"];

/// What a department declares when it creates a dataset.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewDataset {
    /// Stable id, e.g. `population-registry`.
    pub id: String,
    /// The owning department's code.
    pub owner_department: String,
    /// Title in Chinese.
    pub name_zh: String,
    /// Title in English.
    pub name_en: String,
    /// What the data is and how it is collected.
    pub description: String,
    /// One of DAILY, WEEKLY, MONTHLY, QUARTERLY, ANNUAL, IRREG (DCAT accrualPeriodicity).
    pub update_frequency: String,
    /// Keywords (DCAT `keyword`).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Theme (DCAT `theme`), e.g. `SOCI` or `ECON`.
    #[serde(default)]
    pub theme: String,
    /// Licence of open use, e.g. `CC-BY-4.0`.
    #[serde(default)]
    pub license: String,
}

/// A dataset in the catalogue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dataset {
    /// Id.
    pub id: String,
    /// Owning department code.
    pub owner_department: String,
    /// Title in Chinese.
    pub name_zh: String,
    /// Title in English.
    pub name_en: String,
    /// Description.
    pub description: String,
    /// DCAT accrualPeriodicity.
    pub update_frequency: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// DCAT theme.
    pub theme: String,
    /// Licence.
    pub license: String,
    /// Published as open data.
    pub is_open: bool,
    /// Confirmed data level (general / important / core), once the steward confirmed it.
    pub data_level: Option<String>,
    /// The newest version (0 before the first upload).
    pub current_version: i64,
    /// Created, ms since the epoch.
    pub created_ms: i64,
    /// Last changed, ms since the epoch.
    pub updated_ms: i64,
}

#[derive(FromRow)]
struct DatasetRow {
    id: String,
    owner_department: String,
    name_zh: String,
    name_en: String,
    description: String,
    update_frequency: String,
    keywords: String,
    theme: String,
    license: String,
    is_open: i64,
    data_level: Option<String>,
    current_version: i64,
    created_ms: i64,
    updated_ms: i64,
}

impl From<DatasetRow> for Dataset {
    fn from(r: DatasetRow) -> Self {
        Self {
            id: r.id,
            owner_department: r.owner_department,
            name_zh: r.name_zh,
            name_en: r.name_en,
            description: r.description,
            update_frequency: r.update_frequency,
            keywords: r
                .keywords
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect(),
            theme: r.theme,
            license: r.license,
            is_open: r.is_open != 0,
            data_level: r.data_level,
            current_version: r.current_version,
            created_ms: r.created_ms,
            updated_ms: r.updated_ms,
        }
    }
}

const DATASET_COLUMNS: &str = "SELECT id, owner_department, name_zh, name_en, description, \
    update_frequency, keywords, theme, license, is_open, data_level, current_version, \
    created_ms, updated_ms FROM datasets";

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UploadFormat {
    /// CSV, UTF-8 or GB18030.
    Csv,
    /// An Excel workbook (first sheet).
    Xlsx,
    /// Parquet.
    Parquet,
}

impl UploadFormat {
    /// The format a file name's extension names.
    pub fn of_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".txt") {
            Some(Self::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(Self::Xlsx)
        } else if lower.ends_with(".parquet") {
            Some(Self::Parquet)
        } else {
            None
        }
    }
}

/// An upload of a new version.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's format.
    pub format: UploadFormat,
    /// The file's name, for the record.
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Refuse the whole file on a malformed row (else skip and list such rows).
    pub refuse_bad_rows: bool,
}

/// A row that was skipped, with where and why.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BadRowReport {
    /// Data row, 1-based, not counting the header.
    pub row: u64,
    /// Line of the file.
    pub line: u64,
    /// Column position, 1-based, when one field is to blame.
    pub column: Option<usize>,
    /// Column name.
    pub column_name: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl From<&BadRow> for BadRowReport {
    fn from(b: &BadRow) -> Self {
        Self {
            row: b.row,
            line: b.line,
            column: b.column,
            column_name: b.column_name.clone(),
            message: b.to_string(),
        }
    }
}

/// What an upload did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UploadReport {
    /// The new version.
    pub version: i64,
    /// Rows stored.
    pub rows: u64,
    /// Rows skipped, each with row and column.
    pub bad_rows: Vec<BadRowReport>,
    /// The quality run on the new version, when the dataset has a rule set.
    pub quality: Option<QualityRunSummary>,
}

/// One column of a version's profile, with values of masked columns masked.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnSummary {
    /// Name.
    pub name: String,
    /// Arrow type.
    pub data_type: String,
    /// Null cells.
    pub nulls: u64,
    /// Blank text cells.
    pub empty: u64,
    /// Distinct values.
    pub distinct: u64,
    /// Whether `distinct` is exact.
    pub distinct_exact: bool,
    /// Smallest value (masked for personal columns).
    pub min: Option<String>,
    /// Largest value (masked for personal columns).
    pub max: Option<String>,
    /// Mean, for numbers and dates.
    pub mean: Option<f64>,
    /// Standard deviation, for numbers and dates.
    pub stddev: Option<f64>,
    /// Most frequent values (masked for personal columns).
    pub top_values: Vec<(String, u64)>,
    /// Most frequent shapes.
    pub patterns: Vec<(String, u64)>,
    /// Detected semantic type.
    pub semantic: Option<String>,
}

/// A version's profile as stored and shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProfileSummary {
    /// Rows.
    pub rows: u64,
    /// Columns.
    pub columns: Vec<ColumnSummary>,
}

/// A version's repair lineage.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lineage {
    /// The version it was made from.
    pub parent_version: i64,
    /// `repair` or `retype`.
    pub kind: String,
    /// The rules applied, as JSON text.
    pub rules: String,
    /// Cells changed.
    pub changed_cells: i64,
    /// Rows removed.
    pub removed_rows: i64,
    /// Who approved it.
    pub approved_by: String,
}

/// One version of a dataset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Version {
    /// Number, from 1.
    pub version: i64,
    /// SHA-256 of the Parquet file.
    pub file_sha256: String,
    /// File size.
    pub file_bytes: i64,
    /// Rows.
    pub rows: i64,
    /// Columns and their Arrow types.
    pub schema: Vec<(String, String)>,
    /// Where it came from (uploaded file, repair, retype).
    pub source: String,
    /// Rows skipped on upload.
    pub bad_rows: Vec<BadRowReport>,
    /// Who made it.
    pub created_by: String,
    /// When, ms since the epoch.
    pub created_ms: i64,
    /// How it was derived, for repairs and retypes.
    pub lineage: Option<Lineage>,
}

/// Everything the dataset page shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatasetPage {
    /// The dataset.
    pub dataset: Dataset,
    /// Versions, newest first.
    pub versions: Vec<Version>,
    /// Profile of the current version.
    pub profile: ProfileSummary,
    /// Column classes: confirmed where the steward confirmed, else suggested.
    pub classes: Vec<ColumnClass>,
    /// Suggested data level of the current version.
    pub suggested_level: String,
    /// Quality runs of the current version, newest first.
    pub runs: Vec<QualityRunSummary>,
    /// The current rule set (revision, text), if any.
    pub ruleset: Option<(i64, String)>,
    /// Rules suggested from the profile, for the steward to review.
    pub suggested_rules: String,
    /// Grants on this dataset.
    pub grants: Vec<super::Grant>,
}

pub(crate) fn require_text(field: &str, value: &str, what: &str) -> Option<FieldError> {
    value.trim().is_empty().then(|| FieldError {
        field: field.into(),
        message: format!("Enter {what}."),
    })
}

/// A version being read: a stream of batches (an upload, or a stored file), or batches
/// already in memory (repairs).
pub(crate) enum Ingested {
    /// CSV, or XLSX converted to CSV.
    Csv(Box<CsvReader<Cursor<Vec<u8>>>>),
    /// Parquet, row group by row group.
    Parquet(
        SchemaRef,
        Box<dyn Iterator<Item = DataResult<RecordBatch>> + Send>,
    ),
    /// CSV text made as it is read (a schema edit re-reading a stored version).
    CsvStream(Box<CsvReader<Box<dyn std::io::Read + Send>>>),
}

type DataResult<T> = std::result::Result<T, govops_data::DataError>;

impl Ingested {
    pub(crate) fn schema(&self) -> SchemaRef {
        match self {
            Self::Csv(r) => r.schema(),
            Self::CsvStream(r) => r.schema(),
            Self::Parquet(s, _) => s.clone(),
        }
    }

    pub(crate) fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let code = "datahub.upload.bad_row";
        match self {
            Self::Csv(r) => r.next_batch().map_err(|e| data_error(code, e)),
            // A schema edit: the stored value does not fit its new type.
            Self::CsvStream(r) => r.next_batch().map_err(|e| match e {
                govops_data::DataError::BadRow(bad) => CoreError::invalid(
                    "datahub.schema.bad_value",
                    format!(
                        "{bad}. The new type does not fit this value, so no version was made; \
                         repair the value first or keep the column's type."
                    ),
                ),
                e => data_error(code, e),
            }),
            Self::Parquet(_, it) => it.next().transpose().map_err(|e| data_error(code, e)),
        }
    }

    pub(crate) fn bad_rows(&self) -> Vec<BadRow> {
        match self {
            Self::Csv(r) => r.bad_rows().to_vec(),
            Self::CsvStream(r) => r.bad_rows().to_vec(),
            Self::Parquet(..) => Vec::new(),
        }
    }
}

/// Opens an upload as a stream of batches. Blocking.
pub(crate) fn ingest(upload: Upload, schema: Option<SchemaRef>) -> Result<Ingested> {
    let options = CsvOptions {
        on_bad_row: if upload.refuse_bad_rows {
            OnBadRow::Refuse
        } else {
            OnBadRow::Skip
        },
        schema,
        ..CsvOptions::default()
    };
    let code = "datahub.upload.unreadable";
    match upload.format {
        UploadFormat::Csv => Ok(Ingested::Csv(Box::new(
            CsvReader::new(Cursor::new(upload.bytes), options).map_err(|e| data_error(code, e))?,
        ))),
        UploadFormat::Xlsx => Ok(Ingested::Csv(Box::new(
            govops_data::ingest::read_xlsx(Cursor::new(upload.bytes), None, options)
                .map_err(|e| data_error(code, e))?,
        ))),
        UploadFormat::Parquet => {
            let bytes = bytes::Bytes::from(upload.bytes);
            let (schema, reader) =
                govops_data::ingest::read_parquet(bytes, 8192).map_err(|e| data_error(code, e))?;
            Ok(Ingested::Parquet(schema, Box::new(reader)))
        }
    }
}

/// The stored form of a profile: personal columns' values masked by their suggested
/// mask, so no read model can show them.
pub(crate) fn summarize(profile: &DatasetProfile, classes: &[ColumnClass]) -> ProfileSummary {
    let columns = profile
        .columns
        .iter()
        .map(|c| {
            let mask = classes
                .iter()
                .find(|k| k.column == c.name)
                .and_then(|k| masks::mask_from_str(&k.mask).ok().flatten());
            let show = |v: &str| match &mask {
                Some(m) => masks::mask_text(v, m),
                None => v.to_string(),
            };
            ColumnSummary {
                name: c.name.clone(),
                data_type: c.data_type.clone(),
                nulls: c.nulls,
                empty: c.empty,
                distinct: c.distinct,
                distinct_exact: c.distinct_exact,
                min: c.min.as_deref().map(show),
                max: c.max.as_deref().map(show),
                mean: c.numeric.map(|n| n.mean),
                stddev: c.numeric.map(|n| n.stddev),
                top_values: c.top_values.iter().map(|(v, n)| (show(v), *n)).collect(),
                patterns: c.patterns.iter().take(5).cloned().collect(),
                semantic: c.semantic.map(|s| {
                    serde_json::to_value(s.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }),
            }
        })
        .collect();
    ProfileSummary {
        rows: profile.rows,
        columns,
    }
}

/// Rules suggested from a profile; personal columns give no `values` rule, so their
/// values never appear in the text.
pub(crate) fn suggested_rules(profile: &DatasetProfile, classes: &[ColumnClass]) -> String {
    let mut p = profile.clone();
    for c in &mut p.columns {
        if classes
            .iter()
            .any(|k| k.column == c.name && k.sensitivity.is_masked())
        {
            c.distinct_exact = false;
            c.top_values.clear();
        }
    }
    govops_data::quality::suggest_rules(&p)
}

/// What a prepared version carries into the write that records it.
pub(crate) struct Prepared {
    pub stored: StoredFile,
    pub schema_json: String,
    pub bad_rows_json: String,
    pub profile_json: String,
    pub suggested_json: String,
    pub bad_rows: Vec<BadRowReport>,
    pub run: Option<quality::PreparedRun>,
}

impl Platform {
    pub(crate) fn datafiles(&self) -> super::DataFiles {
        match self.inner.datafiles.read() {
            Ok(f) => f.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts dataset files under `dir` instead of the default (beside the SQLite file, or
    /// `govops-data/datasets` for PostgreSQL). Set it at start, before any upload.
    pub fn set_data_dir(&self, dir: impl Into<std::path::PathBuf>) {
        let files = super::DataFiles::new(dir);
        match self.inner.datafiles.write() {
            Ok(mut f) => *f = files,
            Err(poisoned) => *poisoned.into_inner() = files,
        }
    }

    /// One dataset, without an access check (callers check).
    pub(crate) async fn dataset_row(&self, id: &str) -> Result<Dataset> {
        let sql = format!("{DATASET_COLUMNS} WHERE id = $1");
        sqlx::query_as::<_, DatasetRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.store().pool())
            .await?
            .map(Dataset::from)
            .ok_or_else(|| {
                CoreError::not_found(
                    "datahub.dataset.not_found",
                    format!("There is no dataset `{id}`. Check the id in the data catalogue."),
                )
            })
    }

    /// Every dataset, for the data catalogue (staff).
    pub async fn datasets(&self, who: &Principal) -> Result<Vec<Dataset>> {
        self.access()
            .check(Some(who), Action::DataCatalogueRead, Resource::Platform)?;
        self.all_datasets().await
    }

    pub(crate) async fn all_datasets(&self) -> Result<Vec<Dataset>> {
        let sql = format!("{DATASET_COLUMNS} ORDER BY owner_department, id");
        Ok(sqlx::query_as::<_, DatasetRow>(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.store().pool())
            .await?
            .into_iter()
            .map(Dataset::from)
            .collect())
    }

    /// Creates a dataset for a department (its data steward).
    pub async fn create_dataset(&self, who: &Principal, new: NewDataset) -> Result<Dataset> {
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&new.owner_department),
        )?;
        check_dataset_id(&new.id)?;
        let mut problems: Vec<FieldError> = [
            require_text("name_zh", &new.name_zh, "the Chinese title"),
            require_text("name_en", &new.name_en, "the English title"),
            require_text("description", &new.description, "a description"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !FREQUENCIES.contains(&new.update_frequency.as_str()) {
            problems.push(FieldError {
                field: "update_frequency".into(),
                message: format!(
                    "Choose the update frequency from {}.",
                    FREQUENCIES.join(", ")
                ),
            });
        }
        if !problems.is_empty() {
            return Err(CoreError::invalid_fields(
                "datahub.dataset.invalid",
                problems,
            ));
        }
        let actor = who.actor();
        let id = new.id.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = crate::clock::to_ms(tx.now());
                    let keywords = new
                        .keywords
                        .iter()
                        .map(|k| k.trim().replace(',', " "))
                        .filter(|k| !k.is_empty())
                        .collect::<Vec<_>>()
                        .join(",");
                    let n = tx
                        .execute(
                            "INSERT INTO datasets (id, owner_department, name_zh, name_en, \
                             description, update_frequency, keywords, theme, license, is_open, \
                             data_level, current_version, created_by, created_ms, updated_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, 0, $10, $11, $11) \
                             ON CONFLICT (id) DO NOTHING",
                            &[
                                Val::from(&new.id),
                                Val::from(&new.owner_department),
                                Val::from(new.name_zh.trim()),
                                Val::from(new.name_en.trim()),
                                Val::from(new.description.trim()),
                                Val::from(&new.update_frequency),
                                Val::from(keywords),
                                Val::from(&new.theme),
                                Val::from(&new.license),
                                Val::from(&actor),
                                Val::from(now),
                            ],
                        )
                        .await?;
                    if n == 0 {
                        return Err(CoreError::conflict(
                            "datahub.dataset.exists",
                            format!("A dataset `{}` already exists; choose another id.", new.id),
                        )
                        .with_field("id"));
                    }
                    tx.journal(
                        &actor,
                        "datahub.dataset_created",
                        &format!("dataset:{}", new.id),
                        json!({ "owner": new.owner_department, "name_zh": new.name_zh,
                                "name_en": new.name_en, "frequency": new.update_frequency }),
                    )?;
                    Ok(())
                })
            })
            .await?;
        self.dataset_row(&id).await
    }

    /// Uploads a new version: read, profile, classify, check against the rule set, store
    /// as Parquet, then record. A refused file stores nothing.
    pub async fn upload_version(
        &self,
        who: &Principal,
        dataset: &str,
        upload: Upload,
    ) -> Result<UploadReport> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )?;
        let source = format!("upload:{}", upload.file_name);
        let prepared = self
            .prepare_version(&ds, move || ingest(upload, None))
            .await?;
        self.record_version(who.actor(), &ds, source, prepared, None)
            .await
    }

    /// Reads, profiles, checks and stores a version's file (no database write).
    pub(crate) async fn prepare_version(
        &self,
        ds: &Dataset,
        read: impl FnOnce() -> Result<Ingested> + Send + 'static,
    ) -> Result<Prepared> {
        let rules = self.current_ruleset(&ds.id).await?;
        let references = match &rules {
            Some((_, text)) => self.load_references(text).await?,
            None => Default::default(),
        };
        let files = self.datafiles();
        let now = self.now();
        blocking(move || {
            let mut src = read()?;
            let schema = src.schema();
            // The first batch with rows, so an empty file stores nothing.
            let first = loop {
                match src.next_batch()? {
                    Some(b) if b.num_rows() > 0 => break b,
                    Some(_) => {}
                    None => {
                        return Err(CoreError::invalid(
                            "datahub.upload.empty",
                            "The file has a header but no rows that could be read; nothing was stored.",
                        ));
                    }
                }
            };
            let mut profiler = Profiler::new(&schema);
            let mut run = match &rules {
                Some((rev, text)) => Some((
                    *rev,
                    quality::start_run(text, &schema, &references, now).map_err(|mut e| {
                        // The file is to blame here, not the rules the steward saved.
                        for f in &mut e.fields {
                            f.field = "file".into();
                            f.message = format!(
                                "This file does not fit the dataset's rule set (revision {rev}): {}. \
                                 Fix the file, or change the rules first.",
                                f.message
                            );
                        }
                        e.field = Some("file".into());
                        e
                    })?,
                )),
                None => None,
            };
            // One pass: each batch is profiled, checked and written, then dropped; the
            // profiled columns and the rules are spread over the cores.
            let mut failure: Option<CoreError> = None;
            let mut pending = Some(first);
            let stream = std::iter::from_fn(|| match pending.take() {
                Some(b) => Some(Ok(b)),
                None => match src.next_batch() {
                    Ok(b) => b.map(Ok),
                    Err(e) => {
                        failure = Some(e);
                        Some(Err(govops_data::DataError::Io(std::io::Error::other(
                            "the upload stopped",
                        ))))
                    }
                },
            });
            let stored = govops_data::scan::scan(
                govops_data::scan::default_threads(),
                Some(&mut profiler),
                run.as_mut().map(|(_, r)| r),
                stream,
                |batches| files.store_iter(schema.clone(), batches),
            );
            if let Some(e) = failure {
                return Err(e);
            }
            let stored = stored?;
            let profile = profiler.finish();
            let classes = masks::suggest(&profile);
            let summary = summarize(&profile, &classes);
            let run = run.map(|(rev, r)| quality::finish_run(rev, r));
            let ingested = src;
            let schema: Vec<(String, String)> = schema
                .fields()
                .iter()
                .map(|f| (f.name().clone(), f.data_type().to_string()))
                .collect();
            let bad_rows: Vec<BadRowReport> =
                ingested.bad_rows().iter().map(BadRowReport::from).collect();
            let suggested = json!({
                "columns": classes,
                "level": masks::suggest_level(&profile),
                "rules": suggested_rules(&profile, &classes),
            });
            Ok(Prepared {
                stored,
                schema_json: serde_json::to_string(&schema).map_err(CoreError::internal)?,
                bad_rows_json: serde_json::to_string(&bad_rows).map_err(CoreError::internal)?,
                profile_json: serde_json::to_string(&summary).map_err(CoreError::internal)?,
                suggested_json: suggested.to_string(),
                bad_rows,
                run,
            })
        })
        .await
    }

    /// Records a prepared version (and its lineage and quality run) in one write.
    pub(crate) async fn record_version(
        &self,
        actor: String,
        ds: &Dataset,
        source: String,
        p: Prepared,
        lineage: Option<(i64, &'static str, String, i64, i64)>,
    ) -> Result<UploadReport> {
        let dataset = ds.id.clone();
        let owner = ds.owner_department.clone();
        let rows = p.stored.rows;
        let bad_rows = p.bad_rows.clone();
        let (version, quality) = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now();
                    let now_ms = crate::clock::to_ms(now);
                    let (current,): (i64,) = tx
                        .fetch_one(
                            "SELECT current_version FROM datasets WHERE id = $1",
                            &[Val::from(&dataset)],
                        )
                        .await?;
                    let version = current + 1;
                    tx.execute(
                        "INSERT INTO dataset_versions (dataset_id, version, file_sha256, \
                         file_bytes, row_count, schema_json, source, bad_rows_json, \
                         profile_json, suggested_json, created_by, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                        &[
                            Val::from(&dataset),
                            Val::from(version),
                            Val::from(&p.stored.sha256),
                            Val::from(i64::try_from(p.stored.bytes).unwrap_or(i64::MAX)),
                            Val::from(i64::try_from(p.stored.rows).unwrap_or(i64::MAX)),
                            Val::from(&p.schema_json),
                            Val::from(&source),
                            Val::from(&p.bad_rows_json),
                            Val::from(&p.profile_json),
                            Val::from(&p.suggested_json),
                            Val::from(&actor),
                            Val::from(now_ms),
                        ],
                    )
                    .await?;
                    tx.execute(
                        "UPDATE datasets SET current_version = $1, updated_ms = $2 WHERE id = $3",
                        &[Val::from(version), Val::from(now_ms), Val::from(&dataset)],
                    )
                    .await?;
                    if let Some((parent, kind, rules, changed, removed)) = &lineage {
                        tx.execute(
                            "INSERT INTO dataset_lineage (dataset_id, version, parent_version, \
                             kind, rules_json, changed_cells, removed_rows, approved_by, \
                             approved_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            &[
                                Val::from(&dataset),
                                Val::from(version),
                                Val::from(*parent),
                                Val::from(*kind),
                                Val::from(rules),
                                Val::from(*changed),
                                Val::from(*removed),
                                Val::from(&actor),
                                Val::from(now_ms),
                            ],
                        )
                        .await?;
                    }
                    tx.journal(
                        &actor,
                        "datahub.version_added",
                        &format!("dataset:{dataset}"),
                        json!({
                            "version": version,
                            "file_sha256": p.stored.sha256,
                            "rows": p.stored.rows,
                            "bad_rows": p.bad_rows.len(),
                            "source": source,
                            "lineage": lineage.as_ref().map(|(parent, kind, rules, changed, removed)| json!({
                                "parent_version": parent, "kind": kind, "rules": rules,
                                "changed_cells": changed, "removed_rows": removed,
                                "approved_by": actor,
                            })),
                        }),
                    )?;
                    let quality = match p.run {
                        Some(run) => Some(
                            quality::record_run(tx, &actor, &dataset, version, &owner, run)
                                .await?,
                        ),
                        None => None,
                    };
                    Ok((version, quality))
                })
            })
            .await?;
        Ok(UploadReport {
            version,
            rows,
            bad_rows,
            quality,
        })
    }

    /// The versions of a dataset, newest first.
    pub(crate) async fn versions(&self, dataset: &str) -> Result<Vec<Version>> {
        type VersionRow = (i64, String, i64, i64, String, String, String, String, i64);
        let rows: Vec<VersionRow> = self
            .store()
            .fetch_all(
                "SELECT version, file_sha256, file_bytes, row_count, schema_json, source, \
             bad_rows_json, created_by, created_ms FROM dataset_versions \
             WHERE dataset_id = $1 ORDER BY version DESC",
                &[Val::from(dataset)],
            )
            .await?;
        type LineageRow = (i64, i64, String, String, i64, i64, String);
        let lineage: Vec<LineageRow> = self
            .store()
            .fetch_all(
                "SELECT version, parent_version, kind, rules_json, changed_cells, removed_rows, \
             approved_by FROM dataset_lineage WHERE dataset_id = $1",
                &[Val::from(dataset)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Version {
                version: r.0,
                file_sha256: r.1,
                file_bytes: r.2,
                rows: r.3,
                schema: serde_json::from_str(&r.4).unwrap_or_default(),
                source: r.5,
                bad_rows: serde_json::from_str(&r.6).unwrap_or_default(),
                created_by: r.7,
                created_ms: r.8,
                lineage: lineage.iter().find(|l| l.0 == r.0).map(|l| Lineage {
                    parent_version: l.1,
                    kind: l.2.clone(),
                    rules: l.3.clone(),
                    changed_cells: l.4,
                    removed_rows: l.5,
                    approved_by: l.6.clone(),
                }),
            })
            .collect())
    }

    /// The file hash of a version (the current one when `version` is `None`).
    pub(crate) async fn version_file(
        &self,
        ds: &Dataset,
        version: Option<i64>,
    ) -> Result<(i64, String)> {
        let v = version.unwrap_or(ds.current_version);
        let row: Option<(String,)> = self
            .store()
            .fetch_optional(
                "SELECT file_sha256 FROM dataset_versions WHERE dataset_id = $1 AND version = $2",
                &[Val::from(&ds.id), Val::from(v)],
            )
            .await?;
        row.map(|(sha,)| (v, sha)).ok_or_else(|| {
            CoreError::not_found(
                "datahub.version.not_found",
                format!(
                    "Dataset `{}` has no version {v}; upload a file first or pick a listed version.",
                    ds.id
                ),
            )
        })
    }

    /// The stored profile and suggestion of a version.
    pub(crate) async fn version_profile(
        &self,
        dataset: &str,
        version: i64,
    ) -> Result<(ProfileSummary, serde_json::Value)> {
        let row: Option<(String, String)> = self
            .store()
            .fetch_optional(
                "SELECT profile_json, suggested_json FROM dataset_versions \
             WHERE dataset_id = $1 AND version = $2",
                &[Val::from(dataset), Val::from(version)],
            )
            .await?;
        Ok(match row {
            Some((p, s)) => (
                serde_json::from_str(&p).unwrap_or_default(),
                serde_json::from_str(&s).unwrap_or_default(),
            ),
            None => (ProfileSummary::default(), serde_json::Value::Null),
        })
    }

    /// The dataset page (staff): versions, profile, classes, quality runs, rule set and
    /// grants. Values of personal columns are masked throughout.
    pub async fn dataset_page(&self, who: &Principal, dataset: &str) -> Result<DatasetPage> {
        self.access()
            .check(Some(who), Action::DataCatalogueRead, Resource::Platform)?;
        let ds = self.dataset_row(dataset).await?;
        let versions = self.versions(dataset).await?;
        let (mut profile, suggested) = self.version_profile(dataset, ds.current_version).await?;
        let classes = self.column_classes(&ds).await?;
        // The stored profile masked what the suggestion masked; a column the steward
        // has since confirmed as personal is masked here too.
        let stored: Vec<ColumnClass> =
            serde_json::from_value(suggested["columns"].clone()).unwrap_or_default();
        for col in &mut profile.columns {
            let was_masked = stored
                .iter()
                .find(|c| c.column == col.name)
                .is_some_and(|c| c.sensitivity.is_masked());
            let now = classes.iter().find(|c| c.column == col.name);
            if let Some(c) = now
                && c.sensitivity.is_masked()
                && !was_masked
            {
                let m = masks::mask_from_str(&c.mask)
                    .ok()
                    .flatten()
                    .unwrap_or(govops_data::mask::MaskType::Redact);
                let show = |v: &str| masks::mask_text(v, &m);
                col.min = col.min.as_deref().map(show);
                col.max = col.max.as_deref().map(show);
                for (v, _) in &mut col.top_values {
                    *v = show(v);
                }
            }
        }
        let runs = self.quality_runs(dataset, ds.current_version).await?;
        let ruleset = self.current_ruleset(dataset).await?;
        let grants = self.grants_on(dataset).await?;
        Ok(DatasetPage {
            suggested_level: suggested["level"].as_str().unwrap_or("general").to_string(),
            suggested_rules: suggested["rules"].as_str().unwrap_or_default().to_string(),
            dataset: ds,
            versions,
            profile,
            classes,
            runs,
            ruleset,
            grants,
        })
    }

    /// Column classes of the current version: the steward's confirmation where there is
    /// one, else the suggestion.
    pub(crate) async fn column_classes(&self, ds: &Dataset) -> Result<Vec<ColumnClass>> {
        let (_, suggested) = self.version_profile(&ds.id, ds.current_version).await?;
        let mut classes: Vec<ColumnClass> =
            serde_json::from_value(suggested["columns"].clone()).unwrap_or_default();
        let confirmed: Vec<(String, String, String)> = self
            .store()
            .fetch_all(
                "SELECT column_name, sensitivity, mask FROM dataset_columns WHERE dataset_id = $1",
                &[Val::from(&ds.id)],
            )
            .await?;
        for c in &mut classes {
            if let Some((_, level, mask)) = confirmed.iter().find(|k| k.0 == c.column)
                && let Some(level) = masks::Sensitivity::parse(level)
            {
                c.sensitivity = level;
                c.mask = mask.clone();
                c.confirmed = true;
                c.reason = "confirmed by the data steward".into();
            }
        }
        Ok(classes)
    }

    /// The data steward confirms (or changes) the column classes and the data level.
    /// Every column of the current version must be given; journaled.
    pub async fn confirm_classification(
        &self,
        who: &Principal,
        dataset: &str,
        columns: Vec<(String, String, String)>,
        data_level: &str,
    ) -> Result<()> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )?;
        let current = self.column_classes(&ds).await?;
        let mut problems = Vec::new();
        let mut rows = Vec::new();
        for c in &current {
            match columns.iter().find(|k| k.0 == c.column) {
                None => problems.push(FieldError {
                    field: format!("level.{}", c.column),
                    message: format!("Choose a level for column `{}`.", c.column),
                }),
                Some((name, level, mask)) => {
                    let Some(l) = masks::Sensitivity::parse(level) else {
                        problems.push(FieldError {
                            field: format!("level.{name}"),
                            message: format!(
                                "`{level}` is not a level; use public, internal, personal or sensitive_personal."
                            ),
                        });
                        continue;
                    };
                    let mask = if mask.trim().is_empty() {
                        "none"
                    } else {
                        mask.trim()
                    };
                    match masks::mask_from_str(mask) {
                        Err(e) => problems.push(FieldError {
                            field: format!("mask.{name}"),
                            message: e.message,
                        }),
                        Ok(None) if l.is_masked() => problems.push(FieldError {
                            field: format!("mask.{name}"),
                            message: format!(
                                "Column `{name}` is {}; choose a mask for it (for example redact or hash).",
                                l.as_str()
                            ),
                        }),
                        Ok(_) => rows.push((name.clone(), l.as_str(), mask.to_string())),
                    }
                }
            }
        }
        if let Some((name, _, _)) = columns
            .iter()
            .find(|k| !current.iter().any(|c| c.column == k.0))
        {
            problems.push(FieldError {
                field: format!("level.{name}"),
                message: format!("`{name}` is not a column of the current version."),
            });
        }
        if !["general", "important", "core"].contains(&data_level) {
            problems.push(FieldError {
                field: "data_level".into(),
                message: "Choose the data level: general (一般), important (重要) or core (核心)."
                    .into(),
            });
        }
        if !problems.is_empty() {
            return Err(CoreError::invalid_fields(
                "datahub.classification.invalid",
                problems,
            ));
        }
        let actor = who.actor();
        let dataset = dataset.to_string();
        let level = data_level.to_string();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = crate::clock::to_ms(tx.now());
                    for (name, l, mask) in &rows {
                        tx.execute(
                            "INSERT INTO dataset_columns (dataset_id, column_name, sensitivity, \
                             mask, confirmed_by, confirmed_ms) VALUES ($1, $2, $3, $4, $5, $6) \
                             ON CONFLICT (dataset_id, column_name) DO UPDATE SET \
                             sensitivity = excluded.sensitivity, mask = excluded.mask, \
                             confirmed_by = excluded.confirmed_by, confirmed_ms = excluded.confirmed_ms",
                            &[
                                Val::from(&dataset),
                                Val::from(name),
                                Val::from(*l),
                                Val::from(mask),
                                Val::from(&actor),
                                Val::from(now),
                            ],
                        )
                        .await?;
                    }
                    tx.execute(
                        "UPDATE datasets SET data_level = $1, updated_ms = $2 WHERE id = $3",
                        &[Val::from(&level), Val::from(now), Val::from(&dataset)],
                    )
                    .await?;
                    tx.journal(
                        &actor,
                        "datahub.classification_confirmed",
                        &format!("dataset:{dataset}"),
                        json!({ "data_level": level, "columns": rows.iter()
                            .map(|(n, l, m)| json!({"column": n, "sensitivity": l, "mask": m}))
                            .collect::<Vec<_>>() }),
                    )?;
                    Ok(())
                })
            })
            .await
    }

    /// Succeeds if `who` may manage the dataset (its owner's data steward).
    pub async fn check_manage_dataset(&self, who: &Principal, dataset: &str) -> Result<()> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )
    }

    /// Opens a dataset to the public (CKAN API, DCAT catalogue, downloads) or closes it.
    /// Only columns at most `internal` are ever published.
    pub async fn set_dataset_open(&self, who: &Principal, dataset: &str, open: bool) -> Result<()> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )?;
        if open && ds.current_version == 0 {
            return Err(CoreError::invalid(
                "datahub.open.no_version",
                "Upload a version before opening the dataset.",
            ));
        }
        let actor = who.actor();
        let dataset = dataset.to_string();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = crate::clock::to_ms(tx.now());
                    tx.execute(
                        "UPDATE datasets SET is_open = $1, updated_ms = $2 WHERE id = $3",
                        &[
                            Val::from(i64::from(open)),
                            Val::from(now),
                            Val::from(&dataset),
                        ],
                    )
                    .await?;
                    tx.journal(
                        &actor,
                        if open {
                            "datahub.dataset_opened"
                        } else {
                            "datahub.dataset_closed"
                        },
                        &format!("dataset:{dataset}"),
                        json!({}),
                    )?;
                    Ok(())
                })
            })
            .await
    }
}
