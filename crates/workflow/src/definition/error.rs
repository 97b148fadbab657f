//! Errors in definition files, each naming the file, line, column and field, and saying how to
//! fix it, because the person who reads them is an operator editing a TOML file by hand.

use std::fmt;
use std::ops::Range;

/// One problem found in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    /// The file name the loader was given, e.g. `services/food-licence.toml`.
    pub file: String,
    /// 1-based line of the offending value.
    pub line: usize,
    /// 1-based column (in characters) of the offending value.
    pub column: usize,
    /// The field path, e.g. `steps[2].after`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.path, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DefinitionError {}

/// A list of definition errors, displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DefinitionErrors {}

/// A source text and its name, turning byte spans into lines and columns.
#[derive(Debug, Clone)]
pub(crate) struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file,
            text,
            line_starts,
        }
    }

    /// The 1-based line and character column of byte offset `offset`.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    pub fn error(
        &self,
        span: Range<usize>,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> DefinitionError {
        let (line, column) = self.position(span.start);
        DefinitionError {
            file: self.file.to_owned(),
            line,
            column,
            path: path.into(),
            message: message.into(),
            hint,
        }
    }
}

/// Collects errors while validating, so that one pass reports everything at once.
pub(crate) struct Collector<'a> {
    pub source: &'a Source<'a>,
    pub errors: Vec<DefinitionError>,
}

impl<'a> Collector<'a> {
    pub fn new(source: &'a Source<'a>) -> Self {
        Self {
            source,
            errors: Vec::new(),
        }
    }

    pub fn push(
        &mut self,
        span: Range<usize>,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.errors
            .push(self.source.error(span, path, message, hint));
    }

    /// The errors in file order, which is how an operator fixes them.
    pub fn into_sorted(mut self) -> Vec<DefinitionError> {
        self.errors.sort_by_key(|e| (e.line, e.column));
        self.errors
    }
}
