//! Cases (办件): applications stored and routed through departments by the approval engine.
//!
//! The engine (`govops-workflow`, pure) decides; this module stores. A case's events are its
//! source of truth and are written to the journal (subject `case:<id>`, one entry per
//! command) in the same transaction as the `cases` row that caches the state and the
//! `case_tasks` rows the workbench reads. `replay_case` rebuilds a case from the journal.
//!
//! Every case keeps the definition files it was submitted with (`plan_sources`, by hash),
//! so that a reload of the catalogue, or a restart, never changes a case in flight.

mod demo;
#[cfg(test)]
mod early_tests;
pub mod files;
mod lookup;
mod results;
mod run;
mod timers;
mod views;
mod work;

pub use files::{StoredUpload, UPLOAD_MAX_BYTES};
pub use views::{
    ApplicantChoice, ApplyField, ApplyForm, ApplyMaterial, CaseDetail, CaseSummary, Notice,
    SubmitInput, Submitted, TaskItem, TaskView, TimelineEntry, Urgency,
};
pub use work::{TaskAction, sample_form};

use crate::catalogue::plan_from_files;
use crate::error::{CoreError, Result};
use crate::store::{Tx, Val};
use govops_workflow::calendar::Calendar;
use govops_workflow::definition::Plan;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

/// The official calendar shipped with govops (2025 and 2026 official notices); years after
/// the last official one are provisional until their notice is loaded.
const SHIPPED_CALENDAR: &str = include_str!("../../../../vectors/calendar/cn-holidays.json");

/// What the platform keeps for cases: plans by hash, the working-day calendar and the
/// folder uploaded files are stored in.
pub(crate) struct CasesState {
    plans: Mutex<HashMap<String, Arc<Plan>>>,
    /// Plan hashes known to be in `plan_sources`, so a submission stores its files once.
    stored: Mutex<std::collections::HashSet<String>>,
    calendar: RwLock<Arc<Calendar>>,
    pub(crate) files_dir: Option<PathBuf>,
}

impl CasesState {
    pub(crate) fn open(files_dir: Option<PathBuf>) -> Result<Self> {
        let calendar = Calendar::from_json(SHIPPED_CALENDAR, "shipped calendar")
            .map_err(|e| CoreError::internal(format!("the shipped calendar: {e}")))?;
        Ok(Self {
            plans: Mutex::new(HashMap::new()),
            stored: Mutex::new(std::collections::HashSet::new()),
            calendar: RwLock::new(Arc::new(calendar)),
            files_dir,
        })
    }

    pub(crate) fn calendar(&self) -> Arc<Calendar> {
        match self.calendar.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub(crate) fn set_calendar(&self, c: Calendar) {
        match self.calendar.write() {
            Ok(mut g) => *g = Arc::new(c),
            Err(p) => *p.into_inner() = Arc::new(c),
        }
    }

    pub(crate) fn restore_calendar(&self, c: Arc<Calendar>) {
        match self.calendar.write() {
            Ok(mut g) => *g = c,
            Err(p) => *p.into_inner() = c,
        }
    }

    pub(crate) fn is_stored(&self, hash: &str) -> bool {
        match self.stored.lock() {
            Ok(g) => g.contains(hash),
            Err(p) => p.into_inner().contains(hash),
        }
    }

    pub(crate) fn mark_stored(&self, hash: &str) {
        let mut g = match self.stored.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.insert(hash.to_owned());
    }

    pub(crate) fn cached(&self, hash: &str) -> Option<Arc<Plan>> {
        match self.plans.lock() {
            Ok(g) => g.get(hash).cloned(),
            Err(p) => p.into_inner().get(hash).cloned(),
        }
    }

    pub(crate) fn remember(&self, hash: &str, plan: Arc<Plan>) {
        let mut g = match self.plans.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.insert(hash.to_owned(), plan);
    }

    /// The plan a case runs, from the cache or rebuilt from its stored files.
    pub(crate) async fn plan_in(&self, tx: &mut Tx, hash: &str) -> Result<Arc<Plan>> {
        if let Some(p) = self.cached(hash) {
            return Ok(p);
        }
        let (plan_id, files): (String, String) = tx
            .fetch_one(
                "SELECT plan_id, files FROM plan_sources WHERE hash = $1",
                &[Val::from(hash)],
            )
            .await?;
        let files: Vec<(String, String)> = serde_json::from_str(&files)
            .map_err(|e| CoreError::internal(format!("plan_sources {hash}: {e}")))?;
        let plan = plan_from_files(&plan_id, &files).map_err(|e| {
            CoreError::internal(format!("the stored definition of {plan_id} ({hash}): {e}"))
        })?;
        let plan = Arc::new(plan);
        self.remember(hash, plan.clone());
        Ok(plan)
    }
}

/// Maps an engine refusal to the platform's error, keeping the engine's words.
pub(crate) fn engine_error(e: govops_workflow::engine::EngineError) -> CoreError {
    use govops_workflow::engine::EngineError as E;
    let message = e.to_string();
    match e {
        E::InvalidForm(errors) => CoreError::invalid_fields(
            "case.form.invalid",
            errors
                .into_iter()
                .map(|f| crate::error::FieldError {
                    field: f.field,
                    message: f.message,
                })
                .collect(),
        ),
        E::NotAllowed { .. } => CoreError::conflict("case.not_allowed", message),
        E::AlreadyDecided { .. } => CoreError::conflict("case.task.already_decided", message),
        E::TaskNotOpen { .. } => CoreError::conflict("case.task.not_open", message),
        E::WrongDepartment { .. } | E::WrongRole { .. } => CoreError::forbidden(message),
        E::PlanMismatch { .. } | E::CalendarRange | E::MissingRuleOutcome(_) => {
            CoreError::internal(message)
        }
        E::UnknownStep { .. } => CoreError::not_found("case.task.not_found", message),
        E::ActionNotAllowed { .. } => CoreError::invalid("case.action.not_allowed", message),
        E::InvalidReturn(_) => CoreError::invalid("case.return.invalid", message),
        E::MissingReason => CoreError::invalid("case.reason.missing", message).with_field("reason"),
        E::InvalidTransfer(_) => CoreError::invalid("case.transfer.invalid", message),
    }
}
