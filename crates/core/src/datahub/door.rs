//! The masking door: the one function through which dataset rows leave the platform.
//!
//! [`Platform::read_rows`] decides, for the caller and the basis they read on, which
//! columns and rows they get and which masks apply:
//!
//! - **steward** — the owning department's data steward: every column, personal columns
//!   masked; never unmasked (an unmasked read needs a grant, even for the owner);
//! - **grant** — a member of the grantee department under an approved, unexpired grant:
//!   the grant's columns and row filter, masked unless the grant allows unmasked reads
//!   *and* the caller asks for them; a purpose is required;
//! - **open** — anyone, for a dataset marked open: only public and internal columns.
//!
//! Every steward and grant read is journaled (who, basis, grant, purpose, columns, row
//! count, masked or not) in the same write that counts the grant's use.

use super::grants::{Grant, GrantStatus, RowFilter};
use super::masks::{ColumnClass, Sensitivity, mask_from_str};
use super::{Dataset, blocking};
use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use crate::store::Val;
use govops_data::cell::cell_text;
use govops_data::mask::{MaskPolicy, MaskType, mask_batch};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// On what basis rows are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "grant")]
pub enum ReadBasis {
    /// As the owning department's data steward.
    Steward,
    /// Under the grant with this id.
    Grant(String),
    /// As open data (anyone).
    Open,
}

/// Which rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowSelection {
    /// Every row (downloads).
    All,
    /// A page of the matching rows.
    Page {
        /// Matching rows to skip.
        offset: u64,
        /// Rows to return, at most 1000.
        limit: u64,
    },
    /// These 1-based row numbers (failing-row samples).
    Rows(Vec<u64>),
    /// Rows whose `column` equals `value` (look-ups, pre-fill).
    KeyEquals {
        /// Key column; it must be readable unmasked by the caller.
        column: String,
        /// Key value.
        value: String,
    },
}

/// A read of dataset rows.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// Dataset id.
    pub dataset: String,
    /// Version; the current one when `None`.
    pub version: Option<i64>,
    /// Basis.
    pub basis: ReadBasis,
    /// Why the rows are read (required for grant reads and unmasked reads).
    pub purpose: String,
    /// Columns wanted; every column the basis allows when `None`.
    pub columns: Option<Vec<String>>,
    /// Rows wanted.
    pub rows: RowSelection,
    /// Ask for unmasked values (needs a grant that allows it).
    pub unmasked: bool,
}

/// Rows as the caller may see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowsRead {
    /// Dataset id.
    pub dataset: String,
    /// Version read.
    pub version: i64,
    /// Column names.
    pub columns: Vec<String>,
    /// The mask applied to each column (`none` when shown as stored).
    pub masks: Vec<String>,
    /// (1-based row number, cells) per row.
    pub rows: Vec<(u64, Vec<Option<String>>)>,
    /// Rows that matched the filter and selection before paging.
    pub matched: u64,
    /// Whether any column was shown unmasked although its level is masked.
    pub unmasked: bool,
    /// The grant used, if any.
    pub grant: Option<String>,
}

/// Largest page.
pub const MAX_PAGE: u64 = 1000;

/// What the basis allows: columns with their masks, and a row filter.
struct Allowance {
    columns: Vec<(String, Option<MaskType>, bool)>,
    filter: Option<RowFilter>,
    grant: Option<Grant>,
}

fn forbidden(msg: impl Into<String>) -> CoreError {
    CoreError::forbidden(msg)
}

fn mask_of(class: Option<&ColumnClass>) -> (Option<MaskType>, bool) {
    // A column without a class (an older version's column) is treated as sensitive.
    match class {
        Some(c) if !c.sensitivity.is_masked() => (None, false),
        Some(c) => (
            mask_from_str(&c.mask)
                .ok()
                .flatten()
                .or(Some(MaskType::Redact)),
            true,
        ),
        None => (Some(MaskType::Redact), true),
    }
}

impl Platform {
    /// THE door: reads dataset rows for `who` (None = anonymous) with their columns, row
    /// filter and masks applied. See the module documentation for the rules.
    pub async fn read_rows(&self, who: Option<&Principal>, req: ReadRequest) -> Result<RowsRead> {
        self.read_rows_as(who, req, None).await
    }

    /// [`Self::read_rows`], with `on_behalf_of` naming the department a grant read is made
    /// for when the caller is not one of its members: the platform pre-filling an
    /// applicant's form under the department's grant. Only the pre-fill path passes it,
    /// with the applicant's own identity as the key; the journal entry names the
    /// department.
    async fn read_rows_as(
        &self,
        who: Option<&Principal>,
        req: ReadRequest,
        on_behalf_of: Option<&str>,
    ) -> Result<RowsRead> {
        let ds = self.dataset_row(&req.dataset).await?;
        if ds.current_version == 0 {
            return Err(CoreError::not_found(
                "datahub.version.not_found",
                format!("Dataset `{}` has no version yet.", ds.id),
            ));
        }
        let classes = self.column_classes(&ds).await?;
        let (version, sha) = self.version_file(&ds, req.version).await?;
        let schema_cols: Vec<String> = self
            .versions(&ds.id)
            .await?
            .into_iter()
            .find(|v| v.version == version)
            .map(|v| v.schema.into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        let allowance = self
            .allowance(who, &ds, &req, &classes, &schema_cols, on_behalf_of)
            .await?;

        // The requested columns must be within the allowance.
        let wanted: Vec<(String, Option<MaskType>, bool)> = match &req.columns {
            None => allowance.columns.clone(),
            Some(list) => {
                let mut out = Vec::new();
                for c in list {
                    match allowance.columns.iter().find(|a| &a.0 == c) {
                        Some(a) => out.push(a.clone()),
                        None if schema_cols.contains(c) => {
                            return Err(forbidden(format!(
                                "Column `{c}` is not among the columns you may read on this basis."
                            )));
                        }
                        None => {
                            return Err(CoreError::invalid_field(
                                "datahub.column.unknown",
                                "columns",
                                format!("Column `{c}` is not in dataset `{}`.", ds.id),
                            ));
                        }
                    }
                }
                out
            }
        };
        if let RowSelection::KeyEquals { column, .. } = &req.rows {
            match allowance.columns.iter().find(|a| &a.0 == column) {
                Some((_, None, _)) => {}
                _ => {
                    return Err(forbidden(format!(
                        "Look-ups by `{column}` need that column readable unmasked on your basis."
                    )));
                }
            }
        }
        if let RowSelection::Page { limit, .. } = &req.rows
            && *limit > MAX_PAGE
        {
            return Err(CoreError::invalid_field(
                "datahub.read.limit",
                "limit",
                format!("Ask for at most {MAX_PAGE} rows at a time."),
            ));
        }
        let unmasked = wanted
            .iter()
            .any(|(_, m, sensitive)| *sensitive && m.is_none());

        let files = self.datafiles();
        let filter = allowance.filter.clone();
        let selection = req.rows.clone();
        let wanted_cols = wanted.clone();
        let (rows, matched) = blocking(move || {
            let (_, batches) = files.open(&sha)?;
            select_rows(batches, &wanted_cols, filter.as_ref(), &selection)
        })
        .await?;

        let out = RowsRead {
            dataset: ds.id.clone(),
            version,
            columns: wanted.iter().map(|w| w.0.clone()).collect(),
            masks: wanted
                .iter()
                .map(|w| {
                    w.1.as_ref()
                        .map_or_else(|| "none".to_string(), super::mask_to_str)
                })
                .collect(),
            rows,
            matched,
            unmasked,
            grant: allowance.grant.as_ref().map(|g| g.id.clone()),
        };
        if req.basis != ReadBasis::Open
            && let Some(p) = who
        {
            self.journal_read(p, &req, &out, on_behalf_of).await?;
        }
        Ok(out)
    }

    async fn allowance(
        &self,
        who: Option<&Principal>,
        ds: &Dataset,
        req: &ReadRequest,
        classes: &[ColumnClass],
        schema_cols: &[String],
        on_behalf_of: Option<&str>,
    ) -> Result<Allowance> {
        let class = |c: &str| classes.iter().find(|k| k.column == c);
        match &req.basis {
            ReadBasis::Open => {
                self.access()
                    .check(who, Action::DataOpenRead, Resource::Platform)?;
                if !ds.is_open || req.unmasked {
                    return Err(CoreError::not_found(
                        "datahub.open.not_found",
                        format!("There is no open dataset `{}`.", ds.id),
                    ));
                }
                let columns = schema_cols
                    .iter()
                    .filter(|c| class(c).is_some_and(|k| k.sensitivity <= Sensitivity::Internal))
                    .map(|c| (c.clone(), None, false))
                    .collect();
                Ok(Allowance {
                    columns,
                    filter: None,
                    grant: None,
                })
            }
            ReadBasis::Steward => {
                self.access().check(
                    who,
                    Action::DataManage,
                    Resource::Department(&ds.owner_department),
                )?;
                if req.unmasked {
                    return Err(forbidden(
                        "Unmasked reads need an approved grant that allows them and a stated \
                         purpose, even for the owning department. Request a grant.",
                    ));
                }
                let columns = schema_cols
                    .iter()
                    .map(|c| {
                        let (m, s) = mask_of(class(c));
                        (c.clone(), m, s)
                    })
                    .collect();
                Ok(Allowance {
                    columns,
                    filter: None,
                    grant: None,
                })
            }
            ReadBasis::Grant(id) => {
                let grant = self.grant_row(id).await?;
                match on_behalf_of {
                    None => self.access().check(
                        who,
                        Action::DataGrantUse,
                        Resource::Department(&grant.grantee_department),
                    )?,
                    Some(department) if department == grant.grantee_department => {}
                    Some(department) => {
                        return Err(forbidden(format!(
                            "Grant {id} is held by `{}`, not by `{department}`.",
                            grant.grantee_department
                        )));
                    }
                }
                let now = crate::clock::to_ms(self.now());
                if grant.dataset != ds.id {
                    return Err(forbidden(format!(
                        "Grant {id} is for dataset `{}`, not `{}`.",
                        grant.dataset, ds.id
                    )));
                }
                if grant.status != GrantStatus::Approved {
                    return Err(forbidden(format!(
                        "Grant {id} is {}, not approved.",
                        grant.status.as_str()
                    )));
                }
                if now < grant.valid_from_ms || now >= grant.valid_until_ms {
                    return Err(forbidden(format!(
                        "Grant {id} is not in force now (it runs from {} to {}); request a new one.",
                        crate::clock::rfc3339(crate::clock::from_ms(grant.valid_from_ms)),
                        crate::clock::rfc3339(crate::clock::from_ms(grant.valid_until_ms))
                    )));
                }
                if req.purpose.trim().is_empty() {
                    return Err(CoreError::invalid_field(
                        "datahub.read.purpose",
                        "purpose",
                        "State the purpose of this read; it is recorded in the journal.",
                    ));
                }
                if req.unmasked && !grant.unmasked {
                    return Err(forbidden(format!(
                        "Grant {id} allows masked reads only; request a grant for unmasked \
                         access with its purpose."
                    )));
                }
                let columns = grant
                    .columns
                    .iter()
                    .filter(|c| schema_cols.contains(c))
                    .map(|c| {
                        let (m, s) = mask_of(class(c));
                        let m = if req.unmasked { None } else { m };
                        (c.clone(), m, s)
                    })
                    .collect();
                Ok(Allowance {
                    columns,
                    filter: grant.row_filter.clone(),
                    grant: Some(grant),
                })
            }
        }
    }

    async fn journal_read(
        &self,
        who: &Principal,
        req: &ReadRequest,
        out: &RowsRead,
        on_behalf_of: Option<&str>,
    ) -> Result<()> {
        let actor = who.actor();
        let dataset = out.dataset.clone();
        let grant = out.grant.clone();
        let body = json!({
            "on_behalf_of": on_behalf_of,
            "basis": match &req.basis { ReadBasis::Steward => "steward", ReadBasis::Grant(_) => "grant", ReadBasis::Open => "open" },
            "grant": grant,
            "purpose": req.purpose,
            "version": out.version,
            "columns": out.columns,
            "rows": out.rows.len(),
            "unmasked": out.unmasked,
        });
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(g) = &grant {
                        tx.execute(
                            "UPDATE data_grants SET uses = uses + 1, last_used_ms = $1 WHERE id = $2",
                            &[Val::from(crate::clock::to_ms(tx.now())), Val::from(g)],
                        )
                        .await?;
                    }
                    tx.journal(&actor, "datahub.rows_read", &format!("dataset:{dataset}"), body)?;
                    Ok(())
                })
            })
            .await
    }
}

/// A row as read: its 1-based number and its cells as text.
type Row = (u64, Vec<Option<String>>);

/// Filters, selects, masks and renders rows. Blocking. The stored batches are read one at
/// a time, so a version of any size is read in bounded memory.
fn select_rows(
    batches: impl Iterator<Item = std::result::Result<arrow_array::RecordBatch, govops_data::DataError>>,
    wanted: &[(String, Option<MaskType>, bool)],
    filter: Option<&RowFilter>,
    selection: &RowSelection,
) -> Result<(Vec<Row>, u64)> {
    let mut out = Vec::new();
    let mut matched = 0u64;
    let mut base = 0u64;
    let mut buf = String::new();
    let policy = MaskPolicy {
        columns: wanted
            .iter()
            .filter_map(|(c, m, _)| m.clone().map(|m| (c.clone(), m)))
            .collect(),
    };
    for batch in batches {
        let batch = batch.map_err(|e| super::data_error("datahub.read", e))?;
        let schema = batch.schema();
        let index = |name: &str| {
            schema.index_of(name).map_err(|_| {
                CoreError::internal(format!("column {name} missing from the stored file"))
            })
        };
        let filter_col = filter.map(|f| index(&f.column)).transpose()?;
        let key_col = match selection {
            RowSelection::KeyEquals { column, .. } => Some(index(column)?),
            _ => None,
        };
        let projected: Vec<usize> = wanted
            .iter()
            .map(|(c, _, _)| index(c))
            .collect::<Result<_>>()?;
        let projected = batch
            .project(&projected)
            .map_err(|e| CoreError::internal(format!("project: {e}")))?;
        let masked =
            mask_batch(&projected, &policy).map_err(|e| super::data_error("datahub.mask", e))?;
        for r in 0..batch.num_rows() {
            let row_no = base + r as u64 + 1;
            if let (Some(f), Some(i)) = (filter, filter_col) {
                let present = cell_text(batch.column(i), r, &mut buf);
                if !present || !f.values.iter().any(|v| v == &buf) {
                    continue;
                }
            }
            let selected = match selection {
                RowSelection::All | RowSelection::Page { .. } => true,
                RowSelection::Rows(list) => list.contains(&row_no),
                RowSelection::KeyEquals { value, .. } => key_col
                    .is_some_and(|i| cell_text(batch.column(i), r, &mut buf) && buf == *value),
            };
            if !selected {
                continue;
            }
            matched += 1;
            if let RowSelection::Page { offset, limit } = selection
                && (matched <= *offset || matched > offset + limit)
            {
                continue;
            }
            let cells = masked
                .columns()
                .iter()
                .map(|a| cell_text(a, r, &mut buf).then(|| buf.clone()))
                .collect();
            out.push((row_no, cells));
        }
        base += batch.num_rows() as u64;
    }
    Ok((out, matched))
}

/// Renders rows as CSV (RFC 4180, UTF-8, header first).
pub fn rows_to_csv(read: &RowsRead) -> String {
    fn field(out: &mut String, s: &str) {
        if s.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(s);
        }
    }
    let mut out = String::new();
    for (i, c) in read.columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, c);
    }
    out.push_str("\r\n");
    for (_, cells) in &read.rows {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, c.as_deref().unwrap_or(""));
        }
        out.push_str("\r\n");
    }
    out
}

impl Platform {
    /// The value of `column` in the row whose `key_column` equals `key`, for pre-filling
    /// a form: read through the door under a grant the caller's department holds that
    /// covers both columns (masked unless the grant allows unmasked reads). `None` when
    /// no row matches; Forbidden when no grant in force covers the read.
    pub async fn prefill_value(
        &self,
        caller: &Principal,
        dataset: &str,
        column: &str,
        key_column: &str,
        key: &str,
    ) -> Result<Option<String>> {
        // Among the grants that cover the read, one allowing unmasked reads first: a
        // look-up by a masked key column is refused.
        let mut grants = self.grants_on(dataset).await?;
        grants.sort_by_key(|g| !g.unmasked);
        let grant = grants
            .into_iter()
            .find(|g| {
                grant_serves(g, column, key_column)
                    && self
                        .access()
                        .allows(
                            Some(caller),
                            Action::DataGrantUse,
                            Resource::Department(&g.grantee_department),
                        )
                        .unwrap_or(false)
            })
            .ok_or_else(|| {
                forbidden(format!(
                    "No grant in force lets your department read `{column}` of `{dataset}` by \
                     `{key_column}`; request one from the owning department."
                ))
            })?;
        let read = self
            .read_rows(
                Some(caller),
                key_read(
                    &grant,
                    dataset,
                    column,
                    (key_column, key),
                    format!("pre-fill a form field from {dataset}.{column}"),
                ),
            )
            .await?;
        Ok(first_cell(read))
    }

    /// Pre-fills an applicant's form field from `dataset.column`: the row whose
    /// `key_column` equals the applicant's own identity (`key`, which the caller derives
    /// from the signed-in applicant, never from input), read under a grant that
    /// `department` — the department whose service asks for the field — holds on the
    /// dataset for both columns. `None`, and nothing read, when the department holds no
    /// such grant in force, no row matches, or the value would be masked: the applicant
    /// then types it. Each read is journaled with the applicant as actor and the
    /// department it was made for.
    pub(crate) async fn prefill_for_applicant(
        &self,
        applicant: &Principal,
        department: &str,
        service: &str,
        dataset: &str,
        column: &str,
        key: (&str, &str),
    ) -> Result<Option<String>> {
        let (key_column, key) = key;
        let grant =
            self.grants_on(dataset).await?.into_iter().find(|g| {
                g.grantee_department == department && grant_serves(g, column, key_column)
            });
        let Some(grant) = grant else {
            return Ok(None);
        };
        let read = match self
            .read_rows_as(
                Some(applicant),
                key_read(
                    &grant,
                    dataset,
                    column,
                    (key_column, key),
                    format!(
                        "pre-fill the application form of {service} with the applicant's own {column}"
                    ),
                ),
                Some(department),
            )
            .await
        {
            Ok(read) => read,
            // A grant that masks its key column, or a column missing from the version:
            // the grant does not serve pre-fill; the applicant types the value.
            Err(e) if matches!(e.kind, crate::error::ErrorKind::Forbidden | crate::error::ErrorKind::Invalid) => {
                tracing::warn!(dataset, column, grant = %grant.id, error = %e.message, "pre-fill read refused");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if read.masks.first().is_some_and(|m| m != "none") {
            return Ok(None);
        }
        Ok(first_cell(read))
    }
}

/// True when `g` is approved, in force, and covers both the column read and the key
/// column a pre-fill looks its row up by.
fn grant_serves(g: &Grant, column: &str, key_column: &str) -> bool {
    g.status == GrantStatus::Approved
        && !g.expired
        && g.columns.iter().any(|c| c == column)
        && g.columns.iter().any(|c| c == key_column)
}

/// A read of one column of the row whose key column equals the key, under `grant`.
fn key_read(
    grant: &Grant,
    dataset: &str,
    column: &str,
    (key_column, key): (&str, &str),
    purpose: String,
) -> ReadRequest {
    ReadRequest {
        dataset: dataset.to_string(),
        version: None,
        basis: ReadBasis::Grant(grant.id.clone()),
        purpose,
        columns: Some(vec![column.to_string()]),
        rows: RowSelection::KeyEquals {
            column: key_column.to_string(),
            value: key.to_string(),
        },
        unmasked: grant.unmasked,
    }
}

/// The single cell of a one-column key read, if a row matched.
fn first_cell(read: RowsRead) -> Option<String> {
    read.rows
        .into_iter()
        .next()
        .and_then(|(_, mut cells)| cells.pop().flatten())
}
