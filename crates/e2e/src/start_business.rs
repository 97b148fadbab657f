//! What the 企业开办一件事 (start a business, one-stop) browser flow needs: who applies,
//! which five officials act, and a valid answer for every field of the merged form.
//! The values follow the definitions in `services/` (`bundles/start-business.toml` and
//! its five parts); a test that changes them should still pass every rule there.

use anyhow::anyhow;

/// The bundle's id, as in `/services/start-business`.
pub const BUNDLE: &str = "start-business";

/// The demo citizen who applies (张伟, demo person 0).
pub const APPLICANT: &str = "zhangwei";

/// The five parts, run in parallel: (service id, department code, the demo official who
/// acts on it). Every demo department has `<code>.official`, password
/// [`crate::DEMO_PASSWORD`].
pub const PARTS: [(&str, &str, &str); 5] = [
    ("business-registration", "amr", "amr.official"),
    ("seal-engraving", "psb", "psb.official"),
    ("tax-registration", "tax", "tax.official"),
    ("social-security-registration", "hrss", "hrss.official"),
    ("housing-fund-account", "hpf", "hpf.official"),
];

/// The name the new enterprise applies under; unique in the demo city, so a test can
/// find its case by it.
pub const ENTERPRISE_NAME: &str = "示范市东城浏览器测试科技有限公司";

/// A valid value for every field the five parts ask for, by field id (the merged form
/// asks each once; `legal_rep_id` also answers seal-engraving's `legal_person_id`).
/// `credit_code` is left out: it is assigned at registration. Choices are the
/// definitions' own option texts.
pub fn form() -> anyhow::Result<Vec<(&'static str, String)>> {
    let people = govops_core::demo::people().map_err(|e| anyhow!("{e}"))?;
    let me = people
        .first()
        .ok_or_else(|| anyhow!("the demo city has no person 0"))?;
    let fields: [(&'static str, &str); 20] = [
        ("enterprise_name", ENTERPRISE_NAME),
        ("enterprise_type", "有限责任公司（自然人独资）"),
        ("legal_rep_name", &me.name),
        ("legal_rep_id", &me.resident_id),
        ("registered_capital", "100"),
        ("address", "示范市东城区人民路88号"),
        ("business_scope", "软件开发；信息技术咨询服务"),
        ("contact_phone", &me.phone),
        ("seal_set", "公章、财务专用章、发票专用章"),
        ("seal_material", "光敏"),
        ("engraver", "示范市东城诚信刻章有限公司"),
        ("finance_officer_name", "李娜"),
        ("finance_officer_phone", "13912345678"),
        ("accounting_standard", "小企业会计准则"),
        ("taxpayer_type", "小规模纳税人"),
        ("invoice_type", "数电发票（普通发票）"),
        ("employees", "5"),
        ("insurance_start", "2026-04-01"),
        ("contribution_rate", "12"),
        ("first_month", "2026-04-01"),
    ];
    Ok(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// The materials to upload: (material id, file name, kind for [`crate::App::sample_file`]).
/// The rest of the bundle's materials come from shared data or a held licence.
pub const UPLOADS: [(&str, &str, &str); 2] = [
    ("articles-of-association", "articles.pdf", "pdf"),
    ("premises-proof", "premises.pdf", "pdf"),
];
