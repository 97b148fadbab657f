//! What applicants and officials do with cases: apply, save a draft, submit, resubmit,
//! withdraw, read; list tasks, act, bulk-approve, reveal a masked value.

use super::lookup::{self, Applicant};
use super::run::{self, status_name, task_status_name};
use super::views::*;
use crate::access::{Action, Resource};
use crate::catalogue::{Bilingual, DepartmentRef, LivePlan, MaterialView};
use crate::clock::{from_ms, rfc3339, to_ms};
use crate::error::{CoreError, FieldError, Result};
use crate::identity::{Principal, Role};
use crate::ids::new_id;
use crate::overview::mask_middle;
use crate::platform::Platform;
use crate::store::{Val, canonical_json, canonical_object};
use govops_workflow::definition::{FieldType, Form, Plan};
use govops_workflow::engine::{self, Actor, CaseState, Command, Event};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many times a step is worked out off the writer before the writer steps it itself.
const EARLY_ATTEMPTS: usize = 2;

/// What an official does with a task.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum TaskAction {
    /// Approve (同意).
    Approve,
    /// Reject with a reason (不予许可).
    Reject {
        /// Shown to the applicant.
        reason: String,
    },
    /// Return for correction (补正), naming the fields.
    Return {
        /// Field ids to correct.
        fields: Vec<String>,
        /// A note to the applicant.
        note: String,
    },
    /// Transfer to another department (转办).
    Transfer {
        /// The receiving department's code.
        to_department: String,
    },
}

impl TaskAction {
    fn name(&self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject { .. } => "reject",
            Self::Return { .. } => "return",
            Self::Transfer { .. } => "transfer",
        }
    }
}

/// Every problem of a form against its plan, as the platform reports field errors.
fn form_errors(plan: &Plan, form: &Form) -> Vec<FieldError> {
    plan.validate_form(form)
        .into_iter()
        .map(|f| FieldError {
            field: f.field,
            message: f.message,
        })
        .collect()
}

/// Drops empty values and reads numbers given as text, so that HTML forms and JSON
/// clients submit the same form.
fn normalize(plan: &Plan, input: &BTreeMap<String, Value>) -> Form {
    let mut form = Form::new();
    for (key, value) in input {
        let value = match value {
            Value::Null => continue,
            Value::String(s) if s.trim().is_empty() => continue,
            Value::String(s) => {
                let kind = plan
                    .fields
                    .iter()
                    .find(|f| &f.id == key)
                    .map(|f| f.def.kind);
                match kind {
                    Some(FieldType::Number) => s
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .and_then(number)
                        .map_or_else(|| Value::String(s.clone()), Value::Number),
                    Some(FieldType::ResidentId | FieldType::CreditCode) => {
                        Value::String(s.trim().to_ascii_uppercase())
                    }
                    _ => Value::String(s.trim().to_owned()),
                }
            }
            Value::Number(n) => n
                .as_f64()
                .and_then(number)
                .map_or_else(|| value.clone(), Value::Number),
            other => other.clone(),
        };
        form.insert(key.clone(), value);
    }
    form
}

/// A number as canonical JSON writes it: whole numbers as integers, so that a form reads
/// back from the journal exactly as it was stored.
fn number(n: f64) -> Option<serde_json::Number> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15 {
        Some(serde_json::Number::from(n as i64))
    } else {
        serde_json::Number::from_f64(n)
    }
}

fn material_key(m: &MaterialView) -> String {
    match &m.part {
        Some(p) => format!("{p}/{}", m.id),
        None => m.id.clone(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn bilingual(zh: &str, en: &str) -> Bilingual {
    Bilingual {
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

/// The name of a plan's step, or its id when the plan has no such step.
fn step_bilingual(plan: &Plan, step: &str) -> Bilingual {
    let name = plan.step_name(step);
    Bilingual {
        zh: name.zh,
        en: name.en,
    }
}

/// A department's name from the directory, or its code.
fn dept_ref(departments: &[crate::identity::directory::Department], code: &str) -> DepartmentRef {
    departments.iter().find(|d| d.code == code).map_or_else(
        || DepartmentRef {
            code: code.to_owned(),
            name_zh: code.to_owned(),
            name_en: code.to_owned(),
        },
        |d| DepartmentRef {
            code: d.code.clone(),
            name_zh: d.name_zh.clone(),
            name_en: d.name_en.clone(),
        },
    )
}

impl Platform {
    fn live_plan_or_404(&self, id: &str) -> Result<Arc<LivePlan>> {
        self.live_plan(id).ok_or_else(|| {
            CoreError::not_found(
                "catalogue.service.not_found",
                format!("There is no service or bundle `{id}` to apply for. Find it at /services."),
            )
        })
    }

    /// Resolves who an application is for: `person` (or nothing) for the caller, or an
    /// enterprise the caller acts for.
    fn applicant_of(&self, who: &Principal, choice: Option<&str>) -> Result<Applicant> {
        match choice {
            None | Some("") | Some("person") => who.person_id.clone().map(Applicant::Person).ok_or_else(|| {
                CoreError::invalid(
                    "case.applicant.none",
                    "This account is not linked to a person, so it cannot apply. Sign in with a citizen's account.",
                )
            }),
            Some(e) if who.enterprises.iter().any(|x| x == e) => Ok(Applicant::Enterprise {
                id: e.to_owned(),
                agent: who.person_id.clone(),
            }),
            Some(_) => Err(CoreError::forbidden(
                "You do not act for that enterprise. Choose yourself or an enterprise you are the agent of.",
            )
            .with_field("applicant")),
        }
    }

    async fn applicant_choices(
        &self,
        who: &Principal,
        selected: &Applicant,
    ) -> Result<Vec<ApplicantChoice>> {
        let mut out = vec![ApplicantChoice {
            value: "person".into(),
            name: who.display_name.clone(),
            selected: matches!(selected, Applicant::Person(_)),
        }];
        for e in &who.enterprises {
            let name: Option<(String,)> = self
                .store()
                .fetch_optional(
                    "SELECT name FROM enterprises WHERE id = $1",
                    &[Val::from(e)],
                )
                .await?;
            out.push(ApplicantChoice {
                value: e.clone(),
                name: name.map_or_else(|| e.clone(), |n| n.0),
                selected: matches!(selected, Applicant::Enterprise { id, .. } if id == e),
            });
        }
        Ok(out)
    }

    /// Pre-fill values from the data hub: for each field whose `prefill` names a column
    /// of a published dataset, the applicant's own row (found by `resident_id` for a
    /// person, `credit_code` for an enterprise) read under a grant held by a department
    /// whose service asks for the field. Fields whose source is not a hub dataset are
    /// left to the directory.
    async fn shared_prefill(
        &self,
        who: &Principal,
        plan: &Plan,
        applicant: &Applicant,
        known: &BTreeMap<&'static str, String>,
    ) -> Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let key = match applicant {
            Applicant::Person(_) => known
                .get("psb_population.resident_id")
                .map(|k| ("resident_id", k.as_str())),
            Applicant::Enterprise { .. } => known
                .get("amr_enterprise.credit_code")
                .map(|k| ("credit_code", k.as_str())),
        };
        let Some(key) = key else {
            return Ok(out);
        };
        let mut hub_datasets: BTreeMap<&str, bool> = BTreeMap::new();
        for f in &plan.fields {
            let Some((dataset, column)) = f.def.prefill.as_deref().and_then(|p| p.split_once('.'))
            else {
                continue;
            };
            let in_hub = match hub_datasets.get(dataset) {
                Some(b) => *b,
                None => {
                    let b = self.dataset_row(dataset).await.is_ok();
                    hub_datasets.insert(dataset, b);
                    b
                }
            };
            if !in_hub {
                continue;
            }
            for part in f.parts.iter().filter_map(|i| plan.parts.get(*i)) {
                if let Some(v) = self
                    .prefill_for_applicant(
                        who,
                        &part.department,
                        &part.service,
                        dataset,
                        column,
                        key,
                    )
                    .await?
                {
                    out.insert(f.id.clone(), v);
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The application form for `service`, filled with what the person typed (`typed`, when
    /// the form is shown again after errors), else the saved draft, else what the platform
    /// already knows about the applicant.
    pub async fn application_form(
        &self,
        who: &Principal,
        service: &str,
        typed: Option<&SubmitInput>,
    ) -> Result<ApplyForm> {
        let choice = typed.and_then(|t| t.applicant.as_deref());
        self.application_form_as(who, service, typed, choice).await
    }

    /// [`Self::application_form`] for a chosen applicant (`person` or an enterprise id the
    /// caller acts for) without typed values: the form as it opens for that applicant,
    /// with the saved draft and what the platform knows about them.
    pub async fn application_form_for(
        &self,
        who: &Principal,
        service: &str,
        applicant: Option<&str>,
    ) -> Result<ApplyForm> {
        self.application_form_as(who, service, None, applicant)
            .await
    }

    async fn application_form_as(
        &self,
        who: &Principal,
        service: &str,
        typed: Option<&SubmitInput>,
        choice: Option<&str>,
    ) -> Result<ApplyForm> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        let live = self.live_plan_or_404(service)?;
        let guide = self.service_guide(service).await?;
        let draft: Option<(String, String, i64)> = self
            .store()
            .fetch_optional(
                "SELECT form, materials, updated_ms FROM drafts WHERE account_id = $1 AND plan_id = $2",
                &[Val::from(&who.account_id), Val::from(service)],
            )
            .await?;
        let (draft_form, draft_materials, draft_saved) = match &draft {
            Some((f, m, at)) => (
                serde_json::from_str::<BTreeMap<String, Value>>(f).unwrap_or_default(),
                serde_json::from_str::<BTreeMap<String, String>>(m).unwrap_or_default(),
                Some(rfc3339(from_ms(*at))),
            ),
            None => (BTreeMap::new(), BTreeMap::new(), None),
        };
        // Who applies: as chosen; else an enterprise the caller acts for when the service
        // is for enterprises only (so the form opens filled with the enterprise's data).
        let for_enterprises = {
            let c = self.catalogue();
            let applicant_type = c.services.get(service).map(|s| s.applicant).or_else(|| {
                c.bundles.get(service).and_then(|b| {
                    b.parts
                        .first()
                        .and_then(|(id, _)| c.services.get(id))
                        .map(|s| s.applicant)
                })
            });
            applicant_type == Some(govops_workflow::definition::ApplicantType::Enterprise)
        };
        let choice = choice.filter(|c| !c.is_empty()).or_else(|| {
            for_enterprises
                .then(|| who.enterprises.first().map(String::as_str))
                .flatten()
        });
        let applicant = self.applicant_of(who, choice)?;
        let known = lookup::known_values(self.store(), &applicant).await?;
        let shared = self
            .shared_prefill(who, &live.plan, &applicant, &known)
            .await?;
        let fields = live
            .plan
            .fields
            .iter()
            .map(|f| {
                let from_typed = typed.and_then(|t| t.form.get(&f.id)).map(value_text);
                let from_draft = draft_form.get(&f.id).map(value_text);
                let from_known = shared
                    .get(&f.id)
                    .cloned()
                    .or_else(|| f.def.prefill.as_deref().and_then(|k| known.get(k)).cloned());
                let prefilled =
                    from_typed.is_none() && from_draft.is_none() && from_known.is_some();
                ApplyField {
                    id: f.id.clone(),
                    label: bilingual(&f.def.label.zh, &f.def.label.en),
                    kind: f.def.kind.name().to_owned(),
                    required: f.def.required,
                    choices: f.def.choices.clone(),
                    value: from_typed.or(from_draft).or(from_known).unwrap_or_default(),
                    prefilled,
                    to_correct: false,
                }
            })
            .collect();
        let chosen = typed.map(|t| &t.materials).unwrap_or(&draft_materials);
        let mut materials = Vec::new();
        for m in &guide.materials {
            let key = material_key(m);
            let upload = match chosen.get(&key) {
                Some(hash) => self.upload_view(who, hash).await?,
                None => None,
            };
            materials.push(ApplyMaterial {
                id: key,
                name: m.name.clone(),
                required: m.required,
                source: m.source.clone(),
                formats: m.formats.clone(),
                upload,
            });
        }
        Ok(ApplyForm {
            applicants: self.applicant_choices(who, &applicant).await?,
            guide,
            fields,
            materials,
            draft_saved,
        })
    }

    async fn upload_view(&self, who: &Principal, hash: &str) -> Result<Option<StoredUploadView>> {
        let row: Option<(String, i64)> = self
            .store()
            .fetch_optional(
                "SELECT file_name, size FROM uploads WHERE hash = $1 AND account_id = $2",
                &[Val::from(hash), Val::from(&who.account_id)],
            )
            .await?;
        Ok(row.map(|(file_name, size)| StoredUploadView {
            hash: hash.to_owned(),
            file_name,
            size,
        }))
    }

    /// Saves what the applicant has filled in so far; nothing is validated or sent.
    pub async fn save_draft(&self, who: &Principal, input: &SubmitInput) -> Result<()> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        let live = self.live_plan_or_404(&input.service)?;
        let form = normalize(&live.plan, &input.form);
        let form = serde_json::to_string(&form).map_err(CoreError::internal)?;
        let materials = serde_json::to_string(&input.materials).map_err(CoreError::internal)?;
        if form.len() + materials.len() > 256 * 1024 {
            return Err(CoreError::too_large(
                "The draft is larger than 256 KiB; shorten the longest answers.",
            ));
        }
        let account = who.account_id.clone();
        let actor = who.actor();
        let plan_id = input.service.clone();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now_ms = to_ms(tx.now());
                    tx.execute(
                        "INSERT INTO drafts (account_id, plan_id, form, materials, updated_ms) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (account_id, plan_id) DO UPDATE SET form = excluded.form, materials = excluded.materials, updated_ms = excluded.updated_ms",
                        &[Val::from(&account), Val::from(&plan_id), Val::from(form), Val::from(materials), Val::Int(now_ms)],
                    )
                    .await?;
                    tx.journal(&actor, "case.draft_saved", &format!("draft:{account}:{plan_id}"), json!({ "service": plan_id }))?;
                    Ok(())
                })
            })
            .await
    }

    /// Each material of a service or bundle: (key, required, uploaded), keyed as the form
    /// keys them (`part/id` in a bundle).
    fn material_specs(&self, service: &str) -> Vec<(String, bool, bool)> {
        use govops_workflow::definition::MaterialSource;
        let c = self.catalogue();
        let spec = |s: &govops_workflow::definition::ServiceDefinition, part: Option<&str>| {
            s.materials
                .iter()
                .map(|m| {
                    let key = match part {
                        Some(p) => format!("{p}/{}", m.id),
                        None => m.id.clone(),
                    };
                    (
                        key,
                        m.required,
                        matches!(m.source, MaterialSource::Upload { .. }),
                    )
                })
                .collect::<Vec<_>>()
        };
        if let Some(b) = c.bundles.get(service) {
            b.parts
                .iter()
                .filter_map(|(id, _)| c.services.get(id))
                .flat_map(|s| spec(s, Some(&s.id)))
                .collect()
        } else {
            c.services
                .get(service)
                .map(|s| spec(s, None))
                .unwrap_or_default()
        }
    }

    /// Mutual recognition (证照互认): each material a held licence satisfies is satisfied
    /// by the applicant's licence of that type, its stored credential verified as a
    /// verifier would (signature, type, issuer, status, holder; see
    /// `Platform::check_held_licence`). Returns material key → `licence:<identifier>`,
    /// and an error for each required licence the applicant does not validly hold.
    /// Without licence types configured the platform cannot verify, and such materials
    /// are left to officials.
    async fn recognise_licences(
        &self,
        who: &Principal,
        service: &str,
        applicant: &Applicant,
    ) -> Result<(BTreeMap<String, String>, Vec<FieldError>)> {
        use govops_workflow::definition::{MaterialSource, ServiceDefinition};
        let mut recognised = BTreeMap::new();
        let mut errors = Vec::new();
        if self.licences().types().is_empty() {
            return Ok((recognised, errors));
        }
        let c = self.catalogue();
        let mut wanted: Vec<(String, bool, String)> = Vec::new();
        let mut collect = |s: &ServiceDefinition, part: Option<&str>| {
            for m in &s.materials {
                if let MaterialSource::Licence { licence_type } = &m.source {
                    let key = part.map_or_else(|| m.id.clone(), |p| format!("{p}/{}", m.id));
                    wanted.push((key, m.required, licence_type.clone()));
                }
            }
        };
        if let Some(b) = c.bundles.get(service) {
            for (id, _) in &b.parts {
                if let Some(s) = c.services.get(id) {
                    collect(s, Some(&s.id));
                }
            }
            let issued = c.licences_issued_within(service);
            wanted.retain(|(_, _, t)| !issued.contains(t));
        } else if let Some(s) = c.services.get(service) {
            collect(s, None);
        }
        if wanted.is_empty() {
            return Ok((recognised, errors));
        }
        let holder = match applicant {
            Applicant::Person(p) => format!("person:{p}"),
            Applicant::Enterprise { id, .. } => format!("enterprise:{id}"),
        };
        for (key, required, licence_type) in wanted {
            let Some(l) = self.held_licence(who, &holder, &licence_type).await? else {
                if required {
                    errors.push(FieldError {
                        field: format!("material:{key}"),
                        message: format!(
                            "no {licence_type} e-licence is held for this applicant; it is needed to apply"
                        ),
                    });
                }
                continue;
            };
            let report = self.check_held_licence(who, &l.id, &licence_type).await?;
            if report.valid {
                recognised.insert(key, format!("licence:{}", l.identifier));
            } else if required {
                errors.push(FieldError {
                    field: format!("material:{key}"),
                    message: format!(
                        "your {licence_type} e-licence {} cannot be accepted: {}",
                        l.identifier,
                        report.reason.unwrap_or(report.code)
                    ),
                });
            }
        }
        Ok((recognised, errors))
    }

    /// Checks the materials named: each required upload present, each file uploaded by the
    /// caller. Returns the errors, one per material.
    async fn check_materials(
        &self,
        who: &Principal,
        service: &str,
        materials: &BTreeMap<String, String>,
    ) -> Result<Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut known = Vec::new();
        for (key, required, upload) in self.material_specs(service) {
            known.push(key.clone());
            match materials.get(&key) {
                Some(hash) if self.upload_view(who, hash).await?.is_none() => {
                    errors.push(FieldError {
                        field: format!("material:{key}"),
                        message: "the file was not found among your uploads; upload it again"
                            .into(),
                    });
                }
                Some(_) => {}
                None if required && upload => errors.push(FieldError {
                    field: format!("material:{key}"),
                    message: "upload this material".into(),
                }),
                None => {}
            }
        }
        for key in materials.keys() {
            if !known.contains(key) {
                errors.push(FieldError {
                    field: format!("material:{key}"),
                    message: "this service asks for no such material".into(),
                });
            }
        }
        Ok(errors)
    }

    /// Every problem with an application, without submitting it: form fields and
    /// materials (for showing all errors at once when something else already failed).
    pub async fn check_application(
        &self,
        who: &Principal,
        input: &SubmitInput,
    ) -> Result<Vec<FieldError>> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        let live = self.live_plan_or_404(&input.service)?;
        let form = normalize(&live.plan, &input.form);
        let mut errors = form_errors(&live.plan, &form);
        errors.extend(
            self.check_materials(who, &input.service, &input.materials)
                .await?,
        );
        Ok(errors)
    }

    /// Submits an application. Every problem with the form and the materials is reported at
    /// once and nothing is stored. With an idempotency key, a repeated submission returns
    /// the case the first one created.
    pub async fn submit_case(&self, who: &Principal, input: &SubmitInput) -> Result<Submitted> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        let key = input
            .idempotency_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned);
        if let Some(k) = &key {
            if k.len() > 128 {
                return Err(CoreError::invalid(
                    "case.idempotency_key.invalid",
                    "The idempotency key is longer than 128 characters.",
                )
                .with_field("idempotency_key"));
            }
            if let Some(done) = self.case_by_key(who, k).await? {
                return Ok(done);
            }
        }
        let live = self.live_plan_or_404(&input.service)?;
        let applicant = self.applicant_of(who, input.applicant.as_deref())?;
        if !live.plan.bundle
            && matches!(applicant, Applicant::Person(_))
            && self
                .catalogue()
                .services
                .get(&input.service)
                .is_some_and(|s| {
                    s.applicant == govops_workflow::definition::ApplicantType::Enterprise
                })
        {
            return Err(CoreError::invalid(
                "case.applicant.enterprise_only",
                "This service is for enterprises. Choose the enterprise you act for as the applicant.",
            )
            .with_field("applicant"));
        }
        let form = normalize(&live.plan, &input.form);
        let mut errors = form_errors(&live.plan, &form);
        errors.extend(
            self.check_materials(who, &input.service, &input.materials)
                .await?,
        );
        let (recognised, licence_errors) = self
            .recognise_licences(who, &input.service, &applicant)
            .await?;
        errors.extend(licence_errors);
        if !errors.is_empty() {
            return Err(CoreError::invalid_fields("case.form.invalid", errors));
        }
        let (applicant_kind, applicant_ref, applicant_name, subjects) =
            self.applicant_facts(&applicant).await?;
        let me = self.clone();
        let account = who.account_id.clone();
        let actor = who.actor();
        let mut all_materials = input.materials.clone();
        all_materials.extend(recognised.clone());
        let materials = serde_json::to_string(&all_materials).map_err(CoreError::internal)?;
        let plan_id = input.service.clone();
        let key2 = key.clone();
        let (hash, plan) = (live.hash.clone(), live.plan.clone());
        // Everything that needs no transaction is worked out here, off the writer: the
        // automated checks, the engine's step, the rows and the journal payload.
        let now = self.store().clock().now();
        let calendar = self.inner.cases.calendar();
        let mut commands = vec![Command::Submit { form: form.clone() }];
        if live.plan.has_rules() {
            let data = lookup::facts(self.store(), &subjects).await?;
            commands.push(Command::AutoCheck {
                outcomes: live.plan.evaluate_rules(&form, &data),
            });
        }
        let (next, events) =
            run::step_all(&CaseState::new(), commands, now, &live.plan, &calendar)?;
        let id = new_id(now);
        let now_ms = to_ms(now);
        let year = engine::local_date(now).year();
        let state = serde_json::to_string(&next).map_err(CoreError::internal)?;
        let next_timer = super::timers::next_due_ms(&next, live.plan.remind_before_days, &calendar);
        let tasks = run::task_rows(&id, None, &next);
        let notices = run::notices_for(&live.plan, &next, &events);
        let status = status_name(&next);
        let payload = [
            (
                "applicant",
                canonical_json(&json!({"kind": applicant_kind, "ref": applicant_ref}))?,
            ),
            ("events", run::events_json(&events)?),
            ("plan_hash", canonical_json(&json!(live.hash))?),
            ("recognised", canonical_json(&json!(recognised))?),
            ("service", canonical_json(&json!(live.plan.id))?),
            ("version", canonical_json(&json!(live.plan.version))?),
        ];
        let outcome = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    let (n,): (i64,) = tx
                        .fetch_one(
                            "INSERT INTO counters (name, value) VALUES ($1, 1) \
                             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
                            &[Val::from(format!("case-{year}"))],
                        )
                        .await?;
                    let number = format!("SFS-{year}-{n:06}");
                    if !me.inner.cases.is_stored(&live.hash) {
                        let files = serde_json::to_string(&live.files).map_err(CoreError::internal)?;
                        tx.execute(
                            "INSERT INTO plan_sources (hash, plan_id, version, files, created_ms) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (hash) DO NOTHING",
                            &[Val::from(&live.hash), Val::from(&live.plan.id), Val::Int(i64::from(live.plan.version)), Val::from(files), Val::Int(now_ms)],
                        )
                        .await?;
                    }
                    let inserted = tx
                        .execute(
                            "INSERT INTO cases (id, number, plan_id, plan_version, plan_hash, applicant_account, applicant_kind, \
                             applicant_ref, applicant_name, status, state, materials, version, idempotency_key, created_ms, updated_ms, next_timer_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $14, $15) \
                             ON CONFLICT (applicant_account, idempotency_key) DO NOTHING",
                            &[
                                Val::from(&id),
                                Val::from(&number),
                                Val::from(&live.plan.id),
                                Val::Int(i64::from(live.plan.version)),
                                Val::from(&live.hash),
                                Val::from(&account),
                                Val::from(applicant_kind),
                                Val::from(&applicant_ref),
                                Val::from(&applicant_name),
                                Val::from(&status),
                                Val::from(state),
                                Val::from(materials),
                                Val::from(key2.clone()),
                                Val::Int(now_ms),
                                Val::opt_int(next_timer),
                            ],
                        )
                        .await?;
                    if inserted == 0 {
                        return Err(CoreError::conflict("case.submit.repeated", "This application was already submitted."));
                    }
                    run::write_tasks(tx, &tasks).await?;
                    run::write_notices(tx, &id, &number, &account, &notices).await?;
                    let holder = super::results::holder_of(applicant_kind, &applicant_ref);
                    let issued = super::results::issue_results(
                        tx,
                        &me.inner.licences,
                        &live.plan,
                        &next,
                        &events,
                        &id,
                        &holder,
                    )
                    .await?;
                    tx.execute(
                        "DELETE FROM drafts WHERE account_id = $1 AND plan_id = $2",
                        &[Val::from(&account), Val::from(&plan_id)],
                    )
                    .await?;
                    let (number_json, issued_json) = (canonical_json(&json!(number))?, canonical_json(&json!(issued))?);
                    let mut members: Vec<(&str, &str)> = payload.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    members.push(("number", &number_json));
                    members.push(("licences", &issued_json));
                    tx.journal_canonical(&actor, "case.submit", &format!("case:{id}"), &canonical_object(&mut members));
                    Ok(Submitted {
                        id,
                        number,
                        status,
                        repeated: false,
                    })
                })
            })
            .await;
        if outcome.is_ok() {
            self.inner.cases.mark_stored(&hash);
            self.inner.cases.remember(&hash, plan);
        }
        match (outcome, &key) {
            (Err(e), Some(k)) if e.code == "case.submit.repeated" => {
                if let Some(found) = self.case_by_key(who, k).await? {
                    return Ok(found);
                }
                // The writer answers a failed job at once, so the submission that won may
                // not have committed yet: ask again through the writer, whose next batch
                // starts after that commit.
                let (account, key) = (who.account_id.clone(), k.clone());
                let row: Option<(String, String, String)> = self
                    .store()
                    .write(move |tx| {
                        Box::pin(async move {
                            tx.fetch_optional(
                                "SELECT id, number, status FROM cases WHERE applicant_account = $1 \
                                 AND idempotency_key = $2",
                                &[Val::from(account), Val::from(key)],
                            )
                            .await
                        })
                    })
                    .await?;
                row.map(|(id, number, status)| Submitted {
                    id,
                    number,
                    status,
                    repeated: true,
                })
                .ok_or(e)
            }
            (other, _) => other,
        }
    }

    async fn case_by_key(&self, who: &Principal, key: &str) -> Result<Option<Submitted>> {
        let row: Option<(String, String, String)> = self
            .store()
            .fetch_optional(
                "SELECT id, number, status FROM cases WHERE applicant_account = $1 AND idempotency_key = $2",
                &[Val::from(&who.account_id), Val::from(key)],
            )
            .await?;
        Ok(row.map(|(id, number, status)| Submitted {
            id,
            number,
            status,
            repeated: true,
        }))
    }

    async fn applicant_facts(
        &self,
        applicant: &Applicant,
    ) -> Result<(&'static str, String, String, Vec<String>)> {
        let pool = self.store();
        match applicant {
            Applicant::Person(p) => {
                let (name, rid): (String, String) = pool
                    .fetch_one(
                        "SELECT name, resident_id FROM persons WHERE id = $1",
                        &[Val::from(p)],
                    )
                    .await?;
                Ok(("person", p.clone(), name, vec![rid]))
            }
            Applicant::Enterprise { id, agent } => {
                let (name, code): (String, String) = pool
                    .fetch_one(
                        "SELECT name, credit_code FROM enterprises WHERE id = $1",
                        &[Val::from(id)],
                    )
                    .await?;
                let mut subjects = vec![code];
                if let Some(a) = agent {
                    let rid: Option<(String,)> = pool
                        .fetch_optional(
                            "SELECT resident_id FROM persons WHERE id = $1",
                            &[Val::from(a)],
                        )
                        .await?;
                    subjects.extend(rid.map(|r| r.0));
                }
                Ok(("enterprise", id.clone(), name, subjects))
            }
        }
    }

    /// Runs one command on a case the caller is the applicant of.
    async fn applicant_command(
        &self,
        who: &Principal,
        case_id: &str,
        action: &'static str,
        command: Command,
        materials: Option<BTreeMap<String, String>>,
    ) -> Result<String> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        self.step_case(
            case_id,
            who.actor(),
            action,
            command,
            Some(who.account_id.clone()),
            materials,
        )
        .await
    }

    /// Runs one command on a stored case in one write: load, step, store, journal. With
    /// `owner`, only that account's case (others get not-found); with `materials`, the
    /// case's materials are replaced in the same write.
    ///
    /// The step is first worked out here, from a read connection, so that the writer only
    /// has to execute its statements; the write applies it only if the case is still at
    /// the version it was read at. If another change came first, it is worked out again
    /// (up to `EARLY_ATTEMPTS` times in all); after that, or if anything about an early
    /// attempt is unusual, the writer loads and steps the case itself.
    async fn step_case(
        &self,
        case_id: &str,
        actor: String,
        action: &'static str,
        command: Command,
        owner: Option<String>,
        materials: Option<BTreeMap<String, String>>,
    ) -> Result<String> {
        for _ in 0..EARLY_ATTEMPTS {
            let Some((loaded, w)) = self.step_early(case_id, &command, owner.as_deref()).await
            else {
                break;
            };
            let (me, id, actor, materials) = (
                self.clone(),
                case_id.to_owned(),
                actor.clone(),
                materials.clone(),
            );
            let applied = self
                .store()
                .write(move |tx| {
                    Box::pin(async move {
                        if !run::write_step(
                            tx,
                            &id,
                            &loaded,
                            &w,
                            &actor,
                            action,
                            &me.inner.licences,
                        )
                        .await?
                        {
                            return Ok(None);
                        }
                        me.replace_materials(tx, &id, materials).await?;
                        Ok(Some(w.status))
                    })
                })
                .await?;
            if let Some(status) = applied {
                return Ok(status);
            }
        }
        let me = self.clone();
        let case_id = case_id.to_owned();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let loaded = run::load(tx, &me.inner.cases, &case_id).await?;
                    if owner.is_some_and(|o| o != loaded.applicant_account) {
                        return Err(run::not_found(&case_id));
                    }
                    let calendar = me.inner.cases.calendar();
                    let (next, events) = run::step_all(
                        &loaded.state,
                        vec![command],
                        tx.now(),
                        &loaded.plan,
                        &calendar,
                    )?;
                    me.replace_materials(tx, &case_id, materials).await?;
                    let status = status_name(&next);
                    run::store_step(
                        tx,
                        &case_id,
                        &loaded,
                        next,
                        events,
                        &actor,
                        action,
                        &calendar,
                        &me.inner.licences,
                    )
                    .await?;
                    Ok(status)
                })
            })
            .await
    }

    /// Works a step out off the writer (see `step_case`). `None` when the case cannot be
    /// read or stepped here; the writer then does it and gives the answer.
    pub(crate) async fn step_early(
        &self,
        case_id: &str,
        command: &Command,
        owner: Option<&str>,
    ) -> Option<(run::Loaded, run::StepWrite)> {
        let loaded = run::load_unlocked(self.store(), &self.inner.cases, case_id)
            .await
            .ok()??;
        if owner.is_some_and(|o| o != loaded.applicant_account) {
            return None;
        }
        let calendar = self.inner.cases.calendar();
        let now = self.store().clock().now();
        let (next, events) = run::step_all(
            &loaded.state,
            vec![command.clone()],
            now,
            &loaded.plan,
            &calendar,
        )
        .ok()?;
        if events.is_empty() {
            return None;
        }
        let w = run::prepare_step(case_id, &loaded, next, events, now, &calendar).ok()?;
        Some((loaded, w))
    }

    async fn replace_materials(
        &self,
        tx: &mut crate::store::Tx,
        case_id: &str,
        materials: Option<BTreeMap<String, String>>,
    ) -> Result<()> {
        if let Some(m) = materials {
            let m = serde_json::to_string(&m).map_err(CoreError::internal)?;
            tx.execute(
                "UPDATE cases SET materials = $1 WHERE id = $2",
                &[Val::from(m), Val::from(case_id)],
            )
            .await?;
        }
        Ok(())
    }

    /// Resubmits a case returned for correction, with the corrected form.
    pub async fn resubmit_case(
        &self,
        who: &Principal,
        case_id: &str,
        input: &SubmitInput,
    ) -> Result<String> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        let (plan_id,): (String,) = self
            .store()
            .fetch_optional(
                "SELECT plan_id FROM cases WHERE id = $1 AND applicant_account = $2",
                &[Val::from(case_id), Val::from(&who.account_id)],
            )
            .await?
            .ok_or_else(|| run::not_found(case_id))?;
        let plan = self.case_plan(case_id).await?;
        let form = normalize(&plan, &input.form);
        let mut errors = form_errors(&plan, &form);
        let materials = if input.materials.is_empty() {
            None
        } else {
            errors.extend(
                self.check_materials(who, &plan_id, &input.materials)
                    .await?,
            );
            Some(input.materials.clone())
        };
        if !errors.is_empty() {
            return Err(CoreError::invalid_fields("case.form.invalid", errors));
        }
        self.applicant_command(
            who,
            case_id,
            "case.resubmit",
            Command::Resubmit { form },
            materials,
        )
        .await
    }

    /// Withdraws a case (撤回); its open tasks are cancelled.
    pub async fn withdraw_case(&self, who: &Principal, case_id: &str) -> Result<String> {
        self.applicant_command(who, case_id, "case.withdraw", Command::Withdraw, None)
            .await
    }

    /// The plan stored under `hash`: from the cache, or rebuilt from its stored files.
    async fn plan_by_hash(&self, hash: &str) -> Result<Arc<Plan>> {
        if let Some(plan) = self.inner.cases.cached(hash) {
            return Ok(plan);
        }
        let me = self.clone();
        let hash = hash.to_owned();
        // As in `case_plan`: read through a write's Tx, which changes nothing.
        self.store()
            .write(move |tx| Box::pin(async move { me.inner.cases.plan_in(tx, &hash).await }))
            .await
    }

    async fn case_plan(&self, case_id: &str) -> Result<Arc<Plan>> {
        let me = self.clone();
        let case_id = case_id.to_owned();
        // Plans are read through a write's Tx so that the same code path rebuilds them on
        // both backends; the write changes nothing and journals nothing.
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let (hash,): (String,) = tx
                        .fetch_optional(
                            "SELECT plan_hash FROM cases WHERE id = $1",
                            &[Val::from(&case_id)],
                        )
                        .await?
                        .ok_or_else(|| run::not_found(&case_id))?;
                    me.inner.cases.plan_in(tx, &hash).await
                })
            })
            .await
    }

    /// The caller's cases, newest first.
    pub async fn my_cases(&self, who: &Principal) -> Result<Vec<CaseSummary>> {
        self.access()
            .check(Some(who), Action::CaseApply, Resource::Platform)?;
        let rows: Vec<(String, String, String, String, String, i64, i64)> = self
            .store()
            .fetch_all(
                "SELECT id, number, plan_id, status, state, created_ms, updated_ms FROM cases \
             WHERE applicant_account = $1 ORDER BY updated_ms DESC LIMIT 200",
                &[Val::from(&who.account_id)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, number, plan_id, status, state, created, updated)| {
                self.summary(id, number, plan_id, status, &state, created, updated)
            })
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn summary(
        &self,
        id: String,
        number: String,
        plan_id: String,
        status: String,
        state: &str,
        created: i64,
        updated: i64,
    ) -> CaseSummary {
        let state: Option<CaseState> = serde_json::from_str(state).ok();
        let name = self
            .live_plan(&plan_id)
            .map(|p| bilingual(&p.plan.name.zh, &p.plan.name.en))
            .unwrap_or_else(|| bilingual(&plan_id, &plan_id));
        CaseSummary {
            id,
            number,
            service: plan_id,
            name,
            status,
            submitted: rfc3339(from_ms(created)),
            updated: rfc3339(from_ms(updated)),
            deadline: state.and_then(|s| s.deadline.map(|d| d.date.to_string())),
        }
    }

    /// The departments in which the caller may act on tasks.
    fn acting_departments(&self, who: &Principal) -> Vec<String> {
        let mut out: Vec<String> = who
            .departments_as(Role::Official)
            .into_iter()
            .chain(who.departments_as(Role::DepartmentHead))
            .map(str::to_owned)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// A case in full: for its applicant, for an official of a department with a task on
    /// it (sensitive values masked), or for the operations office (masked).
    pub async fn case_detail(&self, who: &Principal, case_id: &str) -> Result<CaseDetail> {
        type Row = (String, String, String, String, String, String, i64, i64);
        let row: Option<Row> = self
            .store()
            .fetch_optional(
                "SELECT number, plan_id, status, state, applicant_account, applicant_name, created_ms, updated_ms \
                 FROM cases WHERE id = $1",
                &[Val::from(case_id)],
            )
            .await?;
        let Some((
            number,
            plan_id,
            status,
            state_text,
            applicant_account,
            applicant_name,
            created,
            updated,
        )) = row
        else {
            return Err(run::not_found(case_id));
        };
        let (version, materials_text): (i64, String) = self
            .store()
            .fetch_one(
                "SELECT version, materials FROM cases WHERE id = $1",
                &[Val::from(case_id)],
            )
            .await?;
        let state: CaseState = serde_json::from_str(&state_text)
            .map_err(|e| CoreError::internal(format!("case {case_id} state: {e}")))?;
        let is_applicant = applicant_account == who.account_id;
        let mine_depts = self.acting_departments(who);
        let involved = state.tasks.values().any(|t| {
            mine_depts.contains(&t.department)
                && self
                    .access()
                    .allows(
                        Some(who),
                        Action::CaseAct,
                        Resource::Department(&t.department),
                    )
                    .unwrap_or(false)
        });
        let ops = self
            .access()
            .allows(Some(who), Action::OpsView, Resource::Platform)?;
        if !(is_applicant || involved || ops) {
            return Err(run::not_found(case_id));
        }
        let plan = self.case_plan(case_id).await?;
        let departments = self.departments().await?;
        let form = plan
            .fields
            .iter()
            .filter_map(|f| {
                let v = state.form.get(&f.id)?;
                let text = value_text(v);
                let sensitive = matches!(f.def.kind, FieldType::ResidentId | FieldType::Phone);
                let shown = if sensitive && !is_applicant {
                    match f.def.kind {
                        FieldType::ResidentId => mask_middle(&text, 6, 4),
                        _ => mask_middle(&text, 3, 4),
                    }
                } else {
                    text
                };
                Some((
                    f.id.clone(),
                    bilingual(&f.def.label.zh, &f.def.label.en),
                    shown,
                    sensitive && !is_applicant,
                ))
            })
            .collect();
        let materials_map: BTreeMap<String, String> =
            serde_json::from_str(&materials_text).unwrap_or_default();
        let mut materials = Vec::new();
        let mut recognised = Vec::new();
        for (key, hash) in materials_map {
            if let Some(identifier) = hash.strip_prefix("licence:") {
                recognised.push((key, identifier.to_owned()));
                continue;
            }
            let row: Option<(String, i64)> = self
                .store()
                .fetch_optional(
                    "SELECT file_name, size FROM uploads WHERE hash = $1 AND account_id = $2",
                    &[Val::from(&hash), Val::from(&applicant_account)],
                )
                .await?;
            if let Some((file_name, size)) = row {
                materials.push((
                    key,
                    StoredUploadView {
                        hash,
                        file_name,
                        size,
                    },
                ));
            }
        }
        let tasks = plan
            .steps
            .iter()
            .filter_map(|s| {
                let t = state.tasks.get(&s.id)?;
                Some(TaskView {
                    step: s.id.clone(),
                    step_name: bilingual(&s.name.zh, &s.name.en),
                    department: dept_ref(&departments, &t.department),
                    role: t.role.clone(),
                    status: task_status_name(t.status),
                    deadline: t.deadline.date.to_string(),
                    provisional: t.deadline.provisional,
                    decided_by: t.decided_by.clone(),
                    actions: s
                        .actions
                        .iter()
                        .map(|a| format!("{a:?}").to_ascii_lowercase())
                        .collect(),
                    mine: t.is_open()
                        && mine_depts.contains(&t.department)
                        && who.roles.iter().any(|g| {
                            g.department.as_deref() == Some(t.department.as_str())
                                && g.role.as_str() == t.role
                        }),
                })
            })
            .collect();
        let parts = plan
            .parts
            .iter()
            .zip(state.parts.iter())
            .map(|(p, s)| {
                (
                    p.service.clone(),
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                )
            })
            .collect();
        let checks = state
            .auto_check
            .iter()
            .flatten()
            .map(|o| (o.rule.clone(), o.algorithm.clone(), o.passed))
            .collect();
        Ok(CaseDetail {
            summary: self.summary(
                case_id.to_owned(),
                number,
                plan_id,
                status,
                &state_text,
                created,
                updated,
            ),
            version: plan.version,
            applicant: applicant_name,
            form,
            materials,
            tasks,
            parts,
            returned: state
                .return_request
                .as_ref()
                .map(|r| (r.fields.clone(), r.note.clone())),
            checks,
            timeline: self.timeline(case_id, &plan, &departments).await?,
            recognised,
            licences: self
                .store()
                .fetch_all(
                    "SELECT id, identifier, type_id FROM licences WHERE case_id = $1 ORDER BY issued_ms, id",
                    &[Val::from(case_id)],
                )
                .await?,
            case_version: version,
            is_applicant,
        })
    }

    /// The case's history, from its journal entries; steps are named from the case's plan.
    async fn timeline(
        &self,
        case_id: &str,
        plan: &Plan,
        departments: &[crate::identity::directory::Department],
    ) -> Result<Vec<TimelineEntry>> {
        let rows: Vec<(i64, String)> = self
            .store()
            .fetch_all(
                "SELECT idx, body FROM journal_entries WHERE subject = $1 ORDER BY idx",
                &[Val::from(format!("case:{case_id}"))],
            )
            .await?;
        let mut out = Vec::new();
        let mut acting: BTreeMap<String, String> = BTreeMap::new();
        for (idx, body) in rows {
            let Ok(body) = serde_json::from_str::<Value>(&body) else {
                continue;
            };
            let time = body["time"].as_str().unwrap_or_default().to_owned();
            if body["action"] == "case.field_revealed" {
                out.push(TimelineEntry {
                    at: time,
                    kind: "field_revealed".into(),
                    step: None,
                    step_name: None,
                    department: None,
                    transferred_from: None,
                    detail: body["payload"]["field"].as_str().map(str::to_owned),
                    journal_index: idx,
                });
                continue;
            }
            let Ok(events) =
                serde_json::from_value::<Vec<Event>>(body["payload"]["events"].clone())
            else {
                continue;
            };
            for e in events {
                let v = serde_json::to_value(&e).unwrap_or(Value::Null);
                let kind = v["type"].as_str().unwrap_or_default().to_owned();
                let detail = match &e {
                    Event::TaskRejected { reason, .. } => Some(reason.clone()),
                    Event::TaskReturned { fields, note, .. } => {
                        Some(format!("{note} [{}]", fields.join(", ")))
                    }
                    _ => v
                        .get("status")
                        .and_then(|s| s.as_str())
                        .map(str::to_owned)
                        .or_else(|| v.get("days_left").map(|d| d.to_string())),
                };
                let step = v.get("step").and_then(|s| s.as_str()).map(str::to_owned);
                // A task's department: where it opened, or where it was transferred to;
                // the events that decide a task name the step only.
                let department = match (
                    v.get("department")
                        .or_else(|| v.get("to"))
                        .and_then(Value::as_str),
                    &step,
                ) {
                    (Some(code), Some(step)) => {
                        acting.insert(step.clone(), code.to_owned());
                        Some(code.to_owned())
                    }
                    (Some(code), None) => Some(code.to_owned()),
                    (None, Some(step)) => acting.get(step).cloned(),
                    (None, None) => None,
                };
                out.push(TimelineEntry {
                    at: v["at"]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| time.clone()),
                    kind,
                    step_name: step.as_deref().map(|s| step_bilingual(plan, s)),
                    step,
                    department: department.map(|code| dept_ref(departments, &code)),
                    transferred_from: match &e {
                        Event::TaskTransferred { from, .. } => Some(dept_ref(departments, from)),
                        _ => None,
                    },
                    detail,
                    journal_index: idx,
                });
            }
        }
        Ok(out)
    }

    /// Rebuilds a case's state from its journal entries alone, for audits and tests.
    pub async fn replay_case(&self, case_id: &str) -> Result<(CaseState, CaseState)> {
        let (state,): (String,) = self
            .store()
            .fetch_optional(
                "SELECT state FROM cases WHERE id = $1",
                &[Val::from(case_id)],
            )
            .await?
            .ok_or_else(|| run::not_found(case_id))?;
        let stored: CaseState = serde_json::from_str(&state).map_err(CoreError::internal)?;
        let rows: Vec<(String,)> = self
            .store()
            .fetch_all(
                "SELECT body FROM journal_entries WHERE subject = $1 ORDER BY idx",
                &[Val::from(format!("case:{case_id}"))],
            )
            .await?;
        let mut events = Vec::new();
        for (body,) in rows {
            let body: Value = serde_json::from_str(&body).map_err(CoreError::internal)?;
            if let Some(list) = body["payload"].get("events") {
                let mut list: Vec<Event> =
                    serde_json::from_value(list.clone()).map_err(CoreError::internal)?;
                events.append(&mut list);
            }
        }
        Ok((stored, engine::replay(&events)))
    }

    /// The caller's in-app notices, newest first.
    pub async fn my_notices(&self, who: &Principal, limit: i64) -> Result<Vec<Notice>> {
        self.access()
            .check(Some(who), Action::HomeView, Resource::Platform)?;
        type Row = (String, Option<String>, String, String, i64, Option<i64>);
        let rows: Vec<Row> = self
            .store()
            .fetch_all(
                "SELECT id, case_id, kind, params, created_ms, read_ms FROM notices WHERE account_id = $1 \
                 ORDER BY created_ms DESC, id DESC LIMIT $2",
                &[Val::from(&who.account_id), Val::from(limit)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, case_id, kind, params, created, read)| Notice {
                id,
                case_id,
                kind,
                params: serde_json::from_str(&params).unwrap_or(Value::Null),
                at: rfc3339(from_ms(created)),
                read: read.is_some(),
            })
            .collect())
    }

    /// Marks all the caller's notices read.
    pub async fn mark_notices_read(&self, who: &Principal) -> Result<u64> {
        self.access()
            .check(Some(who), Action::HomeView, Resource::Platform)?;
        let account = who.account_id.clone();
        let actor = who.actor();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let now_ms = to_ms(tx.now());
                    let n = tx
                        .execute(
                            "UPDATE notices SET read_ms = $1 WHERE account_id = $2 AND read_ms IS NULL",
                            &[Val::Int(now_ms), Val::from(&account)],
                        )
                        .await?;
                    if n > 0 {
                        tx.journal(&actor, "notices.read", &format!("account:{account}"), json!({ "count": n }))?;
                    }
                    Ok(n)
                })
            })
            .await
    }

    /// The open tasks of the caller's departments and roles, by deadline.
    pub async fn my_tasks(&self, who: &Principal) -> Result<Vec<TaskItem>> {
        self.access()
            .check(Some(who), Action::WorkbenchView, Resource::Platform)?;
        let calendar = self.inner.cases.calendar();
        let today = engine::local_date(self.now());
        let mut out = Vec::new();
        for grant in &who.roles {
            let Some(dept) = grant.department.as_deref() else {
                continue;
            };
            if !matches!(grant.role, Role::Official | Role::DepartmentHead) {
                continue;
            }
            type Row = (
                String,
                String,
                String,
                String,
                String,
                String,
                String,
                i64,
                i64,
            );
            let rows: Vec<Row> = self
                .store()
                .fetch_all(
                    "SELECT t.case_id, c.number, c.plan_id, c.plan_hash, t.step, c.applicant_name, t.deadline, t.provisional, t.checks_passed \
                     FROM case_tasks t JOIN cases c ON c.id = t.case_id \
                     WHERE t.department = $1 AND t.role = $2 AND t.status = 'open' ORDER BY t.deadline, t.opened_ms LIMIT 500",
                    &[Val::from(dept), Val::from(grant.role.as_str())],
                )
                .await?;
            for (
                case_id,
                number,
                plan_id,
                plan_hash,
                step,
                applicant,
                deadline,
                provisional,
                passed,
            ) in rows
            {
                let date = time::Date::parse(
                    &deadline,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|e| CoreError::internal(format!("task deadline {deadline}: {e}")))?;
                let days_left = if date >= today {
                    i64::from(calendar.working_days_between(today, date))
                } else {
                    -i64::from(calendar.working_days_between(date, today))
                };
                let urgency = if days_left <= 0 {
                    Urgency::Red
                } else if days_left <= 2 {
                    Urgency::Yellow
                } else {
                    Urgency::Green
                };
                let name = self
                    .live_plan(&plan_id)
                    .map(|p| bilingual(&p.plan.name.zh, &p.plan.name.en))
                    .unwrap_or_else(|| bilingual(&plan_id, &plan_id));
                // The step's name from the plan the case runs, which a reload does not change.
                let plan = self.plan_by_hash(&plan_hash).await?;
                let step_name = step_bilingual(&plan, &step);
                out.push(TaskItem {
                    case_id,
                    number,
                    service: plan_id,
                    name,
                    step,
                    step_name,
                    department: dept.to_owned(),
                    role: grant.role.as_str().to_owned(),
                    applicant,
                    deadline,
                    provisional: provisional != 0,
                    days_left,
                    urgency,
                    checks_passed: passed != 0,
                });
            }
        }
        out.sort_by(|a, b| a.deadline.cmp(&b.deadline).then(a.number.cmp(&b.number)));
        Ok(out)
    }

    /// Acts on a task. Refused clearly when the task is not the caller's department's or
    /// role's, when it was already decided, or when the step does not allow the action.
    pub async fn act_on_task(
        &self,
        who: &Principal,
        case_id: &str,
        step: &str,
        action: TaskAction,
    ) -> Result<String> {
        self.access()
            .check(Some(who), Action::WorkbenchView, Resource::Platform)?;
        let row: Option<(String, String)> = self
            .store()
            .fetch_optional(
                "SELECT department, role FROM case_tasks WHERE case_id = $1 AND step = $2",
                &[Val::from(case_id), Val::from(step)],
            )
            .await?;
        let Some((department, role)) = row else {
            return Err(CoreError::not_found(
                "case.task.not_found",
                format!(
                    "Case `{case_id}` has no task `{step}` open to departments. Open the case from your workbench."
                ),
            ));
        };
        if !self.access().allows(
            Some(who),
            Action::CaseAct,
            Resource::Department(&department),
        )? {
            return Err(CoreError::forbidden(format!(
                "Task `{step}` belongs to department `{department}`; you do not act for it. Transfer requests go through that department."
            )));
        }
        let acting_role = who
            .roles
            .iter()
            .filter(|g| g.department.as_deref() == Some(department.as_str()))
            .map(|g| g.role.as_str().to_owned())
            .find(|r| *r == role)
            .or_else(|| {
                who.roles
                    .iter()
                    .find(|g| g.department.as_deref() == Some(department.as_str()))
                    .map(|g| g.role.as_str().to_owned())
            })
            .unwrap_or_default();
        let actor = Actor {
            id: who.account_id.clone(),
            department: department.clone(),
            role: acting_role,
        };
        let step_id = step.to_owned();
        let name = action.name();
        let command = match action {
            TaskAction::Approve => Command::Approve {
                step: step_id,
                actor,
            },
            TaskAction::Reject { reason } => Command::Reject {
                step: step_id,
                actor,
                reason: reason.trim().to_owned(),
            },
            TaskAction::Return { fields, note } => Command::Return {
                step: step_id,
                actor,
                fields,
                note: note.trim().to_owned(),
            },
            TaskAction::Transfer { to_department } => Command::Transfer {
                step: step_id,
                actor,
                to_department: to_department.trim().to_owned(),
            },
        };
        let action_name = match name {
            "approve" => "case.approve",
            "reject" => "case.reject",
            "return" => "case.return",
            _ => "case.transfer",
        };
        self.step_case(case_id, who.actor(), action_name, command, None, None)
            .await
    }

    /// Approves several tasks whose automated checks all passed; each is its own change,
    /// and each result is reported.
    pub async fn bulk_approve(
        &self,
        who: &Principal,
        items: &[(String, String)],
    ) -> Result<Vec<(String, String, std::result::Result<String, String>)>> {
        self.access()
            .check(Some(who), Action::WorkbenchView, Resource::Platform)?;
        if items.len() > 200 {
            return Err(CoreError::invalid(
                "case.bulk.too_many",
                "Approve at most 200 tasks at a time.",
            ));
        }
        let mut out = Vec::new();
        for (case_id, step) in items {
            let passed: Option<(i64,)> = self
                .store()
                .fetch_optional(
                    "SELECT checks_passed FROM case_tasks WHERE case_id = $1 AND step = $2",
                    &[Val::from(case_id), Val::from(step)],
                )
                .await?;
            let result = match passed {
                Some((1,)) => self
                    .act_on_task(who, case_id, step, TaskAction::Approve)
                    .await
                    .map_err(|e| e.message),
                Some(_) => Err(
                    "not every automated check passed; open the case and decide it on its own"
                        .to_owned(),
                ),
                None => Err("no such task".to_owned()),
            };
            out.push((case_id.clone(), step.clone(), result));
        }
        Ok(out)
    }

    /// Shows a masked value of a case to an official working on it; the reason is
    /// journaled with who saw which field.
    pub async fn reveal_field(
        &self,
        who: &Principal,
        case_id: &str,
        field: &str,
        reason: &str,
    ) -> Result<String> {
        self.access()
            .check(Some(who), Action::WorkbenchView, Resource::Platform)?;
        let reason = reason.trim();
        if reason.chars().count() < 4 {
            return Err(CoreError::invalid(
                "case.reveal.reason",
                "Say why you need to see this value (at least 4 characters); it is recorded.",
            )
            .with_field("reason"));
        }
        let (state,): (String,) = self
            .store()
            .fetch_optional(
                "SELECT state FROM cases WHERE id = $1",
                &[Val::from(case_id)],
            )
            .await?
            .ok_or_else(|| run::not_found(case_id))?;
        let state: CaseState = serde_json::from_str(&state).map_err(CoreError::internal)?;
        let allowed = state.tasks.values().any(|t| {
            self.access()
                .allows(
                    Some(who),
                    Action::CaseReveal,
                    Resource::Department(&t.department),
                )
                .unwrap_or(false)
        });
        if !allowed {
            return Err(run::not_found(case_id));
        }
        let value = state.form.get(field).map(value_text).ok_or_else(|| {
            CoreError::not_found(
                "case.field.not_found",
                format!("The case has no value for `{field}`."),
            )
        })?;
        let actor = who.actor();
        let subject = format!("case:{case_id}");
        let payload = json!({ "field": field, "reason": reason });
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    tx.journal(&actor, "case.field_revealed", &subject, payload)?;
                    Ok(())
                })
            })
            .await?;
        Ok(value)
    }

    /// The bytes and name of an uploaded file, for its uploader or an official of a
    /// department working on a case that names it.
    pub async fn download_upload(
        &self,
        who: &Principal,
        hash: &str,
    ) -> Result<(String, String, Vec<u8>)> {
        let own: Option<(String, String)> = self
            .store()
            .fetch_optional(
                "SELECT file_name, media_type FROM uploads WHERE hash = $1 AND account_id = $2",
                &[Val::from(hash), Val::from(&who.account_id)],
            )
            .await?;
        let meta = match own {
            Some(m) => m,
            None => {
                let depts = self.acting_departments(who);
                let mut found = None;
                for d in depts {
                    let row: Option<(String, String)> = self
                        .store()
                        .fetch_optional(
                            "SELECT u.file_name, u.media_type FROM case_tasks t JOIN cases c ON c.id = t.case_id \
                             JOIN uploads u ON u.account_id = c.applicant_account AND u.hash = $1 \
                             WHERE t.department = $2 AND c.materials LIKE $3 LIMIT 1",
                            &[Val::from(hash), Val::from(&d), Val::from(format!("%{hash}%"))],
                        )
                        .await?;
                    if row.is_some()
                        && self.access().allows(
                            Some(who),
                            Action::CaseAct,
                            Resource::Department(&d),
                        )?
                    {
                        found = row;
                        break;
                    }
                }
                found.ok_or_else(|| CoreError::not_found("upload.not_found", "No such file."))?
            }
        };
        let bytes = self.read_upload(hash).await?;
        Ok((meta.0, meta.1, bytes))
    }
}

/// A form that passes validation, for demos, tests and benchmarks: each field filled
/// with a plausible value of its type and limits.
pub fn sample_form(plan: &Plan, resident_id: &str, credit_code: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for f in &plan.fields {
        let d = &f.def;
        let v = match d.kind {
            FieldType::Number => {
                let lo = d.min.unwrap_or(1.0).max(1.0);
                let v = d.max.map_or(lo, |hi| lo.min(hi));
                json!(v)
            }
            FieldType::Date => json!("2026-02-27"),
            FieldType::Choice => json!(d.choices.first().cloned().unwrap_or_default()),
            FieldType::ResidentId => json!(resident_id),
            FieldType::CreditCode => json!(credit_code),
            FieldType::Phone => json!("13800138000"),
            FieldType::Address => json!("示范市中山路 1 号"),
            FieldType::Text | FieldType::File => {
                if d.pattern.is_some() {
                    json!("6222020200112233445")
                } else {
                    let min = d.min.unwrap_or(0.0) as usize;
                    json!("示例".repeat(min.div_ceil(2).max(1)))
                }
            }
        };
        out.insert(f.id.clone(), v);
    }
    out
}

impl Platform {
    /// A valid sample form for `service` (see [`sample_form`]).
    pub fn sample_application(
        &self,
        service: &str,
        resident_id: &str,
        credit_code: &str,
    ) -> Result<BTreeMap<String, Value>> {
        let live = self.live_plan_or_404(service)?;
        Ok(sample_form(&live.plan, resident_id, credit_code))
    }
}
