//! Password policy after NIST SP 800-63B (memorized secrets).
//!
//! The guideline's lesson is that length and "not a known password" protect
//! accounts, while composition rules (a digit, a symbol, a capital) and forced
//! rotation only push people towards `Password1!`. So the policy is:
//!
//! * at least [`MIN_PASSWORD_CHARS`] characters, counted as Unicode scalar
//!   values so that a Chinese passphrase counts the characters a person sees
//!   rather than UTF-8 bytes;
//! * at most [`MAX_PASSWORD_CHARS`], well above the 64 the guideline says must
//!   be allowed, so passphrases fit, while still bounding hashing work;
//! * any characters at all, including spaces — nothing is trimmed;
//! * not one of the commonly used passwords attackers try first (a shipped
//!   list, compared case-insensitively), not a single repeated character,
//!   not a plain run such as `12345678` or `abcdefgh`;
//! * not the account name or other context words given by the caller.
//!
//! No clock, no storage: hashing and rate limiting live in `govops-core`.

use std::sync::LazyLock;

/// Fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most characters a password may have.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Context words shorter than this are only refused as the whole password,
/// not as a part of it: refusing every password that contains `li` would
/// refuse far more than it protects.
const CONTEXT_MIN_CONTAINED: usize = 3;

const BREACHED: &str = include_str!("../data/breached-passwords.txt");

/// The shipped list, lower-cased and sorted once on first use.
static COMMON: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut list: Vec<&'static str> = BREACHED
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    list.sort_unstable();
    list.dedup();
    list
});

/// Why a password was refused. Messages never repeat the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error(
        "password has {found} characters but needs at least {min}; a few unrelated words make a long password that is easy to remember"
    )]
    TooShort {
        /// Required minimum.
        min: usize,
        /// Characters found.
        found: usize,
    },
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("password has {found} characters; at most {max} are allowed")]
    TooLong {
        /// Allowed maximum.
        max: usize,
        /// Characters found.
        found: usize,
    },
    /// On the list of commonly used passwords.
    #[error(
        "this password is on a list of commonly used passwords that attackers try first; please choose another"
    )]
    Common,
    /// Equal to or containing the account name or another context word.
    #[error("password must not be or contain your account name or other details of your account")]
    ContainsContext,
    /// One character repeated, like `aaaaaaaa`.
    #[error("password is a single character repeated; please choose another")]
    Repetitive,
    /// A plain run such as `12345678`, `abcdefgh` or `87654321`.
    #[error(
        "password is a simple run of consecutive characters (like 12345678); please choose another"
    )]
    Sequential,
}

/// Checks a new password against the policy.
///
/// `context` holds words an attacker would try for this account — the
/// account name, the person's name, the email's local part, the service
/// name. They are compared case-insensitively; empty entries are ignored.
pub fn check_password(pw: &str, context: &[&str]) -> Result<(), PasswordError> {
    let length = pw.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort {
            min: MIN_PASSWORD_CHARS,
            found: length,
        });
    }
    if length > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong {
            max: MAX_PASSWORD_CHARS,
            found: length,
        });
    }
    let lower = pw.to_lowercase();
    for word in context {
        let word = word.trim().to_lowercase();
        if word.is_empty() {
            continue;
        }
        let contained = word.chars().count() >= CONTEXT_MIN_CONTAINED && lower.contains(&word);
        if lower == word || contained {
            return Err(PasswordError::ContainsContext);
        }
    }
    let chars: Vec<u32> = lower.chars().map(u32::from).collect();
    if chars.windows(2).all(|w| w[0] == w[1]) {
        return Err(PasswordError::Repetitive);
    }
    let ascending = chars.windows(2).all(|w| w[0].checked_add(1) == Some(w[1]));
    let descending = chars.windows(2).all(|w| w[1].checked_add(1) == Some(w[0]));
    if ascending || descending {
        return Err(PasswordError::Sequential);
    }
    if is_common(&lower) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// Whether `pw` is on the shipped list of common passwords (any case).
/// Exposed so a password-change form can warn as the person types.
pub fn is_common_password(pw: &str) -> bool {
    is_common(&pw.to_lowercase())
}

fn is_common(lower: &str) -> bool {
    COMMON.binary_search(&lower).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_large_lower_case_and_long_enough() {
        assert!(COMMON.len() >= 10_000, "only {} entries", COMMON.len());
        for entry in COMMON.iter() {
            assert_eq!(*entry, entry.to_lowercase(), "entry not lower-case");
            assert!(
                entry.chars().count() >= MIN_PASSWORD_CHARS,
                "entry `{entry}` too short"
            );
            assert_eq!(*entry, entry.trim(), "entry with surrounding space");
        }
    }
}
