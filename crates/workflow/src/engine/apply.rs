//! Folding events into state. Pure and total: an event that does not fit the state (which
//! [`step`](super::step) never produces) changes nothing rather than panicking, so that
//! replaying a stored history can never crash the platform.

use super::event::Event;
use super::state::{CaseState, CaseStatus, PartStatus, ReturnRequest, Task, TaskStatus};

/// The state after `event`.
pub fn apply(state: &CaseState, event: &Event) -> CaseState {
    let mut next = state.clone();
    apply_mut(&mut next, event);
    next
}

/// Rebuilds a case's state from its full history.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> CaseState {
    let mut state = CaseState::new();
    for event in events {
        apply_mut(&mut state, event);
    }
    state
}

fn set_task(state: &mut CaseState, step: &str, f: impl FnOnce(&mut Task)) {
    if let Some(task) = state.tasks.get_mut(step) {
        f(task);
    }
}

/// Applies `event` in place; [`apply`] is the cloning form.
pub fn apply_mut(state: &mut CaseState, event: &Event) {
    state.version += 1;
    match event {
        Event::Submitted {
            at,
            plan_id,
            plan_version,
            parts,
            form,
            deadline,
        } => {
            state.status = CaseStatus::Submitted;
            state.plan_id = Some(plan_id.clone());
            state.plan_version = Some(*plan_version);
            state.parts = vec![PartStatus::Pending; *parts];
            state.form = form.clone();
            state.submitted_at = Some(*at);
            state.deadline = Some(*deadline);
        }
        Event::AutoChecked { outcomes, .. } => {
            state.auto_check = Some(outcomes.clone());
        }
        Event::TaskOpened {
            at,
            step,
            part,
            department,
            role,
            time_limit,
            deadline,
        } => {
            state.status = CaseStatus::InProgress;
            state.tasks.insert(
                step.clone(),
                Task {
                    step: step.clone(),
                    part: *part,
                    department: department.clone(),
                    role: role.clone(),
                    time_limit: *time_limit,
                    opened_at: *at,
                    deadline: *deadline,
                    status: TaskStatus::Open,
                    reminded: false,
                    escalated: false,
                    decided_by: None,
                },
            );
        }
        Event::TaskApproved { step, actor, .. } => set_task(state, step, |t| {
            t.status = TaskStatus::Approved;
            t.decided_by = Some(actor.clone());
        }),
        Event::TaskRejected { step, actor, .. } => set_task(state, step, |t| {
            t.status = TaskStatus::Rejected;
            t.decided_by = Some(actor.clone());
        }),
        Event::TaskReturned {
            step, fields, note, ..
        } => {
            // The whole case waits for the applicant, so every other clock stops too
            // (行政许可法 第三十二条: the limit runs again from the corrected submission).
            for task in state.tasks.values_mut() {
                if task.status == TaskStatus::Open {
                    task.status = TaskStatus::Suspended;
                }
            }
            set_task(state, step, |t| t.status = TaskStatus::Returned);
            state.status = CaseStatus::Returned;
            state.return_request = Some(ReturnRequest {
                step: step.clone(),
                fields: fields.clone(),
                note: note.clone(),
            });
        }
        Event::Resubmitted { form, .. } => {
            state.form = form.clone();
            state.status = CaseStatus::InProgress;
            state.return_request = None;
        }
        Event::TaskReopened { at, step, deadline } => set_task(state, step, |t| {
            t.status = TaskStatus::Open;
            t.opened_at = *at;
            t.deadline = *deadline;
            t.reminded = false;
            t.escalated = false;
        }),
        Event::TaskTransferred { step, to, .. } => {
            set_task(state, step, |t| t.department = to.clone());
        }
        Event::TaskCancelled { step, .. } => {
            set_task(state, step, |t| t.status = TaskStatus::Cancelled);
        }
        Event::ReminderSent { step, .. } => set_task(state, step, |t| t.reminded = true),
        Event::Escalated { step, .. } => set_task(state, step, |t| t.escalated = true),
        Event::DeadlineRecomputed { step, deadline, .. } => {
            set_task(state, step, |t| t.deadline = *deadline);
        }
        Event::PartClosed { part, status, .. } => {
            if let Some(p) = state.parts.get_mut(*part) {
                *p = *status;
            }
        }
        Event::Withdrawn { at } => {
            state.status = CaseStatus::Withdrawn;
            state.closed_at = Some(*at);
            state.return_request = None;
        }
        Event::Closed { at, status, .. } => {
            state.status = *status;
            state.closed_at = Some(*at);
        }
    }
}
