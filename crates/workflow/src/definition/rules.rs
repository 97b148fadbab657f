//! Automated checks (算法备案) written in CEL, compiled when a definition loads and evaluated
//! over the form and looked-up data when a case is submitted.
//!
//! The `cel` crate (cel-rust, the maintained successor of `cel-interpreter`) is used: it parses
//! and evaluates the standard CEL dialect with positions for parse errors, and values can be
//! handed to it through serde, which is how forms arrive here.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::Collector;
use super::model::{Names, Rule};
use super::raw::{RawRule, S};

/// The variables a rule can read: the form and the data the platform looked up for it.
pub const RULE_VARIABLES: [&str; 2] = ["form", "data"];

/// CEL macros that bind their own variables, which must not be taken for unknown names.
const BINDING_MACROS: [&str; 5] = ["all", "exists", "exists_one", "map", "filter"];

/// The outcome of one rule on one case, recorded in the case's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// The rule's id.
    pub rule: String,
    /// The registered algorithm the rule implements.
    pub algorithm: String,
    /// True when the expression evaluated to `true`.
    pub passed: bool,
    /// Why the rule could not be evaluated (missing data, type error); such a rule fails.
    pub error: Option<String>,
}

pub(crate) fn compile_rules(rules: &[S<RawRule>], errors: &mut Collector<'_>) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for (i, raw) in rules.iter().enumerate() {
        let rule = raw.get_ref();
        super::validate::check_code(&rule.id, &format!("rules[{i}].id"), errors);
        if out.iter().any(|r| &r.id == rule.id.get_ref()) {
            errors.push(
                rule.id.span(),
                format!("rules[{i}].id"),
                format!("duplicate rule id \"{}\"", rule.id.get_ref()),
                Some("rename one of the rules".into()),
            );
        }
        if rule.algorithm.get_ref().trim().is_empty() {
            errors.push(
                rule.algorithm.span(),
                format!("rules[{i}].algorithm"),
                "the registered algorithm id is empty",
                Some("every automated decision rule must name its 算法备案 id".into()),
            );
        }
        let source = rule.expr.get_ref();
        match cel::Program::compile(source) {
            Ok(program) => {
                let references = program.references();
                let binds = BINDING_MACROS.iter().any(|m| references.has_function(m));
                let mut unknown: Vec<&str> = references
                    .variables()
                    .into_iter()
                    .filter(|v| !RULE_VARIABLES.contains(v))
                    .collect();
                unknown.sort_unstable();
                if !binds && !unknown.is_empty() {
                    errors.push(
                        rule.expr.span(),
                        format!("rules[{i}].expr"),
                        format!("unknown variable(s): {}", unknown.join(", ")),
                        Some("rules can read `form.<field>` and `data.<name>`".into()),
                    );
                }
                out.push(Rule {
                    id: rule.id.get_ref().clone(),
                    algorithm: rule.algorithm.get_ref().trim().to_owned(),
                    expr: source.clone(),
                    program: Arc::new(program),
                    message: rule.message.as_ref().map(|m| Names {
                        zh: m.zh.get_ref().clone(),
                        en: m.en.get_ref().clone(),
                    }),
                });
            }
            Err(parse_errors) => {
                for e in parse_errors.errors {
                    let (line, column) = e.pos;
                    // Point into the file when the expression is a one-line string: the
                    // expression starts one character after the opening quote.
                    let start = raw_offset(rule.expr.span().start, source, line, column);
                    errors.push(
                        start..start,
                        format!("rules[{i}].expr"),
                        format!(
                            "CEL does not compile at expression line {line}, column {column}: {}",
                            e.msg
                        ),
                        Some("check the expression's syntax; see https://cel.dev".into()),
                    );
                }
            }
        }
    }
    out
}

fn raw_offset(string_start: usize, source: &str, line: isize, column: isize) -> usize {
    // CEL reports 1-based lines and columns.
    if line <= 1 && column >= 1 {
        let column = usize::try_from(column - 1).unwrap_or(0);
        let bytes: usize = source.chars().take(column).map(char::len_utf8).sum();
        string_start + 1 + bytes
    } else {
        string_start
    }
}

thread_local! {
    /// The CEL standard library, built once per thread.
    static STDLIB: cel::Context<'static, 'static> = cel::Context::default();
}

/// Evaluates every rule over `form` and `data`. A rule that does not evaluate to a boolean
/// fails with the reason, so that a broken rule can never approve a case.
pub fn evaluate_rules(
    rules: &[Rule],
    form: &BTreeMap<String, serde_json::Value>,
    data: &serde_json::Value,
) -> Vec<RuleOutcome> {
    STDLIB.with(|root| {
        // A child scope of the per-thread root: the standard library is built once per
        // thread instead of once per evaluation.
        let mut context = root.new_inner_scope();
        let setup = context
            .add_variable("form", form)
            .and_then(|()| context.add_variable("data", data))
            .err()
            .map(|e| format!("the form cannot be read by CEL: {e}"));
        rules
            .iter()
            .map(|rule| {
                let (passed, error) = match &setup {
                    Some(e) => (false, Some(e.clone())),
                    None => match rule.program.execute(&context) {
                        Ok(cel::Value::Bool(b)) => (b, None),
                        Ok(other) => (
                            false,
                            Some(format!("the rule gave {other:?}, not true or false")),
                        ),
                        Err(e) => (false, Some(e.to_string())),
                    },
                };
                RuleOutcome {
                    rule: rule.id.clone(),
                    algorithm: rule.algorithm.clone(),
                    passed,
                    error,
                }
            })
            .collect()
    })
}
