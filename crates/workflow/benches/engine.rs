//! The pure engine's full flow: submit, automated checks, acceptance, a parallel pair of
//! inspections joining into the decision, completion (餐饮服务许可: four approvals), and the
//! 企业开办一件事 bundle (five parallel approvals). Measures completed cases per second of the
//! engine alone: no storage, no HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use govops_workflow::calendar::Calendar;
use govops_workflow::definition::{Catalogue, Form, Plan};
use govops_workflow::engine::{Actor, CaseState, CaseStatus, Command, step};
use serde_json::json;
use time::macros::datetime;

const FILES: [(&str, &str); 8] = [
    (
        "food-business-licence.toml",
        include_str!("../tests/data/services/food-business-licence.toml"),
    ),
    (
        "business-registration.toml",
        include_str!("../tests/data/services/business-registration.toml"),
    ),
    (
        "seal-engraving.toml",
        include_str!("../tests/data/services/seal-engraving.toml"),
    ),
    (
        "tax-registration.toml",
        include_str!("../tests/data/services/tax-registration.toml"),
    ),
    (
        "social-security-registration.toml",
        include_str!("../tests/data/services/social-security-registration.toml"),
    ),
    (
        "housing-fund-account.toml",
        include_str!("../tests/data/services/housing-fund-account.toml"),
    ),
    (
        "pension-qualification.toml",
        include_str!("../tests/data/services/pension-qualification.toml"),
    ),
    (
        "start-business.toml",
        include_str!("../tests/data/services/start-business.toml"),
    ),
];

fn actor(department: &str, role: &str) -> Actor {
    Actor {
        id: "official".into(),
        department: department.into(),
        role: role.into(),
    }
}

fn run(plan: &Plan, cal: &Calendar, form: &Form, approvals: &[(&str, &str, &str)]) -> CaseState {
    let now = datetime!(2026-03-02 09:00 +8);
    let (mut state, _) = step(
        &CaseState::new(),
        Command::Submit { form: form.clone() },
        now,
        plan,
        cal,
    )
    .unwrap();
    if plan.has_rules() {
        let outcomes = plan.evaluate_rules(&state.form, &json!({}));
        state = step(&state, Command::AutoCheck { outcomes }, now, plan, cal)
            .unwrap()
            .0;
    }
    for (s, d, r) in approvals {
        state = step(
            &state,
            Command::Approve {
                step: (*s).into(),
                actor: actor(d, r),
            },
            now,
            plan,
            cal,
        )
        .unwrap()
        .0;
    }
    assert_eq!(state.status, CaseStatus::Completed);
    state
}

fn bench(c: &mut Criterion) {
    let catalogue = Catalogue::load(&FILES).unwrap();
    let cal = Calendar::from_json(
        include_str!("../../../vectors/calendar/cn-holidays.json"),
        "h.json",
    )
    .unwrap();
    let food = Plan::for_service(&catalogue.services["food-business-licence"]);
    let food_form: Form = serde_json::from_value(json!({
        "enterprise_name": "福州榕味餐饮有限公司", "credit_code": "91350100M000100Y43",
        "address": "福州市鼓楼区五四路 1 号", "area": 85, "scope": "热食类", "contact_phone": "13800138000",
    }))
    .unwrap();
    let food_steps = [
        ("accept", "amr", "acceptor"),
        ("health", "nhc", "inspector"),
        ("fire", "fire", "inspector"),
        ("decide", "amr", "approver"),
    ];
    let bundle = catalogue.bundles["start-business"].plan.clone();
    let bundle_form: Form = serde_json::from_value(json!({
        "enterprise_name": "福州新创科技有限公司", "credit_code": "91350100M000100Y43",
        "legal_rep_id": "11010519491231002X", "registered_capital": 100, "seal_count": 3,
        "invoice_type": "全电发票", "employees": 8, "contribution_rate": 12,
    }))
    .unwrap();
    let bundle_steps = [
        ("business-registration/review", "amr", "registrar"),
        ("seal-engraving/record", "psb", "seal-officer"),
        ("tax-registration/register", "tax", "clerk"),
        ("social-security-registration/register", "hrss", "clerk"),
        ("housing-fund-account/open-account", "hpf", "clerk"),
    ];
    let mut group = c.benchmark_group("full_flow");
    group.throughput(Throughput::Elements(1));
    group.bench_function("food_licence_parallel_join", |b| {
        b.iter(|| run(&food, &cal, &food_form, &food_steps))
    });
    group.bench_function("start_business_bundle", |b| {
        b.iter(|| run(&bundle, &cal, &bundle_form, &bundle_steps))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
