//! Shared fixtures: the example definitions under `tests/data/` and a calendar.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use govops_workflow::calendar::Calendar;
use govops_workflow::definition::Catalogue;
use govops_workflow::engine::Actor;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

pub const FILES: [(&str, &str); 8] = [
    (
        "services/food-business-licence.toml",
        include_str!("../data/services/food-business-licence.toml"),
    ),
    (
        "services/business-registration.toml",
        include_str!("../data/services/business-registration.toml"),
    ),
    (
        "services/seal-engraving.toml",
        include_str!("../data/services/seal-engraving.toml"),
    ),
    (
        "services/tax-registration.toml",
        include_str!("../data/services/tax-registration.toml"),
    ),
    (
        "services/social-security-registration.toml",
        include_str!("../data/services/social-security-registration.toml"),
    ),
    (
        "services/housing-fund-account.toml",
        include_str!("../data/services/housing-fund-account.toml"),
    ),
    (
        "services/pension-qualification.toml",
        include_str!("../data/services/pension-qualification.toml"),
    ),
    (
        "services/start-business.toml",
        include_str!("../data/services/start-business.toml"),
    ),
];

pub fn catalogue() -> Catalogue {
    Catalogue::load(&FILES)
        .unwrap_or_else(|e| panic!("{}", govops_workflow::definition::DefinitionErrors(e)))
}

pub fn calendar() -> Calendar {
    Calendar::from_json(
        include_str!("../../../../vectors/calendar/cn-holidays.json"),
        "cn-holidays.json",
    )
    .unwrap()
}

pub const MONDAY: OffsetDateTime = datetime!(2026-03-02 09:00 +8);

pub fn actor(department: &str, role: &str) -> Actor {
    Actor {
        id: format!("{department}-{role}-1"),
        department: department.to_owned(),
        role: role.to_owned(),
    }
}

pub fn form(value: serde_json::Value) -> govops_workflow::definition::Form {
    serde_json::from_value(value).unwrap()
}

pub fn food_form() -> govops_workflow::definition::Form {
    form(json!({
        "enterprise_name": "福州榕味餐饮有限公司",
        "credit_code": "91350100M000100Y43",
        "address": "福州市鼓楼区五四路 1 号",
        "area": 85,
        "scope": "热食类",
        "contact_phone": "13800138000",
    }))
}

pub fn business_form() -> govops_workflow::definition::Form {
    form(json!({
        "enterprise_name": "福州新创科技有限公司",
        "credit_code": "91350100M000100Y43",
        "legal_rep_id": "11010519491231002X",
        "registered_capital": 100,
        "seal_count": 3,
        "invoice_type": "全电发票",
        "employees": 8,
        "contribution_rate": 12,
    }))
}
