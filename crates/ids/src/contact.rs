//! Contact identifiers: mainland mobile numbers and email addresses.
//!
//! Both are where notices about a case go (SMS and mail), so a typo must be
//! caught at the form, not discovered when a deadline notice bounces.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{EmailProblem, IdError, IdKind};
use crate::normalise::fold;

const PHONE_DIGITS: usize = 11;
const PHONE_RULE: &str = "only digits, spaces, dashes and a leading +86 are allowed";

/// A mainland China mobile number: 11 digits starting 13–19, stored without
/// country code or separators. `Debug` shows the masked form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parses a mobile number as people write it: `13812345678`,
    /// `138 1234 5678`, `138-1234-5678`, `+86 138…`, `86138…` or `0086138…`.
    /// Full-width digits (from a Chinese IME) are read as digits.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let kind = IdKind::Phone;
        let mut digits = String::with_capacity(PHONE_DIGITS + 4);
        let mut plus = false;
        for (index, raw) in input.chars().enumerate() {
            let c = fold(raw);
            if c.is_ascii_digit() {
                digits.push(c);
            } else if c == '+' && !plus && digits.is_empty() {
                plus = true;
            } else if !(c == '-' || c.is_whitespace()) {
                return Err(IdError::Character {
                    kind,
                    position: index + 1,
                    found: raw,
                    rule: PHONE_RULE,
                });
            }
        }
        if digits.is_empty() && !plus {
            return Err(IdError::Empty { kind });
        }
        let national = if plus {
            match digits.strip_prefix("86") {
                Some(rest) => rest,
                None => {
                    let found = format!("+{}", digits.get(..2).unwrap_or(&digits));
                    return Err(IdError::PhonePrefix { kind, found });
                }
            }
        } else if digits.len() == PHONE_DIGITS + 4 && digits.starts_with("0086") {
            &digits[4..]
        } else if digits.len() == PHONE_DIGITS + 2 && digits.starts_with("86") {
            &digits[2..]
        } else {
            &digits
        };
        if national.len() != PHONE_DIGITS {
            return Err(IdError::PhoneDigits {
                kind,
                found: national.len(),
            });
        }
        let bytes = national.as_bytes();
        if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(IdError::PhonePrefix {
                kind,
                found: national[..2].to_owned(),
            });
        }
        Ok(Self(national.to_owned()))
    }

    /// The 11 digits, e.g. `13812345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// E.164 form for SMS gateways, e.g. `+8613812345678`.
    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }

    /// The number with the middle four digits hidden, the way Chinese
    /// services show it: `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

const EMAIL_MAX: usize = 254;
const LOCAL_MAX_BYTES: usize = 64;
const LABEL_MAX: usize = 63;
/// RFC 5322 `atext` punctuation; letters and digits are allowed besides.
const LOCAL_PUNCTUATION: &str = "!#$%&'*+/=?^_`{|}~-.";

/// An email address that passes a pragmatic check: something plausible
/// before the `@` and a real-looking domain after it. The only real test of
/// an address is sending to it; this catches typing slips early.
///
/// Not accepted, on purpose: quoted local parts (`"a b"@x.cn`), IP-literal
/// domains (`a@[10.0.0.1]`), and single-label domains (`a@localhost`).
/// Non-ASCII letters are accepted on both sides (internationalised mail).
/// The domain is stored lower-cased; the part before the `@` keeps its case,
/// since servers may treat it case-sensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an email address; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let kind = IdKind::Email;
        let problem = |problem| IdError::Email { kind, problem };
        let text = input.trim();
        if text.is_empty() {
            return Err(IdError::Empty { kind });
        }
        let length = text.chars().count();
        if length > EMAIL_MAX {
            return Err(problem(EmailProblem::TooLong { found: length }));
        }
        let (local, domain) = text
            .rsplit_once('@')
            .ok_or(problem(EmailProblem::MissingAt))?;
        check_local(local).map_err(problem)?;
        let domain_start = local.chars().count() + 2;
        let domain = check_domain(domain, domain_start).map_err(problem)?;
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The whole address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    /// The domain, lower-case.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

fn check_local(local: &str) -> Result<(), EmailProblem> {
    if local.is_empty() {
        return Err(EmailProblem::EmptyLocalPart);
    }
    if local.len() > LOCAL_MAX_BYTES {
        return Err(EmailProblem::LocalPartTooLong { found: local.len() });
    }
    for (index, c) in local.chars().enumerate() {
        let ok = if c.is_ascii() {
            c.is_ascii_alphanumeric() || LOCAL_PUNCTUATION.contains(c)
        } else {
            !c.is_control() && !c.is_whitespace()
        };
        if !ok {
            return Err(EmailProblem::Character {
                position: index + 1,
                found: c,
            });
        }
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailProblem::DotPlacement);
    }
    Ok(())
}

/// Checks the domain and returns it lower-cased. `start` is the 1-based
/// position of its first character in the whole address, for error messages.
fn check_domain(domain: &str, start: usize) -> Result<String, EmailProblem> {
    if domain.is_empty() {
        return Err(EmailProblem::EmptyDomain);
    }
    for (index, c) in domain.chars().enumerate() {
        let ok = c == '.'
            || c == '-'
            || c.is_ascii_alphanumeric()
            || (!c.is_ascii() && c.is_alphanumeric());
        if !ok {
            return Err(EmailProblem::Character {
                position: start + index,
                found: c,
            });
        }
    }
    let domain = domain.to_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailProblem::SingleLabelDomain);
    }
    for label in &labels {
        let bad = label.is_empty()
            || label.chars().count() > LABEL_MAX
            || label.starts_with('-')
            || label.ends_with('-');
        if bad {
            return Err(EmailProblem::DomainLabel {
                label: (*label).to_owned(),
            });
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(EmailProblem::NumericTopLevel);
    }
    Ok(domain)
}

crate::string_newtype_traits!(Phone);
crate::string_newtype_traits!(Email);
