//! Events: the facts a case is made of. They are the source of truth; the state is only
//! their fold, so every event carries all the data [`apply`](super::apply) needs and the
//! plan is never consulted when replaying.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::state::{CaseStatus, PartStatus};
use crate::calendar::Deadline;
use crate::definition::{Form, RuleOutcome};

/// One fact about a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Event {
    /// The applicant submitted the case.
    Submitted {
        /// When.
        at: OffsetDateTime,
        /// The plan id.
        plan_id: String,
        /// The plan version the case keeps.
        plan_version: u32,
        /// How many parts the plan has.
        parts: usize,
        /// The submitted form.
        form: Form,
        /// The promised completion date.
        deadline: Deadline,
    },
    /// The automated checks ran.
    AutoChecked {
        /// When.
        at: OffsetDateTime,
        /// Each rule's outcome.
        outcomes: Vec<RuleOutcome>,
    },
    /// A task opened for a department.
    TaskOpened {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The part index.
        part: usize,
        /// The department that acts.
        department: String,
        /// The role that acts.
        role: String,
        /// The step's time limit in working days.
        time_limit: u32,
        /// The deadline.
        deadline: Deadline,
    },
    /// An official approved a task.
    TaskApproved {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The official's id.
        actor: String,
    },
    /// An official rejected a task.
    TaskRejected {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The official's id.
        actor: String,
        /// Why, shown to the applicant.
        reason: String,
    },
    /// An official returned the case for correction (补正).
    TaskReturned {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The official's id.
        actor: String,
        /// The fields to correct.
        fields: Vec<String>,
        /// The note to the applicant.
        note: String,
    },
    /// The applicant resubmitted a corrected form.
    Resubmitted {
        /// When.
        at: OffsetDateTime,
        /// The corrected form.
        form: Form,
    },
    /// A returned or suspended task opened again, with a fresh deadline.
    TaskReopened {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The new deadline.
        deadline: Deadline,
    },
    /// A task moved to another department (转办).
    TaskTransferred {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The official's id.
        actor: String,
        /// The department code it left.
        from: String,
        /// The department code it went to.
        to: String,
    },
    /// A task ended without a decision.
    TaskCancelled {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
    },
    /// A task's deadline is near.
    ReminderSent {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// Working days left until the deadline.
        days_left: u32,
    },
    /// A task's deadline passed; its department head is told.
    Escalated {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The department whose head is told.
        department: String,
    },
    /// A task's deadline changed because the calendar changed (an official year was loaded).
    DeadlineRecomputed {
        /// When.
        at: OffsetDateTime,
        /// The plan step id.
        step: String,
        /// The new deadline.
        deadline: Deadline,
    },
    /// A part of the case reached its result.
    PartClosed {
        /// When.
        at: OffsetDateTime,
        /// The part index.
        part: usize,
        /// Its result.
        status: PartStatus,
    },
    /// The applicant withdrew the case.
    Withdrawn {
        /// When.
        at: OffsetDateTime,
    },
    /// The case reached its result.
    Closed {
        /// When.
        at: OffsetDateTime,
        /// Completed, partially rejected or rejected.
        status: CaseStatus,
        /// True when the result came from instant approval (秒批).
        instant: bool,
    },
}
