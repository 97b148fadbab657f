//! The state of one case, rebuilt from its events by [`apply`](super::apply).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::calendar::Deadline;
use crate::definition::{Form, RuleOutcome};

/// Where a case is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Being filled in; nothing has been sent to a department.
    Draft,
    /// Submitted and waiting for the automated checks' results.
    Submitted,
    /// Departments are working on it.
    InProgress,
    /// Sent back to the applicant for correction (补正); the clocks are stopped.
    Returned,
    /// Every part approved (办结).
    Completed,
    /// A bundle in which some parts were approved and some rejected.
    PartiallyRejected,
    /// Rejected (不予许可), or every part of a bundle rejected or cancelled.
    Rejected,
    /// Withdrawn by the applicant (撤回).
    Withdrawn,
}

impl CaseStatus {
    /// Terminal statuses never change again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::PartiallyRejected | Self::Rejected | Self::Withdrawn
        )
    }
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting for its department.
    Open,
    /// Paused while the case is returned for correction.
    Suspended,
    /// This task returned the case; it reopens on resubmission.
    Returned,
    /// Approved; final.
    Approved,
    /// Rejected; final.
    Rejected,
    /// Cancelled because the case or its part ended; final.
    Cancelled,
}

/// The result of one part (one service) of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartStatus {
    /// Still being worked on.
    Pending,
    /// Every step approved; its result can be issued.
    Approved,
    /// A step rejected it.
    Rejected,
    /// Ended because another part was rejected under `cancel_all`, or the case was withdrawn.
    Cancelled,
}

/// One department's work on the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The plan step id.
    pub step: String,
    /// The part (service) index within the plan.
    pub part: usize,
    /// The department that must act (changes on transfer).
    pub department: String,
    /// The role that must act.
    pub role: String,
    /// The step's time limit in working days, kept to recompute the deadline.
    pub time_limit: u32,
    /// When the task (last) opened.
    pub opened_at: OffsetDateTime,
    /// The last working day to act on time.
    pub deadline: Deadline,
    /// The task's status.
    pub status: TaskStatus,
    /// Whether the due-soon reminder has fired for the current deadline.
    pub reminded: bool,
    /// Whether the breach escalation has fired for the current deadline.
    pub escalated: bool,
    /// The official who decided it, once decided.
    pub decided_by: Option<String>,
}

impl Task {
    /// Whether an official can act on the task now.
    pub fn is_open(&self) -> bool {
        self.status == TaskStatus::Open
    }
}

/// What the applicant was asked to correct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// The step that returned the case.
    pub step: String,
    /// The form fields to correct.
    pub fields: Vec<String>,
    /// The official's note to the applicant.
    pub note: String,
}

/// Everything known about a case, derived only from its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    /// The case's status.
    pub status: CaseStatus,
    /// The plan (service or bundle) id the case runs, fixed at submission.
    pub plan_id: Option<String>,
    /// The plan version, fixed at submission so that later versions never break the case.
    pub plan_version: Option<u32>,
    /// The current form.
    pub form: Form,
    /// When the case was first submitted.
    pub submitted_at: Option<OffsetDateTime>,
    /// The promised completion date for the whole case.
    pub deadline: Option<Deadline>,
    /// Tasks by plan step id.
    pub tasks: BTreeMap<String, Task>,
    /// The status of each part, by plan part index.
    pub parts: Vec<PartStatus>,
    /// The automated checks' results, once known.
    pub auto_check: Option<Vec<RuleOutcome>>,
    /// The open request for correction, while returned.
    pub return_request: Option<ReturnRequest>,
    /// When the case reached a terminal status.
    pub closed_at: Option<OffsetDateTime>,
    /// How many events have been applied; the case's version for optimistic locking.
    pub version: u64,
}

impl CaseState {
    /// A new draft case.
    pub fn new() -> Self {
        Self {
            status: CaseStatus::Draft,
            plan_id: None,
            plan_version: None,
            form: Form::new(),
            submitted_at: None,
            deadline: None,
            tasks: BTreeMap::new(),
            parts: Vec::new(),
            auto_check: None,
            return_request: None,
            closed_at: None,
            version: 0,
        }
    }

    /// The tasks officials can act on now.
    pub fn open_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.values().filter(|t| t.is_open())
    }
}

impl Default for CaseState {
    fn default() -> Self {
        Self::new()
    }
}
