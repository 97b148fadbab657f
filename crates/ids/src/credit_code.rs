//! 统一社会信用代码: the unified social credit code of GB 32100-2015, the one
//! number every enterprise, institution and social organisation is known by.
//!
//! Eighteen characters: registration authority (1), entity type (2), the
//! six-digit region code (3–8), the organisation code (9–17) and a check
//! character (18), all from a 31-character alphabet without I, O, S, V, Z.
//!
//! Acceptance follows python-stdnum's `stdnum.cn.uscc` exactly, because that
//! is the reference our cross-check test compares against: characters 1–8
//! must be digits, 9–18 from the alphabet, and the check character must
//! match. stdnum does not check the authority or type against the code lists
//! of the standard, and neither do we.

use serde::{Deserialize, Serialize};

use crate::error::{IdError, IdKind};
use crate::normalise::compact;

const KIND: IdKind = IdKind::CreditCode;
const LEN: usize = 18;
const DIGIT_PREFIX: usize = 8;
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

const RULE_DIGIT: &str =
    "characters 1–8 (registration authority, entity type and region code) must be digits 0–9";
const RULE_ALPHABET: &str =
    "characters 9–18 must be digits or capital letters other than I, O, S, V and Z";

/// A unified social credit code that has passed every check; constructible
/// only through [`CreditCode::parse`] and friends. Credit codes are public
/// (they are printed on every business licence), so `Debug` shows them whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a credit code as a person typed it: spaces and dashes anywhere
    /// are removed, full-width digits read as digits, letters upper-cased —
    /// the same clean-up python-stdnum applies.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let text = compact(input, true);
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        if chars.len() != LEN {
            return Err(IdError::Length {
                kind: KIND,
                expected: LEN,
                found: chars.len(),
            });
        }
        check_chars(&chars)?;
        // Every character is now ASCII, so byte offsets are character offsets.
        let bytes = text.as_bytes();
        let expected = check_char(&bytes[..LEN - 1]);
        let found = char::from(bytes[LEN - 1]);
        if found != expected {
            return Err(IdError::CheckCharacter {
                kind: KIND,
                position: LEN,
                expected,
                found,
            });
        }
        Ok(Self(text))
    }

    /// Completes the first 17 characters with the check character — for demo
    /// data and tests. The prefix gets the same clean-up as [`Self::parse`].
    pub fn from_parts(prefix17: &str) -> Result<Self, IdError> {
        let mut text = compact(prefix17, true);
        let chars: Vec<char> = text.chars().collect();
        if chars.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        if chars.len() != LEN - 1 {
            return Err(IdError::Length {
                kind: KIND,
                expected: LEN - 1,
                found: chars.len(),
            });
        }
        check_chars(&chars)?;
        text.push(check_char(text.as_bytes()));
        Ok(Self(text))
    }

    /// The code, upper-case, 18 ASCII characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Character 1: the registration authority (登记管理部门), e.g. `9` for
    /// market regulation (工商).
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Character 2: the entity type (机构类别) within that authority, e.g.
    /// `1` for an enterprise under market regulation.
    pub fn entity_type(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// Characters 3–8: the administrative region code of the registering
    /// office, e.g. `110108`.
    pub fn region_code(&self) -> u32 {
        self.0.as_bytes()[2..8]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
    }

    /// Characters 9–17: the organisation code (组织机构代码) body.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }
}

/// Checks every character against its position's rule.
fn check_chars(chars: &[char]) -> Result<(), IdError> {
    for (index, &c) in chars.iter().enumerate() {
        let (ok, rule) = if index < DIGIT_PREFIX {
            (c.is_ascii_digit(), RULE_DIGIT)
        } else {
            (value_of(c).is_some(), RULE_ALPHABET)
        };
        if !ok {
            return Err(IdError::Character {
                kind: KIND,
                position: index + 1,
                found: c,
                rule,
            });
        }
    }
    Ok(())
}

/// Marks a byte outside the alphabet in [`VALUES`].
const NOT_IN_ALPHABET: u8 = u8::MAX;

/// Each byte's value in the alphabet (its index), so that a character costs one load:
/// the data hub checks millions of codes per run.
const VALUES: [u8; 256] = {
    let mut table = [NOT_IN_ALPHABET; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The numeric value of a character of the alphabet (its index).
fn value_of(c: char) -> Option<u32> {
    let v = VALUES[usize::from(u8::try_from(c).ok()?)];
    (v != NOT_IN_ALPHABET).then_some(u32::from(v))
}

/// The GB 32100 check character of a credit code's first 17 characters, for callers
/// checking many codes without building a [`CreditCode`]; `None` unless there are 17 and
/// each is in the code's alphabet (digits and capitals other than I, O, S, V, Z).
pub fn credit_code_check_byte(first17: &[u8]) -> Option<u8> {
    let chars: &[u8; 17] = first17.try_into().ok()?;
    // One pass over a fixed length that checks and sums together: the sum
    // of a character outside the alphabet is meaningless but then thrown
    // away.
    let mut sum = 0u32;
    let mut in_alphabet = true;
    for (&b, w) in chars.iter().zip(WEIGHTS) {
        let v = VALUES[usize::from(b)];
        in_alphabet &= v != NOT_IN_ALPHABET;
        sum += u32::from(v) * w;
    }
    in_alphabet.then(|| ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// True when `b` is a character of the credit-code alphabet.
pub fn is_credit_code_char(b: u8) -> bool {
    VALUES[usize::from(b)] != NOT_IN_ALPHABET
}

/// GB 32100 check character: `31 - (Σ wᵢ·vᵢ mod 31)`, with 31 mapped to 0.
fn check_char(prefix: &[u8]) -> char {
    char::from(credit_code_check_byte(prefix).unwrap_or(ALPHABET[0]))
}

crate::string_newtype_traits!(CreditCode);
