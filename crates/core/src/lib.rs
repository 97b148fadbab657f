//! govops-core: the platform without HTTP — identity, access, the store, the journal,
//! and (in later modules) catalogue, cases, licences, the data hub, engagement and
//! insight.
//!
//! Everything a person or program does arrives here as a method on [`Platform`], which
//! authorizes it ([`access`]), performs it in one transaction with its journal entry
//! ([`store`]), and returns a typed result or a [`CoreError`] that says what was wrong.

pub mod access;
pub mod cases;
pub mod catalogue;
pub mod clock;
pub mod datahub;
pub mod demo;
pub mod error;
pub mod identity;
pub mod ids;
pub mod journal;
pub mod licences;
pub mod overview;
pub mod platform;
pub mod store;
pub mod verify;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{CoreError, ErrorKind, FieldError, Result};
pub use platform::{Platform, PlatformSettings};
