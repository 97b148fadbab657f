//! The cases API: apply (form, drafts, uploads, submit), follow, correct and withdraw one's
//! cases; officials' tasks, actions, bulk approval and revealing masked values; notices.

use super::identity::bad_json;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::viewer::ApiCaller;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use govops_core::CoreError;
use govops_core::access::{Action, Resource};
use govops_core::cases::{
    ApplyForm, CaseDetail, CaseSummary, Notice, StoredUpload, SubmitInput, Submitted, TaskAction,
    TaskItem,
};
use govops_core::identity::Principal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The caller, allowed to do `action`, checked before the body is read.
fn may<'c>(
    state: &AppState,
    caller: &'c ApiCaller,
    action: Action,
) -> Result<&'c Principal, ApiError> {
    let p = who(caller)?;
    state
        .platform
        .access()
        .check(Some(p), action, Resource::Platform)?;
    Ok(p)
}

fn who(caller: &ApiCaller) -> Result<&Principal, ApiError> {
    caller.principal().ok_or_else(|| {
        ApiError(CoreError::unauthenticated(
            "Sign in first: POST /api/v1/sessions, then send Authorization: Bearer <token>.",
        ))
    })
}

/// The application form of a service or bundle, pre-filled from what the platform knows
/// and from the caller's draft.
#[utoipa::path(get, path = "/api/v1/services/{id}/form",
    params(("id" = String, Path, description = "service or bundle id"), ApplicantQuery),
    responses((status = 200, body = ApplyForm), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn form(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    q: Result<Query<ApplicantQuery>, QueryRejection>,
) -> Result<Json<ApplyForm>, ApiError> {
    let who = may(&state, &caller, Action::CaseApply)?;
    let Query(q) = q.map_err(super::bad_query)?;
    Ok(Json(
        state
            .platform
            .application_form_for(who, &id, q.applicant.as_deref())
            .await?,
    ))
}

/// Whom a form is filled for.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ApplicantQuery {
    /// `person`, or the id of an enterprise the caller acts for; by default the caller,
    /// or their first enterprise for a service only enterprises apply for.
    pub applicant: Option<String>,
}

/// Saves a draft (nothing is validated or sent to a department).
#[utoipa::path(put, path = "/api/v1/drafts", request_body = SubmitInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn save_draft(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<SubmitInput>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let who = may(&state, &caller, Action::CaseApply)?;
    let Json(input) = body.map_err(bad_json)?;
    state.platform.save_draft(who, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where an upload came from.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The file's name; its extension must match its contents (pdf, jpg, png, docx, xlsx).
    pub file_name: String,
}

/// Uploads a material file (the request body is the file, at most 10 MiB). Stored by its
/// SHA-256; refused before anything is stored when too large or not of an accepted type.
#[utoipa::path(post, path = "/api/v1/uploads", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = StoredUpload), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: ApiCaller,
    q: Result<Query<UploadQuery>, QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<StoredUpload>), ApiError> {
    let who = may(&state, &caller, Action::CaseApply)?;
    let Query(q) = q.map_err(super::bad_query)?;
    let up = state
        .platform
        .upload_file(who, &q.file_name, body.to_vec(), &[])
        .await?;
    Ok((StatusCode::CREATED, Json(up)))
}

/// Downloads an uploaded file: the uploader's own, or one of a case the caller's
/// department works on.
#[utoipa::path(get, path = "/api/v1/uploads/{hash}",
    params(("hash" = String, Path, description = "sha256:<hex>")),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let (name, media, bytes) = state.platform.download_upload(who(&caller)?, &hash).await?;
    Ok(file_response(&name, &media, bytes))
}

/// A file download with a safe Content-Disposition.
pub fn file_response(name: &str, media: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Submits an application. Every form error is listed at once (`fields`); with an
/// `idempotency_key`, repeating the request returns the same case (`repeated: true`).
#[utoipa::path(post, path = "/api/v1/cases", request_body = SubmitInput,
    responses((status = 201, body = Submitted), (status = 200, body = Submitted, description = "repeated key: the case already made"),
        (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<SubmitInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let who = may(&state, &caller, Action::CaseApply)?;
    let Json(input) = body.map_err(bad_json)?;
    let done = state.platform.submit_case(who, &input).await?;
    let status = if done.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(done)))
}

/// The caller's cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases",
    responses((status = 200, body = Vec<CaseSummary>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<CaseSummary>>, ApiError> {
    let who = may(&state, &caller, Action::CaseApply)?;
    Ok(Json(state.platform.my_cases(who).await?))
}

/// A case with its tasks and timeline (sensitive values masked for officials).
#[utoipa::path(get, path = "/api/v1/cases/{id}",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    Ok(Json(state.platform.case_detail(who(&caller)?, &id).await?))
}

/// A case's status after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseStatusBody {
    /// The case's status, e.g. `in_progress`.
    pub status: String,
}

/// Resubmits a case returned for correction.
#[utoipa::path(post, path = "/api/v1/cases/{id}/resubmit", request_body = SubmitInput,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseStatusBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resubmit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<SubmitInput>, JsonRejection>,
) -> Result<Json<CaseStatusBody>, ApiError> {
    let who = may(&state, &caller, Action::CaseApply)?;
    let Json(input) = body.map_err(bad_json)?;
    let status = state.platform.resubmit_case(who, &id, &input).await?;
    Ok(Json(CaseStatusBody { status }))
}

/// Withdraws a case (撤回).
#[utoipa::path(post, path = "/api/v1/cases/{id}/withdraw",
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseStatusBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CaseStatusBody>, ApiError> {
    let who = may(&state, &caller, Action::CaseApply)?;
    let status = state.platform.withdraw_case(who, &id).await?;
    Ok(Json(CaseStatusBody { status }))
}

/// An official's action on one task of a case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActRequest {
    /// The step id, e.g. `accept` or, in a bundle, `seal-engraving/record`.
    pub step: String,
    /// The action and its details.
    #[serde(flatten)]
    pub action: TaskAction,
}

/// Acts on a task: approve, reject (reason), return for correction (fields, note) or
/// transfer (to_department).
#[utoipa::path(post, path = "/api/v1/cases/{id}/act", request_body = ActRequest,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseStatusBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ActRequest>, JsonRejection>,
) -> Result<Json<CaseStatusBody>, ApiError> {
    let who = may(&state, &caller, Action::WorkbenchView)?;
    let Json(req) = body.map_err(bad_json)?;
    let status = state
        .platform
        .act_on_task(who, &id, &req.step, req.action)
        .await?;
    Ok(Json(CaseStatusBody { status }))
}

/// Why a masked value is needed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealRequest {
    /// The form field.
    pub field: String,
    /// The reason, recorded in the journal.
    pub reason: String,
}

/// A revealed value.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revealed {
    /// The unmasked value.
    pub value: String,
}

/// Reveals a masked value of a case the caller's department works on; journaled with the
/// reason.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reveal", request_body = RevealRequest,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Revealed), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reveal(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<RevealRequest>, JsonRejection>,
) -> Result<Json<Revealed>, ApiError> {
    let who = may(&state, &caller, Action::WorkbenchView)?;
    let Json(req) = body.map_err(bad_json)?;
    let value = state
        .platform
        .reveal_field(who, &id, &req.field, &req.reason)
        .await?;
    Ok(Json(Revealed { value }))
}

/// The open tasks of the caller's departments and roles, by deadline.
#[utoipa::path(get, path = "/api/v1/tasks",
    responses((status = 200, body = Vec<TaskItem>), (status = 403, body = ErrorBody)))]
pub async fn tasks(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<TaskItem>>, ApiError> {
    let who = may(&state, &caller, Action::WorkbenchView)?;
    Ok(Json(state.platform.my_tasks(who).await?))
}

/// Tasks to approve together.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkRequest {
    /// (case id, step) pairs; only tasks whose automated checks all passed are approved.
    pub items: Vec<BulkItem>,
}

/// One task.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct BulkItem {
    /// The case id.
    pub case_id: String,
    /// The step.
    pub step: String,
}

/// What happened to one task of a bulk approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    /// The case id.
    pub case_id: String,
    /// The step.
    pub step: String,
    /// True when approved.
    pub approved: bool,
    /// The case's status, or why the task was not approved.
    pub detail: String,
}

/// Approves several tasks whose automated checks all passed; each result is reported.
#[utoipa::path(post, path = "/api/v1/tasks/bulk-approve", request_body = BulkRequest,
    responses((status = 200, body = Vec<BulkResult>), (status = 403, body = ErrorBody)))]
pub async fn bulk_approve(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<BulkRequest>, JsonRejection>,
) -> Result<Json<Vec<BulkResult>>, ApiError> {
    let who = may(&state, &caller, Action::WorkbenchView)?;
    let Json(req) = body.map_err(bad_json)?;
    let items: Vec<(String, String)> = req.items.into_iter().map(|i| (i.case_id, i.step)).collect();
    let out = state.platform.bulk_approve(who, &items).await?;
    Ok(Json(
        out.into_iter()
            .map(|(case_id, step, r)| BulkResult {
                case_id,
                step,
                approved: r.is_ok(),
                detail: r.unwrap_or_else(|e| e),
            })
            .collect(),
    ))
}

/// The caller's notices, newest first.
#[utoipa::path(get, path = "/api/v1/notices",
    responses((status = 200, body = Vec<Notice>), (status = 401, body = ErrorBody)))]
pub async fn notices(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Notice>>, ApiError> {
    let who = may(&state, &caller, Action::HomeView)?;
    Ok(Json(state.platform.my_notices(who, 100).await?))
}

/// Marks every notice read.
#[utoipa::path(post, path = "/api/v1/notices/read",
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn notices_read(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<StatusCode, ApiError> {
    let who = may(&state, &caller, Action::HomeView)?;
    state.platform.mark_notices_read(who).await?;
    Ok(StatusCode::NO_CONTENT)
}
