//! What the platform already knows about an applicant: values that pre-fill a form, and the
//! looked-up data automated checks read.
//!
//! Pre-fill sources are named `dataset.column` in definitions. Until the data hub serves
//! departments' datasets, the sources below are answered from the platform's own directory
//! of persons and enterprises (the population and business registries of the demo city);
//! a source it does not know leaves the field empty for the applicant to fill.

use crate::error::Result;
use crate::store::Val;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The applicant a form is for.
#[derive(Debug, Clone)]
pub(crate) enum Applicant {
    /// A person, by person id.
    Person(String),
    /// An enterprise, by enterprise id; `agent` is the person acting.
    Enterprise { id: String, agent: Option<String> },
}

/// The directory values of a person and, for an enterprise, of the enterprise.
pub(crate) async fn known_values(
    pool: &crate::store::Store,
    applicant: &Applicant,
) -> Result<BTreeMap<&'static str, String>> {
    let mut out = BTreeMap::new();
    let person = match applicant {
        Applicant::Person(p) => Some(p.clone()),
        Applicant::Enterprise { agent, .. } => agent.clone(),
    };
    if let Some(p) = person {
        let row: Option<(String, String, Option<String>, Option<String>)> = pool
            .fetch_optional(
                "SELECT name, resident_id, phone, address FROM persons WHERE id = $1",
                &[Val::from(p)],
            )
            .await?;
        if let Some((name, rid, phone, address)) = row {
            out.insert("psb_population.name", name);
            out.insert("psb_population.resident_id", rid);
            if let Some(phone) = phone {
                out.insert("psb_population.phone", phone);
            }
            if let Some(a) = address {
                out.insert("psb_population.household_address", a);
            }
        }
    }
    if let Applicant::Enterprise { id, .. } = applicant {
        let row: Option<(String, String, Option<String>, String)> = pool
            .fetch_optional(
                "SELECT e.name, e.credit_code, e.address, p.name FROM enterprises e \
             JOIN persons p ON p.id = e.legal_rep_person_id WHERE e.id = $1",
                &[Val::from(id)],
            )
            .await?;
        if let Some((name, code, address, rep)) = row {
            out.insert("amr_enterprise.name", name);
            out.insert("amr_enterprise.credit_code", code);
            out.insert("amr_enterprise.legal_rep_name", rep);
            if let Some(a) = address {
                out.insert("amr_enterprise.address", a);
            }
        }
    }
    Ok(out)
}

/// The looked-up data for automated checks: the registry facts held about the applicant
/// (by resident ID, and by credit code for an enterprise). A rule that reads a fact not
/// held fails with an error and the case goes to an official, never approved blind.
pub(crate) async fn facts(store: &crate::store::Store, subjects: &[String]) -> Result<Value> {
    let mut data = Map::new();
    for subject in subjects {
        let rows: Vec<(String, String)> = store
            .fetch_all(
                "SELECT name, value FROM registry_facts WHERE subject = $1 ORDER BY name",
                &[Val::from(subject)],
            )
            .await?;
        for (name, value) in rows {
            let v = serde_json::from_str(&value).unwrap_or(Value::String(value));
            data.insert(name, v);
        }
    }
    Ok(Value::Object(data))
}
