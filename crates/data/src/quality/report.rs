//! The result of a quality run.

use serde::Serialize;

use super::rule::Dimension;

/// One failing row kept as an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailSample {
    /// 1-based position of the row in the dataset.
    pub row: u64,
    /// The offending value, when the rule looks at one column.
    pub value: Option<String>,
}

/// How one rule fared.
#[derive(Debug, Clone, Serialize)]
pub struct RuleOutcome {
    /// The rule's id.
    pub id: String,
    /// The check's name.
    pub check: &'static str,
    /// The dimension it scores.
    pub dimension: Dimension,
    /// Rows (or, for dataset checks, 1) the rule judged.
    pub evaluated: u64,
    /// How many of them failed.
    pub failed: u64,
    /// Whether failures stayed within the rule's tolerance.
    pub passed: bool,
    /// The first failing rows.
    pub samples: Vec<FailSample>,
    /// Extra explanation (e.g. the newest date for freshness, a CEL error).
    pub note: Option<String>,
}

impl RuleOutcome {
    /// Share of judged rows that passed, 0–1 (1 when nothing was judged).
    pub fn pass_ratio(&self) -> f64 {
        if self.evaluated == 0 {
            1.0
        } else {
            #[allow(clippy::cast_precision_loss)]
            let r = 1.0 - self.failed as f64 / self.evaluated as f64;
            r
        }
    }
}

/// The score of one dimension.
#[derive(Debug, Clone, Serialize)]
pub struct DimensionScore {
    /// The dimension.
    pub dimension: Dimension,
    /// 0–100: the mean pass ratio of its rules.
    pub score: f64,
    /// How many rules scored it.
    pub rules: usize,
}

/// Everything a run found.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    /// Rows checked.
    pub rows: u64,
    /// One outcome per rule, in rule-set order.
    pub rules: Vec<RuleOutcome>,
    /// Scores of the dimensions that have rules.
    pub dimensions: Vec<DimensionScore>,
    /// The mean of the dimension scores, 0–100.
    pub score: f64,
}

impl QualityReport {
    pub(crate) fn new(rows: u64, rules: Vec<RuleOutcome>) -> Self {
        let mut dimensions = Vec::new();
        for d in Dimension::ALL {
            let ratios: Vec<f64> = rules
                .iter()
                .filter(|r| r.dimension == d)
                .map(RuleOutcome::pass_ratio)
                .collect();
            if !ratios.is_empty() {
                #[allow(clippy::cast_precision_loss)]
                let score = 100.0 * ratios.iter().sum::<f64>() / ratios.len() as f64;
                dimensions.push(DimensionScore {
                    dimension: d,
                    score,
                    rules: ratios.len(),
                });
            }
        }
        #[allow(clippy::cast_precision_loss)]
        let score = if dimensions.is_empty() {
            100.0
        } else {
            dimensions.iter().map(|d| d.score).sum::<f64>() / dimensions.len() as f64
        };
        Self {
            rows,
            rules,
            dimensions,
            score,
        }
    }

    /// The outcome of the rule with this id.
    pub fn rule(&self, id: &str) -> Option<&RuleOutcome> {
        self.rules.iter().find(|r| r.id == id)
    }
}
