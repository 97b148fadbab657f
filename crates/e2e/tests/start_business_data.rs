//! The 企业开办一件事 flow's data (`govops_e2e::start_business`) against the definitions
//! in `services/`: the form passes the bundle's own validation, and the five officials
//! are the ones its steps ask for. No browser needed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_core::catalogue::{CheckOutcome, check_folder};
use govops_e2e::start_business::{BUNDLE, PARTS, UPLOADS, form};
use govops_workflow::definition::{FieldType, MaterialSource};
use serde_json::Value;
use std::collections::BTreeMap;

fn catalogue() -> govops_workflow::definition::Catalogue {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services");
    match check_folder(&dir).unwrap() {
        CheckOutcome::Valid(c, _) => *c,
        CheckOutcome::Invalid(e) => panic!("services/ does not validate: {e:?}"),
    }
}

#[test]
fn the_form_is_valid_for_the_bundle() {
    let catalogue = catalogue();
    let plan = &catalogue.bundles[BUNDLE].plan;
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for (id, text) in form().unwrap() {
        let field = plan
            .fields
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("the bundle's form has no field {id}"));
        // What a browser sends is text; the page turns a number field's text into a number.
        let value = match field.def.kind {
            FieldType::Number => Value::from(text.parse::<f64>().unwrap()),
            _ => Value::from(text),
        };
        values.insert(id.to_string(), value);
    }
    assert_eq!(plan.validate_form(&values), vec![]);
    // Every field is answered but the credit code, which registration assigns.
    let unanswered: Vec<&str> = plan
        .fields
        .iter()
        .map(|f| f.id.as_str())
        .filter(|id| !values.contains_key(*id))
        .collect();
    assert_eq!(unanswered, vec!["credit_code"]);
}

#[test]
fn the_five_officials_are_the_ones_the_steps_ask_for() {
    let catalogue = catalogue();
    let plan = &catalogue.bundles[BUNDLE].plan;
    let parts: Vec<(&str, &str)> = plan
        .parts
        .iter()
        .map(|p| (p.service.as_str(), p.department.as_str()))
        .collect();
    let expected: Vec<(&str, &str)> = PARTS.iter().map(|(s, d, _)| (*s, *d)).collect();
    assert_eq!(parts, expected);
    for step in &plan.steps {
        let (_, dept, user) = PARTS[step.part];
        assert_eq!(step.department, dept, "{}", step.id);
        assert_eq!(step.role, "official", "{}", step.id);
        assert_eq!(user, format!("{dept}.official"));
    }
    // All five open together when the case is submitted.
    assert_eq!(plan.start_steps().count(), 5);
}

#[test]
fn the_uploads_are_the_materials_asked_for() {
    let catalogue = catalogue();
    let registration = &catalogue.services["business-registration"];
    for (id, _, kind) in UPLOADS {
        let material = registration
            .materials
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("business-registration asks for no material {id}"));
        match &material.source {
            MaterialSource::Upload { formats } => assert!(formats.iter().any(|f| f == kind)),
            other => panic!("{id} is not uploaded: {other:?}"),
        }
    }
}
