//! Licence identifiers in the GB/T 36904-2018 (电子证照 标识规范) structure:
//! `1.2.156.3005.2.<type code>.<issuer credit code>.<serial>.<version>.<check>`.
//!
//! # The check character
//!
//! The text of GB/T 36904 was not available to us. Secondary descriptions of it say that
//! the check character follows GB/T 17710-2008 (ISO/IEC 7064), system **MOD 37,36**,
//! which is what is implemented here. What we could not confirm is exactly which
//! characters the standard feeds into it. We take **every character of the identifier
//! before the check field, with the dots left out** — for
//! `1.2.156.3005.2.11010000.91350100M000100Y43.0000001.23` that is
//! `12156300521101000091350100M000100Y43000000123`, check `W` — because MOD
//! 37,36 is defined over the 36 characters `0-9A-Z` and gives a dot no value. If the
//! standard's text turns out to differ, only [`check_character`]'s input changes.
//!
//! MOD 37,36 is the ISO 7064 "hybrid" system with M = 36: start with `p = 36`; for each
//! character of value `v` (`0`–`9` → 0–9, `A`–`Z` → 10–35) set `p = (p + v) mod 36`
//! (taking 36 for 0), then `p = 2p mod 37`. The check character is the one whose value
//! `c` satisfies `(p + c) mod 36 = 1`, i.e. `c = (37 - p) mod 36`. It catches every
//! single-character error and every swap of two adjacent characters.
//!
//! # The fields
//!
//! These are our rules, stated so that an identifier is rejected at the edge rather than
//! stored wrong: the type code and the serial are 1–32 characters of `0-9A-Z`; the
//! issuer is the department's unified social credit code (统一社会信用代码, GB 32100-2015),
//! a [`CreditCode`] from `govops-ids`, whose own check character is verified there and
//! which must be written in its canonical form; the version is 1–8 digits.

use std::fmt;
use std::str::FromStr;

use govops_ids::CreditCode;

use crate::error::IdentifierError;

/// The object identifier arc under which GB/T 36904 licence identifiers are allocated.
pub const LICENCE_OID: &str = "1.2.156.3005.2";

/// A licence identifier whose fields and check character are valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicenceIdentifier {
    type_code: String,
    issuer: CreditCode,
    serial: String,
    version: String,
    check: char,
}

impl LicenceIdentifier {
    /// Builds an identifier for a licence of `type_code` issued by the department whose
    /// credit code is `issuer`, computing its check character.
    pub fn build(
        type_code: &str,
        issuer: &CreditCode,
        serial: &str,
        version: &str,
    ) -> Result<Self, IdentifierError> {
        alphanumeric_field("type code", type_code)?;
        alphanumeric_field("serial", serial)?;
        version_field(version)?;
        let body = format!(
            "{LICENCE_OID}.{type_code}.{}.{serial}.{version}",
            issuer.as_str()
        );
        let check = check_character(&body).ok_or_else(|| IdentifierError::InvalidField {
            field: "identifier",
            value: body.clone(),
            reason: "it has characters outside 0-9, A-Z and '.'",
        })?;
        Ok(Self {
            type_code: type_code.to_owned(),
            issuer: issuer.clone(),
            serial: serial.to_owned(),
            version: version.to_owned(),
            check,
        })
    }

    /// Parses and checks an identifier, refusing a wrong check character.
    pub fn parse(text: &str) -> Result<Self, IdentifierError> {
        let rest = text
            .strip_prefix(LICENCE_OID)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(IdentifierError::WrongPrefix)?;
        let fields: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = fields.as_slice() else {
            return Err(IdentifierError::FieldCount(fields.len()));
        };
        let issuer = CreditCode::parse(issuer).map_err(IdentifierError::IssuerCreditCode)?;
        // CreditCode::parse forgives spaces and lower case, as people type them; an
        // identifier is machine-made, so only the canonical form is accepted.
        if issuer.as_str() != fields[1] {
            return Err(IdentifierError::InvalidField {
                field: "issuer credit code",
                value: fields[1].to_owned(),
                reason: "it must be written in upper case without spaces",
            });
        }
        let built = Self::build(type_code, &issuer, serial, version)?;
        let mut chars = check.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c == built.check => Ok(built),
            _ => Err(IdentifierError::CheckMismatch {
                expected: built.check,
                found: (*check).to_owned(),
            }),
        }
    }

    /// The licence type code.
    pub fn type_code(&self) -> &str {
        &self.type_code
    }

    /// The issuing department's unified social credit code.
    pub fn issuer_credit_code(&self) -> &CreditCode {
        &self.issuer
    }

    /// The serial number within the type and issuer.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The version (a re-issued licence gets a new version).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The check character.
    pub fn check(&self) -> char {
        self.check
    }
}

impl fmt::Display for LicenceIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{LICENCE_OID}.{}.{}.{}.{}.{}",
            self.type_code,
            self.issuer.as_str(),
            self.serial,
            self.version,
            self.check
        )
    }
}

impl FromStr for LicenceIdentifier {
    type Err = IdentifierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// ISO/IEC 7064 MOD 37,36 check character over `body`'s characters, dots skipped (see
/// the module documentation). `None` if `body` has a character other than `0-9`, `A-Z`
/// or `.`.
pub fn check_character(body: &str) -> Option<char> {
    let mut p: u32 = 36;
    for c in body.chars().filter(|c| *c != '.') {
        let v = c.to_digit(36).filter(|_| !c.is_ascii_lowercase())?;
        p = (p + v) % 36;
        if p == 0 {
            p = 36;
        }
        p = (p * 2) % 37;
    }
    char::from_digit((37 - p) % 36, 36).map(|c| c.to_ascii_uppercase())
}

fn alphanumeric_field(field: &'static str, value: &str) -> Result<(), IdentifierError> {
    let invalid = |reason| IdentifierError::InvalidField {
        field,
        value: value.to_owned(),
        reason,
    };
    if value.is_empty() || value.len() > 32 {
        return Err(invalid("it must be 1 to 32 characters long"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Err(invalid("it may only use digits and upper-case letters A-Z"));
    }
    Ok(())
}

fn version_field(value: &str) -> Result<(), IdentifierError> {
    if value.is_empty() || value.len() > 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentifierError::InvalidField {
            field: "version",
            value: value.to_owned(),
            reason: "it must be 1 to 8 digits",
        });
    }
    Ok(())
}
