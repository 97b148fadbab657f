//! Rules suggested from a profile, written as a rule file the steward can
//! read, edit and save — suggestions are never applied without a person
//! accepting them.

use std::fmt::Write as _;

use crate::profile::{DatasetProfile, SemanticType};

/// Text columns with at most this many distinct values get a `values` rule.
const MAX_ENUM: u64 = 20;

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ident(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect()
}

/// A TOML rule set suggested from `profile`: every column that was never
/// empty must stay filled, detected identifiers must pass their checksums
/// and be unique, low-cardinality text keeps its values, numbers stay in
/// their observed range, fixed-length text keeps its length.
pub fn suggest_rules(profile: &DatasetProfile) -> String {
    let mut out = String::from("# Suggested from the dataset's profile; review before saving.\n");
    let mut rule = |id: String, body: String| {
        let _ = write!(out, "\n[[rule]]\nid = {}\n{body}", quote(&id));
    };
    rule(
        "row_count".into(),
        "check = \"row_count\"\nmin = 1\n".into(),
    );
    for c in &profile.columns {
        let name = ident(&c.name);
        let col = quote(&c.name);
        if c.rows > 0 && c.nulls == 0 && c.empty == 0 {
            rule(
                format!("{name}_missing"),
                format!("check = \"missing\"\ncolumn = {col}\n"),
            );
        }
        if let Some(sem) = c.semantic {
            let format = match sem.kind {
                SemanticType::ResidentId => Some("resident_id"),
                SemanticType::CreditCode => Some("credit_code"),
                SemanticType::MobilePhone => Some("mobile_phone"),
                SemanticType::Email => Some("email"),
                SemanticType::Date if c.data_type == "Utf8" => Some("iso_date"),
                _ => None,
            };
            if let Some(f) = format {
                rule(
                    format!("{name}_format"),
                    format!("check = \"format\"\ncolumn = {col}\nformat = \"{f}\"\n"),
                );
            }
            if matches!(
                sem.kind,
                SemanticType::ResidentId | SemanticType::CreditCode
            ) {
                rule(
                    format!("{name}_unique"),
                    format!("check = \"duplicate\"\ncolumn = {col}\n"),
                );
            }
        } else if c.data_type == "Utf8"
            && c.distinct_exact
            && c.distinct <= MAX_ENUM
            && c.rows >= 100
        {
            let values: Vec<String> = c.top_values.iter().map(|(v, _)| quote(v)).collect();
            if c.top_values.len() as u64 == c.distinct {
                rule(
                    format!("{name}_values"),
                    format!(
                        "check = \"values\"\ncolumn = {col}\nvalues = [{}]\n",
                        values.join(", ")
                    ),
                );
            }
        }
        if let Some(n) = c.numeric
            && matches!(c.data_type.as_str(), "Int64" | "Float64")
        {
            rule(
                format!("{name}_range"),
                format!(
                    "check = \"range\"\ncolumn = {col}\nmin = {:?}\nmax = {:?}\n",
                    n.min, n.max
                ),
            );
        }
        if let Some(l) = c.length
            && l.min == l.max
            && c.semantic.is_none()
            && c.rows >= 100
        {
            rule(
                format!("{name}_length"),
                format!(
                    "check = \"length\"\ncolumn = {col}\nmin = {}\nmax = {}\n",
                    l.min, l.max
                ),
            );
        }
    }
    out
}
