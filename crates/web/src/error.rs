//! The one error type at each edge: [`ApiError`] for JSON, [`PageError`] for HTML.
//! Both carry a [`CoreError`]; neither leaks internal detail (core already replaced it).

use crate::i18n::Lang;
use crate::pages::render_error_page;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use govops_core::{CoreError, ErrorKind};
use serde::Serialize;

/// The HTTP status for a kind of failure.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The JSON body of every API error: a stable code, a message and the field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The parts of an API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code, such as `auth.credentials`.
    pub code: String,
    /// What was wrong and what to do.
    pub message: String,
    /// The field to blame, if one is.
    pub field: Option<String>,
    /// Every field that was wrong, when several were.
    pub fields: Vec<govops_core::FieldError>,
}

/// The error for a request body that could not be read: over the size limit, or not
/// in the expected form.
pub fn unreadable_body(status: StatusCode, code: &'static str, detail: &str) -> CoreError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        CoreError::too_large(
            "The request is larger than this server accepts. Send less data, or a smaller file.",
        )
    } else {
        CoreError::invalid(
            code,
            format!("The request could not be read ({detail}). Check it and send it again."),
        )
    }
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub CoreError);

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let body = ErrorBody {
            error: ErrorDetail {
                code: e.code.to_string(),
                message: e.message,
                field: e.field,
                fields: e.fields,
            },
        };
        (status_of(e.kind), Json(body)).into_response()
    }
}

/// An error answered as an HTML page in the viewer's language.
#[derive(Debug)]
pub struct PageError {
    /// What went wrong.
    pub error: CoreError,
    /// The language to answer in.
    pub lang: Lang,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.error.kind == ErrorKind::Unauthenticated {
            let to = format!("/login?notice={}", self.error.code);
            return Redirect::to(&to).into_response();
        }
        render_error_page(status_of(self.error.kind), &self.error, self.lang)
    }
}
