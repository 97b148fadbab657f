//! The plan the engine runs: one service, or a bundle of services flattened into one step
//! graph with one merged form. The engine only ever sees a plan, so a single service and a
//! bundle (一件事) follow exactly the same rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::form::{FieldError, Form, check_value};
use super::model::{Action, FieldDef, Names, ResultSpec, Rule, ServiceDefinition};
use super::rules::{RuleOutcome, evaluate_rules};

/// What happens to a bundle when one of its parts is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RejectPolicy {
    /// The other parts go on to their own result; the bundle ends `partially_rejected` when
    /// at least one part was approved. This is the default, because most parts of a bundle
    /// (a seal, a social-security account) are still worth having on their own.
    #[default]
    Continue,
    /// Every other open task is cancelled and the bundle ends `rejected`; for bundles whose
    /// parts make no sense alone.
    CancelAll,
}

/// One service within a plan.
#[derive(Debug, Clone)]
pub struct PlanPart {
    /// The service id.
    pub service: String,
    /// The service version.
    pub version: u32,
    /// The department owning the service.
    pub department: String,
    /// What the part issues when approved.
    pub result: ResultSpec,
    /// The service's fields, each with the id it has in the (merged) form.
    pub fields: Vec<(String, FieldDef)>,
    /// The service's automated checks, over the service's own field ids.
    pub rules: Vec<Rule>,
}

/// One task template in the flattened step graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStep {
    /// Unique in the plan: the step id for a service, `service/step` in a bundle.
    pub id: String,
    /// The step's name as people read it (the service step's own name, also in a bundle).
    pub name: Names,
    /// Index into [`Plan::parts`].
    pub part: usize,
    /// The department code that acts.
    pub department: String,
    /// The role that acts.
    pub role: String,
    /// Allowed actions.
    pub actions: Vec<Action>,
    /// Time limit in working days.
    pub time_limit: u32,
    /// Indices of the steps that must all be approved first.
    pub after: Vec<usize>,
    /// Indices of the steps that wait for this one.
    pub successors: Vec<usize>,
}

/// A field of the merged form and the parts that ask for it.
#[derive(Debug, Clone)]
pub struct MergedField {
    /// The field's id in the merged form.
    pub id: String,
    /// The definition shown to the applicant (the first service's).
    pub def: FieldDef,
    /// Indices of the parts that use the field.
    pub parts: Vec<usize>,
}

/// The runnable form of a service or bundle.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The service or bundle id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// Its name.
    pub name: Names,
    /// Whether this plan is a bundle (一件事).
    pub bundle: bool,
    /// The services the plan is made of; one for a plain service.
    pub parts: Vec<PlanPart>,
    /// The flattened step graph.
    pub steps: Vec<PlanStep>,
    /// The merged form, each field asked once.
    pub fields: Vec<MergedField>,
    /// Whether passing every rule approves the case at once (秒批).
    pub instant: bool,
    /// The promised time limit for the whole case, in working days.
    pub promised_days: u32,
    /// What happens when a part is rejected.
    pub on_part_rejected: RejectPolicy,
    /// A due-soon reminder fires when this many working days or fewer are left.
    pub remind_before_days: u32,
}

impl Plan {
    /// The plan of a single service.
    pub fn for_service(service: &ServiceDefinition) -> Self {
        let part = part_of(service, |id| id.to_owned());
        let fields = service
            .fields
            .iter()
            .map(|f| MergedField {
                id: f.id.clone(),
                def: f.clone(),
                parts: vec![0],
            })
            .collect();
        let mut plan = Self {
            id: service.id.clone(),
            version: service.version,
            name: service.name.clone(),
            bundle: false,
            parts: vec![part],
            steps: Vec::new(),
            fields,
            instant: service.instant,
            promised_days: service.promised_days,
            on_part_rejected: RejectPolicy::CancelAll,
            remind_before_days: 1,
        };
        plan.add_steps(0, service, |id| id.to_owned());
        plan
    }

    /// Appends a service's steps as part `part`, qualifying their ids with `qualify`.
    pub(crate) fn add_steps(
        &mut self,
        part: usize,
        service: &ServiceDefinition,
        qualify: impl Fn(&str) -> String,
    ) {
        let base = self.steps.len();
        let local: BTreeMap<&str, usize> = service
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), base + i))
            .collect();
        for s in &service.steps {
            let id = qualify(&s.id);
            // A step without a name of its own is shown by its id, in a bundle the
            // qualified one, as before names existed.
            let name = if s.name == Names::same(&s.id) {
                Names::same(&id)
            } else {
                s.name.clone()
            };
            self.steps.push(PlanStep {
                id,
                name,
                part,
                department: s.department.clone(),
                role: s.role.clone(),
                actions: s.actions.clone(),
                time_limit: s.time_limit,
                after: s
                    .after
                    .iter()
                    .filter_map(|a| local.get(a.as_str()).copied())
                    .collect(),
                successors: Vec::new(),
            });
        }
        for i in base..self.steps.len() {
            let after = self.steps[i].after.clone();
            for p in after {
                if let Some(pred) = self.steps.get_mut(p) {
                    pred.successors.push(i);
                }
            }
        }
    }

    /// The name of the step with plan id `id`; the id itself in both languages when the plan
    /// has no such step (an event written by an older plan, say).
    pub fn step_name(&self, id: &str) -> Names {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| Names::same(id), |s| s.name.clone())
    }

    /// The index of the step with plan id `id`.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }

    /// The steps that open when the case is submitted: every part's first steps, together.
    pub fn start_steps(&self) -> impl Iterator<Item = usize> + '_ {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.after.is_empty())
            .map(|(i, _)| i)
    }

    /// Checks a form against every part's field definitions and reports every problem, once
    /// per field and message. Keys the form does not know are refused too, so that nothing
    /// unvalidated reaches a case.
    pub fn validate_form(&self, form: &Form) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for part in &self.parts {
            for (id, def) in &part.fields {
                if let Some(message) = check_value(def, form.get(id)) {
                    errors.push(FieldError {
                        field: id.clone(),
                        message,
                    });
                }
            }
        }
        for key in form.keys() {
            if !self.fields.iter().any(|f| &f.id == key) {
                errors.push(FieldError {
                    field: key.clone(),
                    message: "this form has no such field".to_owned(),
                });
            }
        }
        errors.sort();
        errors.dedup();
        errors
    }

    /// Whether any part has automated checks to run before officials see the case.
    pub fn has_rules(&self) -> bool {
        self.parts.iter().any(|p| !p.rules.is_empty())
    }

    /// Evaluates every part's rules, each over the form as that service names its fields.
    pub fn evaluate_rules(&self, form: &Form, data: &serde_json::Value) -> Vec<RuleOutcome> {
        let mut outcomes = Vec::new();
        for part in &self.parts {
            if part.rules.is_empty() {
                continue;
            }
            let view: Form = part
                .fields
                .iter()
                .filter_map(|(merged, def)| form.get(merged).map(|v| (def.id.clone(), v.clone())))
                .collect();
            outcomes.extend(evaluate_rules(&part.rules, &view, data));
        }
        outcomes
    }

    /// Whether `field` is a field of the merged form.
    pub fn has_field(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f.id == field)
    }
}

pub(crate) fn part_of(service: &ServiceDefinition, rename: impl Fn(&str) -> String) -> PlanPart {
    PlanPart {
        service: service.id.clone(),
        version: service.version,
        department: service.department.clone(),
        result: service.result.clone(),
        fields: service
            .fields
            .iter()
            .map(|f| (rename(&f.id), f.clone()))
            .collect(),
        rules: service.rules.clone(),
    }
}
