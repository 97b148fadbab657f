//! Rule sets (TOML files, versioned with the dataset) and quality runs stored per
//! version. A run keeps counts, scores and the row numbers of failing rows — never their
//! values: the page shows failing rows by reading them through the masking door.
//!
//! Rules that check against another dataset name it as `reference = "dataset-id:key"`
//! (membership) or `"dataset-id:key:value"` (accuracy against that dataset's value).

use super::{Dataset, blocking};
use crate::access::{Action, Resource};
use crate::error::{CoreError, FieldError, Result};
use crate::identity::Principal;
use crate::ids::new_id;
use crate::platform::Platform;
use crate::store::{Tx, Val};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use govops_data::quality::{Check, QualityRun, ReferenceSet, References, RuleError, RuleSet};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// One rule's outcome as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleSummary {
    /// Rule id.
    pub id: String,
    /// Check name.
    pub check: String,
    /// Dimension scored.
    pub dimension: String,
    /// Rows judged.
    pub evaluated: u64,
    /// Rows failed.
    pub failed: u64,
    /// Within tolerance.
    pub passed: bool,
    /// The first failing rows (1-based row numbers).
    pub failing_rows: Vec<u64>,
    /// Extra explanation.
    pub note: Option<String>,
}

/// A quality run as stored and shown.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QualityRunSummary {
    /// Run id.
    pub id: String,
    /// Version checked.
    pub version: i64,
    /// Rule-set revision used.
    pub ruleset_revision: i64,
    /// Rows checked.
    pub rows: u64,
    /// Overall score, 0–100.
    pub score: f64,
    /// Score per dimension, 0–100.
    pub dimensions: Vec<(String, f64)>,
    /// Per rule.
    pub rules: Vec<RuleSummary>,
    /// When, ms since the epoch.
    pub run_ms: i64,
}

/// A run computed before its write.
pub(crate) struct PreparedRun {
    revision: i64,
    summary: QualityRunSummary,
}

fn rule_problems(errors: &[RuleError]) -> CoreError {
    CoreError::invalid_fields(
        "datahub.rules.invalid",
        errors
            .iter()
            .map(|e| FieldError {
                field: "rules".into(),
                message: e.to_string(),
            })
            .collect(),
    )
}

fn name_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Compiles rule-set text for batches of `schema`, ready to be fed batch by batch.
pub(crate) fn start_run<'r>(
    text: &str,
    schema: &SchemaRef,
    references: &'r References,
    now: OffsetDateTime,
) -> Result<QualityRun<'r>> {
    let rules = RuleSet::parse(text).map_err(|e| rule_problems(&e))?;
    QualityRun::new(&rules, schema, references, now).map_err(|e| rule_problems(&e))
}

/// Runs rule-set text over a stream of batches, on every core ([`govops_data::scan`]).
/// Blocking.
pub(crate) fn run_rules(
    revision: i64,
    text: &str,
    schema: &SchemaRef,
    batches: impl Iterator<Item = std::result::Result<RecordBatch, govops_data::DataError>> + Send,
    references: &References,
    now: OffsetDateTime,
) -> Result<PreparedRun> {
    let mut run = start_run(text, schema, references, now)?;
    govops_data::scan::scan(
        govops_data::scan::default_threads(),
        None,
        Some(&mut run),
        batches,
        |mut batches| batches.try_for_each(|b| b.map(drop)),
    )
    .map_err(|e| super::data_error("datahub.read", e))?;
    Ok(finish_run(revision, run))
}

/// The summary of a finished run.
pub(crate) fn finish_run(revision: i64, run: QualityRun<'_>) -> PreparedRun {
    let report = run.finish();
    let summary = QualityRunSummary {
        id: String::new(),
        version: 0,
        ruleset_revision: revision,
        rows: report.rows,
        score: report.score,
        dimensions: report
            .dimensions
            .iter()
            .map(|d| (name_of(&d.dimension), d.score))
            .collect(),
        rules: report
            .rules
            .iter()
            .map(|r| RuleSummary {
                id: r.id.clone(),
                check: r.check.to_string(),
                dimension: name_of(&r.dimension),
                evaluated: r.evaluated,
                failed: r.failed,
                passed: r.passed,
                failing_rows: r.samples.iter().map(|s| s.row).collect(),
                note: r.note.clone(),
            })
            .collect(),
        run_ms: 0,
    };
    PreparedRun { revision, summary }
}

/// Records a run in the write that also records its version (or alone).
pub(crate) async fn record_run(
    tx: &mut Tx,
    actor: &str,
    dataset: &str,
    version: i64,
    owner: &str,
    run: PreparedRun,
) -> Result<QualityRunSummary> {
    let now = tx.now();
    let mut s = run.summary;
    s.id = new_id(now);
    s.version = version;
    s.run_ms = crate::clock::to_ms(now);
    #[allow(clippy::cast_possible_truncation)]
    let centi = (s.score * 100.0).round() as i64;
    let body = serde_json::to_string(&s).map_err(CoreError::internal)?;
    tx.execute(
        "INSERT INTO quality_runs (id, dataset_id, version, ruleset_revision, owner_department, \
         score_centi, report_json, run_by, run_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            Val::from(&s.id),
            Val::from(dataset),
            Val::from(version),
            Val::from(run.revision),
            Val::from(owner),
            Val::from(centi),
            Val::from(body),
            Val::from(actor),
            Val::from(s.run_ms),
        ],
    )
    .await?;
    tx.journal(
        actor,
        "datahub.quality_run",
        &format!("dataset:{dataset}"),
        json!({
            "run": s.id, "version": version, "ruleset_revision": run.revision,
            "score_centi": centi,
            "failed": s.rules.iter().map(|r| json!({"rule": r.id, "failed": r.failed}))
                .collect::<Vec<_>>(),
        }),
    )?;
    Ok(s)
}

/// `dataset:key[:value]` of a rule's reference name.
fn parse_reference(name: &str) -> Result<(String, String, Option<String>)> {
    let mut parts = name.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(d), Some(k), v, None) if !d.is_empty() && !k.is_empty() => {
            Ok((d.to_string(), k.to_string(), v.map(str::to_string)))
        }
        _ => Err(CoreError::invalid_field(
            "datahub.rules.reference",
            "rules",
            format!(
                "reference `{name}` must name another dataset and its key column as \
                 `dataset-id:key_column` (or `dataset-id:key_column:value_column` for accuracy)"
            ),
        )),
    }
}

impl Platform {
    /// The current rule set of a dataset (revision, text).
    pub(crate) async fn current_ruleset(&self, dataset: &str) -> Result<Option<(i64, String)>> {
        self.store()
            .fetch_optional(
                "SELECT revision, body FROM dataset_rulesets WHERE dataset_id = $1 \
             ORDER BY revision DESC LIMIT 1",
                &[Val::from(dataset)],
            )
            .await
    }

    /// Loads the reference datasets a rule set names.
    pub(crate) async fn load_references(&self, text: &str) -> Result<References> {
        let rules = RuleSet::parse(text).map_err(|e| rule_problems(&e))?;
        let mut out = References::new();
        for rule in &rules.rules {
            let name = match &rule.check {
                Check::Reference { reference, .. } | Check::Accuracy { reference, .. } => reference,
                _ => continue,
            };
            if out.contains_key(name) {
                continue;
            }
            let (dataset, key, value) = parse_reference(name)?;
            let ds = self.dataset_row(&dataset).await.map_err(|_| {
                CoreError::invalid_field(
                    "datahub.rules.reference",
                    "rules",
                    format!(
                        "line {}: reference dataset `{dataset}` does not exist",
                        rule.line
                    ),
                )
            })?;
            let (_, sha) = self.version_file(&ds, None).await?;
            let files = self.datafiles();
            let set = blocking(move || {
                // Batch by batch: only the key and value columns are kept.
                let (_, batches) = files.open(&sha)?;
                let mut set = ReferenceSet::default();
                for b in batches {
                    b.and_then(|b| set.add_batch(&b, &key, value.as_deref()))
                        .map_err(|e| super::data_error("datahub.rules.reference", e))?;
                }
                Ok(set)
            })
            .await?;
            out.insert(name.clone(), set);
        }
        Ok(out)
    }

    /// Saves a new revision of a dataset's rule set, refused (with line and column) if it
    /// does not parse or does not fit the current version's columns.
    pub async fn save_ruleset(&self, who: &Principal, dataset: &str, text: &str) -> Result<i64> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )?;
        if RuleSet::parse(text).is_ok_and(|r| r.rules.is_empty()) {
            return Err(CoreError::invalid_field(
                "datahub.rules.empty",
                "rules",
                "The rule set has no rules; write at least one [[rule]] (start from the suggested rules).",
            ));
        }
        let references = self.load_references(text).await?;
        if ds.current_version > 0 {
            let (_, sha) = self.version_file(&ds, None).await?;
            let files = self.datafiles();
            let body = text.to_string();
            let now = self.now();
            blocking(move || {
                let schema = files.schema(&sha)?;
                start_run(&body, &schema, &references, now).map(|_| ())
            })
            .await?;
        } else {
            RuleSet::parse(text).map_err(|e| rule_problems(&e))?;
        }
        let actor = who.actor();
        let dataset = dataset.to_string();
        let body = text.to_string();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let (rev,): (i64,) = tx
                        .fetch_one(
                            "SELECT COALESCE(MAX(revision), 0) + 1 FROM dataset_rulesets \
                             WHERE dataset_id = $1",
                            &[Val::from(&dataset)],
                        )
                        .await?;
                    let sha = hex::encode(Sha256::digest(body.as_bytes()));
                    tx.execute(
                        "INSERT INTO dataset_rulesets (dataset_id, revision, body, sha256, \
                         saved_by, saved_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                        &[
                            Val::from(&dataset),
                            Val::from(rev),
                            Val::from(&body),
                            Val::from(&sha),
                            Val::from(&actor),
                            Val::from(crate::clock::to_ms(tx.now())),
                        ],
                    )
                    .await?;
                    tx.journal(
                        &actor,
                        "datahub.ruleset_saved",
                        &format!("dataset:{dataset}"),
                        json!({ "revision": rev, "sha256": sha }),
                    )?;
                    Ok(rev)
                })
            })
            .await
    }

    /// Runs the current rule set on the current version and records the run.
    pub async fn run_quality(&self, who: &Principal, dataset: &str) -> Result<QualityRunSummary> {
        let ds = self.dataset_row(dataset).await?;
        self.access().check(
            Some(who),
            Action::DataManage,
            Resource::Department(&ds.owner_department),
        )?;
        self.run_quality_as(&who.actor(), &ds).await
    }

    pub(crate) async fn run_quality_as(
        &self,
        actor: &str,
        ds: &Dataset,
    ) -> Result<QualityRunSummary> {
        let Some((rev, text)) = self.current_ruleset(&ds.id).await? else {
            return Err(CoreError::invalid(
                "datahub.rules.none",
                "This dataset has no rule set yet. Save one (start from the suggested rules) first.",
            ));
        };
        let references = self.load_references(&text).await?;
        let (version, sha) = self.version_file(ds, None).await?;
        let files = self.datafiles();
        let now = self.now();
        let run = blocking(move || {
            let (schema, batches) = files.open(&sha)?;
            run_rules(rev, &text, &schema, batches, &references, now)
        })
        .await?;
        let actor = actor.to_string();
        let dataset = ds.id.clone();
        let owner = ds.owner_department.clone();
        self.store()
            .write(move |tx| {
                Box::pin(
                    async move { record_run(tx, &actor, &dataset, version, &owner, run).await },
                )
            })
            .await
    }

    /// Quality runs of one version, newest first.
    pub(crate) async fn quality_runs(
        &self,
        dataset: &str,
        version: i64,
    ) -> Result<Vec<QualityRunSummary>> {
        let rows: Vec<(String,)> = self
            .store()
            .fetch_all(
                "SELECT report_json FROM quality_runs WHERE dataset_id = $1 AND version = $2 \
             ORDER BY run_ms DESC, id DESC",
                &[Val::from(dataset), Val::from(version)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(j,)| serde_json::from_str(&j).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_names_need_a_dataset_and_a_key() {
        assert!(parse_reference("business-registry:credit_code").is_ok());
        assert!(parse_reference("x:k:v").is_ok());
        assert!(parse_reference("business-registry").is_err());
        assert!(parse_reference("a:b:c:d").is_err());
    }
}
