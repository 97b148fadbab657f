//! What pages and the API show of cases: the application form, an applicant's cases, a
//! case's detail and timeline, an official's tasks, notices.

use crate::catalogue::{Bilingual, DepartmentRef, ServiceGuide};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Who an application is made for: the person signed in, or an enterprise they act for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApplicantChoice {
    /// `person`, or the enterprise id.
    pub value: String,
    /// The name shown.
    pub name: String,
    /// Whether this is the one the form is for.
    pub selected: bool,
}

/// One field of the application form with its current value.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplyField {
    /// The field id (the form's key).
    pub id: String,
    /// The label.
    pub label: Bilingual,
    /// The type name, e.g. `resident_id`.
    pub kind: String,
    /// Whether a value must be given.
    pub required: bool,
    /// The choices of a choice field.
    pub choices: Vec<String>,
    /// The value to show: what the person typed, the draft, or the pre-filled value.
    pub value: String,
    /// True when the value came from what the platform already knows.
    pub prefilled: bool,
    /// Set when the case was returned and this field must be corrected.
    pub to_correct: bool,
}

/// One material of the application form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplyMaterial {
    /// The material id.
    pub id: String,
    /// Its name.
    pub name: Bilingual,
    /// Whether the application cannot be submitted without it.
    pub required: bool,
    /// `upload`, `shared` (免提交) or `licence` (互认).
    pub source: String,
    /// Accepted file extensions for uploads.
    pub formats: Vec<String>,
    /// The file uploaded for it, if any.
    pub upload: Option<StoredUploadView>,
}

/// A stored file as the form shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredUploadView {
    /// `sha256:<hex>`.
    pub hash: String,
    /// The name it was uploaded with.
    pub file_name: String,
    /// Its size in bytes.
    pub size: i64,
}

/// The application form of a service or bundle, filled as far as the platform can.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplyForm {
    /// The service guide (names, limits, materials, steps).
    pub guide: ServiceGuide,
    /// The fields, each asked once.
    pub fields: Vec<ApplyField>,
    /// The materials.
    pub materials: Vec<ApplyMaterial>,
    /// Who the application is for.
    pub applicants: Vec<ApplicantChoice>,
    /// When the draft was last saved, if there is one.
    pub draft_saved: Option<String>,
}

/// What an applicant sends to submit (or save as a draft).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubmitInput {
    /// The service or bundle id.
    pub service: String,
    /// Field id → value. Numbers may be given as numbers or as text.
    #[schema(value_type = Object)]
    pub form: BTreeMap<String, Value>,
    /// Material id → `sha256:<hex>` of a file uploaded by the same account.
    #[serde(default)]
    pub materials: BTreeMap<String, String>,
    /// `person` (default) or the id of an enterprise the caller acts for.
    #[serde(default)]
    pub applicant: Option<String>,
    /// A key the client makes once per application; submitting again with the same key
    /// returns the case already created instead of a second one.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The answer to a submission.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    /// The case id.
    pub id: String,
    /// The case number, e.g. `SFS-2026-000123`.
    pub number: String,
    /// The case's status after submission.
    pub status: String,
    /// True when this key had already created the case and nothing new was made.
    pub repeated: bool,
}

/// One case in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    /// The case id.
    pub id: String,
    /// The case number.
    pub number: String,
    /// The service or bundle id.
    pub service: String,
    /// Its name.
    pub name: Bilingual,
    /// The status, e.g. `in_progress`.
    pub status: String,
    /// Submitted at (RFC 3339).
    pub submitted: String,
    /// Last change (RFC 3339).
    pub updated: String,
    /// The promised completion date.
    pub deadline: Option<String>,
}

/// A task of a case as the case page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    /// The plan step id.
    pub step: String,
    /// The step's name, e.g. 受理 / Acceptance (the id when the definition names none).
    pub step_name: Bilingual,
    /// The department acting.
    pub department: DepartmentRef,
    /// The role acting.
    pub role: String,
    /// `open`, `approved`, ...
    pub status: String,
    /// The last working day to act on time.
    pub deadline: String,
    /// True when the deadline lies in a year without an official calendar yet.
    pub provisional: bool,
    /// Who decided, once decided.
    pub decided_by: Option<String>,
    /// The actions the step allows.
    pub actions: Vec<String>,
    /// Whether the viewer may act on it now.
    pub mine: bool,
}

/// One line of a case's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When (RFC 3339).
    pub at: String,
    /// The event type, e.g. `task_approved`.
    pub kind: String,
    /// The step concerned, if any.
    pub step: Option<String>,
    /// The name of the step concerned, if any.
    pub step_name: Option<Bilingual>,
    /// The department concerned, if any, with its names (for a transfer, the one the
    /// task went to).
    pub department: Option<DepartmentRef>,
    /// For a transfer, the department the task left.
    pub transferred_from: Option<DepartmentRef>,
    /// Free text: a reason, a note, a status.
    pub detail: Option<String>,
    /// The journal index of the entry that recorded it.
    pub journal_index: i64,
}

/// A case in full, for its applicant or for the officials working on it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    /// The summary.
    pub summary: CaseSummary,
    /// The plan version the case runs.
    pub version: u32,
    /// The applicant's name.
    pub applicant: String,
    /// The form, field id → value; sensitive values masked for officials.
    pub form: Vec<(String, Bilingual, String, bool)>,
    /// Material id → uploaded file.
    pub materials: Vec<(String, StoredUploadView)>,
    /// The tasks.
    pub tasks: Vec<TaskView>,
    /// The result of each part (service) of the case.
    pub parts: Vec<(String, String)>,
    /// Fields to correct and the note, while returned.
    pub returned: Option<(Vec<String>, String)>,
    /// Automated checks: (rule, algorithm, passed).
    pub checks: Vec<(String, String, bool)>,
    /// The history, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Materials satisfied by a held e-licence (证照互认), verified at submission:
    /// (material key, the licence's GB/T 36904 identifier).
    pub recognised: Vec<(String, String)>,
    /// Licences the case issued: (licence id, GB/T 36904 identifier, licence type).
    pub licences: Vec<(String, String, String)>,
    /// The case's version, for the next action.
    pub case_version: i64,
    /// Whether the viewer is the applicant.
    pub is_applicant: bool,
}

/// How urgent a task is, by working days left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// More than the reminder threshold left.
    Green,
    /// Within the reminder threshold.
    Yellow,
    /// Due today or overdue.
    Red,
}

/// One task in an official's workbench.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskItem {
    /// The case id.
    pub case_id: String,
    /// The case number.
    pub number: String,
    /// The service or bundle.
    pub service: String,
    /// Its name.
    pub name: Bilingual,
    /// The step's id.
    pub step: String,
    /// The step's name, e.g. 受理 / Acceptance (the id when the definition names none).
    pub step_name: Bilingual,
    /// The department.
    pub department: String,
    /// The role that acts.
    pub role: String,
    /// The applicant's name.
    pub applicant: String,
    /// The deadline (YYYY-MM-DD).
    pub deadline: String,
    /// Whether the deadline is provisional.
    pub provisional: bool,
    /// Working days left; negative when overdue.
    pub days_left: i64,
    /// The colour.
    pub urgency: Urgency,
    /// True when every automated check passed, so the task may be bulk-approved.
    pub checks_passed: bool,
}

/// An in-app notice (站内消息).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    /// The notice id.
    pub id: String,
    /// The case, if any.
    pub case_id: Option<String>,
    /// The kind, e.g. `case.returned`.
    pub kind: String,
    /// Parameters the text is made from.
    #[schema(value_type = Object)]
    pub params: Value,
    /// When (RFC 3339).
    pub at: String,
    /// Whether it has been read.
    pub read: bool,
}
