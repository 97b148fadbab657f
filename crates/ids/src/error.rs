//! The one error type for identifiers that fail to parse.
//!
//! Every message says which identifier was wrong, where (1-based character
//! positions, as a person counts them on a card or licence), and, where it
//! helps, what to do. Messages never repeat a whole resident ID number, so an
//! error that ends up in a log does not leak one.

use std::fmt;

/// Which identifier an [`IdError`] is about; its `Display` is the name a person
/// would use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// 居民身份证号, GB 11643-1999.
    ResidentId,
    /// 统一社会信用代码, GB 32100-2015.
    CreditCode,
    /// Mainland China mobile phone number.
    Phone,
    /// Email address.
    Email,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::ResidentId => "resident ID number",
            IdKind::CreditCode => "unified social credit code",
            IdKind::Phone => "mobile phone number",
            IdKind::Email => "email address",
        })
    }
}

/// Why an identifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Nothing (or only spaces) was entered.
    #[error("{kind} is empty; please enter it")]
    Empty {
        /// The identifier concerned.
        kind: IdKind,
    },
    /// Wrong number of characters (after removing allowed separators).
    #[error(
        "{kind} must be {expected} characters long, found {found}; check for a missing or extra character"
    )]
    Length {
        /// The identifier concerned.
        kind: IdKind,
        /// Required length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A character that is not allowed at its position.
    #[error("{kind}: character {position} is `{found}`, but {rule}")]
    Character {
        /// The identifier concerned.
        kind: IdKind,
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
        /// What is allowed there, as a sentence fragment.
        rule: &'static str,
    },
    /// Characters 7–14 of a resident ID number are not a calendar date.
    #[error("{kind}: characters 7–14 `{found}` are not a real date (YYYYMMDD)")]
    Date {
        /// The identifier concerned.
        kind: IdKind,
        /// The eight digits found.
        found: String,
    },
    /// Characters 1–6 of a resident ID number are not an address code.
    #[error("{kind}: characters 1–6 `{code}` are not a known address code (GB/T 2260)")]
    UnknownRegion {
        /// The identifier concerned.
        kind: IdKind,
        /// The six digits found.
        code: String,
    },
    /// The address code exists but was not in use in the birth year, so no
    /// number could have been issued with it for this person.
    #[error(
        "{kind}: address code `{code}` (characters 1–6) was not in use in the birth year {year}"
    )]
    RegionNotInUse {
        /// The identifier concerned.
        kind: IdKind,
        /// The six digits found.
        code: String,
        /// Birth year from characters 7–10.
        year: i32,
    },
    /// The check character does not match the others.
    #[error(
        "{kind}: check character (character {position}) should be `{expected}`, found `{found}`; one of the characters was probably mistyped"
    )]
    CheckCharacter {
        /// The identifier concerned.
        kind: IdKind,
        /// 1-based position of the check character.
        position: usize,
        /// The check character the other characters require.
        expected: char,
        /// The check character entered.
        found: char,
    },
    /// A part given to a `from_parts` constructor is out of range.
    #[error("{kind}: {part} {value} is out of range (allowed: {allowed})")]
    OutOfRange {
        /// The identifier concerned.
        kind: IdKind,
        /// Which part.
        part: &'static str,
        /// The value given.
        value: i64,
        /// The allowed range, for the message.
        allowed: &'static str,
    },
    /// A mobile number with the wrong number of digits.
    #[error(
        "{kind} must have 11 digits (after an optional +86), found {found}; check for a missing or extra digit"
    )]
    PhoneDigits {
        /// The identifier concerned.
        kind: IdKind,
        /// Number of digits found.
        found: usize,
    },
    /// A number that is not a mainland mobile number (those start 13–19).
    #[error(
        "{kind} must start with 13 to 19, found `{found}`; landline and foreign numbers are not accepted here"
    )]
    PhonePrefix {
        /// The identifier concerned.
        kind: IdKind,
        /// The first two digits.
        found: String,
    },
    /// An email address that fails the pragmatic syntax check.
    #[error("{kind} {problem}")]
    Email {
        /// The identifier concerned.
        kind: IdKind,
        /// What is wrong.
        problem: EmailProblem,
    },
}

impl IdError {
    /// Which identifier the error is about, for callers that map errors to
    /// form fields.
    pub fn kind(&self) -> IdKind {
        match self {
            IdError::Empty { kind }
            | IdError::Length { kind, .. }
            | IdError::Character { kind, .. }
            | IdError::Date { kind, .. }
            | IdError::UnknownRegion { kind, .. }
            | IdError::RegionNotInUse { kind, .. }
            | IdError::CheckCharacter { kind, .. }
            | IdError::OutOfRange { kind, .. }
            | IdError::PhoneDigits { kind, .. }
            | IdError::PhonePrefix { kind, .. }
            | IdError::Email { kind, .. } => *kind,
        }
    }
}

/// What is wrong with an email address. The `Display` text completes the
/// sentence "email address …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmailProblem {
    /// Longer than the 254 characters SMTP can carry.
    #[error("is {found} characters long; at most 254 are allowed")]
    TooLong {
        /// Length found.
        found: usize,
    },
    /// No `@`.
    #[error("has no `@`; it should look like name@example.cn")]
    MissingAt,
    /// Nothing before the `@`.
    #[error("has nothing before the `@`")]
    EmptyLocalPart,
    /// More than 64 bytes before the `@` (RFC 5321).
    #[error("has {found} bytes before the `@`; at most 64 are allowed")]
    LocalPartTooLong {
        /// Length found, in UTF-8 bytes.
        found: usize,
    },
    /// A character not allowed at its position.
    #[error("has `{found}` at character {position}, which is not allowed there")]
    Character {
        /// 1-based position in the trimmed input.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// A dot at the start or end of the name, or two dots in a row.
    #[error("has a misplaced dot before the `@` (at the start, at the end, or two in a row)")]
    DotPlacement,
    /// Nothing after the `@`.
    #[error("has nothing after the `@`")]
    EmptyDomain,
    /// The domain has no dot, e.g. `name@localhost`.
    #[error("needs a full domain after the `@`, such as example.cn")]
    SingleLabelDomain,
    /// An empty, over-long or hyphen-edged label in the domain.
    #[error("has an invalid part `{label}` in its domain")]
    DomainLabel {
        /// The offending label.
        label: String,
    },
    /// The last label is all digits (an IP address, not a domain).
    #[error("must use a domain name, not a numeric address")]
    NumericTopLevel,
}
