//! Typed errors of the platform. Each carries a stable code, a message a person can act
//! on, and, where one field is to blame, that field's name.

use std::fmt;

/// What kind of failure this is; the web edge maps each kind to an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input was wrong; nothing was written.
    Invalid,
    /// The caller is not signed in, or the session has ended.
    Unauthenticated,
    /// The caller is signed in but may not do this.
    Forbidden,
    /// The thing asked for does not exist (or the caller may not know it does).
    NotFound,
    /// The request conflicts with the current state (for example, a duplicate).
    Conflict,
    /// Too many attempts; try again later.
    RateLimited,
    /// The request was larger than allowed; nothing was read.
    TooLarge,
    /// Something failed inside the platform; the detail is logged, not shown.
    Internal,
}

/// An error of the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// A stable, machine-readable code such as `identity.resident_id.invalid`.
    pub code: &'static str,
    /// A message for people: what was wrong and what to do.
    pub message: String,
    /// The input field to blame, when there is one.
    pub field: Option<String>,
    /// Every field that was wrong, when a form had several problems at once.
    pub fields: Vec<FieldError>,
}

/// One field's problem, for forms that show every error at once beside its field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as the form and the API use it.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl CoreError {
    fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            field: None,
            fields: Vec::new(),
        }
    }
    /// Several fields were wrong; `fields` must not be empty.
    pub fn invalid_fields(code: &'static str, fields: Vec<FieldError>) -> Self {
        let message = match fields.len() {
            1 => fields[0].message.clone(),
            n => {
                format!("There are {n} problems with what you entered; each is shown by its field.")
            }
        };
        let field = fields.first().map(|f| f.field.clone());
        Self {
            kind: ErrorKind::Invalid,
            code,
            message,
            field,
            fields,
        }
    }
    /// Bad input.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }
    /// Bad input in one field.
    pub fn invalid_field(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::Invalid, code, message).with_field(field)
    }
    /// Not signed in.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, "auth.required", message)
    }
    /// Not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "access.denied", message)
    }
    /// Not found.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }
    /// Conflicts with the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
    /// The request is over the size limit.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::TooLarge, "request.too_large", message)
    }
    /// Too many attempts.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::RateLimited, "auth.rate_limited", message)
    }
    /// An internal failure. The detail is logged here and replaced by a generic message,
    /// so no internal detail reaches the person.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            ErrorKind::Internal,
            "internal",
            "Something went wrong on our side; nothing was changed. Please try again.",
        )
    }
    /// Names the field to blame.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        self.fields.push(FieldError {
            field: field.clone(),
            message: self.message.clone(),
        });
        if self.field.is_none() {
            self.field = Some(field);
        }
        self
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({}: {})", self.message, self.code, field),
            None => write!(f, "{} ({})", self.message, self.code),
        }
    }
}

impl std::error::Error for CoreError {}

impl From<sqlx::Error> for CoreError {
    fn from(e: sqlx::Error) -> Self {
        CoreError::internal(format!("database: {e}"))
    }
}

impl From<sqlx::migrate::MigrateError> for CoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        CoreError::internal(format!("migration: {e}"))
    }
}

/// Results of the platform.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
