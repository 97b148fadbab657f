//! The demo city (示范市): departments, officials, citizens and enterprises.
//!
//! Loading is idempotent: every record has a fixed key, inserts skip what exists, and
//! only what is actually created is journaled. People and codes are generated from a
//! fixed seed, so every installation's demo city is the same.

use crate::error::{CoreError, Result};
use crate::identity::password::hash_password_now;
use crate::licences::{Holder, IssueRequest};
use crate::platform::Platform;
use crate::store::Val;
use govops_ids::{CreditCode, ResidentId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// The password every demo login uses.
pub const DEMO_PASSWORD: &str = "govops-demo-2026";

/// The departments: code, Chinese name, English name, parent code.
pub const DEPARTMENTS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "city",
        "示范市人民政府",
        "Demo City People's Government",
        None,
    ),
    (
        "gsdm",
        "示范市政务服务和数据管理局",
        "Government Services and Data Administration",
        Some("city"),
    ),
    (
        "amr",
        "示范市市场监督管理局",
        "Administration for Market Regulation",
        Some("city"),
    ),
    (
        "tax",
        "国家税务总局示范市税务局",
        "Taxation Bureau",
        Some("city"),
    ),
    (
        "psb",
        "示范市公安局",
        "Public Security Bureau",
        Some("city"),
    ),
    (
        "psb-hukou",
        "示范市公安局户政管理支队",
        "Household Registration Division",
        Some("psb"),
    ),
    (
        "hrss",
        "示范市人力资源和社会保障局",
        "Human Resources and Social Security Bureau",
        Some("city"),
    ),
    (
        "hpf",
        "示范市住房公积金管理中心",
        "Housing Provident Fund Management Centre",
        Some("city"),
    ),
    (
        "nhc",
        "示范市卫生健康委员会",
        "Health Commission",
        Some("city"),
    ),
    (
        "fire",
        "示范市消防救援支队",
        "Fire and Rescue Detachment",
        Some("city"),
    ),
    (
        "eco",
        "示范市生态环境局",
        "Ecology and Environment Bureau",
        Some("city"),
    ),
    (
        "housing",
        "示范市住房和城乡建设局",
        "Housing and Urban-Rural Development Bureau",
        Some("city"),
    ),
    (
        "nrp",
        "示范市自然资源和规划局",
        "Natural Resources and Planning Bureau",
        Some("city"),
    ),
    (
        "civil",
        "示范市民政局",
        "Civil Affairs Bureau",
        Some("city"),
    ),
    (
        "hsa",
        "示范市医疗保障局",
        "Healthcare Security Administration",
        Some("city"),
    ),
];

/// A role grant in the demo data: (role, department code or "").
pub type DemoGrant = (&'static str, &'static str);

/// A named demo login: username, display name, roles.
pub type DemoLogin = (&'static str, &'static str, &'static [DemoGrant]);

/// Named demo logins.
pub const DEMO_LOGINS: &[DemoLogin] = &[
    ("zhangwei", "张伟", &[("citizen", "")]),
    ("lina", "李娜", &[("citizen", "")]),
    ("amr.official", "王芳 (市场监管)", &[("official", "amr")]),
    (
        "amr.head",
        "刘强 (市场监管负责人)",
        &[("department_head", "amr"), ("official", "amr")],
    ),
    (
        "gsdm.ops",
        "陈静 (运营办公室)",
        &[("operations_office", "gsdm")],
    ),
    (
        "amr.steward",
        "杨洋 (数据管理员)",
        &[("data_steward", "amr")],
    ),
    ("auditor", "赵敏 (审计员)", &[("auditor", "")]),
    (
        "admin",
        "周磊 (系统管理员)",
        &[("system_administrator", "")],
    ),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "志强", "晓东",
    "海燕",
];
const DISTRICTS: &[(u32, &str)] = &[
    (110101, "东城区"),
    (110105, "朝阳区"),
    (110108, "海淀区"),
    (110106, "丰台区"),
];
const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "和平路",
    "新华路",
    "科技园路",
    "滨海大道",
];
const TRADES: &[&str] = &[
    "科技",
    "贸易",
    "餐饮",
    "建筑",
    "物流",
    "咨询",
    "教育",
    "医疗器械",
    "文化传媒",
    "环保",
];

/// Number of generated citizens.
pub const CITIZENS: usize = 200;
/// Number of generated enterprises.
pub const ENTERPRISES: usize = 50;

/// One generated person.
#[derive(Debug, Clone)]
pub struct DemoPerson {
    /// Stable key.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Resident ID number.
    pub resident_id: String,
    /// Mobile phone.
    pub phone: String,
    /// Address.
    pub address: String,
}

/// One generated enterprise.
#[derive(Debug, Clone)]
pub struct DemoEnterprise {
    /// Stable key.
    pub id: String,
    /// Registered name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
    /// Index of the person who is legal representative and agent.
    pub agent: usize,
    /// Registered address.
    pub address: String,
}

fn address(rng: &mut StdRng) -> String {
    let (_, district) = DISTRICTS[rng.gen_range(0..DISTRICTS.len())];
    let street = STREETS[rng.gen_range(0..STREETS.len())];
    format!("示范市{district}{street}{}号", rng.gen_range(1..400))
}

/// The generated people; person 0 is 张伟 and person 1 is 李娜, the demo logins.
pub fn people() -> Result<Vec<DemoPerson>> {
    let mut rng = StdRng::seed_from_u64(2026);
    let mut out = Vec::with_capacity(CITIZENS);
    for i in 0..CITIZENS {
        let name = match i {
            0 => "张伟".to_string(),
            1 => "李娜".to_string(),
            _ => format!(
                "{}{}",
                SURNAMES[rng.gen_range(0..SURNAMES.len())],
                GIVEN[rng.gen_range(0..GIVEN.len())]
            ),
        };
        let (region, _) = DISTRICTS[i % DISTRICTS.len()];
        let year = rng.gen_range(1986..2006);
        let month = rng.gen_range(1..=12u8);
        let day = rng.gen_range(1..=28u8);
        // The sequence number is unique per person; its parity gives the sex.
        let seq = (i as u16) * 2 + 1 + u16::from(rng.gen_bool(0.5));
        let rid = ResidentId::from_parts(region, (year, month, day), seq % 1000)
            .map_err(|e| CoreError::internal(format!("demo resident id: {e}")))?;
        out.push(DemoPerson {
            id: format!("demo-person-{i:03}"),
            name,
            resident_id: rid.as_str().to_string(),
            phone: format!("13{}{:08}", 8 + (i % 2), 10_000_000 + i * 7919),
            address: address(&mut rng),
        });
    }
    Ok(out)
}

/// The generated enterprises; enterprise k is run by person k + 1.
pub fn enterprises() -> Result<Vec<DemoEnterprise>> {
    let mut rng = StdRng::seed_from_u64(32100);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut out = Vec::with_capacity(ENTERPRISES);
    for k in 0..ENTERPRISES {
        let (region, district) = DISTRICTS[k % DISTRICTS.len()];
        let org: String = (0..9)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        let prefix = format!("91{region}{org}");
        let code = CreditCode::from_parts(&prefix)
            .map_err(|e| CoreError::internal(format!("demo credit code: {e}")))?;
        let trade = TRADES[k % TRADES.len()];
        out.push(DemoEnterprise {
            id: format!("demo-enterprise-{k:03}"),
            name: format!(
                "示范市{}{}{}有限公司",
                &district[..district.len() - 3],
                ["鑫", "华", "盛", "达", "瑞"][k % 5],
                trade
            ),
            credit_code: code.as_str().to_string(),
            agent: k + 1,
            address: address(&mut rng),
        });
    }
    Ok(out)
}

fn department_credit_code(i: usize) -> Result<String> {
    // Government bodies' codes begin with 11 (机关); the rest is fixed per department.
    let prefix = format!("11440300{:09}", 7_000_000 + i * 37);
    CreditCode::from_parts(&prefix)
        .map(|c| c.as_str().to_string())
        .map_err(|e| CoreError::internal(format!("department credit code: {e}")))
}

/// An account to create: username, display name, person, role grants.
type NewAccount = (String, String, Option<String>, Vec<(String, String)>);

/// What a seeding created.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeedReport {
    /// Records created (0 when the demo city was already there).
    pub created: u64,
}

impl Platform {
    /// Loads the demo city. Safe to run again: nothing is duplicated.
    pub async fn seed_demo(&self) -> Result<SeedReport> {
        let hash = tokio::task::spawn_blocking(|| hash_password_now(DEMO_PASSWORD))
            .await
            .map_err(CoreError::internal)??;
        let people = people()?;
        let firms = enterprises()?;
        let mut depts = Vec::new();
        for (i, d) in DEPARTMENTS.iter().enumerate() {
            depts.push((d.0, d.1, d.2, d.3, department_credit_code(i)?));
        }
        let created = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let now = tx.now();
                    let now_ms = crate::clock::to_ms(now);
                    let mut created = 0u64;
                    let actor = "system:seed";
                    for (code, zh, en, parent, credit) in depts {
                        let r = tx.execute("INSERT INTO departments (code, name_zh, name_en, parent_code, credit_code, created_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING", &[Val::from(code), Val::from(zh), Val::from(en), Val::from(parent), Val::from(credit.clone()), Val::from(now_ms)]).await?;
                        if r == 1 {
                            created += 1;
                            tx.journal(actor, "directory.department_created", &format!("department:{code}"),
                                json!({ "name_zh": zh, "name_en": en, "parent": parent, "credit_code": credit }))?;
                        }
                    }
                    for p in &people {
                        let r = tx.execute("INSERT INTO persons (id, resident_id, name, phone, address, created_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING", &[Val::from(p.id.clone()), Val::from(p.resident_id.clone()), Val::from(p.name.clone()), Val::from(p.phone.clone()), Val::from(p.address.clone()), Val::from(now_ms)]).await?;
                        if r == 1 {
                            created += 1;
                            let masked = format!("{}********{}", &p.resident_id[..6], &p.resident_id[14..]);
                            tx.journal(actor, "identity.person_created", &format!("person:{}", p.id),
                                json!({ "resident_id": masked }))?;
                        }
                    }
                    for e in &firms {
                        let agent = &people[e.agent];
                        let r = tx.execute("INSERT INTO enterprises (id, credit_code, name, legal_rep_person_id, address, created_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING", &[Val::from(e.id.clone()), Val::from(e.credit_code.clone()), Val::from(e.name.clone()), Val::from(agent.id.clone()), Val::from(e.address.clone()), Val::from(now_ms)]).await?;
                        if r == 1 {
                            created += 1;
                            tx.execute("INSERT INTO enterprise_agents (enterprise_id, person_id, since_ms) VALUES ($1, $2, $3)", &[Val::from(e.id.clone()), Val::from(agent.id.clone()), Val::from(now_ms)]).await?;
                            tx.journal(actor, "identity.enterprise_created", &format!("enterprise:{}", e.id),
                                json!({ "credit_code": e.credit_code, "name": e.name, "agent": agent.id }))?;
                        }
                    }
                    // Accounts: the named demo logins, every citizen, and an official,
                    // a head and a data steward for every department.
                    let mut accounts: Vec<NewAccount> = Vec::new();
                    for (i, (username, display, roles)) in DEMO_LOGINS.iter().enumerate() {
                        let person = (i < 2).then(|| people[i].id.clone());
                        accounts.push((username.to_string(), display.to_string(), person,
                            roles.iter().map(|(r, d)| (r.to_string(), d.to_string())).collect()));
                    }
                    for (i, p) in people.iter().enumerate().skip(2) {
                        accounts.push((format!("citizen{i:03}"), p.name.clone(), Some(p.id.clone()),
                            vec![("citizen".into(), String::new())]));
                    }
                    for (code, zh, _, _) in DEPARTMENTS.iter().filter(|d| d.0 != "city") {
                        for (suffix, role, title) in [("official", "official", "工作人员"), ("head", "department_head", "负责人"), ("steward", "data_steward", "数据管理员")] {
                            let username = format!("{code}.{suffix}");
                            if accounts.iter().any(|a| a.0 == username) {
                                continue;
                            }
                            let mut roles = vec![(role.to_string(), code.to_string())];
                            if role == "department_head" {
                                roles.push(("official".into(), code.to_string()));
                            }
                            accounts.push((username, format!("{zh}{title}"), None, roles));
                        }
                    }
                    for (username, display, person, roles) in accounts {
                        let id = format!("demo-account-{username}");
                        let r = tx.execute("INSERT INTO accounts (id, username, display_name, password_hash, person_id, created_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING", &[Val::from(id.clone()), Val::from(username.clone()), Val::from(display), Val::from(hash.clone()), Val::from(person), Val::from(now_ms)]).await?;
                        if r == 0 {
                            continue;
                        }
                        created += 1;
                        for (role, dept) in &roles {
                            tx.execute("INSERT INTO role_grants (account_id, role, department_code) VALUES ($1, $2, $3)", &[Val::from(id.clone()), Val::from(role.clone()), Val::from(dept.clone())]).await?;
                        }
                        tx.journal(actor, "identity.account_created", &format!("account:{id}"),
                            json!({ "username": username, "roles": roles }))?;
                    }
                    created += seed_facts(tx, &people, &firms).await?;
                    Ok(created)
                })
            })
            .await?;
        let created = created + self.seed_demo_licences().await?;
        // The data hub's demo datasets (population, business, social security).
        let created = created + self.seed_datahub().await?;
        Ok(SeedReport { created })
    }
}

/// Registry facts other systems would answer for automated checks (looked-up data): for
/// every person and enterprise of the demo city. zhangwei draws a pension, so the pension
/// qualification check (社保待遇资格认证) approves him at once; citizen007 has lived in the
/// city for only four months, so his residence-permit check fails and an official decides.
async fn seed_facts(
    tx: &mut crate::store::Tx,
    people: &[DemoPerson],
    firms: &[DemoEnterprise],
) -> Result<u64> {
    let mut created = 0;
    let mut facts: Vec<(String, &str, String)> = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let months = if i == 7 { 4 } else { 18 + (i % 40) };
        for (name, value) in [
            ("alive", "true".to_owned()),
            ("face_verified", "true".to_owned()),
            ("receiving_benefit", (i == 0 || i % 9 == 0).to_string()),
            ("benefit_suspended", "false".to_owned()),
            ("months_of_residence", months.to_string()),
            ("contribution_months", (60 + (i * 7) % 300).to_string()),
            ("operator_restricted", "false".to_owned()),
            ("legal_rep_restricted", "false".to_owned()),
            ("practice_banned", "false".to_owned()),
            ("homes_owned_in_city", (i % 3).to_string()),
        ] {
            facts.push((p.resident_id.clone(), name, value));
        }
    }
    for e in firms {
        for (name, value) in [
            ("tax_credit_level", "\"B\"".to_owned()),
            ("business_licence_status", "\"active\"".to_owned()),
            ("address_in_standard_registry", "true".to_owned()),
            ("scope_needs_prior_licence", "false".to_owned()),
            ("name_conflict", "false".to_owned()),
            ("account_status", "\"normal\"".to_owned()),
        ] {
            facts.push((e.credit_code.clone(), name, value));
        }
    }
    for (subject, name, value) in facts {
        created += tx
            .execute(
                "INSERT INTO registry_facts (subject, name, value) VALUES ($1, $2, $3) ON CONFLICT (subject, name) DO NOTHING",
                &[Val::from(subject), Val::from(name), Val::from(value)],
            )
            .await?;
    }
    if created > 0 {
        tx.journal(
            "system:seed",
            "registry.facts_loaded",
            "registry:demo",
            json!({ "facts": created }),
        )?;
    }
    Ok(created)
}

// ---- Demo licences -------------------------------------------------------------------
// Until cases issue licences (the one-stop issue), the demo wallet gets a few through the
// same issuing API, so that 我的证照, presenting and verifying can be tried at once.

/// The demo licences: (holder, licence type, claims).
fn demo_licences(
    people: &[DemoPerson],
    firms: &[DemoEnterprise],
) -> Vec<(Holder, &'static str, serde_json::Value)> {
    let (zhang, li, firm) = (&people[0], &people[1], &firms[0]);
    vec![
        (
            Holder::Person(zhang.id.clone()),
            "residence-permit",
            json!({ "name": zhang.name, "resident_id": zhang.resident_id, "address": zhang.address }),
        ),
        (
            Holder::Person(zhang.id.clone()),
            "social-security-card",
            json!({ "name": zhang.name, "resident_id": zhang.resident_id,
                    "birth_date": format!("{}-{}-{}", &zhang.resident_id[6..10], &zhang.resident_id[10..12], &zhang.resident_id[12..14]),
                    "bank": "中国工商银行示范市分行" }),
        ),
        (
            Holder::Enterprise(firm.id.clone()),
            "business-licence",
            json!({ "name": firm.name, "credit_code": firm.credit_code, "type": "有限责任公司（自然人投资或控股）",
                    "legal_representative": li.name, "registered_capital": "100万元人民币",
                    "address": firm.address, "business_scope": "软件开发；信息技术咨询服务；计算机系统服务" }),
        ),
    ]
}

impl Platform {
    /// Issues the demo licences that are not there yet, when the licence types are
    /// loaded and a master key is configured; returns how many were issued.
    async fn seed_demo_licences(&self) -> Result<u64> {
        let people = people()?;
        let firms = enterprises()?;
        let wanted = demo_licences(&people, &firms);
        let types = self.licences().types();
        if !self.licences().can_issue() || wanted.iter().any(|(_, t, _)| types.get(t).is_none()) {
            tracing::info!("licence types not loaded; the demo wallet stays empty");
            return Ok(0);
        }
        let licences = self.licences().clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let mut issued = 0u64;
                    for (holder, type_id, claims) in wanted {
                        let holder_ref = match &holder {
                            Holder::Person(p) => format!("person:{p}"),
                            Holder::Enterprise(e) => format!("enterprise:{e}"),
                            Holder::Account(a) => a.clone(),
                        };
                        let (n,): (i64,) = tx
                            .fetch_one(
                                "SELECT COUNT(*) FROM licences WHERE holder = $1 AND type_id = $2",
                                &[Val::from(holder_ref), Val::from(type_id)],
                            )
                            .await?;
                        if n > 0 {
                            continue;
                        }
                        let serde_json::Value::Object(claims) = claims else {
                            continue;
                        };
                        licences
                            .issue_in(
                                tx,
                                IssueRequest {
                                    licence_type: type_id.to_owned(),
                                    holder,
                                    claims,
                                    case_id: None,
                                    actor: "system:seed".to_owned(),
                                },
                            )
                            .await?;
                        issued += 1;
                    }
                    Ok(issued)
                })
            })
            .await
    }
}
