//! 居民身份证号: the resident identity number of GB 11643-1999.
//!
//! Eighteen characters: a six-digit address code, the birth date as
//! YYYYMMDD, a three-digit sequence (odd for men, even for women), and a check
//! character from ISO 7064 MOD 11-2 (a digit or `X`).
//!
//! Acceptance follows python-stdnum's `stdnum.cn.ric` exactly, because that is
//! the reference our cross-check test compares against: the address code must
//! be one stdnum knows and must have been in use in the birth year, and the
//! birth date must be a real date in years 0001–9999. Nothing here compares
//! the date with today — this crate reads no clock — so callers that must
//! refuse future or implausible birth dates check [`ResidentId::birth_date`]
//! against their `Clock`.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::{IdError, IdKind};
use crate::normalise::compact;
use crate::regions::{self, RegionStatus};

const KIND: IdKind = IdKind::ResidentId;
const LEN: usize = 18;
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A resident ID number that has passed every check. The only way to get one
/// is [`ResidentId::parse`] (or `from_parts`, `FromStr`, `TryFrom`, serde), so
/// code holding a `ResidentId` never needs to check it again.
///
/// `Debug` shows the masked form, so a struct holding an ID can be logged
/// without leaking it; `Display` and [`ResidentId::as_str`] give the full
/// number for the places that need it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

/// Sex as encoded in the sequence number (GB 11643: odd = male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Odd sequence number.
    Male,
    /// Even sequence number.
    Female,
}

impl ResidentId {
    /// Parses a resident ID number as a person typed it.
    ///
    /// Surrounding whitespace is ignored, full-width digits are read as
    /// digits, and a lower-case `x` is stored as `X` — the same clean-up
    /// python-stdnum applies. Spaces or dashes *inside* the number are
    /// rejected, as stdnum does.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let text = compact(input, false);
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
        for (index, &c) in chars.iter().enumerate() {
            let allowed = c.is_ascii_digit() || (index == LEN - 1 && c == 'X');
            if !allowed {
                let rule = if index == LEN - 1 {
                    "the check character (18th) must be a digit 0–9 or X"
                } else {
                    "characters 1–17 must be digits 0–9"
                };
                return Err(IdError::Character {
                    kind: KIND,
                    position: index + 1,
                    found: c,
                    rule,
                });
            }
        }
        // Every character is now ASCII, so byte offsets are character offsets.
        let bytes = text.as_bytes();
        let (year, month, day) = (
            number(&bytes[6..10]),
            number(&bytes[10..12]),
            number(&bytes[12..14]),
        );
        let year = year as i32;
        if make_date(year, month, day).is_none() {
            return Err(IdError::Date {
                kind: KIND,
                found: text[6..14].to_owned(),
            });
        }
        let region = number(&bytes[..6]);
        match regions::status(region, year) {
            RegionStatus::InUse => {}
            RegionStatus::NotInUse => {
                return Err(IdError::RegionNotInUse {
                    kind: KIND,
                    code: text[..6].to_owned(),
                    year,
                });
            }
            RegionStatus::Unknown => {
                return Err(IdError::UnknownRegion {
                    kind: KIND,
                    code: text[..6].to_owned(),
                });
            }
        }
        let expected = check_char(&bytes[..17]);
        let found = char::from(bytes[17]);
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

    /// Builds a valid number from its parts, computing the check character —
    /// for demo data and tests. `region` is the six-digit address code
    /// (see [`crate::is_region_in_use`]), `birth` is (year, month, day) and
    /// `seq` the three-digit sequence number (odd for men).
    pub fn from_parts(region: u32, birth: (i32, u8, u8), seq: u16) -> Result<Self, IdError> {
        let (year, month, day) = birth;
        if region > 999_999 {
            return Err(out_of_range(
                "address code",
                i64::from(region),
                "000000–999999",
            ));
        }
        if !(1..=9999).contains(&year) {
            return Err(out_of_range("birth year", i64::from(year), "1–9999"));
        }
        if seq > 999 {
            return Err(out_of_range("sequence number", i64::from(seq), "0–999"));
        }
        if make_date(year, u32::from(month), u32::from(day)).is_none() {
            let found = format!("{year:04}{month:02}{day:02}");
            return Err(IdError::Date { kind: KIND, found });
        }
        let mut text = format!("{region:06}{year:04}{month:02}{day:02}{seq:03}");
        text.push(check_char(text.as_bytes()));
        Self::parse(&text)
    }

    /// The full number, upper-case, 18 ASCII characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit address code (characters 1–6) where the number was
    /// issued, e.g. `110105`.
    pub fn region_code(&self) -> u32 {
        number(&self.0.as_bytes()[..6])
    }

    /// The two-digit province-level code (characters 1–2), e.g. `11` for 北京.
    pub fn province_code(&self) -> u8 {
        // Two decimal digits always fit in a u8.
        number(&self.0.as_bytes()[..2]) as u8
    }

    /// The birth date (characters 7–14). It is a real date, but may lie in
    /// the future or far in the past; callers compare it with their clock.
    pub fn birth_date(&self) -> Date {
        let bytes = self.0.as_bytes();
        let year = number(&bytes[6..10]) as i32;
        // Parsing proved the date real; the fallback is unreachable but keeps
        // this method free of panics.
        make_date(year, number(&bytes[10..12]), number(&bytes[12..14])).unwrap_or(Date::MIN)
    }

    /// The sequence number (characters 15–17).
    pub fn sequence(&self) -> u16 {
        // Three decimal digits always fit in a u16.
        number(&self.0.as_bytes()[14..17]) as u16
    }

    /// Sex from the parity of the sequence number.
    pub fn sex(&self) -> Sex {
        if self.sequence() % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The number with the birth date hidden, as shown to people who need
    /// to recognise but not read it: `110101********123X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// The ISO 7064 MOD 11-2 check character (`0`–`9` or `X`) of a resident ID's first
/// 17 characters, for callers checking many IDs without building a [`ResidentId`];
/// `None` unless they are exactly 17 ASCII digits.
pub fn resident_id_check_byte(first17: &[u8]) -> Option<u8> {
    let digits: &[u8; 17] = first17.try_into().ok()?;
    // One pass over a fixed length that checks and sums together: the sum
    // of a non-digit is meaningless but then thrown away.
    let mut sum = 0u32;
    let mut all_digits = true;
    for (&d, w) in digits.iter().zip(WEIGHTS) {
        let v = d.wrapping_sub(b'0');
        all_digits &= v <= 9;
        sum += u32::from(v) * w;
    }
    all_digits.then(|| CHECK_CHARS[(sum % 11) as usize])
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits.
fn check_char(digits: &[u8]) -> char {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

/// Value of a run of ASCII digits (callers have checked them).
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// A calendar date in years 1–9999, like Python's `datetime.date` (the
/// `time` crate alone would also accept year 0).
fn make_date(year: i32, month: u32, day: u32) -> Option<Date> {
    if !(1..=9999).contains(&year) {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

fn out_of_range(part: &'static str, value: i64, allowed: &'static str) -> IdError {
    IdError::OutOfRange {
        kind: KIND,
        part,
        value,
        allowed,
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

crate::string_newtype_traits!(ResidentId);
