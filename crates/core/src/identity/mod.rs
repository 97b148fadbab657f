//! Identity: departments, people, enterprises, accounts, roles, sign-in and sessions.

pub mod directory;
pub mod password;
pub mod ratelimit;
pub mod roles;
pub mod session;

pub use roles::{Principal, Role, RoleGrant};
pub use session::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, NewSession, Session};
