//! Service and bundle definitions, the working-day calendar, and the approval engine of
//! govops. The crate is pure: it reads no file, no clock and no network, so that the
//! platform, the tests and the simulator can all drive it with the same inputs.

pub mod calendar;
pub mod definition;
pub mod engine;
