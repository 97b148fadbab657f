//! Rule files. A rule set is TOML, one `[[rule]]` table per rule:
//!
//! ```toml
//! [[rule]]
//! id = "id_checksum"
//! check = "format"
//! column = "resident_id"
//! format = "resident_id"
//! ```
//!
//! Every mistake is reported with its line and column — a broken rule file
//! must never replace the last good one silently.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::rule::{Check, CmpOp, Dimension, Format, Rule};
use crate::cell::parse_iso_date;

/// A problem in a rule file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The rule's id, when known.
    pub rule: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if let Some(r) = &self.rule {
            write!(f, ", rule \"{r}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RuleError {}

/// A validated set of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    check: Spanned<String>,
    dimension: Option<Spanned<String>>,
    column: Option<String>,
    columns: Option<Vec<String>>,
    format: Option<Spanned<String>>,
    pattern: Option<Spanned<String>>,
    values: Option<Vec<String>>,
    min: Option<Spanned<toml::Value>>,
    max: Option<Spanned<toml::Value>>,
    max_age: Option<Spanned<String>>,
    frequency: Option<Spanned<String>>,
    reference: Option<String>,
    key: Option<String>,
    op: Option<Spanned<String>>,
    other: Option<String>,
    types: Option<BTreeMap<String, String>>,
    expr: Option<Spanned<String>>,
    max_failures: Option<u64>,
}

/// Line and column (1-based, in characters) of a byte offset.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Seconds in a `max_age` like `36h`, `7d`, `30m` or `90s`.
fn parse_age(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s.get(..s.len() - unit.len_utf8())?.trim().parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// The age allowed by a declared update frequency: one period plus a day of
/// grace, so a daily dataset published this morning for yesterday passes.
fn frequency_age(s: &str) -> Option<i64> {
    let days = match s {
        "realtime" | "hourly" => return Some(2 * 3_600),
        "daily" => 1,
        "weekly" => 7,
        "monthly" => 31,
        "quarterly" => 92,
        "yearly" | "annually" => 366,
        _ => return None,
    };
    Some((days + 1) * 86_400)
}

struct Ctx<'a> {
    text: &'a str,
    id: String,
    errors: &'a mut Vec<RuleError>,
}

impl Ctx<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = position(self.text, span.start);
        self.errors.push(RuleError {
            line,
            column,
            rule: Some(self.id.clone()),
            message: message.into(),
        });
    }
}

fn bound(ctx: &mut Ctx<'_>, v: Option<&Spanned<toml::Value>>) -> Option<f64> {
    let v = v?;
    #[allow(clippy::cast_precision_loss)]
    let out = match v.get_ref() {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        toml::Value::String(s) => parse_iso_date(s).map(f64::from),
        _ => None,
    };
    if out.is_none() {
        ctx.err(
            v.span(),
            "a bound must be a number or a date written YYYY-MM-DD",
        );
    }
    out
}

fn required<T: Clone>(
    ctx: &mut Ctx<'_>,
    span: Range<usize>,
    v: Option<&T>,
    field: &str,
    check: &str,
) -> Option<T> {
    if v.is_none() {
        ctx.err(span, format!("check \"{check}\" needs `{field}`"));
    }
    v.cloned()
}

fn convert(ctx: &mut Ctx<'_>, raw: &RawRule) -> Option<Check> {
    let span = raw.check.span();
    let name = raw.check.get_ref().as_str();
    let column = || raw.column.as_ref();
    Some(match name {
        "row_count" => {
            let to_count = |x: f64| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let n = x.max(0.0) as u64;
                n
            };
            let min = bound(ctx, raw.min.as_ref()).map(to_count);
            let max = bound(ctx, raw.max.as_ref()).map(to_count);
            Check::RowCount { min, max }
        }
        "missing" => Check::Missing {
            column: required(ctx, span, column(), "column", name)?,
        },
        "format" => {
            let column = required(ctx, span.clone(), column(), "column", name)?;
            let f = required(ctx, span, raw.format.as_ref(), "format", name)?;
            let Some(format) = Format::parse(f.get_ref()) else {
                ctx.err(
                    f.span(),
                    format!("unknown format \"{}\"; use resident_id, credit_code, mobile_phone, email, date, iso_date, integer or decimal", f.get_ref()),
                );
                return None;
            };
            Check::Format { column, format }
        }
        "regex" => {
            let column = required(ctx, span.clone(), column(), "column", name)?;
            let p = required(ctx, span, raw.pattern.as_ref(), "pattern", name)?;
            match Regex::new(&format!("^(?:{})$", p.get_ref())) {
                Ok(regex) => Check::Regex { column, regex },
                Err(e) => {
                    ctx.err(p.span(), format!("the pattern does not compile: {e}"));
                    return None;
                }
            }
        }
        "values" => Check::Values {
            column: required(ctx, span.clone(), column(), "column", name)?,
            allowed: required(ctx, span, raw.values.as_ref(), "values", name)?,
        },
        "range" => {
            let column = required(ctx, span.clone(), column(), "column", name)?;
            let (min, max) = (bound(ctx, raw.min.as_ref()), bound(ctx, raw.max.as_ref()));
            if min.is_none() && max.is_none() {
                ctx.err(span, "check \"range\" needs `min`, `max` or both");
                return None;
            }
            Check::Range { column, min, max }
        }
        "length" => {
            let column = required(ctx, span.clone(), column(), "column", name)?;
            let to_len = |x: f64| {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let n = x.max(0.0) as usize;
                n
            };
            let (min, max) = (
                bound(ctx, raw.min.as_ref()).map(to_len),
                bound(ctx, raw.max.as_ref()).map(to_len),
            );
            if min.is_none() && max.is_none() {
                ctx.err(span, "check \"length\" needs `min`, `max` or both");
                return None;
            }
            Check::Length { column, min, max }
        }
        "duplicate" => {
            let columns = match (&raw.columns, &raw.column) {
                (Some(c), _) if !c.is_empty() => c.clone(),
                (_, Some(c)) => vec![c.clone()],
                _ => {
                    ctx.err(
                        span,
                        "check \"duplicate\" needs `column` or `columns` (the key)",
                    );
                    return None;
                }
            };
            Check::Duplicate { columns }
        }
        "freshness" => {
            let column = required(ctx, span.clone(), column(), "column", name)?;
            let max_age_secs = match (&raw.max_age, &raw.frequency) {
                (Some(a), _) => parse_age(a.get_ref()).or_else(|| {
                    ctx.err(a.span(), "`max_age` is a number and a unit: 90s, 30m, 36h, 7d or 2w");
                    None
                })?,
                (None, Some(f)) => frequency_age(f.get_ref()).or_else(|| {
                    ctx.err(f.span(), "`frequency` is realtime, hourly, daily, weekly, monthly, quarterly or yearly");
                    None
                })?,
                (None, None) => {
                    ctx.err(span, "check \"freshness\" needs `max_age` or the dataset's `frequency`");
                    return None;
                }
            };
            Check::Freshness {
                column,
                max_age_secs,
            }
        }
        "reference" => Check::Reference {
            column: required(ctx, span.clone(), column(), "column", name)?,
            reference: required(ctx, span, raw.reference.as_ref(), "reference", name)?,
        },
        "accuracy" => Check::Accuracy {
            key: required(ctx, span.clone(), raw.key.as_ref(), "key", name)?,
            column: required(ctx, span.clone(), column(), "column", name)?,
            reference: required(ctx, span, raw.reference.as_ref(), "reference", name)?,
        },
        "compare" => {
            let column = required(ctx, span.clone(), column(), "column", name)?;
            let other = required(ctx, span.clone(), raw.other.as_ref(), "other", name)?;
            let op = required(ctx, span, raw.op.as_ref(), "op", name)?;
            let Some(parsed) = CmpOp::parse(op.get_ref()) else {
                ctx.err(op.span(), "`op` is one of <, <=, ==, !=, >=, >");
                return None;
            };
            Check::Compare {
                column,
                op: parsed,
                other,
            }
        }
        "schema" => {
            let mut columns: Vec<(String, Option<String>)> = raw
                .columns
                .iter()
                .flatten()
                .map(|c| (c.clone(), None))
                .collect();
            for (c, t) in raw.types.iter().flatten() {
                match columns.iter_mut().find(|(n, _)| n == c) {
                    Some(entry) => entry.1 = Some(t.clone()),
                    None => columns.push((c.clone(), Some(t.clone()))),
                }
            }
            Check::Schema { columns }
        }
        "cel" => {
            let expr = required(ctx, span, raw.expr.as_ref(), "expr", name)?;
            if let Err(e) = super::cel_rule::compile(expr.get_ref()) {
                // Point into the file: a one-line basic string starts one
                // character after its opening quote.
                let (line, column) = position(ctx.text, expr.span().start);
                let (eline, ecol) = e.position;
                let (line, column) = if eline <= 1 {
                    (line, column + ecol)
                } else {
                    (line + eline - 1, ecol)
                };
                ctx.errors.push(RuleError {
                    line,
                    column,
                    rule: Some(ctx.id.clone()),
                    message: format!("CEL does not compile: {}", e.message),
                });
                return None;
            }
            Check::Cel {
                expr: expr.get_ref().clone(),
            }
        }
        other => {
            ctx.err(
                span,
                format!(
                    "unknown check \"{other}\"; use row_count, missing, format, regex, values, range, length, duplicate, freshness, reference, accuracy, compare, schema or cel"
                ),
            );
            return None;
        }
    })
}

impl RuleSet {
    /// Parses and validates a TOML rule file, collecting every error.
    pub fn parse(text: &str) -> Result<Self, Vec<RuleError>> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let (line, column) = position(text, e.span().map_or(0, |s| s.start));
            vec![RuleError {
                line,
                column,
                rule: None,
                message: e.message().to_owned(),
            }]
        })?;
        let mut errors = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        for spanned in &raw.rule {
            let r = spanned.get_ref();
            let id = r.id.get_ref().trim().to_owned();
            let mut ctx = Ctx {
                text,
                id: id.clone(),
                errors: &mut errors,
            };
            if id.is_empty() {
                ctx.err(r.id.span(), "the rule id is empty");
            }
            if rules.iter().any(|x| x.id == id) {
                ctx.err(
                    r.id.span(),
                    format!("duplicate rule id \"{id}\"; rename one of the rules"),
                );
            }
            let dimension = match &r.dimension {
                Some(d) => match Dimension::parse(d.get_ref()) {
                    Some(d) => Some(d),
                    None => {
                        ctx.err(d.span(), "`dimension` is completeness, validity, uniqueness, consistency, timeliness or accuracy");
                        continue;
                    }
                },
                None => None,
            };
            let Some(check) = convert(&mut ctx, r) else {
                continue;
            };
            let line = position(text, spanned.span().start).0;
            rules.push(Rule {
                id,
                dimension: dimension.unwrap_or_else(|| check.default_dimension()),
                check,
                max_failures: r.max_failures.unwrap_or(0),
                line,
            });
        }
        if errors.is_empty() {
            Ok(Self { rules })
        } else {
            Err(errors)
        }
    }
}
