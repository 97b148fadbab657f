//! Custom rules in CEL. Columns are variables named after the column; a row
//! passes when the expression is `true`. Only the columns an expression
//! mentions are bound per row, which keeps CEL rules affordable on large
//! datasets.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use cel::{Context, Program, Value};

use crate::cell::cell_text;

/// A CEL compile error with its position inside the expression.
#[derive(Debug, Clone)]
pub(crate) struct CompileError {
    /// 1-based (line, column) inside the expression.
    pub position: (usize, usize),
    pub message: String,
}

pub(crate) fn compile(source: &str) -> Result<Program, CompileError> {
    Program::compile(source).map_err(|errors| {
        let first = errors.errors.first();
        let (line, column) = first.map_or((1, 1), |e| e.pos);
        CompileError {
            position: (
                usize::try_from(line).unwrap_or(1).max(1),
                usize::try_from(column).unwrap_or(1).max(1),
            ),
            message: first.map_or_else(|| errors.to_string(), |e| e.msg.clone()),
        }
    })
}

/// The CEL value of one cell: numbers and booleans as themselves, dates and
/// timestamps as ISO 8601 text (so they compare correctly as strings), null
/// as `null`.
pub(crate) fn cel_value(array: &ArrayRef, row: usize, buf: &mut String) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Int64 => Value::Int(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => Value::Float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        _ => {
            cell_text(array, row, buf);
            Value::String(std::sync::Arc::new(buf.clone()))
        }
    }
}

/// A compiled row rule: the program and the columns it reads.
pub(crate) struct CelRule {
    program: Program,
    /// (variable name, column index) for each column the expression uses.
    bindings: Vec<(String, usize)>,
}

impl CelRule {
    /// Compiles `source` against the column names; unknown variables are an
    /// error so that a typo cannot make a rule fail on every row.
    pub fn new(source: &str, columns: &[String]) -> Result<Self, String> {
        let program = compile(source).map_err(|e| {
            format!(
                "CEL does not compile at line {}, column {}: {}",
                e.position.0, e.position.1, e.message
            )
        })?;
        let mut bindings = Vec::new();
        for var in program.references().variables() {
            match columns.iter().position(|c| c == var) {
                Some(i) => bindings.push((var.to_owned(), i)),
                None => {
                    return Err(format!(
                        "the expression reads \"{var}\", which is not a column"
                    ));
                }
            }
        }
        Ok(Self { program, bindings })
    }

    /// Evaluates the rule on one row: `Ok(true)` passes; an error or a
    /// non-boolean result is a failure with its reason.
    pub fn eval(&self, columns: &[ArrayRef], row: usize, buf: &mut String) -> Result<bool, String> {
        let mut ctx = Context::default();
        for (name, i) in &self.bindings {
            ctx.add_variable_from_value(name.as_str(), cel_value(&columns[*i], row, buf));
        }
        match self.program.execute(&ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("the expression gave {other:?}, not true or false")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Evaluates a mask expression with `value` bound to the cell's text; the
/// result must be a string (or null, which masks to an empty string).
pub(crate) fn mask_value(program: &Program, value: &str) -> Result<String, crate::DataError> {
    let mut ctx = Context::default();
    ctx.add_variable_from_value(
        "value",
        Value::String(std::sync::Arc::new(value.to_owned())),
    );
    match program.execute(&ctx) {
        Ok(Value::String(s)) => Ok(s.as_ref().clone()),
        Ok(Value::Null) => Ok(String::new()),
        Ok(other) => Ok(format!("{other:?}")),
        Err(e) => Err(crate::DataError::Expression(format!(
            "mask expression failed: {e}"
        ))),
    }
}
