//! The validated, in-memory form of service definitions. Every value here has passed
//! validation, so the engine and the platform can rely on it without checking again.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A name in both languages the platform shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    /// The Chinese name, shown by default.
    pub zh: String,
    /// The English name.
    pub en: String,
}

impl Names {
    /// The same text in both languages: what a definition without a name falls back to.
    pub fn same(text: &str) -> Self {
        Self {
            zh: text.to_owned(),
            en: text.to_owned(),
        }
    }
}

/// Who may apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantType {
    /// A natural person (自然人).
    Person,
    /// An enterprise or other organisation (法人), acting through a person.
    Enterprise,
    /// Either.
    Both,
}

/// The fee charged, in fen (分) so that no float is involved; zero for free services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// The amount in fen.
    pub amount_fen: u64,
    /// The legal basis for charging, if any.
    pub basis: Option<String>,
}

/// How a required material is satisfied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum MaterialSource {
    /// The applicant uploads a file.
    Upload {
        /// Accepted file extensions, e.g. `pdf`; empty means any.
        formats: Vec<String>,
    },
    /// The platform reads it from a department's shared dataset (免提交).
    Shared {
        /// The dataset holding the value.
        dataset: String,
        /// The column holding the value.
        column: String,
    },
    /// A licence the applicant holds is accepted instead (mutual recognition, 证照互认).
    Licence {
        /// The licence type accepted.
        licence_type: String,
    },
}

/// One material (申请材料) the service needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    /// Unique within the service.
    pub id: String,
    /// The material's name.
    pub name: Names,
    /// Whether the case cannot be submitted without it.
    pub required: bool,
    /// Where it comes from.
    pub source: MaterialSource,
}

/// The types a form field can have. Each carries its own validation of the value's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text; `min`/`max` bound its length in characters.
    Text,
    /// A JSON number; `min`/`max` bound its value.
    Number,
    /// An ISO date, `YYYY-MM-DD`.
    Date,
    /// One of `choices`.
    Choice,
    /// A resident identity card number (GB 11643-1999, with check digit).
    ResidentId,
    /// A unified social credit code (GB 32100-2015, with check character).
    CreditCode,
    /// A mainland mobile or landline number.
    Phone,
    /// A postal address, as text.
    Address,
    /// The id of an uploaded file.
    File,
}

impl FieldType {
    /// Every type name as written in definition files.
    pub const NAMES: [&'static str; 9] = [
        "text",
        "number",
        "date",
        "choice",
        "resident_id",
        "credit_code",
        "phone",
        "address",
        "file",
    ];

    /// Parses a type name as written in definition files.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "text" => Self::Text,
            "number" => Self::Number,
            "date" => Self::Date,
            "choice" => Self::Choice,
            "resident_id" => Self::ResidentId,
            "credit_code" => Self::CreditCode,
            "phone" => Self::Phone,
            "address" => Self::Address,
            "file" => Self::File,
            _ => return None,
        })
    }

    /// The type name as written in definition files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Choice => "choice",
            Self::ResidentId => "resident_id",
            Self::CreditCode => "credit_code",
            Self::Phone => "phone",
            Self::Address => "address",
            Self::File => "file",
        }
    }
}

/// One form field and its validation.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Unique within the form; the key of the value in the submitted form.
    pub id: String,
    /// The label shown beside the input.
    pub label: Names,
    /// The value's type.
    pub kind: FieldType,
    /// Whether a value must be given.
    pub required: bool,
    /// Lower bound: length for text-like fields, value for numbers.
    pub min: Option<f64>,
    /// Upper bound: length for text-like fields, value for numbers.
    pub max: Option<f64>,
    /// A regular expression the whole text must match.
    pub pattern: Option<regex::Regex>,
    /// The allowed values of a choice field.
    pub choices: Vec<String>,
    /// A shared-data column that pre-fills the field, as `dataset.column`.
    pub prefill: Option<String>,
}

/// An action an official can take on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Approve (同意); the task is done.
    Approve,
    /// Reject with a reason (不予许可); the part ends rejected.
    Reject,
    /// Return for correction (补正), naming the fields to fix.
    Return,
    /// Transfer to another department (转办).
    Transfer,
}

impl Action {
    /// Parses an action name as written in definition files.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "approve" => Self::Approve,
            "reject" => Self::Reject,
            "return" => Self::Return,
            "transfer" => Self::Transfer,
            _ => return None,
        })
    }
}

/// One department task in the step graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDef {
    /// Unique within the service.
    pub id: String,
    /// The step's name as people read it, e.g. 受理 / Acceptance; the id in both languages
    /// when the definition gives none.
    pub name: Names,
    /// The department code that acts, e.g. `amr`.
    pub department: String,
    /// The role within the department that acts, e.g. `reviewer`.
    pub role: String,
    /// The actions allowed; always contains [`Action::Approve`].
    pub actions: Vec<Action>,
    /// The step's own time limit in working days.
    pub time_limit: u32,
    /// The steps that must all be approved before this one opens.
    pub after: Vec<String>,
}

/// An automated check (算法备案) over the form and looked-up data, in CEL.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Unique within the service.
    pub id: String,
    /// The registered algorithm this rule implements.
    pub algorithm: String,
    /// The CEL source, kept for display and audit.
    pub expr: String,
    /// The compiled program.
    pub program: Arc<cel::Program>,
    /// What to tell the applicant when the rule fails.
    pub message: Option<Names>,
}

/// What a completed case issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ResultSpec {
    /// An e-licence of `licence_type`, each claim filled from a form field.
    Licence {
        /// The licence type issued.
        licence_type: String,
        /// Claim name → form field id.
        mapping: BTreeMap<String, String>,
    },
    /// A decision letter (决定书).
    Letter {
        /// The letter template's name.
        template: String,
    },
}

/// A validated service definition (政务服务事项).
#[derive(Debug, Clone)]
pub struct ServiceDefinition {
    /// The stable id, e.g. `food-business-licence`.
    pub id: String,
    /// Increases with every published change; cases keep the version they started with.
    pub version: u32,
    /// The service's name.
    pub name: Names,
    /// The owning department's code.
    pub department: String,
    /// The laws and regulations the service rests on.
    pub legal_basis: Vec<String>,
    /// The catalogue category, e.g. `administrative_licensing`.
    pub category: String,
    /// Life events the service belongs to, for browsing.
    pub life_events: Vec<String>,
    /// Who may apply.
    pub applicant: ApplicantType,
    /// The promised time limit (承诺时限) in working days.
    pub promised_days: u32,
    /// The statutory time limit (法定时限) in working days.
    pub statutory_days: u32,
    /// The fee.
    pub fee: Fee,
    /// The materials needed.
    pub materials: Vec<Material>,
    /// The form.
    pub fields: Vec<FieldDef>,
    /// The step graph.
    pub steps: Vec<StepDef>,
    /// The automated checks.
    pub rules: Vec<Rule>,
    /// Whether passing every rule approves the case at once (秒批).
    pub instant: bool,
    /// What a completed case issues.
    pub result: ResultSpec,
}
