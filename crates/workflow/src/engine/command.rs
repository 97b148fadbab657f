//! Commands: what people and timers ask of a case, and the typed errors when the answer is no.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::state::{CaseStatus, TaskStatus};
use crate::definition::{Action, FieldError, Form, RuleOutcome};

/// The official acting, as established by the platform's login and access checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The official's id.
    pub id: String,
    /// The department code the official works for.
    pub department: String,
    /// The official's role within the department.
    pub role: String,
}

/// A request to change a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Command {
    /// The applicant submits the form.
    Submit {
        /// The filled form.
        form: Form,
    },
    /// The platform reports the automated checks' results (it evaluates them with
    /// [`Plan::evaluate_rules`](crate::definition::Plan::evaluate_rules) and the looked-up data).
    AutoCheck {
        /// One outcome per rule.
        outcomes: Vec<RuleOutcome>,
    },
    /// An official approves a task.
    Approve {
        /// The plan step id.
        step: String,
        /// Who acts.
        actor: Actor,
    },
    /// An official rejects a task.
    Reject {
        /// The plan step id.
        step: String,
        /// Who acts.
        actor: Actor,
        /// Why; shown to the applicant.
        reason: String,
    },
    /// An official returns the case for correction (补正).
    Return {
        /// The plan step id.
        step: String,
        /// Who acts.
        actor: Actor,
        /// The form fields to correct.
        fields: Vec<String>,
        /// A note to the applicant.
        note: String,
    },
    /// The applicant resubmits after a return.
    Resubmit {
        /// The corrected form.
        form: Form,
    },
    /// An official transfers a task to another department (转办).
    Transfer {
        /// The plan step id.
        step: String,
        /// Who acts.
        actor: Actor,
        /// The receiving department's code.
        to_department: String,
    },
    /// The applicant withdraws the case.
    Withdraw,
    /// Time passed: fire due-soon reminders and breach escalations.
    Tick,
    /// The calendar changed: recompute the deadlines of tasks still running.
    RecomputeDeadlines,
}

impl Command {
    /// The command's name, for errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Submit { .. } => "submit",
            Self::AutoCheck { .. } => "auto_check",
            Self::Approve { .. } => "approve",
            Self::Reject { .. } => "reject",
            Self::Return { .. } => "return",
            Self::Resubmit { .. } => "resubmit",
            Self::Transfer { .. } => "transfer",
            Self::Withdraw => "withdraw",
            Self::Tick => "tick",
            Self::RecomputeDeadlines => "recompute_deadlines",
        }
    }
}

/// Why a command was refused. The case is unchanged whenever one of these is returned.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EngineError {
    /// The form has errors; every one is listed.
    #[error("the form has {} error(s)", .0.len())]
    InvalidForm(Vec<FieldError>),
    /// The command does not apply to a case in this status.
    #[error("cannot {command} a case that is {status:?}")]
    NotAllowed {
        /// The command's name.
        command: &'static str,
        /// The case's status.
        status: CaseStatus,
    },
    /// The case was started with another plan or version than the one given.
    #[error("the case runs {expected}, not {given}")]
    PlanMismatch {
        /// `id@version` of the case.
        expected: String,
        /// `id@version` given.
        given: String,
    },
    /// No such step in the plan.
    #[error("unknown step \"{step}\"; steps: {}", known.join(", "))]
    UnknownStep {
        /// The step named.
        step: String,
        /// The plan's steps.
        known: Vec<String>,
    },
    /// The task exists in the plan but is not open (not yet reached, suspended, cancelled).
    #[error("task \"{step}\" is not open ({})", status.map_or("not yet reached".to_owned(), |s| format!("{s:?}")))]
    TaskNotOpen {
        /// The step named.
        step: String,
        /// Its status, or `None` when it has not opened yet.
        status: Option<TaskStatus>,
    },
    /// The task was already decided; acting twice is refused.
    #[error("task \"{step}\" was already {decision:?} by {}", by.as_deref().unwrap_or("someone"))]
    AlreadyDecided {
        /// The step named.
        step: String,
        /// The decision taken.
        decision: TaskStatus,
        /// Who took it.
        by: Option<String>,
    },
    /// The official is not of the department that owns the task.
    #[error("task \"{step}\" belongs to department {expected}, not {actual}")]
    WrongDepartment {
        /// The step named.
        step: String,
        /// The task's department.
        expected: String,
        /// The official's department.
        actual: String,
    },
    /// The official does not have the role the step requires.
    #[error("task \"{step}\" needs role {expected}, not {actual}")]
    WrongRole {
        /// The step named.
        step: String,
        /// The role required.
        expected: String,
        /// The official's role.
        actual: String,
    },
    /// The step's definition does not allow this action.
    #[error("step \"{step}\" does not allow {action:?}")]
    ActionNotAllowed {
        /// The step named.
        step: String,
        /// The action refused.
        action: Action,
    },
    /// A return names a field the form does not have, or names none.
    #[error("cannot return for correction: {0}")]
    InvalidReturn(String),
    /// A rejection without a reason.
    #[error("a rejection needs a reason for the applicant")]
    MissingReason,
    /// A transfer to nowhere or to the same department.
    #[error("cannot transfer: {0}")]
    InvalidTransfer(String),
    /// The automated check results do not cover every rule.
    #[error("no outcome for rule \"{0}\"")]
    MissingRuleOutcome(String),
    /// A deadline fell outside the dates the calendar can represent.
    #[error("the deadline is outside the calendar's range")]
    CalendarRange,
}
