//! What the public sees of the catalogue: browsing by life event, department and
//! category, search in both languages, and the service guide (办事指南).
//!
//! Everything here is public data, read from the running catalogue and the departments
//! table; these read models serve the portal pages and `/api/v1/services` alike.

use crate::error::{CoreError, Result};
use crate::identity::directory::Department;
use crate::platform::Platform;
use govops_workflow::definition::{
    Action, ApplicantType, BundleDefinition, Catalogue, MaterialSource, Plan, RejectPolicy,
    ResultSpec, ServiceDefinition,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The type names a form field can have, as [`FieldView::kind`] writes them.
pub const FIELD_TYPE_NAMES: [&str; 9] = govops_workflow::definition::FieldType::NAMES;

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Bilingual {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    fn new(zh: &str, en: &str) -> Self {
        Self {
            zh: zh.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// A code of the catalogue's vocabulary with its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Label {
    /// The code, as definition files and query parameters write it.
    pub code: String,
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A browsing choice and how many services it holds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Facet {
    /// The code and its names.
    #[serde(flatten)]
    pub label: Label,
    /// Services and bundles under it.
    pub count: usize,
}

/// Life events (主题) shown for browsing; a code not listed is shown as written.
const LIFE_EVENTS: &[(&str, &str, &str)] = &[
    ("birth", "出生", "Having a baby"),
    ("marriage", "婚姻", "Getting married"),
    ("move-to-city", "落户与居住", "Moving to the city"),
    ("rent-home", "租房", "Renting a home"),
    ("buy-home", "购房", "Buying a home"),
    ("employment", "就业", "Employment"),
    ("unemployment", "失业", "Losing a job"),
    ("retirement", "退休", "Retirement"),
    ("medical-care", "就医", "Medical care"),
    ("hardship", "社会救助", "Hardship and assistance"),
    ("elderly-care", "养老", "Elderly care"),
    ("open-business", "开办企业", "Starting a business"),
    ("open-restaurant", "开餐馆", "Opening a restaurant"),
    ("hire-staff", "招用员工", "Hiring staff"),
    ("construction-project", "工程建设", "Construction projects"),
    (
        "real-estate-development",
        "房地产开发",
        "Real-estate development",
    ),
    ("environment", "生态环境", "Environment"),
    ("data", "公共数据", "Public data"),
];

/// Catalogue categories (事项类型); a code not listed is shown as written.
const CATEGORIES: &[(&str, &str, &str)] = &[
    (
        "administrative_licensing",
        "行政许可",
        "Administrative licensing",
    ),
    (
        "administrative_confirmation",
        "行政确认",
        "Administrative confirmation",
    ),
    (
        "administrative_payment",
        "行政给付",
        "Administrative payment",
    ),
    ("administrative_ruling", "行政裁决", "Administrative ruling"),
    ("administrative_reward", "行政奖励", "Administrative reward"),
    (
        "other_administrative_power",
        "其他行政权力",
        "Other administrative power",
    ),
    ("public_service", "公共服务", "Public service"),
    ("bundle", "一件事", "One-stop bundle"),
];

fn label(table: &[(&str, &str, &str)], code: &str) -> Label {
    match table.iter().find(|(c, _, _)| *c == code) {
        Some((c, zh, en)) => Label {
            code: (*c).to_owned(),
            zh: (*zh).to_owned(),
            en: (*en).to_owned(),
        },
        None => Label {
            code: code.to_owned(),
            zh: code.to_owned(),
            en: code.to_owned(),
        },
    }
}

fn applicant_label(a: ApplicantType) -> Label {
    let (code, zh, en) = match a {
        ApplicantType::Person => ("person", "自然人", "Individuals"),
        ApplicantType::Enterprise => ("enterprise", "法人", "Enterprises and organisations"),
        ApplicantType::Both => ("both", "自然人、法人", "Individuals and enterprises"),
    };
    Label {
        code: code.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

/// A department as the guide names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DepartmentRef {
    /// Its code, e.g. `amr`.
    pub code: String,
    /// 中文 name (from the departments table; the code if the table lacks it).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// Whether a catalogue entry is one service or a bundle (一件事).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// One service (政务服务事项).
    Service,
    /// A bundle of services applied for together (一件事).
    Bundle,
}

/// One line of the catalogue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceSummary {
    /// The stable id; the guide is at `/services/{id}`.
    pub id: String,
    /// Service or bundle.
    pub kind: EntryKind,
    /// The version now live.
    pub version: u32,
    /// The name.
    pub name: Bilingual,
    /// The owning (for a bundle, coordinating) department.
    pub department: DepartmentRef,
    /// The category; bundles have the category `bundle`.
    pub category: Label,
    /// Life events.
    pub life_events: Vec<Label>,
    /// Who may apply.
    pub applicant: Label,
    /// Promised time limit (承诺时限), working days.
    pub promised_days: u32,
    /// Statutory time limit (法定时限), working days; for a bundle, the longest of its parts.
    pub statutory_days: u32,
    /// The fee in fen (分); for a bundle, the sum of its parts' fees.
    pub fee_fen: u64,
    /// Whether every automated check passing approves at once (秒批).
    pub instant: bool,
}

/// Filters of the catalogue; every one given must match.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Words to find in the names (中文 or English), the departments' names, the legal
    /// basis and the life events and categories; case does not matter, every word must be found.
    pub q: Option<String>,
    /// A life-event code, e.g. `open-business`.
    pub life_event: Option<String>,
    /// A department code, e.g. `amr`: its own services and the bundles it takes part in.
    pub department: Option<String>,
    /// A category code, e.g. `administrative_licensing`, or `bundle`.
    pub category: Option<String>,
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The catalogue browsed: what matched, and the choices to browse by.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Browse {
    /// What matched, bundles first, then by id.
    pub results: Vec<ServiceSummary>,
    /// Every entry in the catalogue, whatever the filters.
    pub total: usize,
    /// Life events, with how many entries each holds.
    pub life_events: Vec<Facet>,
    /// Departments that own or take part in entries.
    pub departments: Vec<Facet>,
    /// Categories.
    pub categories: Vec<Facet>,
}

/// One material (申请材料) and how it is satisfied.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaterialView {
    /// Unique within its service.
    pub id: String,
    /// The material's name.
    pub name: Bilingual,
    /// Whether the application cannot go ahead without it.
    pub required: bool,
    /// `upload`, or `shared` / `licence` (免提交: the applicant submits nothing).
    pub source: String,
    /// True when the applicant need not submit it (免提交).
    pub exempt: bool,
    /// Accepted file types, for uploads.
    pub formats: Vec<String>,
    /// What satisfies it instead: a shared dataset column, or a licence type.
    pub satisfied_by: Option<String>,
    /// For a bundle: the service that needs it.
    pub part: Option<String>,
}

/// One question of the application form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldView {
    /// The field's id in the form.
    pub id: String,
    /// The label.
    pub label: Bilingual,
    /// The type: text, number, date, choice, resident_id, credit_code, phone, address, file.
    pub kind: String,
    /// Whether an answer is required.
    pub required: bool,
    /// The choices of a choice field.
    pub choices: Vec<String>,
    /// Filled in from what the platform already holds, when set (`dataset.column`).
    pub prefill: Option<String>,
    /// For a bundle: the services that use the answer.
    pub used_by: Vec<String>,
}

/// One department task of the procedure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StepView {
    /// The step's id (`service/step` in a bundle).
    pub id: String,
    /// The step's name, e.g. 受理 / Acceptance.
    pub name: Bilingual,
    /// The department that acts.
    pub department: DepartmentRef,
    /// The role that acts.
    pub role: String,
    /// Its own time limit, working days.
    pub time_limit: u32,
    /// What the official may do: approve, reject, return, transfer.
    pub actions: Vec<String>,
    /// The steps that must all be approved first.
    pub after: Vec<String>,
}

/// Steps that run at the same time; stages run one after another.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stage {
    /// 1-based position.
    pub number: usize,
    /// True when more than one department task runs in parallel in this stage.
    pub parallel: bool,
    /// The tasks.
    pub steps: Vec<StepView>,
}

/// An automated check, by its registered algorithm (算法备案).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckView {
    /// The rule's id.
    pub id: String,
    /// The registered algorithm id.
    pub algorithm: String,
    /// What the applicant is told when it fails.
    pub message: Option<Bilingual>,
}

/// What a completed application issues.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    /// `licence` or `letter`.
    pub kind: String,
    /// The licence type, or the letter's template.
    pub name: String,
    /// For a bundle: the service that issues it.
    pub part: Option<String>,
}

/// The service guide (办事指南): everything a person needs to know before applying.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceGuide {
    /// The entry as the catalogue lists it.
    #[serde(flatten)]
    pub summary: ServiceSummary,
    /// The laws and regulations it rests on.
    pub legal_basis: Vec<String>,
    /// The legal basis for the fee, if one is charged.
    pub fee_basis: Option<String>,
    /// Materials.
    pub materials: Vec<MaterialView>,
    /// The questions the form will ask.
    pub fields: Vec<FieldView>,
    /// The procedure, stage by stage.
    pub stages: Vec<Stage>,
    /// Automated checks.
    pub checks: Vec<CheckView>,
    /// What is issued.
    pub results: Vec<ResultView>,
    /// For a bundle: its services.
    pub parts: Vec<ServiceSummary>,
    /// For a bundle: what happens when one part is rejected (`continue` or `cancel_all`).
    pub on_part_rejected: Option<String>,
    /// Where to ask: the owning (coordinating) department.
    pub enquiries: DepartmentRef,
}

type Departments = BTreeMap<String, Department>;

fn dept(departments: &Departments, code: &str) -> DepartmentRef {
    match departments.get(code) {
        Some(d) => DepartmentRef {
            code: d.code.clone(),
            name_zh: d.name_zh.clone(),
            name_en: d.name_en.clone(),
        },
        None => DepartmentRef {
            code: code.to_owned(),
            name_zh: code.to_owned(),
            name_en: code.to_owned(),
        },
    }
}

fn service_summary(s: &ServiceDefinition, departments: &Departments) -> ServiceSummary {
    ServiceSummary {
        id: s.id.clone(),
        kind: EntryKind::Service,
        version: s.version,
        name: Bilingual::new(&s.name.zh, &s.name.en),
        department: dept(departments, &s.department),
        category: label(CATEGORIES, &s.category),
        life_events: s
            .life_events
            .iter()
            .map(|e| label(LIFE_EVENTS, e))
            .collect(),
        applicant: applicant_label(s.applicant),
        promised_days: s.promised_days,
        statutory_days: s.statutory_days,
        fee_fen: s.fee.amount_fen,
        instant: s.instant,
    }
}

fn bundle_parts<'c>(b: &BundleDefinition, c: &'c Catalogue) -> Vec<&'c ServiceDefinition> {
    b.parts
        .iter()
        .filter_map(|(id, _)| c.services.get(id))
        .collect()
}

fn bundle_summary(
    b: &BundleDefinition,
    c: &Catalogue,
    departments: &Departments,
) -> ServiceSummary {
    let parts = bundle_parts(b, c);
    let applicant = match parts.first().map(|p| p.applicant) {
        Some(first) if parts.iter().all(|p| p.applicant == first) => first,
        _ => ApplicantType::Both,
    };
    ServiceSummary {
        id: b.id.clone(),
        kind: EntryKind::Bundle,
        version: b.version,
        name: Bilingual::new(&b.name.zh, &b.name.en),
        department: dept(departments, &b.department),
        category: label(CATEGORIES, "bundle"),
        life_events: b
            .life_events
            .iter()
            .map(|e| label(LIFE_EVENTS, e))
            .collect(),
        applicant: applicant_label(applicant),
        promised_days: b.plan.promised_days,
        statutory_days: parts.iter().map(|p| p.statutory_days).max().unwrap_or(0),
        fee_fen: parts.iter().map(|p| p.fee.amount_fen).sum(),
        instant: b.plan.instant,
    }
}

/// Every department code an entry involves: its owner and, for a bundle, its parts'.
fn departments_of(summary: &ServiceSummary, c: &Catalogue) -> Vec<String> {
    let mut codes = vec![summary.department.code.clone()];
    if let Some(b) = c.bundles.get(&summary.id) {
        codes.extend(bundle_parts(b, c).iter().map(|p| p.department.clone()));
    }
    codes.sort();
    codes.dedup();
    codes
}

fn haystack(summary: &ServiceSummary, legal_basis: &[String]) -> String {
    let mut text = vec![
        summary.id.clone(),
        summary.name.zh.clone(),
        summary.name.en.clone(),
        summary.department.name_zh.clone(),
        summary.department.name_en.clone(),
        summary.category.zh.clone(),
        summary.category.en.clone(),
    ];
    for e in &summary.life_events {
        text.push(e.zh.clone());
        text.push(e.en.clone());
    }
    text.extend(legal_basis.iter().cloned());
    text.join("\n").to_lowercase()
}

fn count_into(facets: &mut Vec<Facet>, l: Label) {
    match facets.iter_mut().find(|f| f.label.code == l.code) {
        Some(f) => f.count += 1,
        None => facets.push(Facet { label: l, count: 1 }),
    }
}

/// Browses and searches a catalogue; pure, so tests need no database.
pub fn browse(c: &Catalogue, departments: &Departments, query: &CatalogueQuery) -> Browse {
    let mut entries: Vec<(ServiceSummary, Vec<String>, Vec<String>)> = Vec::new();
    for b in c.bundles.values() {
        let s = bundle_summary(b, c, departments);
        let depts = departments_of(&s, c);
        let basis: Vec<String> = bundle_parts(b, c)
            .iter()
            .flat_map(|p| p.legal_basis.iter().cloned())
            .collect();
        entries.push((s, depts, basis));
    }
    for s in c.services.values() {
        let summary = service_summary(s, departments);
        let depts = departments_of(&summary, c);
        entries.push((summary, depts, s.legal_basis.clone()));
    }
    let (mut life_events, mut depts, mut categories) = (Vec::new(), Vec::new(), Vec::new());
    for (s, codes, _) in &entries {
        for e in &s.life_events {
            count_into(&mut life_events, e.clone());
        }
        for code in codes {
            let d = dept(departments, code);
            count_into(
                &mut depts,
                Label {
                    code: d.code,
                    zh: d.name_zh,
                    en: d.name_en,
                },
            );
        }
        count_into(&mut categories, s.category.clone());
    }
    let order = |table: &[(&str, &str, &str)], code: &str| {
        table
            .iter()
            .position(|(c, _, _)| *c == code)
            .unwrap_or(usize::MAX)
    };
    life_events.sort_by_key(|f| (order(LIFE_EVENTS, &f.label.code), f.label.code.clone()));
    categories.sort_by_key(|f| (order(CATEGORIES, &f.label.code), f.label.code.clone()));
    depts.sort_by(|a, b| a.label.code.cmp(&b.label.code));

    let words: Vec<String> = given(&query.q)
        .map(|q| {
            q.to_lowercase()
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let total = entries.len();
    let results = entries
        .into_iter()
        .filter(|(s, codes, basis)| {
            given(&query.life_event).is_none_or(|e| s.life_events.iter().any(|l| l.code == e))
                && given(&query.department).is_none_or(|d| codes.iter().any(|c| c == d))
                && given(&query.category).is_none_or(|c| s.category.code == c)
                && (words.is_empty() || {
                    let text = haystack(s, basis);
                    words.iter().all(|w| text.contains(w.as_str()))
                })
        })
        .map(|(s, _, _)| s)
        .collect();
    Browse {
        results,
        total,
        life_events,
        departments: depts,
        categories,
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Approve => "approve",
        Action::Reject => "reject",
        Action::Return => "return",
        Action::Transfer => "transfer",
    }
}

fn materials_of(s: &ServiceDefinition, part: Option<&str>) -> Vec<MaterialView> {
    s.materials
        .iter()
        .map(|m| {
            let (source, formats, satisfied_by) = match &m.source {
                MaterialSource::Upload { formats } => ("upload", formats.clone(), None),
                MaterialSource::Shared { dataset, column } => {
                    ("shared", Vec::new(), Some(format!("{dataset}.{column}")))
                }
                MaterialSource::Licence { licence_type } => {
                    ("licence", Vec::new(), Some(licence_type.clone()))
                }
            };
            MaterialView {
                id: m.id.clone(),
                name: Bilingual::new(&m.name.zh, &m.name.en),
                required: m.required,
                source: source.to_owned(),
                exempt: source != "upload",
                formats,
                satisfied_by,
                part: part.map(str::to_owned),
            }
        })
        .collect()
}

/// The steps of a plan grouped into stages: a step's stage is one after the latest of
/// the steps it waits for, so steps in one stage can run in parallel.
fn stages_of(plan: &Plan, departments: &Departments) -> Vec<Stage> {
    let mut level = vec![0usize; plan.steps.len()];
    // Steps are validated acyclic; a pass per step settles every level.
    for _ in 0..plan.steps.len() {
        for (i, s) in plan.steps.iter().enumerate() {
            let l = s
                .after
                .iter()
                .filter_map(|&a| level.get(a))
                .map(|l| l + 1)
                .max()
                .unwrap_or(0);
            level[i] = l;
        }
    }
    let depth = level.iter().copied().max().map_or(0, |m| m + 1);
    (0..depth)
        .map(|n| {
            let steps: Vec<StepView> = plan
                .steps
                .iter()
                .enumerate()
                .filter(|(i, _)| level[*i] == n)
                .map(|(_, s)| StepView {
                    id: s.id.clone(),
                    name: Bilingual::new(&s.name.zh, &s.name.en),
                    department: dept(departments, &s.department),
                    role: s.role.clone(),
                    time_limit: s.time_limit,
                    actions: s
                        .actions
                        .iter()
                        .map(|a| action_name(*a).to_owned())
                        .collect(),
                    after: s
                        .after
                        .iter()
                        .filter_map(|&a| plan.steps.get(a).map(|p| p.id.clone()))
                        .collect(),
                })
                .collect();
            Stage {
                number: n + 1,
                parallel: steps.len() > 1,
                steps,
            }
        })
        .collect()
}

fn fields_of(plan: &Plan) -> Vec<FieldView> {
    plan.fields
        .iter()
        .map(|f| FieldView {
            id: f.id.clone(),
            label: Bilingual::new(&f.def.label.zh, &f.def.label.en),
            kind: f.def.kind.name().to_owned(),
            required: f.def.required,
            choices: f.def.choices.clone(),
            prefill: f.def.prefill.clone(),
            used_by: if plan.bundle {
                f.parts
                    .iter()
                    .filter_map(|&p| plan.parts.get(p).map(|p| p.service.clone()))
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect()
}

fn checks_of(s: &ServiceDefinition) -> Vec<CheckView> {
    s.rules
        .iter()
        .map(|r| CheckView {
            id: r.id.clone(),
            algorithm: r.algorithm.clone(),
            message: r.message.as_ref().map(|m| Bilingual::new(&m.zh, &m.en)),
        })
        .collect()
}

fn result_of(r: &ResultSpec, part: Option<&str>) -> ResultView {
    let (kind, name) = match r {
        ResultSpec::Licence { licence_type, .. } => ("licence", licence_type.clone()),
        ResultSpec::Letter { template } => ("letter", template.clone()),
    };
    ResultView {
        kind: kind.to_owned(),
        name,
        part: part.map(str::to_owned),
    }
}

/// The guide of the service or bundle `id`, or `None` if the catalogue has no such entry.
pub fn guide(c: &Catalogue, departments: &Departments, id: &str) -> Option<ServiceGuide> {
    if let Some(s) = c.services.get(id) {
        let plan = Plan::for_service(s);
        let summary = service_summary(s, departments);
        return Some(ServiceGuide {
            enquiries: summary.department.clone(),
            summary,
            legal_basis: s.legal_basis.clone(),
            fee_basis: s.fee.basis.clone(),
            materials: materials_of(s, None),
            fields: fields_of(&plan),
            stages: stages_of(&plan, departments),
            checks: checks_of(s),
            results: vec![result_of(&s.result, None)],
            parts: Vec::new(),
            on_part_rejected: None,
        });
    }
    let b = c.bundles.get(id)?;
    let parts = bundle_parts(b, c);
    let summary = bundle_summary(b, c, departments);
    let mut legal_basis: Vec<String> = Vec::new();
    for p in &parts {
        for l in &p.legal_basis {
            if !legal_basis.contains(l) {
                legal_basis.push(l.clone());
            }
        }
    }
    Some(ServiceGuide {
        enquiries: summary.department.clone(),
        summary,
        legal_basis,
        fee_basis: None,
        materials: {
            // A licence one part issues is not asked of the applicant by the others.
            let issued = c.licences_issued_within(&b.id);
            parts
                .iter()
                .flat_map(|p| materials_of(p, Some(&p.id)))
                .filter(|m| {
                    !(m.source == "licence"
                        && m.satisfied_by.as_ref().is_some_and(|t| issued.contains(t)))
                })
                .collect()
        },
        fields: fields_of(&b.plan),
        stages: stages_of(&b.plan, departments),
        checks: parts.iter().flat_map(|p| checks_of(p)).collect(),
        results: parts
            .iter()
            .map(|p| result_of(&p.result, Some(&p.id)))
            .collect(),
        parts: parts
            .iter()
            .map(|p| service_summary(p, departments))
            .collect(),
        on_part_rejected: Some(
            match b.plan.on_part_rejected {
                RejectPolicy::Continue => "continue",
                RejectPolicy::CancelAll => "cancel_all",
            }
            .to_owned(),
        ),
    })
}

impl Platform {
    async fn department_map(&self) -> Result<Departments> {
        Ok(self
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code.clone(), d))
            .collect())
    }

    /// Browses and searches the running catalogue. Public; the caller checks
    /// `Action::CatalogueRead`.
    pub async fn browse_catalogue(&self, query: &CatalogueQuery) -> Result<Browse> {
        let departments = self.department_map().await?;
        Ok(browse(&self.catalogue(), &departments, query))
    }

    /// The guide of one service or bundle of the running catalogue. Public; the caller
    /// checks `Action::CatalogueRead`.
    pub async fn service_guide(&self, id: &str) -> Result<ServiceGuide> {
        let departments = self.department_map().await?;
        guide(&self.catalogue(), &departments, id).ok_or_else(|| {
            CoreError::not_found(
                "catalogue.service.not_found",
                format!(
                    "There is no service or bundle with the id `{id}`. Browse the list of \
                     services at /services, or search it."
                ),
            )
        })
    }
}
