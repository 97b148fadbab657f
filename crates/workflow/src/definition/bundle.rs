//! Bundles (一件事): several services applied for together with one merged form.
//!
//! Merging: a field asked by several services is asked once. Fields merge when a `[[merge]]`
//! entry says so (for fields named differently by different departments), or when they share
//! an id and a type. Two fields with the same id and different types are an error, since one
//! input cannot serve both; the fix is a `[[merge]]` entry or a renamed field. A merged value
//! is validated against every service's own definition of the field, so each department's
//! constraints still hold.

use std::collections::BTreeMap;

use super::error::{Collector, DefinitionError, Source};
use super::model::{FieldDef, Names, ServiceDefinition};
use super::plan::{MergedField, Plan, RejectPolicy, part_of};
use super::raw::RawBundle;
use super::validate::{check_code, names, positive_days, toml_error, version};

/// A validated bundle definition and the plan it runs as.
#[derive(Debug, Clone)]
pub struct BundleDefinition {
    /// The bundle's id, e.g. `start-business`.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// Its name, e.g. 企业开办一件事.
    pub name: Names,
    /// The department that coordinates the bundle (usually `gsdm`).
    pub department: String,
    /// Life events the bundle belongs to.
    pub life_events: Vec<String>,
    /// The services composed, with the versions used.
    pub parts: Vec<(String, u32)>,
    /// The runnable plan.
    pub plan: Plan,
}

/// Parses and validates a bundle file; `lookup` finds a service by id and, when the bundle
/// pins one, version.
pub fn parse_bundle<'s>(
    file: &str,
    text: &str,
    lookup: &dyn Fn(&str, Option<u32>) -> Option<&'s ServiceDefinition>,
) -> Result<BundleDefinition, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawBundle = toml::from_str(text).map_err(|e| vec![toml_error(&source, &e)])?;
    let mut errors = Collector::new(&source);
    let bundle = validate_bundle(&raw, lookup, &mut errors);
    match bundle {
        Some(b) if errors.errors.is_empty() => Ok(b),
        _ => Err(errors.into_sorted()),
    }
}

fn validate_bundle<'s>(
    raw: &RawBundle,
    lookup: &dyn Fn(&str, Option<u32>) -> Option<&'s ServiceDefinition>,
    errors: &mut Collector<'_>,
) -> Option<BundleDefinition> {
    if raw.kind.get_ref() != "bundle" {
        errors.push(
            raw.kind.span(),
            "kind",
            format!("expected kind \"bundle\", found \"{}\"", raw.kind.get_ref()),
            None,
        );
    }
    check_code(&raw.id, "id", errors);
    check_code(&raw.department, "department", errors);
    let version = version(&raw.version, errors);
    let name = names(&raw.name, "name", errors);
    let policy = match raw.on_part_rejected.as_ref().map(|p| p.get_ref().as_str()) {
        None | Some("continue") => RejectPolicy::Continue,
        Some("cancel_all") => RejectPolicy::CancelAll,
        Some(other) => {
            if let Some(p) = &raw.on_part_rejected {
                errors.push(
                    p.span(),
                    "on_part_rejected",
                    format!("unknown policy \"{other}\""),
                    Some("use continue or cancel_all".into()),
                );
            }
            RejectPolicy::Continue
        }
    };
    let parts_raw = raw.parts.get_ref();
    if parts_raw.len() < 2 {
        errors.push(
            raw.parts.span(),
            "parts",
            "a bundle needs at least two services",
            Some("add [[parts]] entries with service = \"...\"".into()),
        );
    }
    let mut services: Vec<&ServiceDefinition> = Vec::new();
    for (i, p) in parts_raw.iter().enumerate() {
        let p = p.get_ref();
        let pinned = p
            .version
            .as_ref()
            .and_then(|v| u32::try_from(*v.get_ref()).ok());
        match lookup(p.service.get_ref(), pinned) {
            Some(s) if services.iter().any(|o| o.id == s.id) => errors.push(
                p.service.span(),
                format!("parts[{i}].service"),
                format!("service \"{}\" is listed twice", s.id),
                None,
            ),
            Some(s) => services.push(s),
            None => errors.push(
                p.service.span(),
                format!("parts[{i}].service"),
                match pinned {
                    Some(v) => format!("unknown service \"{}\" version {v}", p.service.get_ref()),
                    None => format!("unknown service \"{}\"", p.service.get_ref()),
                },
                Some("the service must be defined in its own file in the same folder".into()),
            ),
        }
    }
    if services.len() != parts_raw.len() {
        return None;
    }

    // Explicit merges first: (part, service field id) → merged id.
    let mut renamed: BTreeMap<(usize, String), String> = BTreeMap::new();
    for (i, m) in raw.merge.iter().enumerate() {
        let m = m.get_ref();
        check_code(&m.field, &format!("merge[{i}].field"), errors);
        let mut first_type = None;
        for (j, source) in m.from.get_ref().iter().enumerate() {
            let path = format!("merge[{i}].from[{j}]");
            let Some((service_id, field_id)) = source.get_ref().split_once('.') else {
                errors.push(
                    source.span(),
                    path,
                    format!("\"{}\" is not service.field", source.get_ref()),
                    Some("write it as \"service-id.field_id\"".into()),
                );
                continue;
            };
            let Some(part) = services.iter().position(|s| s.id == service_id) else {
                let known: Vec<&str> = services.iter().map(|s| s.id.as_str()).collect();
                errors.push(
                    source.span(),
                    path,
                    format!("service \"{service_id}\" is not a part of this bundle"),
                    Some(format!("parts: {}", known.join(", "))),
                );
                continue;
            };
            let Some(field) = services[part].fields.iter().find(|f| f.id == field_id) else {
                let known: Vec<&str> = services[part]
                    .fields
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect();
                errors.push(
                    source.span(),
                    path,
                    format!("service \"{service_id}\" has no field \"{field_id}\""),
                    Some(format!("its fields: {}", known.join(", "))),
                );
                continue;
            };
            match first_type {
                None => first_type = Some((field.kind, source.get_ref().clone())),
                Some((kind, ref first)) if kind != field.kind => errors.push(
                    source.span(),
                    path.clone(),
                    format!(
                        "\"{}\" is a {} field but \"{first}\" is a {} field",
                        source.get_ref(),
                        field.kind.name(),
                        kind.name()
                    ),
                    Some("only fields of the same type can be merged into one input".into()),
                ),
                Some(_) => {}
            }
            if renamed
                .insert((part, field_id.to_owned()), m.field.get_ref().clone())
                .is_some()
            {
                errors.push(
                    source.span(),
                    path,
                    format!("field \"{}\" is merged twice", source.get_ref()),
                    None,
                );
            }
        }
    }

    // Then implicit merges by id, checking types agree.
    let mut merged: Vec<MergedField> = Vec::new();
    let mut parts = Vec::new();
    for (p, service) in services.iter().enumerate() {
        let rename = |id: &str| {
            renamed
                .get(&(p, id.to_owned()))
                .cloned()
                .unwrap_or_else(|| id.to_owned())
        };
        for field in &service.fields {
            let id = rename(&field.id);
            match merged.iter_mut().find(|m| m.id == id) {
                Some(existing) if existing.def.kind != field.kind => {
                    let span = parts_raw[p].get_ref().service.span();
                    errors.push(
                        span,
                        format!("parts[{p}]"),
                        format!(
                            "field \"{id}\" is a {} field in \"{}\" but a {} field in \"{}\"",
                            field.kind.name(),
                            service.id,
                            existing.def.kind.name(),
                            services[existing.parts[0]].id
                        ),
                        Some("add a [[merge]] entry mapping them to different ids, or align the types".into()),
                    );
                }
                Some(existing) => {
                    existing.def.required |= field.required;
                    existing.parts.push(p);
                }
                None => merged.push(MergedField {
                    id: id.clone(),
                    def: FieldDef {
                        id: id.clone(),
                        ..field.clone()
                    },
                    parts: vec![p],
                }),
            }
        }
        parts.push(part_of(service, rename));
    }

    let promised = match &raw.promised {
        Some(p) => positive_days(p, "promised", errors).unwrap_or(1),
        None => services.iter().map(|s| s.promised_days).max().unwrap_or(1),
    };
    let mut plan = Plan {
        id: raw.id.get_ref().clone(),
        version,
        name: name.clone(),
        bundle: true,
        parts,
        steps: Vec::new(),
        fields: merged,
        instant: services.iter().all(|s| s.instant),
        promised_days: promised,
        on_part_rejected: policy,
        remind_before_days: 1,
    };
    for (p, service) in services.iter().enumerate() {
        let prefix = service.id.clone();
        plan.add_steps(p, service, |id| format!("{prefix}/{id}"));
    }
    Some(BundleDefinition {
        id: raw.id.get_ref().clone(),
        version,
        name,
        department: raw.department.get_ref().clone(),
        life_events: raw
            .life_events
            .iter()
            .map(|l| l.get_ref().clone())
            .collect(),
        parts: services.iter().map(|s| (s.id.clone(), s.version)).collect(),
        plan,
    })
}
