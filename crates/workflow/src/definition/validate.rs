//! Parsing and validation of one service definition file.

use std::collections::BTreeMap;

use super::error::{Collector, DefinitionError, Source};
use super::graph::validate_steps;
use super::model::{
    ApplicantType, Fee, FieldDef, FieldType, Material, MaterialSource, Names, ResultSpec,
    ServiceDefinition,
};
use super::raw::{RawField, RawMaterial, RawNames, RawResult, RawService, S};
use super::rules::compile_rules;

/// Turns a TOML syntax or shape error into a definition error with its position.
pub(crate) fn toml_error(source: &Source<'_>, e: &toml::de::Error) -> DefinitionError {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_owned();
    let hint = if message.contains("unknown field") {
        Some("check the spelling against docs/service-definitions.md".to_owned())
    } else if message.contains("missing field") {
        Some("add the field; docs/service-definitions.md lists every required field".to_owned())
    } else {
        None
    };
    source.error(span, "(file)", message, hint)
}

/// Parses and validates a service definition. `file` names the file in errors; nothing is
/// read from disk. Returns every error found, not only the first.
pub fn parse_service(file: &str, text: &str) -> Result<ServiceDefinition, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawService = toml::from_str(text).map_err(|e| vec![toml_error(&source, &e)])?;
    let mut errors = Collector::new(&source);
    let service = validate_service(&raw, &mut errors);
    if errors.errors.is_empty() {
        Ok(service)
    } else {
        Err(errors.into_sorted())
    }
}

/// Ids and department codes are lowercase ASCII words joined by `-` or `_`, so that they are
/// safe in URLs, file names and case numbers.
pub(crate) fn check_code(value: &S<String>, path: &str, errors: &mut Collector<'_>) {
    let v = value.get_ref();
    let ok = v.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        errors.push(
            value.span(),
            path,
            format!("\"{v}\" is not a valid code"),
            Some("use lowercase letters, digits, `-` and `_`, starting with a letter".into()),
        );
    }
}

pub(crate) fn positive_days(value: &S<i64>, path: &str, errors: &mut Collector<'_>) -> Option<u32> {
    match u32::try_from(*value.get_ref()) {
        Ok(days) if days > 0 && days <= 3650 => Some(days),
        _ => {
            errors.push(
                value.span(),
                path,
                format!("{} is not a valid number of working days", value.get_ref()),
                Some("use a whole number of working days greater than 0".into()),
            );
            None
        }
    }
}

pub(crate) fn names(raw: &S<RawNames>, path: &str, errors: &mut Collector<'_>) -> Names {
    let n = raw.get_ref();
    for (lang, value) in [("zh", &n.zh), ("en", &n.en)] {
        if value.get_ref().trim().is_empty() {
            errors.push(
                value.span(),
                format!("{path}.{lang}"),
                "the name is empty",
                Some("every name is needed in Chinese and English".into()),
            );
        }
    }
    Names {
        zh: n.zh.get_ref().trim().to_owned(),
        en: n.en.get_ref().trim().to_owned(),
    }
}

pub(crate) fn version(value: &S<i64>, errors: &mut Collector<'_>) -> u32 {
    match u32::try_from(*value.get_ref()) {
        Ok(v) if v > 0 => v,
        _ => {
            errors.push(
                value.span(),
                "version",
                format!("{} is not a valid version", value.get_ref()),
                Some("versions are whole numbers from 1, raised with every change".into()),
            );
            1
        }
    }
}

fn validate_service(raw: &RawService, errors: &mut Collector<'_>) -> ServiceDefinition {
    if let Some(kind) = &raw.kind
        && kind.get_ref() != "service"
    {
        errors.push(
            kind.span(),
            "kind",
            format!("expected kind \"service\", found \"{}\"", kind.get_ref()),
            None,
        );
    }
    check_code(&raw.id, "id", errors);
    check_code(&raw.department, "department", errors);
    let applicant = match raw.applicant.get_ref().as_str() {
        "person" => ApplicantType::Person,
        "enterprise" => ApplicantType::Enterprise,
        "both" => ApplicantType::Both,
        other => {
            errors.push(
                raw.applicant.span(),
                "applicant",
                format!("unknown applicant type \"{other}\""),
                Some("use person, enterprise or both".into()),
            );
            ApplicantType::Both
        }
    };
    if raw.category.get_ref().trim().is_empty() {
        errors.push(
            raw.category.span(),
            "category",
            "the category is empty",
            None,
        );
    }
    let limits = raw.time_limit.get_ref();
    let promised = positive_days(&limits.promised, "time_limit.promised", errors);
    let statutory = positive_days(&limits.statutory, "time_limit.statutory", errors);
    if let (Some(p), Some(s)) = (promised, statutory)
        && p > s
    {
        errors.push(
            limits.promised.span(),
            "time_limit.promised",
            format!("the promised limit ({p}) is longer than the statutory limit ({s})"),
            Some("a promise (承诺时限) may only shorten the statutory limit (法定时限)".into()),
        );
    }
    let fee = match &raw.fee {
        None => Fee {
            amount_fen: 0,
            basis: None,
        },
        Some(fee) => {
            let f = fee.get_ref();
            let yuan = *f.amount_yuan.get_ref();
            let fen = (yuan * 100.0).round();
            if !(0.0..=1e9).contains(&fen) || (yuan * 100.0 - fen).abs() > 1e-6 {
                errors.push(
                    f.amount_yuan.span(),
                    "fee.amount_yuan",
                    format!("{yuan} is not a valid amount"),
                    Some("write a non-negative amount in yuan with at most two decimals".into()),
                );
            }
            Fee {
                amount_fen: fen.max(0.0) as u64,
                basis: f.basis.as_ref().map(|b| b.get_ref().clone()),
            }
        }
    };
    let fields = validate_fields(&raw.fields, errors);
    let materials = validate_materials(&raw.materials, errors);
    let steps = validate_steps(&raw.steps, promised, errors);
    let rules = compile_rules(&raw.rules, errors);
    let instant = raw.instant.as_ref().is_some_and(|i| *i.get_ref());
    if let Some(flag) = raw.instant.as_ref().filter(|i| *i.get_ref())
        && rules.is_empty()
    {
        errors.push(
            flag.span(),
            "instant",
            "instant approval (秒批) needs at least one rule",
            Some("add [[rules]] or set instant = false".into()),
        );
    }
    let result = validate_result(&raw.result, &fields, errors);
    ServiceDefinition {
        id: raw.id.get_ref().clone(),
        version: version(&raw.version, errors),
        name: names(&raw.name, "name", errors),
        department: raw.department.get_ref().clone(),
        legal_basis: raw
            .legal_basis
            .iter()
            .map(|l| l.get_ref().clone())
            .collect(),
        category: raw.category.get_ref().trim().to_owned(),
        life_events: raw
            .life_events
            .iter()
            .map(|l| l.get_ref().clone())
            .collect(),
        applicant,
        promised_days: promised.unwrap_or(1),
        statutory_days: statutory.unwrap_or(1),
        fee,
        materials,
        fields,
        steps,
        rules,
        instant,
        result,
    }
}

fn validate_fields(raw: &[S<RawField>], errors: &mut Collector<'_>) -> Vec<FieldDef> {
    let mut out: Vec<FieldDef> = Vec::new();
    for (i, f) in raw.iter().enumerate() {
        let f = f.get_ref();
        let path = |name: &str| format!("fields[{i}].{name}");
        check_code(&f.id, &path("id"), errors);
        if out.iter().any(|o| &o.id == f.id.get_ref()) {
            errors.push(
                f.id.span(),
                path("id"),
                format!("duplicate field id \"{}\"", f.id.get_ref()),
                Some("each field is asked once; rename or remove one".into()),
            );
        }
        let kind = FieldType::parse(f.kind.get_ref()).unwrap_or_else(|| {
            errors.push(
                f.kind.span(),
                path("type"),
                format!("unknown field type \"{}\"", f.kind.get_ref()),
                Some(format!("known types: {}", FieldType::NAMES.join(", "))),
            );
            FieldType::Text
        });
        let choices = f
            .choices
            .as_ref()
            .map(|c| c.get_ref().clone())
            .unwrap_or_default();
        if kind == FieldType::Choice && choices.is_empty() {
            let span = f.choices.as_ref().map_or(f.kind.span(), |c| c.span());
            errors.push(
                span,
                path("choices"),
                "a choice field has no choices",
                Some("add choices = [\"...\", \"...\"]".into()),
            );
        }
        if kind != FieldType::Choice
            && let Some(c) = &f.choices
        {
            errors.push(
                c.span(),
                path("choices"),
                format!("choices are only for choice fields, not {}", kind.name()),
                Some("remove `choices` or set type = \"choice\"".into()),
            );
        }
        if let (Some(min), Some(max)) = (&f.min, &f.max)
            && min.get_ref() > max.get_ref()
        {
            errors.push(
                min.span(),
                path("min"),
                format!(
                    "min ({}) is greater than max ({})",
                    min.get_ref(),
                    max.get_ref()
                ),
                None,
            );
        }
        let pattern = f.pattern.as_ref().and_then(|p| {
            match regex::Regex::new(&format!("^(?:{})$", p.get_ref())) {
                Ok(re) => Some(re),
                Err(e) => {
                    errors.push(
                        p.span(),
                        path("pattern"),
                        format!("the pattern is not a valid regular expression: {e}"),
                        None,
                    );
                    None
                }
            }
        });
        if let Some(prefill) = &f.prefill {
            check_dataset_column(prefill, &path("prefill"), errors);
        }
        out.push(FieldDef {
            id: f.id.get_ref().clone(),
            label: names(&f.label, &path("label"), errors),
            kind,
            required: f.required,
            min: f.min.as_ref().map(|m| *m.get_ref()),
            max: f.max.as_ref().map(|m| *m.get_ref()),
            pattern,
            choices,
            prefill: f.prefill.as_ref().map(|p| p.get_ref().clone()),
        });
    }
    out
}

fn check_dataset_column(
    value: &S<String>,
    path: &str,
    errors: &mut Collector<'_>,
) -> Option<(String, String)> {
    match value.get_ref().split_once('.') {
        Some((d, c)) if !d.is_empty() && !c.is_empty() && !c.contains('.') => {
            Some((d.to_owned(), c.to_owned()))
        }
        _ => {
            errors.push(
                value.span(),
                path,
                format!("\"{}\" is not a dataset column", value.get_ref()),
                Some("write it as dataset.column, e.g. \"amr_enterprise.credit_code\"".into()),
            );
            None
        }
    }
}

fn validate_materials(raw: &[S<RawMaterial>], errors: &mut Collector<'_>) -> Vec<Material> {
    let mut out: Vec<Material> = Vec::new();
    for (i, m) in raw.iter().enumerate() {
        let m = m.get_ref();
        let path = |name: &str| format!("materials[{i}].{name}");
        check_code(&m.id, &path("id"), errors);
        if out.iter().any(|o| &o.id == m.id.get_ref()) {
            errors.push(
                m.id.span(),
                path("id"),
                format!("duplicate material id \"{}\"", m.id.get_ref()),
                None,
            );
        }
        let source = match m.source.get_ref().as_str() {
            "upload" => MaterialSource::Upload {
                formats: m.formats.clone().unwrap_or_default(),
            },
            "shared" => match &m.dataset {
                Some(d) => {
                    let (dataset, column) =
                        check_dataset_column(d, &path("dataset"), errors).unwrap_or_default();
                    MaterialSource::Shared { dataset, column }
                }
                None => {
                    errors.push(
                        m.source.span(),
                        path("dataset"),
                        "a shared material names no dataset",
                        Some("add dataset = \"dataset.column\"".into()),
                    );
                    MaterialSource::Upload { formats: vec![] }
                }
            },
            "licence" => match &m.licence_type {
                Some(t) if !t.get_ref().trim().is_empty() => MaterialSource::Licence {
                    licence_type: t.get_ref().clone(),
                },
                _ => {
                    errors.push(
                        m.source.span(),
                        path("licence_type"),
                        "a licence material names no licence type",
                        Some("add licence_type = \"...\" (the mutually recognised licence)".into()),
                    );
                    MaterialSource::Upload { formats: vec![] }
                }
            },
            other => {
                errors.push(
                    m.source.span(),
                    path("source"),
                    format!("unknown material source \"{other}\""),
                    Some("use upload, shared or licence".into()),
                );
                MaterialSource::Upload { formats: vec![] }
            }
        };
        out.push(Material {
            id: m.id.get_ref().clone(),
            name: names(&m.name, &path("name"), errors),
            required: m.required,
            source,
        });
    }
    out
}

fn validate_result(
    raw: &S<RawResult>,
    fields: &[FieldDef],
    errors: &mut Collector<'_>,
) -> ResultSpec {
    let r = raw.get_ref();
    match r.kind.get_ref().as_str() {
        "licence" => {
            let licence_type = match &r.licence_type {
                Some(t) if !t.get_ref().trim().is_empty() => t.get_ref().clone(),
                _ => {
                    errors.push(
                        r.kind.span(),
                        "result.licence_type",
                        "a licence result names no licence type",
                        Some("add licence_type = \"...\"".into()),
                    );
                    String::new()
                }
            };
            let mut mapping = BTreeMap::new();
            if let Some(m) = &r.mapping {
                let known: Vec<&str> = fields.iter().map(|f| f.id.as_str()).collect();
                for (claim, field) in m.get_ref() {
                    if !known.contains(&field.get_ref().as_str()) {
                        errors.push(
                            field.span(),
                            format!("result.mapping.{claim}"),
                            format!("unknown field \"{}\"", field.get_ref()),
                            Some(format!("known fields: {}", known.join(", "))),
                        );
                    }
                    mapping.insert(claim.clone(), field.get_ref().clone());
                }
            } else {
                errors.push(
                    r.kind.span(),
                    "result.mapping",
                    "a licence result has no field mapping",
                    Some("add [result.mapping] with claim = \"field_id\" lines".into()),
                );
            }
            ResultSpec::Licence {
                licence_type,
                mapping,
            }
        }
        "letter" => ResultSpec::Letter {
            template: r
                .template
                .as_ref()
                .map_or_else(|| "decision".to_owned(), |t| t.get_ref().clone()),
        },
        other => {
            errors.push(
                r.kind.span(),
                "result.kind",
                format!("unknown result kind \"{other}\""),
                Some("use licence or letter".into()),
            );
            ResultSpec::Letter {
                template: "decision".to_owned(),
            }
        }
    }
}
