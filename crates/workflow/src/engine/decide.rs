//! Deciding: turning a command into events, given the case, the plan and the calendar.

use time::{Date, OffsetDateTime, macros::offset};

use super::apply::apply_mut;
use super::command::{Actor, Command, EngineError};
use super::event::Event;
use super::state::{CaseState, CaseStatus, PartStatus, TaskStatus};
use crate::calendar::{Calendar, Deadline};
use crate::definition::{Action, Form, Plan, RejectPolicy};

/// Working state for one command: events are applied as they are emitted, so that later
/// decisions in the same command (a join opening, a part closing) see earlier ones.
pub(super) struct Work<'a> {
    pub state: CaseState,
    pub events: Vec<Event>,
    pub now: OffsetDateTime,
    pub plan: &'a Plan,
    pub calendar: &'a Calendar,
}

/// The calendar date in China (UTC+8) at `now`; time limits are counted in local days.
pub fn local_date(now: OffsetDateTime) -> Date {
    now.to_offset(offset!(+8)).date()
}

impl Work<'_> {
    pub fn emit(&mut self, event: Event) {
        apply_mut(&mut self.state, &event);
        self.events.push(event);
    }

    pub fn today(&self) -> Date {
        local_date(self.now)
    }

    pub fn deadline(&self, days: u32) -> Result<Deadline, EngineError> {
        self.calendar
            .add_working_days(self.today(), days)
            .ok_or(EngineError::CalendarRange)
    }

    fn require(&self, command: &'static str, allowed: &[CaseStatus]) -> Result<(), EngineError> {
        if allowed.contains(&self.state.status) {
            Ok(())
        } else {
            Err(EngineError::NotAllowed {
                command,
                status: self.state.status,
            })
        }
    }

    fn check_form(&self, form: &Form) -> Result<(), EngineError> {
        let errors = self.plan.validate_form(form);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(EngineError::InvalidForm(errors))
        }
    }

    fn open(&mut self, index: usize) -> Result<(), EngineError> {
        let Some(step) = self.plan.steps.get(index) else {
            return Ok(());
        };
        // A join opens once: a step that already has a task is never opened again.
        if self.state.tasks.contains_key(&step.id) {
            return Ok(());
        }
        let deadline = self.deadline(step.time_limit)?;
        self.emit(Event::TaskOpened {
            at: self.now,
            step: step.id.clone(),
            part: step.part,
            department: step.department.clone(),
            role: step.role.clone(),
            time_limit: step.time_limit,
            deadline,
        });
        Ok(())
    }

    fn dispatch(&mut self) -> Result<(), EngineError> {
        let starts: Vec<usize> = self.plan.start_steps().collect();
        for index in starts {
            self.open(index)?;
        }
        Ok(())
    }

    /// Finds the task an official acts on and checks that this official may take `action`.
    fn authorize(&self, step: &str, actor: &Actor, action: Action) -> Result<usize, EngineError> {
        if self.state.status == CaseStatus::Returned {
            return Err(EngineError::NotAllowed {
                command: "act on",
                status: self.state.status,
            });
        }
        let index = self
            .plan
            .step_index(step)
            .ok_or_else(|| EngineError::UnknownStep {
                step: step.to_owned(),
                known: self.plan.steps.iter().map(|s| s.id.clone()).collect(),
            })?;
        let task = self.state.tasks.get(step).ok_or(EngineError::TaskNotOpen {
            step: step.to_owned(),
            status: None,
        })?;
        match task.status {
            TaskStatus::Open => {}
            TaskStatus::Approved | TaskStatus::Rejected => {
                return Err(EngineError::AlreadyDecided {
                    step: step.to_owned(),
                    decision: task.status,
                    by: task.decided_by.clone(),
                });
            }
            other => {
                return Err(EngineError::TaskNotOpen {
                    step: step.to_owned(),
                    status: Some(other),
                });
            }
        }
        if task.department != actor.department {
            return Err(EngineError::WrongDepartment {
                step: step.to_owned(),
                expected: task.department.clone(),
                actual: actor.department.clone(),
            });
        }
        if task.role != actor.role {
            return Err(EngineError::WrongRole {
                step: step.to_owned(),
                expected: task.role.clone(),
                actual: actor.role.clone(),
            });
        }
        let allowed = self
            .plan
            .steps
            .get(index)
            .is_some_and(|s| s.actions.contains(&action));
        if !allowed {
            return Err(EngineError::ActionNotAllowed {
                step: step.to_owned(),
                action,
            });
        }
        Ok(index)
    }

    fn approve(&mut self, step: &str, actor: &Actor) -> Result<(), EngineError> {
        let index = self.authorize(step, actor, Action::Approve)?;
        self.emit(Event::TaskApproved {
            at: self.now,
            step: step.to_owned(),
            actor: actor.id.clone(),
        });
        let plan = self.plan;
        let Some(done) = plan.steps.get(index) else {
            return Ok(());
        };
        for &next in &done.successors {
            let ready = plan.steps.get(next).is_some_and(|s| {
                s.after.iter().all(|&p| {
                    plan.steps.get(p).is_some_and(|ps| {
                        self.state
                            .tasks
                            .get(&ps.id)
                            .is_some_and(|t| t.status == TaskStatus::Approved)
                    })
                })
            });
            if ready {
                self.open(next)?;
            }
        }
        let part = done.part;
        let part_done = plan.steps.iter().filter(|s| s.part == part).all(|s| {
            self.state
                .tasks
                .get(&s.id)
                .is_some_and(|t| t.status == TaskStatus::Approved)
        });
        if part_done {
            self.emit(Event::PartClosed {
                at: self.now,
                part,
                status: PartStatus::Approved,
            });
            self.close_if_done(false);
        }
        Ok(())
    }

    fn cancel_tasks(&mut self, part: Option<usize>) {
        let running: Vec<String> = self
            .state
            .tasks
            .values()
            .filter(|t| part.is_none_or(|p| p == t.part))
            .filter(|t| {
                matches!(
                    t.status,
                    TaskStatus::Open | TaskStatus::Suspended | TaskStatus::Returned
                )
            })
            .map(|t| t.step.clone())
            .collect();
        for step in running {
            self.emit(Event::TaskCancelled { at: self.now, step });
        }
    }

    fn reject(&mut self, step: &str, actor: &Actor, reason: &str) -> Result<(), EngineError> {
        if reason.trim().is_empty() {
            return Err(EngineError::MissingReason);
        }
        let index = self.authorize(step, actor, Action::Reject)?;
        self.emit(Event::TaskRejected {
            at: self.now,
            step: step.to_owned(),
            actor: actor.id.clone(),
            reason: reason.trim().to_owned(),
        });
        let part = self.plan.steps.get(index).map_or(0, |s| s.part);
        self.cancel_tasks(Some(part));
        self.emit(Event::PartClosed {
            at: self.now,
            part,
            status: PartStatus::Rejected,
        });
        if self.plan.on_part_rejected == RejectPolicy::CancelAll {
            let pending: Vec<usize> = (0..self.state.parts.len())
                .filter(|&p| self.state.parts.get(p) == Some(&PartStatus::Pending))
                .collect();
            for p in pending {
                self.cancel_tasks(Some(p));
                self.emit(Event::PartClosed {
                    at: self.now,
                    part: p,
                    status: PartStatus::Cancelled,
                });
            }
        }
        self.close_if_done(false);
        Ok(())
    }

    /// Closes the case once no part is pending: completed when every part was approved,
    /// rejected when none was, partially rejected otherwise.
    fn close_if_done(&mut self, instant: bool) {
        let parts = &self.state.parts;
        if parts.is_empty() || parts.contains(&PartStatus::Pending) {
            return;
        }
        let approved = parts.iter().filter(|p| **p == PartStatus::Approved).count();
        let status = if approved == parts.len() {
            CaseStatus::Completed
        } else if approved == 0 {
            CaseStatus::Rejected
        } else {
            CaseStatus::PartiallyRejected
        };
        self.emit(Event::Closed {
            at: self.now,
            status,
            instant,
        });
    }

    fn give_back(
        &mut self,
        step: &str,
        actor: &Actor,
        fields: &[String],
        note: &str,
    ) -> Result<(), EngineError> {
        if fields.is_empty() {
            return Err(EngineError::InvalidReturn(
                "name at least one field to correct".to_owned(),
            ));
        }
        if let Some(unknown) = fields.iter().find(|f| !self.plan.has_field(f)) {
            return Err(EngineError::InvalidReturn(format!(
                "the form has no field \"{unknown}\""
            )));
        }
        self.authorize(step, actor, Action::Return)?;
        self.emit(Event::TaskReturned {
            at: self.now,
            step: step.to_owned(),
            actor: actor.id.clone(),
            fields: fields.to_vec(),
            note: note.to_owned(),
        });
        Ok(())
    }

    fn resubmit(&mut self, form: Form) -> Result<(), EngineError> {
        self.require("resubmit", &[CaseStatus::Returned])?;
        self.check_form(&form)?;
        self.emit(Event::Resubmitted { at: self.now, form });
        let waiting: Vec<(String, u32)> = self
            .state
            .tasks
            .values()
            .filter(|t| matches!(t.status, TaskStatus::Suspended | TaskStatus::Returned))
            .map(|t| (t.step.clone(), t.time_limit))
            .collect();
        for (step, limit) in waiting {
            let deadline = self.deadline(limit)?;
            self.emit(Event::TaskReopened {
                at: self.now,
                step,
                deadline,
            });
        }
        Ok(())
    }

    fn transfer(&mut self, step: &str, actor: &Actor, to: &str) -> Result<(), EngineError> {
        let to = to.trim();
        if to.is_empty() {
            return Err(EngineError::InvalidTransfer(
                "name the receiving department".to_owned(),
            ));
        }
        self.authorize(step, actor, Action::Transfer)?;
        let from = self
            .state
            .tasks
            .get(step)
            .map(|t| t.department.clone())
            .unwrap_or_default();
        if from == to {
            return Err(EngineError::InvalidTransfer(format!(
                "the task already belongs to {to}"
            )));
        }
        self.emit(Event::TaskTransferred {
            at: self.now,
            step: step.to_owned(),
            actor: actor.id.clone(),
            from,
            to: to.to_owned(),
        });
        Ok(())
    }

    pub fn run(&mut self, command: Command) -> Result<(), EngineError> {
        if self.state.status.is_terminal() && !matches!(command, Command::Tick) {
            return Err(EngineError::NotAllowed {
                command: command.name(),
                status: self.state.status,
            });
        }
        match command {
            Command::Submit { form } => {
                self.require("submit", &[CaseStatus::Draft])?;
                self.check_form(&form)?;
                let deadline = self.deadline(self.plan.promised_days)?;
                self.emit(Event::Submitted {
                    at: self.now,
                    plan_id: self.plan.id.clone(),
                    plan_version: self.plan.version,
                    parts: self.plan.parts.len(),
                    form,
                    deadline,
                });
                if !self.plan.has_rules() {
                    self.dispatch()?;
                }
                Ok(())
            }
            Command::AutoCheck { outcomes } => {
                self.require("auto_check", &[CaseStatus::Submitted])?;
                for part in &self.plan.parts {
                    for rule in &part.rules {
                        if !outcomes.iter().any(|o| o.rule == rule.id) {
                            return Err(EngineError::MissingRuleOutcome(rule.id.clone()));
                        }
                    }
                }
                let all_passed = !outcomes.is_empty() && outcomes.iter().all(|o| o.passed);
                self.emit(Event::AutoChecked {
                    at: self.now,
                    outcomes,
                });
                if self.plan.instant && all_passed {
                    for part in 0..self.plan.parts.len() {
                        self.emit(Event::PartClosed {
                            at: self.now,
                            part,
                            status: PartStatus::Approved,
                        });
                    }
                    self.close_if_done(true);
                    Ok(())
                } else {
                    // A failed rule never rejects on its own: the case goes to officials.
                    self.dispatch()
                }
            }
            Command::Approve { step, actor } => self.approve(&step, &actor),
            Command::Reject {
                step,
                actor,
                reason,
            } => self.reject(&step, &actor, &reason),
            Command::Return {
                step,
                actor,
                fields,
                note,
            } => self.give_back(&step, &actor, &fields, &note),
            Command::Resubmit { form } => self.resubmit(form),
            Command::Transfer {
                step,
                actor,
                to_department,
            } => self.transfer(&step, &actor, &to_department),
            Command::Withdraw => {
                self.cancel_tasks(None);
                self.emit(Event::Withdrawn { at: self.now });
                Ok(())
            }
            Command::Tick => {
                self.tick();
                Ok(())
            }
            Command::RecomputeDeadlines => self.recompute(),
        }
    }
}
