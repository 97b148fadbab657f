//! Validation of submitted form values against field definitions, so that a case never
//! carries a value its definition does not allow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{FieldDef, FieldType};

/// A submitted form: field id → value.
pub type Form = BTreeMap<String, Value>;

/// One problem with one form value, shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field id.
    pub field: String,
    /// What is wrong, in words the applicant understands.
    pub message: String,
}

/// Checks one value (absent, `null` and `""` count as empty) against its field definition.
pub fn check_value(def: &FieldDef, value: Option<&Value>) -> Option<String> {
    let value = value.filter(|v| !v.is_null() && v.as_str() != Some(""));
    let Some(value) = value else {
        return def.required.then(|| "this field is required".to_owned());
    };
    match def.kind {
        FieldType::Number => {
            let Some(n) = value.as_f64() else {
                return Some("enter a number".to_owned());
            };
            if def.min.is_some_and(|min| n < min) || def.max.is_some_and(|max| n > max) {
                return Some(range_message(def, "the value"));
            }
            None
        }
        _ => {
            let Some(s) = value.as_str() else {
                return Some("enter text".to_owned());
            };
            check_text(def, s)
        }
    }
}

fn range_message(def: &FieldDef, what: &str) -> String {
    match (def.min, def.max) {
        (Some(min), Some(max)) => format!("{what} must be between {min} and {max}"),
        (Some(min), None) => format!("{what} must be at least {min}"),
        (None, Some(max)) => format!("{what} must be at most {max}"),
        (None, None) => format!("{what} is out of range"),
    }
}

fn check_text(def: &FieldDef, s: &str) -> Option<String> {
    let shape = match def.kind {
        FieldType::Date => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            time::Date::parse(s, format)
                .is_err()
                .then(|| "enter a date as YYYY-MM-DD".to_owned())
        }
        FieldType::Choice => (!def.choices.iter().any(|c| c == s))
            .then(|| format!("choose one of: {}", def.choices.join(", "))),
        FieldType::ResidentId => (!is_resident_id(s))
            .then(|| "not a valid resident ID number (18 characters, check digit)".to_owned()),
        FieldType::CreditCode => (!is_credit_code(s))
            .then(|| "not a valid unified social credit code (18 characters)".to_owned()),
        FieldType::Phone => (!is_phone(s)).then(|| "not a valid phone number".to_owned()),
        FieldType::Text | FieldType::Address | FieldType::File | FieldType::Number => None,
    };
    if shape.is_some() {
        return shape;
    }
    let length = s.chars().count() as f64;
    if def.min.is_some_and(|min| length < min) || def.max.is_some_and(|max| length > max) {
        return Some(range_message(def, "the length"));
    }
    if let Some(re) = &def.pattern
        && !re.is_match(s)
    {
        return Some("the value does not have the expected format".to_owned());
    }
    None
}

/// GB 11643-1999: 17 digits, a check character over ISO 7064 MOD 11-2, and a real birth date.
pub fn is_resident_id(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    let last = bytes[17].to_ascii_uppercase();
    let birth = time::Date::parse(
        &s[6..14],
        time::macros::format_description!("[year][month][day]"),
    );
    last == check && birth.is_ok()
}

/// GB 32100-2015: 18 characters from a 31-character alphabet with a weighted check character.
pub fn is_credit_code(s: &str) -> bool {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let bytes = s.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let mut values = [0usize; 18];
    for (v, b) in values.iter_mut().zip(bytes) {
        match ALPHABET.iter().position(|a| a == b) {
            Some(p) => *v = p,
            None => return false,
        }
    }
    let sum: usize = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

/// A mainland mobile number (11 digits from 13–19) or a landline with area code.
pub fn is_phone(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let b = s.as_bytes();
    if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && digits(s) {
        return true;
    }
    let (area, number) = s
        .split_once('-')
        .unwrap_or_else(|| s.split_at(s.len().min(4)));
    area.starts_with('0')
        && (3..=4).contains(&area.len())
        && digits(area)
        && (7..=8).contains(&number.len())
        && digits(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_resident_id("11010519491231002X"));
        assert!(!is_resident_id("110105194912310021"));
        assert!(is_credit_code("91350100M000100Y43"));
        assert!(!is_credit_code("91350100M000100Y44"));
        assert!(is_phone("13800138000"));
        assert!(is_phone("010-12345678"));
        assert!(!is_phone("12345"));
    }
}
