//! The TOML shapes of definition files, as parsed, with every value's span kept so that
//! validation can point at the exact line and column of a mistake.
//!
//! Values that validation interprets (type names, action names, ids) are kept as strings
//! here rather than enums: a serde enum would stop at the first unknown name, while
//! validation wants to report every mistake in one pass.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNames {
    pub zh: S<String>,
    pub en: S<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    pub kind: Option<S<String>>,
    pub id: S<String>,
    pub version: S<i64>,
    pub name: S<RawNames>,
    pub department: S<String>,
    #[serde(default)]
    pub legal_basis: Vec<S<String>>,
    pub category: S<String>,
    #[serde(default)]
    pub life_events: Vec<S<String>>,
    pub applicant: S<String>,
    pub time_limit: S<RawTimeLimit>,
    pub fee: Option<S<RawFee>>,
    #[serde(default)]
    pub materials: Vec<S<RawMaterial>>,
    #[serde(default)]
    pub fields: Vec<S<RawField>>,
    pub steps: S<Vec<S<RawStep>>>,
    #[serde(default)]
    pub rules: Vec<S<RawRule>>,
    pub instant: Option<S<bool>>,
    pub result: S<RawResult>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTimeLimit {
    pub promised: S<i64>,
    pub statutory: S<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFee {
    pub amount_yuan: S<f64>,
    pub basis: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMaterial {
    pub id: S<String>,
    pub name: S<RawNames>,
    pub source: S<String>,
    #[serde(default = "yes")]
    pub required: bool,
    pub formats: Option<Vec<String>>,
    pub dataset: Option<S<String>>,
    pub licence_type: Option<S<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawField {
    pub id: S<String>,
    pub label: S<RawNames>,
    #[serde(rename = "type")]
    pub kind: S<String>,
    #[serde(default)]
    pub required: bool,
    pub min: Option<S<f64>>,
    pub max: Option<S<f64>>,
    pub pattern: Option<S<String>>,
    pub choices: Option<S<Vec<String>>>,
    pub prefill: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub id: S<String>,
    pub name: Option<S<RawNames>>,
    pub department: S<String>,
    pub role: S<String>,
    pub actions: S<Vec<S<String>>>,
    pub time_limit: S<i64>,
    #[serde(default)]
    pub after: Vec<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: S<String>,
    pub algorithm: S<String>,
    pub expr: S<String>,
    pub message: Option<RawNames>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawResult {
    pub kind: S<String>,
    pub licence_type: Option<S<String>>,
    pub mapping: Option<S<BTreeMap<String, S<String>>>>,
    pub template: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBundle {
    pub kind: S<String>,
    pub id: S<String>,
    pub version: S<i64>,
    pub name: S<RawNames>,
    pub department: S<String>,
    #[serde(default)]
    pub life_events: Vec<S<String>>,
    pub promised: Option<S<i64>>,
    pub on_part_rejected: Option<S<String>>,
    pub parts: S<Vec<S<RawPart>>>,
    #[serde(default)]
    pub merge: Vec<S<RawMerge>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPart {
    pub service: S<String>,
    pub version: Option<S<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMerge {
    pub field: S<String>,
    pub from: S<Vec<S<String>>>,
}

/// Only the `kind` key, read first to decide whether a file is a service or a bundle.
#[derive(Debug, Deserialize)]
pub(crate) struct RawKind {
    pub kind: Option<S<String>>,
}
