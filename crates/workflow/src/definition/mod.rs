//! Service and bundle definitions: the TOML format (see `docs/service-definitions.md`), its
//! validation with errors that name file, line, column and field, and the plans the engine
//! runs.

mod bundle;
mod error;
mod form;
mod graph;
mod model;
mod plan;
mod raw;
mod rules;
mod validate;

pub use bundle::{BundleDefinition, parse_bundle};
pub use error::{DefinitionError, DefinitionErrors};
pub use form::{FieldError, Form, check_value, is_credit_code, is_phone, is_resident_id};
pub use model::{
    Action, ApplicantType, Fee, FieldDef, FieldType, Material, MaterialSource, Names, ResultSpec,
    Rule, ServiceDefinition, StepDef,
};
pub use plan::{MergedField, Plan, PlanPart, PlanStep, RejectPolicy};
pub use rules::{RULE_VARIABLES, RuleOutcome, evaluate_rules};
pub use validate::parse_service;

use std::collections::BTreeMap;

use error::Source;
use raw::RawKind;

/// A folder's worth of definitions, validated together.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Services by id.
    pub services: BTreeMap<String, ServiceDefinition>,
    /// Bundles by id.
    pub bundles: BTreeMap<String, BundleDefinition>,
}

impl Catalogue {
    /// The licence types the parts of bundle `bundle` issue (none for a service or an
    /// unknown id). A part needs no such licence from the applicant: the bundle issues it.
    pub fn licences_issued_within(&self, bundle: &str) -> Vec<String> {
        let Some(b) = self.bundles.get(bundle) else {
            return Vec::new();
        };
        b.parts
            .iter()
            .filter_map(|(id, _)| self.services.get(id))
            .filter_map(|s| match &s.result {
                ResultSpec::Licence { licence_type, .. } => Some(licence_type.clone()),
                ResultSpec::Letter { .. } => None,
            })
            .collect()
    }

    /// Validates a set of files given as (file name, text). Services are read first so that
    /// bundles can refer to any of them. Returns every error of every file, or the catalogue
    /// when there is none; the caller keeps its last good catalogue on error.
    pub fn load(files: &[(&str, &str)]) -> Result<Self, Vec<DefinitionError>> {
        let mut errors = Vec::new();
        let mut catalogue = Self::default();
        let mut service_files: BTreeMap<String, &str> = BTreeMap::new();
        let mut bundle_files = Vec::new();
        for &(file, text) in files {
            let kind = toml::from_str::<RawKind>(text)
                .ok()
                .and_then(|k| k.kind)
                .map(|k| k.into_inner());
            if kind.as_deref() == Some("bundle") {
                bundle_files.push((file, text));
                continue;
            }
            match parse_service(file, text) {
                Ok(service) => {
                    if let Some(first) = service_files.get(&service.id) {
                        let source = Source::new(file, text);
                        errors.push(source.error(
                            0..0,
                            "id",
                            format!("service id \"{}\" is already used", service.id),
                            Some(format!("{first} defines it too; ids must be unique")),
                        ));
                    } else {
                        service_files.insert(service.id.clone(), file);
                        catalogue.services.insert(service.id.clone(), service);
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        for (file, text) in bundle_files {
            let services = &catalogue.services;
            let lookup = |id: &str, version: Option<u32>| {
                services
                    .get(id)
                    .filter(|s| version.is_none_or(|v| v == s.version))
            };
            match parse_bundle(file, text, &lookup) {
                Ok(bundle) => {
                    if catalogue.services.contains_key(&bundle.id)
                        || catalogue.bundles.contains_key(&bundle.id)
                    {
                        errors.push(Source::new(file, text).error(
                            0..0,
                            "id",
                            format!("id \"{}\" is already used", bundle.id),
                            Some("service and bundle ids share one namespace".into()),
                        ));
                    } else {
                        catalogue.bundles.insert(bundle.id.clone(), bundle);
                    }
                }
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(catalogue)
        } else {
            Err(errors)
        }
    }
}
