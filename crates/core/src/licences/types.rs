//! Licence types (证照类型) as definition files: one TOML file per type in the `licences/`
//! folder, naming its claims, which of them the holder may withhold, its validity and
//! the department that issues it. The format is documented in `docs/licence-types.md`.
//!
//! Errors use the catalogue's [`DefinitionError`], so `govops check` prints both kinds
//! the same way: `file:line:col: field: message — hint`.

use govops_workflow::definition::{Catalogue, DefinitionError, ResultSpec};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use toml::Spanned;

/// Claims the platform sets itself; a licence type may not declare them.
pub const RESERVED_CLAIMS: [&str; 14] = [
    "iss",
    "iat",
    "nbf",
    "exp",
    "sub",
    "cnf",
    "vct",
    "vct#integrity",
    "status",
    "_sd",
    "_sd_alg",
    "...",
    "licence_number",
    "issuing_authority",
];

/// A name in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Bilingual {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// How long a licence of a type is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// 长期: no end of validity (`exp` is left out).
    LongTerm,
    /// A fixed number of days from issue.
    Days(u32),
    /// A fixed number of years from issue (same day and month; 29 February → 28 February).
    Years(u32),
}

impl Validity {
    /// The end of validity for a licence issued at `issued`, or `None` for long-term.
    pub fn expires(self, issued: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
        match self {
            Validity::LongTerm => None,
            Validity::Days(d) => Some(issued + time::Duration::days(i64::from(d))),
            Validity::Years(y) => {
                let year = issued.year() + i32::try_from(y).unwrap_or(100);
                let date = issued
                    .date()
                    .replace_year(year)
                    .or_else(|_| {
                        issued
                            .date()
                            .replace_day(28)
                            .and_then(|d| d.replace_year(year))
                    })
                    .ok()?;
                Some(issued.replace_date(date))
            }
        }
    }
}

/// One claim a licence of the type carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimDef {
    /// The claim name in the SD-JWT payload.
    pub name: String,
    /// What a person sees.
    pub label: Bilingual,
    /// Whether every licence of the type must have it.
    pub required: bool,
    /// Whether the holder may withhold it (selectively disclosable); otherwise it is in
    /// the clear and always shown.
    pub disclosable: bool,
}

/// A validated licence type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceType {
    /// Stable id, as services name it in `licence_type`, e.g. `business-licence`.
    pub id: String,
    /// The type code in the GB/T 36904 identifier (digits and upper-case letters).
    pub code: String,
    /// The type's name.
    pub name: Bilingual,
    /// The code of the department that issues it (and signs it).
    pub department: String,
    /// How long a licence is valid.
    pub validity: Validity,
    /// The claims, in the order of the file.
    pub claims: Vec<ClaimDef>,
    /// The file it came from.
    pub file: String,
}

impl LicenceType {
    /// The SD-JWT VC type (`vct`) of licences of this type.
    pub fn vct(&self) -> String {
        format!("urn:govops:licence:{}", self.id)
    }

    /// The claim named `name`.
    pub fn claim(&self, name: &str) -> Option<&ClaimDef> {
        self.claims.iter().find(|c| c.name == name)
    }
}

/// Every licence type, by id.
#[derive(Debug, Clone, Default)]
pub struct LicenceTypes {
    by_id: BTreeMap<String, LicenceType>,
}

impl LicenceTypes {
    /// Parses and validates every file, given as (name shown in errors, text). Reports
    /// every problem of every file at once.
    pub fn load(files: &[(&str, &str)]) -> Result<Self, Vec<DefinitionError>> {
        let mut errors = Vec::new();
        let mut by_id: BTreeMap<String, LicenceType> = BTreeMap::new();
        let mut codes: BTreeMap<String, String> = BTreeMap::new();
        for (file, text) in files {
            let Some((t, span)) = parse_one(file, text, &mut errors) else {
                continue;
            };
            if let Some(other) = by_id.get(&t.id) {
                errors.push(error(
                    file,
                    text,
                    span.clone(),
                    "id",
                    format!("the id \"{}\" is already used by {}", t.id, other.file),
                    Some("give each licence type its own id".into()),
                ));
                continue;
            }
            if let Some(other) = codes.get(&t.code) {
                errors.push(error(
                    file,
                    text,
                    span,
                    "code",
                    format!("the type code \"{}\" is already used by {other}", t.code),
                    Some("give each licence type its own code".into()),
                ));
                continue;
            }
            codes.insert(t.code.clone(), t.file.clone());
            by_id.insert(t.id.clone(), t);
        }
        if errors.is_empty() {
            Ok(Self { by_id })
        } else {
            Err(errors)
        }
    }

    /// The type with `id`.
    pub fn get(&self, id: &str) -> Option<&LicenceType> {
        self.by_id.get(id)
    }

    /// Every type, by id.
    pub fn iter(&self) -> impl Iterator<Item = &LicenceType> {
        self.by_id.values()
    }

    /// How many types there are.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Problems between a catalogue and these types: a service that names a licence type
    /// that does not exist, a result mapping that fills a claim the type does not have,
    /// or leaves out a required one. Each problem names the service's file.
    pub fn check_catalogue(&self, catalogue: &Catalogue) -> Vec<String> {
        let mut problems = Vec::new();
        for service in catalogue.services.values() {
            let origin = format!("service \"{}\"", service.id);
            for m in &service.materials {
                if let govops_workflow::definition::MaterialSource::Licence { licence_type } =
                    &m.source
                    && self.get(licence_type).is_none()
                {
                    problems.push(format!(
                        "{origin}: material \"{}\" accepts licence type \"{licence_type}\", \
                         which no file in the licence types folder defines",
                        m.id
                    ));
                }
            }
            if let ResultSpec::Licence {
                licence_type,
                mapping,
            } = &service.result
            {
                let Some(t) = self.get(licence_type) else {
                    problems.push(format!(
                        "{origin}: result licence type \"{licence_type}\" is not defined \
                         in the licence types folder"
                    ));
                    continue;
                };
                for claim in mapping.keys() {
                    if t.claim(claim).is_none() {
                        problems.push(format!(
                            "{origin}: result.mapping.{claim}: licence type \"{licence_type}\" \
                             has no claim \"{claim}\" (it has: {})",
                            t.claims
                                .iter()
                                .map(|c| c.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
                for c in t.claims.iter().filter(|c| c.required) {
                    if !mapping.contains_key(&c.name) {
                        problems.push(format!(
                            "{origin}: result.mapping: the required claim \"{}\" of licence \
                             type \"{licence_type}\" is not mapped to a form field",
                            c.name
                        ));
                    }
                }
            }
        }
        problems
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawType {
    id: Spanned<String>,
    code: Spanned<String>,
    name: Spanned<RawNames>,
    department: Spanned<String>,
    validity: Spanned<RawValidity>,
    #[serde(default)]
    claims: Vec<Spanned<RawClaim>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNames {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawValidity {
    Word(String),
    Term(RawTerm),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    days: Option<i64>,
    years: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClaim {
    name: Spanned<String>,
    label: Spanned<RawNames>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default = "yes")]
    disclosable: bool,
}

fn yes() -> bool {
    true
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(1, |s| s.chars().count() + 1);
    (line, column)
}

fn error(
    file: &str,
    text: &str,
    span: Range<usize>,
    path: &str,
    message: String,
    hint: Option<String>,
) -> DefinitionError {
    let (line, column) = position(text, span.start);
    DefinitionError {
        file: file.to_owned(),
        line,
        column,
        path: path.to_owned(),
        message,
        hint,
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_claim_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

fn parse_one(
    file: &str,
    text: &str,
    errors: &mut Vec<DefinitionError>,
) -> Option<(LicenceType, Range<usize>)> {
    let raw: RawType = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            errors.push(error(
                file,
                text,
                span,
                "(file)",
                e.message().to_owned(),
                Some("see docs/licence-types.md for the fields a licence type has".into()),
            ));
            return None;
        }
    };
    let before = errors.len();
    let mut err = |span: Range<usize>, path: &str, message: String, hint: Option<&str>| {
        errors.push(error(
            file,
            text,
            span,
            path,
            message,
            hint.map(str::to_owned),
        ));
    };
    if !is_slug(raw.id.get_ref()) {
        err(
            raw.id.span(),
            "id",
            format!("\"{}\" is not a valid id", raw.id.get_ref()),
            Some("use 1–64 lower-case letters, digits and '-', e.g. business-licence"),
        );
    }
    let code = raw.code.get_ref();
    if code.is_empty()
        || code.len() > 32
        || !code
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        err(
            raw.code.span(),
            "code",
            format!("\"{code}\" is not a valid type code"),
            Some("the GB/T 36904 type code is 1–32 digits or upper-case letters A-Z"),
        );
    }
    let name = raw.name.get_ref();
    for (lang, value) in [("zh", &name.zh), ("en", &name.en)] {
        if value.trim().is_empty() {
            err(
                raw.name.span(),
                &format!("name.{lang}"),
                "the name is empty".into(),
                Some("give the type's name in both Chinese and English"),
            );
        }
    }
    if !is_slug(raw.department.get_ref()) {
        err(
            raw.department.span(),
            "department",
            format!("\"{}\" is not a department code", raw.department.get_ref()),
            Some("use the issuing department's code, e.g. amr"),
        );
    }
    let validity = match raw.validity.get_ref() {
        RawValidity::Word(w) if w == "long-term" || w == "长期" => Some(Validity::LongTerm),
        RawValidity::Word(w) => {
            err(
                raw.validity.span(),
                "validity",
                format!("\"{w}\" is not a validity"),
                Some("write \"long-term\" (长期), { years = N } or { days = N }"),
            );
            None
        }
        RawValidity::Term(RawTerm {
            days: Some(d),
            years: None,
        }) if (1..=36_500).contains(d) => u32::try_from(*d).ok().map(Validity::Days),
        RawValidity::Term(RawTerm {
            days: None,
            years: Some(y),
        }) if (1..=100).contains(y) => u32::try_from(*y).ok().map(Validity::Years),
        RawValidity::Term(_) => {
            err(
                raw.validity.span(),
                "validity",
                "a fixed term needs exactly one of days (1–36500) or years (1–100)".into(),
                Some("e.g. validity = { years = 5 }"),
            );
            None
        }
    };
    if raw.claims.is_empty() {
        err(
            raw.id.span(),
            "claims",
            "the type has no claims".into(),
            Some("add at least one [[claims]] table"),
        );
    }
    let mut seen = BTreeSet::new();
    let mut claims = Vec::new();
    for (i, c) in raw.claims.iter().enumerate() {
        let c = c.get_ref();
        let n = c.name.get_ref();
        let path = format!("claims[{i}].name");
        if RESERVED_CLAIMS.contains(&n.as_str()) {
            err(
                c.name.span(),
                &path,
                format!("\"{n}\" is set by the platform and cannot be a claim of a type"),
                Some("choose another name"),
            );
        } else if !is_claim_name(n) {
            err(
                c.name.span(),
                &path,
                format!("\"{n}\" is not a valid claim name"),
                Some("use lower-case letters, digits and '_', starting with a letter"),
            );
        } else if !seen.insert(n.clone()) {
            err(
                c.name.span(),
                &path,
                format!("the claim \"{n}\" is declared twice"),
                Some("remove one of them"),
            );
        }
        let label = c.label.get_ref();
        if label.zh.trim().is_empty() || label.en.trim().is_empty() {
            err(
                c.label.span(),
                &format!("claims[{i}].label"),
                "the label needs both zh and en text".into(),
                None,
            );
        }
        claims.push(ClaimDef {
            name: n.clone(),
            label: Bilingual {
                zh: label.zh.clone(),
                en: label.en.clone(),
            },
            required: c.required,
            disclosable: c.disclosable,
        });
    }
    if errors.len() > before {
        return None;
    }
    Some((
        LicenceType {
            id: raw.id.get_ref().clone(),
            code: code.clone(),
            name: Bilingual {
                zh: name.zh.clone(),
                en: name.en.clone(),
            },
            department: raw.department.get_ref().clone(),
            validity: validity?,
            claims,
            file: file.to_owned(),
        },
        raw.id.span(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "food-business-licence"
code = "11010002"
name = { zh = "食品经营许可证", en = "Food business licence" }
department = "amr"
validity = { years = 5 }

[[claims]]
name = "holder"
label = { zh = "经营者名称", en = "Business name" }
disclosable = false

[[claims]]
name = "scope"
label = { zh = "经营项目", en = "Business items" }
required = false
"#;

    #[test]
    fn a_good_type_loads_with_its_defaults() {
        let types = LicenceTypes::load(&[("licences/food.toml", GOOD)]).unwrap();
        let t = types.get("food-business-licence").unwrap();
        assert_eq!(t.validity, Validity::Years(5));
        assert!(!t.claims[0].disclosable && t.claims[0].required);
        assert!(t.claims[1].disclosable && !t.claims[1].required);
        assert_eq!(t.vct(), "urn:govops:licence:food-business-licence");
    }

    #[test]
    fn errors_name_the_file_line_and_field() {
        let bad = GOOD
            .replace("name = \"scope\"", "name = \"exp\"")
            .replace("{ years = 5 }", "\"forever\"");
        let errors = LicenceTypes::load(&[("licences/food.toml", &bad)]).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2, "{text:?}");
        assert!(text[0].starts_with("licences/food.toml:6:"), "{}", text[0]);
        assert!(text[0].contains("validity"), "{}", text[0]);
        assert!(text[1].contains("claims[1].name"), "{}", text[1]);
        assert!(text[1].contains("\"exp\""), "{}", text[1]);
    }

    #[test]
    fn unknown_fields_and_duplicates_are_refused() {
        let typo = GOOD.replace("disclosable = false", "disclosible = false");
        let e = LicenceTypes::load(&[("a.toml", &typo)]).unwrap_err();
        assert!(e[0].to_string().contains("disclosible"), "{}", e[0]);
        let e = LicenceTypes::load(&[("a.toml", GOOD), ("b.toml", GOOD)]).unwrap_err();
        assert!(
            e[0].to_string().contains("already used by a.toml"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn long_term_has_no_end_and_years_keep_the_day() {
        let issued = time::macros::datetime!(2028-02-29 10:00 UTC);
        assert_eq!(Validity::LongTerm.expires(issued), None);
        assert_eq!(
            Validity::Years(1).expires(issued),
            Some(time::macros::datetime!(2029-02-28 10:00 UTC))
        );
        assert_eq!(
            Validity::Days(30).expires(issued),
            Some(time::macros::datetime!(2028-03-30 10:00 UTC))
        );
    }
}
