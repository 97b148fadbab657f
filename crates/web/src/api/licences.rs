//! The licence API: verify a presentation (public), the wallet, status changes by the
//! issuing department; and the issuers' public documents outside `/api`: metadata at
//! `/.well-known/jwt-vc-issuer/issuers/{code}`, JWKS, and status list tokens.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::viewer::ApiCaller;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use govops_core::CoreError;
use govops_core::access::{Action, Resource};
use govops_core::identity::Principal;
use govops_core::licences::{
    LicenceStatus, LicenceSummary, StatusChange, VerificationReport, VerifyRequest,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn caller_principal(caller: &ApiCaller) -> Result<&Principal, ApiError> {
    caller.principal().ok_or_else(|| {
        ApiError(CoreError::unauthenticated(
            "Sign in, or send a bearer token.",
        ))
    })
}

/// Verifies a presentation (public). Answers 200 with `valid: false` and the reason
/// for a presentation that fails a check; 422 only for a request that cannot be judged.
#[utoipa::path(post, path = "/api/v1/licences/verify", request_body = VerifyRequest,
    responses((status = 200, body = VerificationReport), (status = 422, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Json<VerificationReport>, ApiError> {
    let Json(req) = body.map_err(super::identity::bad_json)?;
    Ok(Json(
        state
            .platform
            .verify_presentation(caller.principal(), &req)
            .await?,
    ))
}

/// The caller's licences and those of the enterprises they act for (我的证照).
#[utoipa::path(get, path = "/api/v1/wallet",
    responses((status = 200, body = Vec<LicenceSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn wallet(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<LicenceSummary>>, ApiError> {
    let who = caller_principal(&caller)?;
    Ok(Json(state.platform.wallet(who).await?))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusChangeRequest {
    /// `revoke` (吊销, final), `suspend` (暂扣) or `reinstate`.
    pub action: StatusChange,
    /// Why; journaled. Required, at most 500 characters.
    pub reason: String,
}

/// The status after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChanged {
    /// The licence's status now.
    #[schema(value_type = String)]
    pub status: LicenceStatus,
}

/// Revokes, suspends or reinstates a licence (officials and heads of the issuing
/// department). The status list shows the change as soon as this answers.
#[utoipa::path(post, path = "/api/v1/licences/{id}/status",
    params(("id" = String, Path, description = "licence id")),
    request_body = StatusChangeRequest,
    responses((status = 200, body = StatusChanged), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<StatusChangeRequest>, JsonRejection>,
) -> Result<Json<StatusChanged>, ApiError> {
    let who = caller_principal(&caller)?;
    state
        .platform
        .access()
        .check(Some(who), Action::LicenceManage, Resource::Platform)?;
    let Json(req) = body.map_err(super::identity::bad_json)?;
    let status = state
        .platform
        .change_licence_status(who, &id, req.action, &req.reason)
        .await?;
    Ok(Json(StatusChanged { status }))
}

fn public_read(state: &AppState, caller: &ApiCaller) -> Result<(), ApiError> {
    Ok(state.platform.access().check(
        caller.principal(),
        Action::LicenceIssuerRead,
        Resource::Platform,
    )?)
}

/// `GET /.well-known/jwt-vc-issuer/issuers/{code}`: JWT VC issuer metadata, keys inline.
pub async fn issuer_metadata(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    public_read(&state, &caller)?;
    let m = state.platform.issuer_metadata(&code).await?;
    Ok(Json(serde_json::json!({ "issuer": m.issuer, "jwks": m.jwks })).into_response())
}

/// `GET /issuers/{code}/jwks.json`: the department's keys, retired ones included.
pub async fn jwks(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    public_read(&state, &caller)?;
    let keys = state.platform.issuer_jwks(&code).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/jwk-set+json")],
        keys.to_string(),
    )
        .into_response())
}

/// `GET /issuers/{code}/status/{list}`: the status list token, signed afresh after
/// every change (`application/statuslist+jwt`).
pub async fn status_list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((code, list)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    public_read(&state, &caller)?;
    let list: i64 = list.parse().map_err(|_| {
        ApiError(CoreError::not_found(
            "licence.status_list.unknown",
            format!("`{list}` is not a status list number."),
        ))
    })?;
    let token = state.platform.status_list_token(&code, list).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/statuslist+jwt"),
            (header::CACHE_CONTROL, "max-age=60"),
        ],
        token,
    )
        .into_response())
}
