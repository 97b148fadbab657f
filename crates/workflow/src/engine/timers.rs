//! Timers: due-soon reminders, breach escalations and deadline recomputation. Timers are
//! not scheduled anywhere; they are derived from the state on each `Tick`, so they survive
//! any restart, and the `reminded`/`escalated` flags make each fire once per deadline.

use super::command::EngineError;
use super::decide::{Work, local_date};
use super::event::Event;
use super::state::TaskStatus;

impl Work<'_> {
    pub(super) fn tick(&mut self) {
        let today = self.today();
        let mut fired = Vec::new();
        for task in self.state.open_tasks() {
            if today > task.deadline.date {
                if !task.escalated {
                    fired.push(Event::Escalated {
                        at: self.now,
                        step: task.step.clone(),
                        department: task.department.clone(),
                    });
                }
            } else if !task.reminded {
                let left = self
                    .calendar
                    .working_days_between(today, task.deadline.date);
                if left <= self.plan.remind_before_days {
                    fired.push(Event::ReminderSent {
                        at: self.now,
                        step: task.step.clone(),
                        days_left: left,
                    });
                }
            }
        }
        for event in fired {
            self.emit(event);
        }
    }

    /// Recomputes running tasks' deadlines from the day they opened, e.g. after the official
    /// notice for a provisional year was loaded.
    pub(super) fn recompute(&mut self) -> Result<(), EngineError> {
        let mut changed = Vec::new();
        for task in self.state.tasks.values() {
            if !matches!(task.status, TaskStatus::Open | TaskStatus::Suspended) {
                continue;
            }
            let deadline = self
                .calendar
                .add_working_days(local_date(task.opened_at), task.time_limit)
                .ok_or(EngineError::CalendarRange)?;
            if deadline != task.deadline {
                changed.push(Event::DeadlineRecomputed {
                    at: self.now,
                    step: task.step.clone(),
                    deadline,
                });
            }
        }
        for event in changed {
            self.emit(event);
        }
        Ok(())
    }
}
