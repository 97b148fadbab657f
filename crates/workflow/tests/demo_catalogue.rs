//! The demo city's catalogue in `services/` (at the repository root) loads without an error
//! and holds what the demo needs: at least 25 services over every department, 企业开办一件事
//! with five departments in parallel, and instant approval where it is promised.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use govops_workflow::definition::{Catalogue, DefinitionErrors, MaterialSource, Plan, ResultSpec};
use serde_json::json;

/// The departments of the demo city, besides the platform's own (`gsdm`).
const DEPARTMENTS: [&str; 12] = [
    "amr", "tax", "psb", "hrss", "hpf", "nhc", "fire", "eco", "housing", "nrp", "civil", "hsa",
];

fn services_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services")
}

/// Every `.toml` file under `dir`, recursively, as (name relative to the repository root,
/// text), sorted by name so that runs are reproducible.
fn read_folder(dir: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = Path::new("services")
                .join(path.strip_prefix(dir).unwrap())
                .to_string_lossy()
                .replace('\\', "/");
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn load(
    files: &[(String, String)],
) -> Result<Catalogue, Vec<govops_workflow::definition::DefinitionError>> {
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    Catalogue::load(&borrowed)
}

fn catalogue() -> Catalogue {
    let files = read_folder(&services_dir());
    load(&files)
        .unwrap_or_else(|e| panic!("the demo catalogue has errors:\n{}", DefinitionErrors(e)))
}

#[test]
fn the_demo_catalogue_loads_without_errors() {
    let files = read_folder(&services_dir());
    assert!(files.len() >= 27, "only {} files", files.len());
    let catalogue = catalogue();
    assert!(
        catalogue.services.len() >= 25,
        "only {} services",
        catalogue.services.len()
    );
    assert_eq!(
        catalogue.services.len() + catalogue.bundles.len(),
        files.len(),
        "every file is one service or bundle"
    );
    // Each file is named after the id it defines, so that an operator finds it.
    for (name, text) in &files {
        let stem = Path::new(name).file_stem().unwrap().to_str().unwrap();
        assert!(
            text.contains(&format!("\nid = \"{stem}\"")),
            "{name} does not define id \"{stem}\""
        );
    }
}

#[test]
fn every_department_owns_or_acts_in_a_service() {
    let catalogue = catalogue();
    let mut seen = BTreeSet::new();
    for service in catalogue.services.values() {
        seen.insert(service.department.as_str());
        for step in &service.steps {
            seen.insert(step.department.as_str());
        }
    }
    for department in DEPARTMENTS.iter().chain(&["gsdm"]) {
        assert!(
            seen.contains(department),
            "no service involves {department}"
        );
    }
    // The departments are the demo city's, no other code slipped in.
    for department in &seen {
        assert!(
            DEPARTMENTS.contains(department) || *department == "gsdm",
            "unknown department {department}"
        );
    }
    // Every department owns at least one service of its own.
    let owners: BTreeSet<&str> = catalogue
        .services
        .values()
        .map(|s| s.department.as_str())
        .collect();
    for department in DEPARTMENTS {
        assert!(owners.contains(department), "{department} owns no service");
    }
}

#[test]
fn the_named_services_exist() {
    let catalogue = catalogue();
    for id in [
        "business-registration",
        "seal-engraving",
        "tax-registration",
        "social-security-registration",
        "housing-fund-account",
        "food-business-licence",
        "birth-medical-certificate",
        "household-birth-registration",
        "newborn-medical-insurance",
        "social-security-card",
        "pension-qualification",
        "individual-business-registration",
        "residence-permit",
        "marriage-registration-appointment",
        "construction-planning-permit",
        "pollutant-discharge-permit",
    ] {
        assert!(catalogue.services.contains_key(id), "missing service {id}");
    }
    for id in ["start-business", "newborn"] {
        assert!(catalogue.bundles.contains_key(id), "missing bundle {id}");
    }
    assert_eq!(
        catalogue.bundles["start-business"].name.zh,
        "企业开办一件事"
    );
    assert_eq!(catalogue.bundles["newborn"].name.zh, "新生儿出生一件事");
}

#[test]
fn services_are_described_completely() {
    let catalogue = catalogue();
    for service in catalogue.services.values() {
        let id = &service.id;
        assert!(!service.legal_basis.is_empty(), "{id} has no legal basis");
        for law in &service.legal_basis {
            assert!(
                law.starts_with('《'),
                "{id}: legal basis {law:?} names no law"
            );
        }
        assert!(service.promised_days <= service.statutory_days, "{id}");
        assert!(!service.fields.is_empty(), "{id} has no form");
        assert!(!service.materials.is_empty(), "{id} needs no material");
        assert!(
            service
                .steps
                .iter()
                .all(|s| s.role == "official" || s.role == "department_head"),
            "{id} uses a role the demo city does not have"
        );
        for step in &service.steps {
            assert!(
                step.name.zh != step.id && step.name.en != step.id && !step.name.zh.is_ascii(),
                "{id}: step {} has no name of its own in Chinese and English",
                step.id
            );
        }
        if let ResultSpec::Licence { mapping, .. } = &service.result {
            assert!(!mapping.is_empty(), "{id} issues a licence with no claims");
        }
    }
    // Most services are free; the one that charges says why.
    let charged: Vec<&str> = catalogue
        .services
        .values()
        .filter(|s| s.fee.amount_fen > 0)
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(charged, ["real-estate-transfer"]);
    assert!(
        catalogue.services["real-estate-transfer"]
            .fee
            .basis
            .is_some()
    );
    // Material the government already holds is not asked for again (免提交).
    let shared = catalogue
        .services
        .values()
        .flat_map(|s| &s.materials)
        .filter(|m| !matches!(m.source, MaterialSource::Upload { .. }))
        .count();
    assert!(
        shared >= 30,
        "only {shared} materials are shared or licences"
    );
}

#[test]
fn start_business_runs_five_departments_in_parallel() {
    let catalogue = catalogue();
    let bundle = &catalogue.bundles["start-business"];
    let plan = &bundle.plan;
    assert_eq!(bundle.department, "gsdm");
    assert_eq!(plan.parts.len(), 5);
    assert!(plan.promised_days <= 3);
    let starts: Vec<usize> = plan.start_steps().collect();
    assert_eq!(starts.len(), 5);
    let departments: BTreeSet<&str> = starts
        .iter()
        .map(|&i| plan.steps[i].department.as_str())
        .collect();
    assert_eq!(
        departments,
        BTreeSet::from(["amr", "psb", "tax", "hrss", "hpf"])
    );
    // One form: the legal representative's ID is asked once, under one name.
    let ids: Vec<&str> = plan.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids.iter().filter(|i| **i == "legal_rep_id").count(), 1);
    assert!(!ids.contains(&"legal_person_id"));
    let rep = plan.fields.iter().find(|f| f.id == "legal_rep_id").unwrap();
    assert_eq!(rep.parts.len(), 5);
    let name = plan
        .fields
        .iter()
        .find(|f| f.id == "enterprise_name")
        .unwrap();
    assert_eq!(name.parts.len(), 5);

    let form = json!({
        "enterprise_name": "示范市榕树科技有限公司",
        "enterprise_type": "有限责任公司（自然人投资或控股）",
        "legal_rep_name": "张伟",
        "legal_rep_id": "11010519491231002X",
        "registered_capital": 100,
        "address": "示范市高新区创新路 8 号 501 室",
        "business_scope": "软件开发；信息技术咨询服务",
        "contact_phone": "13800138000",
        "seal_set": "公章、财务专用章、发票专用章、法定代表人名章",
        "seal_material": "光敏",
        "engraver": "示范市诚信印章有限公司",
        "finance_officer_name": "李娜",
        "finance_officer_phone": "13900139000",
        "accounting_standard": "小企业会计准则",
        "taxpayer_type": "小规模纳税人",
        "invoice_type": "数电发票（普通发票）",
        "employees": 5,
        "contribution_rate": 12,
    });
    let form = serde_json::from_value(form).unwrap();
    assert_eq!(plan.validate_form(&form), vec![]);
}

#[test]
fn newborn_runs_four_departments_from_one_form() {
    let catalogue = catalogue();
    let plan = &catalogue.bundles["newborn"].plan;
    assert_eq!(plan.parts.len(), 4);
    let departments: BTreeSet<&str> = plan
        .start_steps()
        .map(|i| plan.steps[i].department.as_str())
        .collect();
    assert_eq!(departments, BTreeSet::from(["nhc", "psb", "hsa", "hrss"]));
    let child = plan.fields.iter().find(|f| f.id == "child_name").unwrap();
    assert_eq!(child.parts.len(), 4);
    assert!(!plan.has_field("holder_name"));
}

#[test]
fn pension_qualification_is_instant_by_registered_rules() {
    let catalogue = catalogue();
    let service = &catalogue.services["pension-qualification"];
    assert!(service.instant);
    assert!(!service.rules.is_empty());
    assert!(
        service
            .rules
            .iter()
            .all(|r| r.algorithm.starts_with("ALG-"))
    );
    let plan = Plan::for_service(service);
    assert!(plan.instant);
    let form = serde_json::from_value(json!({
        "name": "王秀英",
        "resident_id": "11010519491231002X",
        "benefit": "企业职工基本养老保险",
        "method": "人脸识别自助认证",
        "contact_phone": "13800138000",
    }))
    .unwrap();
    assert_eq!(plan.validate_form(&form), vec![]);
    let data = json!({
        "alive": true,
        "receiving_benefit": true,
        "benefit_suspended": false,
        "face_verified": true,
    });
    let outcomes = plan.evaluate_rules(&form, &data);
    assert!(outcomes.iter().all(|o| o.passed), "{outcomes:?}");
    let data = json!({
        "alive": true,
        "receiving_benefit": true,
        "benefit_suspended": false,
        "face_verified": false,
    });
    let outcomes = plan.evaluate_rules(&form, &data);
    assert!(outcomes.iter().any(|o| !o.passed), "{outcomes:?}");
}

/// Every instant service can actually pass: its rules evaluate to true on a plausible case,
/// with numbers given as JSON integers, the way forms arrive.
#[test]
fn the_instant_services_pass_on_a_good_case() {
    let catalogue = catalogue();
    let cases = [
        (
            "individual-business-registration",
            json!({"operator_name": "陈明", "operator_id": "11010519491231002X",
                   "composition": "个人经营", "address": "示范市东城区和平街 12 号",
                   "business_scope": "小吃服务", "capital": 5, "contact_phone": "13800138000"}),
            json!({"operator_restricted": false, "address_in_standard_registry": true,
                   "scope_needs_prior_licence": false}),
        ),
        (
            "housing-fund-withdrawal",
            json!({"name": "陈明", "resident_id": "11010519491231002X", "reason": "租赁住房",
                   "amount": 1500, "bank_account": "6222020200112233445",
                   "contact_phone": "13800138000"}),
            json!({"homes_owned_in_city": 0, "rent_withdrawal_limit_left": 18000,
                   "balance": 23456.78, "account_status": "正常", "contribution_months": 14}),
        ),
        (
            "marriage-registration-appointment",
            json!({"registration_type": "结婚登记", "party_a_name": "陈明",
                   "party_a_id": "11010519491231002X", "party_b_name": "林芳",
                   "party_b_id": "11010519491231002X", "registry": "市婚姻登记处",
                   "appointment_date": "2026-05-20", "time_slot": "09:00-10:00",
                   "contact_phone": "13800138000"}),
            json!({"slot_available": true, "party_a_age": 28, "party_b_age": 26,
                   "party_a_married": false, "party_b_married": false}),
        ),
        (
            "cross-region-medical-filing",
            json!({"name": "陈明", "resident_id": "11010519491231002X",
                   "category": "异地长期居住人员", "destination": "海南省三亚市",
                   "start_date": "2026-01-05", "contact_phone": "13800138000"}),
            json!({"insurance_status": "参保缴费"}),
        ),
    ];
    let instant: BTreeSet<&str> = catalogue
        .services
        .values()
        .filter(|s| s.instant)
        .map(|s| s.id.as_str())
        .collect();
    let tested: BTreeSet<&str> = cases
        .iter()
        .map(|(id, ..)| *id)
        .chain(["pension-qualification"])
        .collect();
    assert_eq!(instant, tested, "every instant service has a case here");
    for (id, form, data) in cases {
        let plan = Plan::for_service(&catalogue.services[id]);
        let form = serde_json::from_value(form).unwrap();
        assert_eq!(plan.validate_form(&form), vec![], "{id}");
        let outcomes = plan.evaluate_rules(&form, &data);
        assert!(outcomes.iter().all(|o| o.passed), "{id}: {outcomes:?}");
    }
}

/// The rules of the services that are not instant evaluate without error on a plausible
/// case too (a rule that errors fails, and would only confuse the official).
#[test]
fn other_rules_evaluate_on_mixed_numbers() {
    let catalogue = catalogue();
    let cases = [
        (
            "minimum-living-allowance",
            json!({"monthly_income": 1500, "household_size": 3}),
            json!({"dibao_standard_per_person": 800}),
            true,
        ),
        (
            "minimum-living-allowance",
            json!({"monthly_income": 3000, "household_size": 3}),
            json!({"dibao_standard_per_person": 812.5}),
            false,
        ),
        (
            "construction-permit",
            json!({"contract_price": 5200, "floor_area": 18000.5}),
            json!({}),
            true,
        ),
        (
            "construction-permit",
            json!({"contract_price": 25, "floor_area": 180}),
            json!({}),
            false,
        ),
        (
            "construction-planning-permit",
            json!({"plot_ratio": 2.5}),
            json!({"planning_max_plot_ratio": 3}),
            true,
        ),
    ];
    for (id, form, data, expect) in cases {
        let service = &catalogue.services[id];
        let form: govops_workflow::definition::Form = serde_json::from_value(form).unwrap();
        let outcomes = govops_workflow::definition::evaluate_rules(&service.rules, &form, &data);
        for o in &outcomes {
            assert!(o.error.is_none(), "{id}: {o:?}");
            assert_eq!(o.passed, expect, "{id}: {o:?}");
        }
    }
}

#[test]
fn a_broken_copy_is_refused_with_file_and_line() {
    let mut files = read_folder(&services_dir());
    let name = "services/amr/food-business-licence.toml";
    let entry = files
        .iter_mut()
        .find(|(n, _)| n == name)
        .expect("the food licence file");
    // The fire-safety check now waits for a step that does not exist.
    let broken = entry.1.replacen(
        "id = \"fire\"\nname = { zh = \"消防安全检查\", en = \"Fire-safety check\" }\ndepartment = \"fire\"\nrole = \"official\"\nactions = [\"approve\", \"reject\", \"return\", \"transfer\"]\ntime_limit = 2\nafter = [\"accept\"]",
        "id = \"fire\"\nname = { zh = \"消防安全检查\", en = \"Fire-safety check\" }\ndepartment = \"fire\"\nrole = \"official\"\nactions = [\"approve\", \"reject\", \"return\", \"transfer\"]\ntime_limit = 2\nafter = [\"inspect\"]",
        1,
    );
    assert_ne!(broken, entry.1, "the replacement must apply");
    let line = broken
        .lines()
        .position(|l| l.contains("after = [\"inspect\"]"))
        .unwrap()
        + 1;
    entry.1 = broken;
    let errors = load(&files).unwrap_err();
    assert_eq!(errors.len(), 1, "{}", DefinitionErrors(errors.clone()));
    let e = &errors[0];
    assert_eq!(e.file, name);
    assert_eq!(e.line, line);
    assert!(e.column > 0);
    assert!(e.path.ends_with(".after"), "{e}");
    assert!(e.message.contains("unknown step \"inspect\""), "{e}");
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("{name}:{line}:")), "{shown}");
    assert!(
        shown.contains("known steps: accept, decide, fire, health"),
        "{shown}"
    );

    // A bundle that names a service missing from the folder is refused too, and the
    // rest of the catalogue is not taken on its own: the caller keeps the last good one.
    let mut files = read_folder(&services_dir());
    files.retain(|(n, _)| n != "services/psb/seal-engraving.toml");
    let errors = load(&files).unwrap_err();
    let shown = DefinitionErrors(errors).to_string();
    assert!(
        shown.contains("services/bundles/start-business.toml:")
            && shown.contains("unknown service \"seal-engraving\""),
        "{shown}"
    );
}
