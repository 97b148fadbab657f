//! Repairs: a preview of changed cells and removed rows (values of personal columns
//! masked), then, on the steward's approval, a new version with lineage — every change's
//! row, column and rule, and who approved it. The original version stays.

use super::datasets::{Ingested, UploadReport};
use super::masks::{mask_from_str, mask_text};
use super::{blocking, data_error};
use crate::access::{Action, Resource};
use crate::error::{CoreError, Result};
use crate::identity::Principal;
use crate::platform::Platform;
use govops_data::repair::{
    CellChange, Fix, RepairPlan, Repairer, RowRemoval, Survey, Survivorship,
};
use serde::{Deserialize, Serialize};

/// What to repair, as the steward chose it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RepairRequest {
    /// (column, fix) pairs; fixes: trim, half_width, iso_date, phone, upper_case.
    #[serde(default)]
    pub fixes: Vec<(String, String)>,
    /// Key columns to de-duplicate by (none: no de-duplication).
    #[serde(default)]
    pub dedup_keys: Vec<String>,
    /// first, last, most_complete, or most_recent:<column>.
    #[serde(default)]
    pub survivorship: String,
}

/// One changed cell, as the preview shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewChange {
    /// Row, 1-based.
    pub row: u64,
    /// Column.
    pub column: String,
    /// Value now (masked for personal columns).
    pub before: String,
    /// Value after (masked for personal columns).
    pub after: String,
    /// Fix(es).
    pub rule: String,
}

/// The preview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepairPreview {
    /// Version it applies to.
    pub version: i64,
    /// All changed cells.
    pub total_changes: usize,
    /// All removed rows.
    pub total_removals: usize,
    /// The first changed cells.
    pub changes: Vec<PreviewChange>,
    /// The first removed rows: (removed, kept, rule).
    pub removals: Vec<(u64, u64, String)>,
}

/// Changes shown in a preview.
const PREVIEW: usize = 200;

fn plan_of(req: &RepairRequest) -> Result<RepairPlan> {
    let mut fixes = Vec::new();
    for (column, fix) in &req.fixes {
        let f = match fix.as_str() {
            "trim" => Fix::Trim,
            "half_width" => Fix::HalfWidth,
            "iso_date" => Fix::IsoDate,
            "phone" => Fix::Phone,
            "upper_case" => Fix::UpperCase,
            other => {
                return Err(CoreError::invalid_field(
                    "datahub.repair.fix",
                    "fixes",
                    format!(
                        "`{other}` is not a fix; use trim, half_width, iso_date, phone or upper_case."
                    ),
                ));
            }
        };
        fixes.push((column.clone(), f));
    }
    let dedup = if req.dedup_keys.is_empty() {
        None
    } else {
        let s = match req.survivorship.as_str() {
            "" | "first" => Survivorship::First,
            "last" => Survivorship::Last,
            "most_complete" => Survivorship::MostComplete,
            s if s.starts_with("most_recent:") => {
                Survivorship::MostRecentBy(s["most_recent:".len()..].to_string())
            }
            other => {
                return Err(CoreError::invalid_field(
                    "datahub.repair.survivorship",
                    "survivorship",
                    format!(
                        "`{other}` is not a survivorship rule; use first, last, most_complete or \
                         most_recent:<column>."
                    ),
                ));
            }
        };
        Some((req.dedup_keys.clone(), s))
    };
    if fixes.is_empty() && dedup.is_none() {
        return Err(CoreError::invalid_field(
            "datahub.repair.empty",
            "fixes",
            "Choose at least one fix or a de-duplication key.",
        ));
    }
    Ok(RepairPlan { fixes, dedup })
}

impl Platform {
    async fn repair_context(
        &self,
        who: &Principal,
        dataset: &str,
    ) -> Result<(super::Dataset, i64, String)> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )?;
        let (v, sha) = self.version_file(&ds, None).await?;
        Ok((ds, v, sha))
    }

    /// Previews a repair of the current version.
    pub async fn preview_repair(
        &self,
        who: &Principal,
        dataset: &str,
        req: &RepairRequest,
    ) -> Result<RepairPreview> {
        let (ds, version, sha) = self.repair_context(who, dataset).await?;
        let plan = plan_of(req)?;
        let classes = self.column_classes(&ds).await?;
        let files = self.datafiles();
        let (changes, total_changes, removals) = blocking(move || {
            let mut shown = Vec::new();
            let mut total = 0usize;
            let removals = survey(&files, &sha, &plan, |c| {
                total += 1;
                if shown.len() < PREVIEW {
                    shown.push(c);
                }
            })?;
            Ok((shown, total, removals))
        })
        .await?;
        let masks: Vec<(String, Option<govops_data::mask::MaskType>)> = classes
            .iter()
            .map(|c| (c.column.clone(), mask_from_str(&c.mask).ok().flatten()))
            .collect();
        let show = |col: &str, v: &str| match masks.iter().find(|m| m.0 == col) {
            Some((_, None)) => v.to_string(),
            Some((_, Some(m))) => mask_text(v, m),
            None => govops_data::mask::redact(v),
        };
        Ok(RepairPreview {
            version,
            total_changes,
            total_removals: removals.len(),
            changes: changes
                .into_iter()
                .map(|c| PreviewChange {
                    row: c.row,
                    before: show(&c.column, &c.before),
                    after: show(&c.column, &c.after),
                    column: c.column,
                    rule: c.rule,
                })
                .collect(),
            removals: removals
                .iter()
                .take(PREVIEW)
                .map(|r| (r.row, r.kept, r.rule.clone()))
                .collect(),
        })
    }

    /// Applies a repair as a new version, with lineage naming the rules, every changed
    /// cell's row and column, and the approving steward.
    pub async fn apply_repair(
        &self,
        who: &Principal,
        dataset: &str,
        req: &RepairRequest,
    ) -> Result<UploadReport> {
        let (ds, version, sha) = self.repair_context(who, dataset).await?;
        let plan = plan_of(req)?;
        let files = self.datafiles();
        // First pass: the lineage's cells, written as JSON while they are met
        // (`[row, column, rule]`, removed rows as `*removed*`), and the
        // removals the second pass leaves out.
        let (changed, cells, removals) = blocking({
            let (files, sha, plan) = (files.clone(), sha.clone(), plan.clone());
            move || {
                let mut cells = String::from("[");
                let mut changed = 0usize;
                let removals = survey(&files, &sha, &plan, |c| {
                    changed += 1;
                    push_cell(&mut cells, c.row, &c.column, &c.rule);
                })?;
                for r in &removals {
                    push_cell(&mut cells, r.row, "*removed*", &r.rule);
                }
                cells.push(']');
                Ok((changed, cells, removals))
            }
        })
        .await?;
        let removed = removals.len();
        if changed == 0 && removed == 0 {
            return Err(CoreError::invalid(
                "datahub.repair.nothing",
                "These fixes change nothing in the current version; no version was made.",
            ));
        }
        // Second pass: the version again, repaired batch by batch as it is stored.
        let prepared = self
            .prepare_version(&ds, move || {
                let (schema, batches) = files.open(&sha)?;
                let mut repairer = Repairer::new(&schema, &plan, &removals)
                    .map_err(|e| data_error("datahub.repair.invalid", e))?;
                let repaired = batches.map(move |b| b.and_then(|b| repairer.repair(&b)));
                Ok(Ingested::Parquet(schema, Box::new(repaired)))
            })
            .await?;
        let request = serde_json::to_string(req)
            .map_err(|e| CoreError::internal(format!("repair request as JSON: {e}")))?;
        let rules = format!(r#"{{"changes":{cells},"request":{request}}}"#);
        #[allow(clippy::cast_possible_wrap)]
        let lineage = Some((version, "repair", rules, changed as i64, removed as i64));
        self.record_version(
            who.actor(),
            &ds,
            format!("repair of version {version}"),
            prepared,
            lineage,
        )
        .await
    }
}

/// Reads version `sha` once, batch by batch, for `plan`: each changed cell
/// goes to `on_change` in row order; returns the rows de-duplication removes.
/// Blocking.
fn survey(
    files: &super::DataFiles,
    sha: &str,
    plan: &RepairPlan,
    mut on_change: impl FnMut(CellChange),
) -> Result<Vec<RowRemoval>> {
    let (schema, batches) = files.open(sha)?;
    let invalid = |e| data_error("datahub.repair.invalid", e);
    let mut survey = Survey::new(&schema, plan).map_err(invalid)?;
    for b in batches {
        let b = b.map_err(|e| data_error("datahub.read", e))?;
        survey.push(&b, &mut on_change).map_err(invalid)?;
    }
    Ok(survey.finish())
}

/// Appends `[row,"column","rule"]` to a JSON array being written.
fn push_cell(out: &mut String, row: u64, column: &str, rule: &str) {
    use std::fmt::Write as _;
    if !out.ends_with('[') {
        out.push(',');
    }
    let text = |s: &str| serde_json::Value::from(s).to_string();
    let _ = write!(out, "[{row},{},{}]", text(column), text(rule));
}
