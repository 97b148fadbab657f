//! The JSON API under `/api/v1`, and its OpenAPI description.

pub mod cases;
pub mod catalogue;
pub mod health;
pub mod identity;
pub mod journal;

use axum::Json;
use utoipa::OpenApi;

/// The OpenAPI document. A test fails if a registered `/api/` route is missing here.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "govops API",
        description = "The JSON API of govops, the digital-government operations platform."
    ),
    paths(
        health::healthz,
        health::readyz,
        identity::create_session,
        identity::delete_session,
        identity::me,
        identity::departments,
        journal::checkpoint,
        journal::entry,
        journal::inclusion,
        journal::consistency,
        catalogue::list,
        catalogue::guide,
        catalogue::reload,
        cases::form,
        cases::save_draft,
        cases::upload,
        cases::download,
        cases::submit,
        cases::list,
        cases::detail,
        cases::resubmit,
        cases::withdraw,
        cases::act,
        cases::reveal,
        cases::tasks,
        cases::bulk_approve,
        cases::notices,
        cases::notices_read,
        openapi_json,
    ),
    components(schemas(
        crate::error::ErrorBody,
        crate::error::ErrorDetail,
        govops_core::FieldError,
        govops_core::identity::Principal,
        govops_core::identity::RoleGrant,
        govops_core::identity::directory::Department,
        govops_core::journal::Entry,
        govops_core::journal::SignedCheckpoint,
        identity::LoginRequest,
        identity::SessionCreated,
        journal::Proof,
        catalogue::ReloadRefused,
        govops_core::catalogue::Browse,
        govops_core::catalogue::ServiceGuide,
        govops_core::catalogue::ReloadReport,
        govops_core::catalogue::DefinitionProblem,
        govops_core::cases::ApplyForm,
        govops_core::cases::SubmitInput,
        govops_core::cases::Submitted,
        govops_core::cases::CaseSummary,
        govops_core::cases::CaseDetail,
        govops_core::cases::TaskItem,
        govops_core::cases::Notice,
        govops_core::cases::StoredUpload,
        govops_core::cases::TaskAction,
        cases::CaseStatusBody,
        cases::ActRequest,
        cases::RevealRequest,
        cases::Revealed,
        cases::BulkRequest,
        cases::BulkItem,
        cases::BulkResult,
    ))
)]
pub struct ApiDoc;

/// The error for query parameters that do not parse, shared by every endpoint.
pub fn bad_query(r: axum::extract::rejection::QueryRejection) -> crate::error::ApiError {
    crate::error::ApiError(govops_core::CoreError::invalid(
        "request.query",
        format!("The query parameters are not right: {}", r.body_text()),
    ))
}

/// The OpenAPI description of this API.
#[utoipa::path(get, path = "/api/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
