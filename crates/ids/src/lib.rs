//! govops-ids: identifiers that are only constructible when valid.
//!
//! Parse, don't validate: a [`ResidentId`], [`CreditCode`], [`Phone`] or
//! [`Email`] can only be obtained by parsing, so the platform core, the
//! workflow engine (form field types) and the data hub (quality checks) reject
//! bad input once, at the edge, with a message that says what is wrong and
//! where, and never check again. Deserialising goes through the same parser.
//!
//! The Chinese codes follow python-stdnum (`stdnum.cn.ric`, `stdnum.cn.uscc`)
//! rule for rule; `tests/stdnum_crosscheck.rs` compares the two on 200,000
//! generated values. The password policy follows NIST SP 800-63B.
//!
//! The crate is pure: no I/O and no clock. Checks that need "today" (a birth
//! date in the future, an age limit) belong to the caller, which has a `Clock`.

/// Display, FromStr, TryFrom<String | &str>, Into<String> and AsRef<str> for a
/// newtype over `String` with a `parse` constructor, so every identifier reads
/// and converts the same way.
macro_rules! string_newtype_traits {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $crate::IdError;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use string_newtype_traits;

mod contact;
mod credit_code;
mod error;
mod normalise;
mod password;
mod regions;
mod resident_id;

pub use contact::{Email, Phone};
pub use credit_code::{CreditCode, credit_code_check_byte, is_credit_code_char};
pub use error::{EmailProblem, IdError, IdKind};
pub use password::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordError, check_password, is_common_password,
};
pub use regions::{RegionSpan, is_region_in_use, region_spans};
pub use resident_id::{ResidentId, Sex, resident_id_check_byte};
