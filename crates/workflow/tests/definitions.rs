//! Parsing and validation of definition files, including the errors an operator sees.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use govops_workflow::definition::{
    Catalogue, FieldType, MaterialSource, Names, Plan, RejectPolicy, ResultSpec, parse_service,
};

#[test]
fn the_examples_load() {
    let catalogue = common::catalogue();
    assert_eq!(catalogue.services.len(), 7);
    let food = &catalogue.services["food-business-licence"];
    assert_eq!(food.name.zh, "餐饮服务许可");
    assert_eq!(food.promised_days, 10);
    assert_eq!(food.steps[3].after, vec!["health", "fire"]);
    assert!(matches!(
        &food.materials[0].source,
        MaterialSource::Licence { licence_type } if licence_type == "business-licence"
    ));
    assert!(
        matches!(&food.result, ResultSpec::Licence { mapping, .. } if mapping["holder"] == "enterprise_name")
    );
    let plan = Plan::for_service(food);
    assert_eq!(plan.start_steps().count(), 1);
    assert!(plan.has_rules());
}

#[test]
fn the_bundle_merges_fields_and_runs_five_departments_in_parallel() {
    let catalogue = common::catalogue();
    let bundle = &catalogue.bundles["start-business"];
    let plan = &bundle.plan;
    assert_eq!(plan.parts.len(), 5);
    assert_eq!(plan.start_steps().count(), 5);
    assert_eq!(plan.on_part_rejected, RejectPolicy::Continue);
    let ids: Vec<&str> = plan.fields.iter().map(|f| f.id.as_str()).collect();
    // enterprise_name and credit_code are asked by all five, the legal
    // representative's ID by all five under two names: each asked once.
    assert_eq!(ids.iter().filter(|i| **i == "enterprise_name").count(), 1);
    assert_eq!(ids.iter().filter(|i| **i == "legal_rep_id").count(), 1);
    assert!(!ids.contains(&"legal_person_id"));
    let rep = plan.fields.iter().find(|f| f.id == "legal_rep_id").unwrap();
    assert_eq!(rep.parts.len(), 5);
    assert_eq!(rep.def.kind, FieldType::ResidentId);
    assert_eq!(plan.fields.len(), 8);
    assert!(plan.validate_form(&common::business_form()).is_empty());
    let mut bad = common::business_form();
    bad.insert("legal_rep_id".into(), "110105194912310021".into());
    bad.insert("contribution_rate".into(), 20.into());
    let errors = plan.validate_form(&bad);
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn a_broken_file_reports_every_error_with_position_and_hint() {
    let text = include_str!("data/broken/food-licence.toml");
    let errors = parse_service("services/food-licence.toml", text).unwrap_err();
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let all = lines.join("\n");
    let expect = [
        "services/food-licence.toml:41:10: steps[2].after: unknown step \"inspect\" — known steps: accept, fire, health, loop-a, loop-b",
        "name.en: the name is empty",
        "applicant: unknown applicant type \"company\" — use person, enterprise or both",
        "time_limit.promised: the promised limit (30) is longer than the statutory limit (20)",
        "fields[0].choices: a choice field has no choices",
        "fields[1].type: unknown field type \"decimal\" — known types: text, number, date, choice",
        "steps[1].role: the role that acts is empty",
        "steps[1].actions[1]: unknown action \"sign\"",
        "steps[1].time_limit: 0 is not a valid number of working days",
        "the steps form a cycle: loop-a → loop-b → loop-a",
        "steps[4].actions: the step cannot be completed",
        "rules[0].expr: CEL does not compile at expression line 1, column 14",
        "result.mapping.holder: unknown field \"enterprise_name\" — known fields: scope, area",
    ];
    for e in expect {
        assert!(all.contains(e), "missing {e:?} in\n{all}");
    }
    for e in &errors {
        assert!(e.line > 0 && e.column > 0, "{e}");
    }
}

#[test]
fn syntax_and_shape_errors_have_positions() {
    let errors = parse_service("s.toml", "id = \"x\"\nversion = \n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2, "{}", errors[0]);
    let text = include_str!("data/services/seal-engraving.toml")
        .replace("time_limit = 1", "time_limt = 1");
    let errors = parse_service("s.toml", &text).unwrap_err();
    assert!(errors[0].message.contains("time_limt"), "{}", errors[0]);
}

#[test]
fn bundles_refuse_conflicting_field_types_and_unknown_services() {
    let mut files = common::FILES.to_vec();
    let conflicting = include_str!("data/services/housing-fund-account.toml")
        .replace(
            "id = \"housing-fund-account\"",
            "id = \"housing-fund-copy\"",
        )
        .replace("type = \"text\"", "type = \"number\"");
    files.push(("services/housing-fund-copy.toml", &conflicting));
    let bundle = include_str!("data/services/start-business.toml").replace(
        "service = \"housing-fund-account\"",
        "service = \"housing-fund-copy\"\n\n[[parts]]\nservice = \"no-such-service\"",
    );
    files.retain(|(name, _)| !name.ends_with("start-business.toml"));
    files.push(("services/start-business.toml", &bundle));
    let errors = Catalogue::load(&files).unwrap_err();
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        all.iter()
            .any(|e| e.contains("unknown service \"no-such-service\"")),
        "{all:#?}"
    );

    files.pop();
    let bundle = include_str!("data/services/start-business.toml").replace(
        "service = \"housing-fund-account\"",
        "service = \"housing-fund-copy\"",
    );
    files.push(("services/start-business.toml", &bundle));
    let errors = Catalogue::load(&files).unwrap_err();
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        all.iter().any(|e| e.contains(
            "field \"enterprise_name\" is a number field in \"housing-fund-copy\" but a text field"
        )),
        "{all:#?}"
    );
}

#[test]
fn a_step_name_is_read_and_a_missing_one_falls_back_to_the_id() {
    let text = include_str!("data/services/food-business-licence.toml").replace(
        "id = \"health\"\n",
        "id = \"health\"\nname = { zh = \" 卫生健康部门现场核查 \", en = \"Health inspection\" }\n",
    );
    let food = parse_service("services/food-business-licence.toml", &text).unwrap();
    let health = food.steps.iter().find(|s| s.id == "health").unwrap();
    assert_eq!(
        health.name.zh, "卫生健康部门现场核查",
        "trimmed like other names"
    );
    assert_eq!(health.name.en, "Health inspection");
    let accept = food.steps.iter().find(|s| s.id == "accept").unwrap();
    assert_eq!(accept.name, Names::same("accept"), "no name: the id");

    let plan = Plan::for_service(&food);
    assert_eq!(plan.step_name("health").en, "Health inspection");
    assert_eq!(plan.step_name("accept").zh, "accept");
    assert_eq!(plan.step_name("no-such-step"), Names::same("no-such-step"));

    // In a bundle a named step keeps its name; an unnamed one shows its qualified id.
    let mut files = common::FILES.to_vec();
    let registration = include_str!("data/services/business-registration.toml").replacen(
        "[[steps]]\n",
        "[[steps]]\nname = { zh = \"登记审核\", en = \"Registration review\" }\n",
        1,
    );
    files.retain(|(name, _)| !name.ends_with("business-registration.toml"));
    files.push(("services/business-registration.toml", &registration));
    let catalogue = Catalogue::load(&files).unwrap();
    let plan = &catalogue.bundles["start-business"].plan;
    let named: Vec<(&str, &str)> = plan
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.name.zh.as_str()))
        .collect();
    assert!(
        named
            .iter()
            .any(|(id, name)| id.starts_with("business-registration/") && *name == "登记审核"),
        "{named:?}"
    );
    assert!(
        named
            .iter()
            .any(|(id, name)| id.starts_with("seal-engraving/") && id == name),
        "{named:?}"
    );
}

#[test]
fn an_empty_step_name_is_an_error() {
    let text = include_str!("data/services/seal-engraving.toml").replacen(
        "[[steps]]\n",
        "[[steps]]\nname = { zh = \"\", en = \"Seal filing\" }\n",
        1,
    );
    let errors = parse_service("s.toml", &text).unwrap_err();
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        all.iter()
            .any(|e| e.contains("steps[0].name.zh: the name is empty")),
        "{all:#?}"
    );
}
