//! The approval engine: a pure state machine over cases.
//!
//! `step(state, command, now, plan, calendar)` decides what happens and returns the new state
//! with the events that describe it; the platform stores the events (they are the source of
//! truth) and `replay` rebuilds the same state from them. No I/O, no clock: `now` is given.
//!
//! Bundles: all parts' first steps open together at submission. When a part is rejected its
//! other tasks are cancelled; under the default `continue` policy the other parts go on and
//! the bundle ends `partially_rejected` (some parts approved) or `rejected` (none); under
//! `cancel_all` the other parts' tasks are cancelled at once.

mod apply;
mod command;
mod decide;
mod event;
mod state;
mod timers;

pub use apply::{apply, apply_mut, replay};
pub use command::{Actor, Command, EngineError};
pub use decide::local_date;
pub use event::Event;
pub use state::{CaseState, CaseStatus, PartStatus, ReturnRequest, Task, TaskStatus};

use time::OffsetDateTime;

use crate::calendar::Calendar;
use crate::definition::Plan;

/// Applies `command` to the case at `now`. On success returns the new state and the events
/// to store; on error the case is unchanged and nothing is to be stored.
pub fn step(
    state: &CaseState,
    command: Command,
    now: OffsetDateTime,
    plan: &Plan,
    calendar: &Calendar,
) -> Result<(CaseState, Vec<Event>), EngineError> {
    if let (Some(id), Some(version)) = (&state.plan_id, state.plan_version)
        && (*id != plan.id || version != plan.version)
    {
        return Err(EngineError::PlanMismatch {
            expected: format!("{id}@{version}"),
            given: format!("{}@{}", plan.id, plan.version),
        });
    }
    let mut work = decide::Work {
        state: state.clone(),
        events: Vec::new(),
        now,
        plan,
        calendar,
    };
    work.run(command)?;
    Ok((work.state, work.events))
}
