//! The demo city's datasets: a population registry (公安户政), a business registry
//! (市场监管) and social-security enrolments (人社), generated from fixed seeds with about
//! 5 % realistic defects — bad check characters, duplicates, blanks, dates and phone
//! numbers in other spellings, stray spaces, full-width digits, lower-case codes and
//! references to people or employers that do not exist. Each is loaded through the same
//! ingest, profiling and quality path as an upload, with a rule set, so the steward
//! pages, the scorecards and the open-data API have something to show.

use super::datasets::{NewDataset, Upload, UploadFormat, ingest};
use crate::demo::{DemoEnterprise, DemoPerson};
use crate::error::{CoreError, Result};
use crate::platform::Platform;
use crate::store::Val;
use govops_ids::{CreditCode, ResidentId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::fmt::Write as _;

/// Rows of the generated population registry.
pub const POPULATION_ROWS: usize = 3000;
/// Rows of the generated business registry.
pub const BUSINESS_ROWS: usize = 800;
/// Rows of the generated social-security enrolments.
pub const ENROLMENT_ROWS: usize = 2500;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "建华", "志强", "晓东", "海燕",
];
const DISTRICTS: &[(u32, &str)] = &[
    (110101, "东城区"),
    (110105, "朝阳区"),
    (110108, "海淀区"),
    (110106, "丰台区"),
];
const STREETS: &[&str] = &["人民路", "解放路", "建设路", "中山路", "和平路", "新华路"];
const TRADES: &[&str] = &[
    "科技", "贸易", "餐饮", "建筑", "物流", "咨询", "教育", "环保",
];
const INSURANCE: &[&str] = &["养老保险", "医疗保险", "失业保险", "工伤保险", "生育保险"];

/// One generated resident: (resident ID, name, birth (y, m, d), district, address, phone).
type Citizen = (String, String, (i32, u8, u8), &'static str, String, String);

fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n']) {
        let _ = write!(out, "\"{}\"", s.replace('"', "\"\""));
    } else {
        out.push_str(s);
    }
}

fn csv_row(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(out, f);
    }
    out.push('\n');
}

/// Swaps the check character for a wrong one.
fn break_check(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(last) = chars.last_mut() {
        *last = if *last == '1' { '2' } else { '1' };
    }
    chars.into_iter().collect()
}

fn date_text(rng: &mut StdRng, y: i32, m: u8, d: u8, defect: bool) -> String {
    if defect {
        match rng.gen_range(0..3) {
            0 => format!("{y}/{m}/{d}"),
            1 => format!("{y}年{m}月{d}日"),
            _ => format!("{y}{m:02}{d:02}"),
        }
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Generated people beyond the demo citizens: (resident ID, name, birth (y, m, d), district).
fn population(demo: &[DemoPerson]) -> Result<Vec<Citizen>> {
    let mut rng = StdRng::seed_from_u64(11643);
    let mut out = Vec::with_capacity(POPULATION_ROWS);
    for i in 0..POPULATION_ROWS {
        let (region, district) = DISTRICTS[i % DISTRICTS.len()];
        let street = STREETS[rng.gen_range(0..STREETS.len())];
        let address = format!("示范市{district}{street}{}号", rng.gen_range(1..400));
        if let Some(p) = demo.get(i) {
            let birth = (
                p.resident_id[6..10].parse().unwrap_or(1990),
                p.resident_id[10..12].parse().unwrap_or(1),
                p.resident_id[12..14].parse().unwrap_or(1),
            );
            out.push((
                p.resident_id.clone(),
                p.name.clone(),
                birth,
                district,
                p.address.clone(),
                p.phone.clone(),
            ));
            continue;
        }
        let birth = (
            rng.gen_range(1940..2020),
            rng.gen_range(1..=12u8),
            rng.gen_range(1..=28u8),
        );
        // Region, birth date and sequence together keep the IDs (almost always) unique.
        #[allow(clippy::cast_possible_truncation)]
        let seq = (i % 1000) as u16;
        let rid = ResidentId::from_parts(region, birth, seq)
            .map_err(|e| CoreError::internal(format!("demo resident id: {e}")))?;
        let name = format!(
            "{}{}",
            SURNAMES[rng.gen_range(0..SURNAMES.len())],
            GIVEN[rng.gen_range(0..GIVEN.len())]
        );
        let phone = format!(
            "13{}{:08}",
            rng.gen_range(0..10),
            rng.gen_range(0..100_000_000u32)
        );
        out.push((
            rid.as_str().to_string(),
            name,
            birth,
            district,
            address,
            phone,
        ));
    }
    Ok(out)
}

/// The population registry as CSV.
fn population_csv(people: &[Citizen]) -> String {
    let mut rng = StdRng::seed_from_u64(2027);
    let mut out =
        String::from("resident_id,name,gender,birth_date,district,address,phone,registered_on\n");
    for (i, (rid, name, (y, m, d), district, address, phone)) in people.iter().enumerate() {
        let defect = rng.gen_range(0..100);
        let sex_digit = rid.as_bytes().get(16).copied().unwrap_or(b'0');
        let gender = if (sex_digit - b'0') % 2 == 1 {
            "男"
        } else {
            "女"
        };
        let rid_text = if defect == 0 && i >= 200 {
            break_check(rid)
        } else {
            rid.clone()
        };
        let name_text = if defect == 1 {
            format!(" {name} ")
        } else {
            name.clone()
        };
        let birth = date_text(&mut rng, *y, *m, *d, defect == 2);
        let phone_text = match defect {
            3 => String::new(),
            4 => format!("+86 {}-{}-{}", &phone[..3], &phone[3..7], &phone[7..]),
            _ => phone.clone(),
        };
        let registered = format!(
            "20{:02}-{:02}-{:02}",
            rng.gen_range(10..26),
            rng.gen_range(1..13),
            rng.gen_range(1..29)
        );
        csv_row(
            &mut out,
            &[
                &rid_text,
                &name_text,
                gender,
                &birth,
                district,
                address,
                &phone_text,
                &registered,
            ],
        );
        // About 1 % of people were registered twice.
        if i >= 200 && rng.gen_range(0..100) == 0 {
            csv_row(
                &mut out,
                &[
                    rid,
                    name,
                    gender,
                    &format!("{y:04}-{m:02}-{d:02}"),
                    district,
                    address,
                    phone,
                    &registered,
                ],
            );
        }
    }
    out
}

/// The business registry as CSV: the demo enterprises first, then generated ones.
fn business(people: &[Citizen], demo: &[DemoEnterprise]) -> Result<(String, Vec<String>)> {
    let mut rng = StdRng::seed_from_u64(32101);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut codes = Vec::with_capacity(BUSINESS_ROWS);
    let mut out = String::from(
        "credit_code,company_name,legal_rep_id,legal_rep_name,registered_address,registered_capital,established_on,status\n",
    );
    for k in 0..BUSINESS_ROWS {
        let (code, name, rep, address) = match demo.get(k) {
            Some(e) => (
                e.credit_code.clone(),
                e.name.clone(),
                e.agent,
                e.address.clone(),
            ),
            None => {
                let (region, district) = DISTRICTS[k % DISTRICTS.len()];
                let org: String = (0..9)
                    .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                    .collect();
                let code = CreditCode::from_parts(&format!("91{region}{org}"))
                    .map_err(|e| CoreError::internal(format!("demo credit code: {e}")))?;
                let name = format!(
                    "示范市{}{}{}{}有限公司",
                    &district[..district.len() - 3],
                    SURNAMES[k % SURNAMES.len()],
                    ["鑫", "华", "盛", "达"][k % 4],
                    TRADES[k % TRADES.len()]
                );
                let street = STREETS[rng.gen_range(0..STREETS.len())];
                (
                    code.as_str().to_string(),
                    name,
                    200 + rng.gen_range(0..2000),
                    format!("示范市{district}{street}{}号", rng.gen_range(1..400)),
                )
            }
        };
        codes.push(code.clone());
        let rep = &people[rep.min(people.len() - 1)];
        let defect = if k < demo.len() {
            99
        } else {
            rng.gen_range(0..100)
        };
        let code_text = match defect {
            0 => code.to_lowercase(),
            1 => break_check(&code),
            _ => code.clone(),
        };
        let address_text = match defect {
            2 => String::new(),
            3 => address
                .replace('1', "１")
                .replace('2', "２")
                .replace('3', "３"),
            _ => address.clone(),
        };
        let capital = (rng.gen_range(10..5000) * 10_000).to_string();
        let (y, m, d) = (
            rng.gen_range(1995..2026),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        );
        let established = date_text(&mut rng, y, m, d, defect == 4);
        let status = ["存续", "存续", "存续", "注销", "吊销"][rng.gen_range(0..5)];
        csv_row(
            &mut out,
            &[
                &code_text,
                &name,
                &rep.0,
                &rep.1,
                &address_text,
                &capital,
                &established,
                status,
            ],
        );
    }
    Ok((out, codes))
}

/// Social-security enrolments as CSV.
fn enrolments_csv(people: &[Citizen], codes: &[String]) -> Result<String> {
    let mut rng = StdRng::seed_from_u64(2028);
    let mut out = String::from(
        "resident_id,name,employer_credit_code,insurance_type,enrolled_on,monthly_base\n",
    );
    for _ in 0..ENROLMENT_ROWS {
        let p = &people[rng.gen_range(0..people.len())];
        let defect = rng.gen_range(0..100);
        let rid = if defect == 0 {
            // Someone the population registry does not know.
            ResidentId::from_parts(110109, (1988, 8, 8), rng.gen_range(0..1000))
                .map_err(|e| CoreError::internal(format!("demo resident id: {e}")))?
                .as_str()
                .to_string()
        } else {
            p.0.clone()
        };
        let employer = if defect == 1 {
            "91110000MA00000000".to_string()
        } else {
            codes[rng.gen_range(0..codes.len())].clone()
        };
        let kind = INSURANCE[rng.gen_range(0..INSURANCE.len())];
        let (y, m, d) = (
            rng.gen_range(2010..2026),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        );
        let enrolled = date_text(&mut rng, y, m, d, defect == 2);
        let base = if defect == 3 {
            -3000
        } else {
            rng.gen_range(3000..30000)
        };
        let name = if defect == 4 {
            String::new()
        } else {
            p.1.clone()
        };
        csv_row(
            &mut out,
            &[&rid, &name, &employer, kind, &enrolled, &base.to_string()],
        );
    }
    Ok(out)
}

/// The business registry's confirmed classes: (column, level, mask).
const BUSINESS_CLASSES: &[(&str, &str, &str)] = &[
    ("credit_code", "public", "none"),
    ("company_name", "public", "none"),
    (
        "legal_rep_id",
        "sensitive_personal",
        "template:{first:6}********{last:4}",
    ),
    ("legal_rep_name", "personal", "template:{first:1}**"),
    ("registered_address", "public", "none"),
    ("registered_capital", "public", "none"),
    ("established_on", "public", "none"),
    ("status", "public", "none"),
];

const POPULATION_RULES: &str = r#"# Population registry (人口库) rules.
[[rule]]
id = "rows"
check = "row_count"
min = 1

[[rule]]
id = "resident_id_present"
check = "missing"
column = "resident_id"

[[rule]]
id = "resident_id_checksum"
check = "format"
column = "resident_id"
format = "resident_id"

[[rule]]
id = "resident_id_unique"
check = "duplicate"
column = "resident_id"

[[rule]]
id = "name_present"
check = "missing"
column = "name"

[[rule]]
id = "name_trimmed"
check = "regex"
column = "name"
pattern = "\\S(.*\\S)?"

[[rule]]
id = "gender_values"
check = "values"
column = "gender"
values = ["男", "女"]

[[rule]]
id = "birth_date_iso"
check = "format"
column = "birth_date"
format = "iso_date"

[[rule]]
id = "phone_present"
check = "missing"
column = "phone"

[[rule]]
id = "phone_valid"
check = "regex"
column = "phone"
pattern = "1[3-9][0-9]{9}"
"#;

const BUSINESS_RULES: &str = r#"# Business registry (法人库) rules.
[[rule]]
id = "credit_code_checksum"
check = "format"
column = "credit_code"
format = "credit_code"

[[rule]]
id = "credit_code_upper"
check = "regex"
column = "credit_code"
pattern = "[0-9A-Z]{18}"

[[rule]]
id = "credit_code_unique"
check = "duplicate"
column = "credit_code"

[[rule]]
id = "address_present"
check = "missing"
column = "registered_address"

[[rule]]
id = "address_half_width"
check = "regex"
column = "registered_address"
pattern = "[^０-９]*"

[[rule]]
id = "established_iso"
check = "format"
column = "established_on"
format = "iso_date"

[[rule]]
id = "legal_rep_known"
check = "reference"
column = "legal_rep_id"
reference = "population-registry:resident_id"

[[rule]]
id = "status_values"
check = "values"
column = "status"
values = ["存续", "注销", "吊销"]
"#;

const ENROLMENT_RULES: &str = r#"# Social-security enrolments (社保参保) rules.
[[rule]]
id = "person_known"
check = "reference"
column = "resident_id"
reference = "population-registry:resident_id"

[[rule]]
id = "name_matches_registry"
check = "accuracy"
key = "resident_id"
column = "name"
reference = "population-registry:resident_id:name"

[[rule]]
id = "employer_known"
check = "reference"
column = "employer_credit_code"
reference = "business-registry:credit_code"

[[rule]]
id = "name_present"
check = "missing"
column = "name"

[[rule]]
id = "enrolled_iso"
check = "format"
column = "enrolled_on"
format = "iso_date"

[[rule]]
id = "base_positive"
check = "range"
column = "monthly_base"
min = 0
"#;

impl Platform {
    /// Loads the demo datasets if they are missing (called by the demo seeding).
    pub(crate) async fn seed_datahub(&self) -> Result<u64> {
        let demo_people = crate::demo::people()?;
        let demo_firms = crate::demo::enterprises()?;
        let people = population(&demo_people)?;
        let (business_csv, codes) = business(&people, &demo_firms)?;
        let sets = [
            (
                NewDataset {
                    id: "population-registry".into(),
                    owner_department: "psb-hukou".into(),
                    name_zh: "示范市人口基础信息库".into(),
                    name_en: "Population registry".into(),
                    description: "Registered residents of the demo city: identity, birth, address and contact.".into(),
                    update_frequency: "DAILY".into(),
                    keywords: vec!["人口".into(), "population".into()],
                    theme: "SOCI".into(),
                    license: String::new(),
                },
                population_csv(&people),
                POPULATION_RULES,
                false,
            ),
            (
                NewDataset {
                    id: "business-registry".into(),
                    owner_department: "amr".into(),
                    name_zh: "示范市法人单位基础信息库".into(),
                    name_en: "Business registry".into(),
                    description: "Enterprises registered in the demo city: credit code, name, legal representative, address, capital and status.".into(),
                    update_frequency: "DAILY".into(),
                    keywords: vec!["企业".into(), "business".into(), "credit code".into()],
                    theme: "ECON".into(),
                    license: "CC-BY-4.0".into(),
                },
                business_csv,
                BUSINESS_RULES,
                true,
            ),
            (
                NewDataset {
                    id: "social-security-enrolments".into(),
                    owner_department: "hrss".into(),
                    name_zh: "示范市社会保险参保登记".into(),
                    name_en: "Social-security enrolments".into(),
                    description: "Enrolments in the five social insurances, by person and employer.".into(),
                    update_frequency: "MONTHLY".into(),
                    keywords: vec!["社保".into(), "social security".into()],
                    theme: "SOCI".into(),
                    license: String::new(),
                },
                enrolments_csv(&people, &codes)?,
                ENROLMENT_RULES,
                false,
            ),
        ];
        let mut created = 0;
        for (new, csv, rules, open) in sets {
            if self.dataset_row(&new.id).await.is_ok() {
                continue;
            }
            let id = new.id.clone();
            self.store()
                .write(move |tx| {
                    Box::pin(async move {
                        let now = crate::clock::to_ms(tx.now());
                        let actor = "system:seed";
                        tx.execute(
                            "INSERT INTO datasets (id, owner_department, name_zh, name_en, description, \
                             update_frequency, keywords, theme, license, is_open, data_level, \
                             current_version, created_by, created_ms, updated_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, 0, $10, $11, $11)",
                            &[Val::from(&new.id), Val::from(&new.owner_department), Val::from(&new.name_zh),
                              Val::from(&new.name_en), Val::from(&new.description), Val::from(&new.update_frequency),
                              Val::from(new.keywords.join(",")), Val::from(&new.theme), Val::from(&new.license),
                              Val::from(actor), Val::from(now)],
                        )
                        .await?;
                        tx.journal(actor, "datahub.dataset_created", &format!("dataset:{}", new.id),
                            json!({ "owner": new.owner_department, "name_zh": new.name_zh,
                                    "name_en": new.name_en, "frequency": new.update_frequency }))?;
                        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(rules.as_bytes()));
                        tx.execute(
                            "INSERT INTO dataset_rulesets (dataset_id, revision, body, sha256, saved_by, saved_ms) \
                             VALUES ($1, 1, $2, $3, $4, $5)",
                            &[Val::from(&new.id), Val::from(rules), Val::from(&sha), Val::from(actor), Val::from(now)],
                        )
                        .await?;
                        tx.journal(actor, "datahub.ruleset_saved", &format!("dataset:{}", new.id),
                            json!({ "revision": 1, "sha256": sha }))?;
                        Ok(())
                    })
                })
                .await?;
            let ds = self.dataset_row(&id).await?;
            let upload = Upload {
                format: UploadFormat::Csv,
                file_name: format!("{id}.csv"),
                bytes: csv.into_bytes(),
                refuse_bad_rows: false,
            };
            let prepared = self
                .prepare_version(&ds, move || ingest(upload, None))
                .await?;
            self.record_version(
                "system:seed".into(),
                &ds,
                format!("upload:{id}.csv"),
                prepared,
                None,
            )
            .await?;
            if open {
                // The business registry is published: its classes are confirmed first,
                // so company names are public and the legal representatives' identity
                // numbers stay out of the open data.
                self.store()
                    .write(move |tx| {
                        Box::pin(async move {
                            let now = crate::clock::to_ms(tx.now());
                            let actor = "system:seed";
                            for (column, level, mask) in BUSINESS_CLASSES {
                                tx.execute(
                                    "INSERT INTO dataset_columns (dataset_id, column_name, sensitivity, mask, \
                                     confirmed_by, confirmed_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                                    &[Val::from(&id), Val::from(*column), Val::from(*level), Val::from(*mask),
                                      Val::from(actor), Val::from(now)],
                                )
                                .await?;
                            }
                            tx.execute("UPDATE datasets SET is_open = 1, data_level = 'important' WHERE id = $1", &[Val::from(&id)])
                                .await?;
                            tx.journal(actor, "datahub.classification_confirmed", &format!("dataset:{id}"),
                                json!({ "data_level": "important", "columns": BUSINESS_CLASSES.iter()
                                    .map(|(c, l, m)| json!({"column": c, "sensitivity": l, "mask": m}))
                                    .collect::<Vec<_>>() }))?;
                            tx.journal(actor, "datahub.dataset_opened", &format!("dataset:{id}"), json!({}))?;
                            Ok(())
                        })
                    })
                    .await?;
            }
            created += 1;
        }
        created += self.seed_prefill_grant().await?;
        Ok(created)
    }

    /// The tax department's grant on the business registry, so that its VAT invoice
    /// limit form pre-fills an enterprise's registered address from shared data instead
    /// of asking for it: requested by its official and approved by the market
    /// regulator's data steward through the normal grant path (both journaled).
    async fn seed_prefill_grant(&self) -> Result<u64> {
        use super::grants::{GrantDecision, GrantRequest, GrantStatus};
        if self
            .grants_on("business-registry")
            .await?
            .iter()
            .any(|g| g.grantee_department == "tax" && g.status == GrantStatus::Approved)
        {
            return Ok(0);
        }
        let official = self.principal("demo-account-tax.official").await?;
        let steward = self.principal("demo-account-amr.steward").await?;
        let grant = self
            .request_grant(
                &official,
                GrantRequest {
                    dataset: "business-registry".into(),
                    grantee_department: "tax".into(),
                    columns: vec!["credit_code".into(), "registered_address".into()],
                    row_filter: String::new(),
                    purpose: "Pre-fill the registered address on tax applications (增值税专用发票最高开票限额审批) instead of asking the enterprise again.".into(),
                    unmasked: false,
                    valid_days: 366,
                },
            )
            .await?;
        self.decide_grant(
            &steward,
            &grant.id,
            GrantDecision {
                approve: true,
                ..GrantDecision::default()
            },
        )
        .await?;
        Ok(1)
    }
}
