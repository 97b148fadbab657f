//! What both data-quality benches share: the 20 rules, the district reference set
//! the generated file's `district` column is checked against, and the run's date.

use std::collections::HashMap;

use govops_data::quality::{ReferenceSet, RuleSet};

/// The bench's 20 rules.
pub const RULES: &str = include_str!("../../bench/rules.toml");
/// The districts the generator writes and the reference rule accepts.
pub const DISTRICTS: [&str; 6] = ["110101", "110102", "110105", "110106", "110107", "110108"];

/// The rules, the reference sets they name, and the time they run at.
pub type Setup = (RuleSet, HashMap<String, ReferenceSet>, time::OffsetDateTime);

/// The parsed rules, the reference sets they name, and the time they run at.
pub fn rules_and_references() -> Result<Setup, String> {
    let rules = RuleSet::parse(RULES).map_err(|e| format!("bench/rules.toml: {e:?}"))?;
    let mut refs = HashMap::new();
    refs.insert(
        "districts".to_owned(),
        ReferenceSet::from_pairs(DISTRICTS.iter().map(|d| (*d, None::<&str>))),
    );
    Ok((rules, refs, time::macros::datetime!(2024-07-01 00:00 UTC)))
}
