//! Six-dimension quality rules: completeness, validity, uniqueness,
//! consistency, timeliness and accuracy.
//!
//! A rule set is a TOML file ([`RuleSet::parse`]) checked on load with errors
//! that name line and column; a [`QualityRun`] evaluates it over batches in
//! one streaming pass and gives a [`QualityReport`] with a score per
//! dimension, counts per rule and sample failing rows with their row numbers.
//! The built-in checks cover Soda Core's (row count, missing, invalid by
//! format / regex / values, range, length, duplicate, freshness, reference,
//! schema) plus identifier checksums, cross-column comparison and accuracy
//! against a reference dataset; anything else is a CEL expression.

mod cel_rule;
mod fast_regex;
mod reference;
mod report;
mod rule;
mod ruleset;
mod run;
mod suggest;

pub(crate) use cel_rule::mask_value as cel_value_for_mask;
pub use reference::{ReferenceSet, References};
pub use report::{DimensionScore, FailSample, QualityReport, RuleOutcome};
pub use rule::{Check, CmpOp, Dimension, Format, Rule};
pub use ruleset::{RuleError, RuleSet};
pub use run::QualityRun;
pub(crate) use run::{Compiled, eval as eval_rule};
pub use suggest::suggest_rules;
