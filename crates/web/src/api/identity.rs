//! Sessions for programs, who-am-I, and the department list.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::viewer::{ApiCaller, ClientAddr};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use govops_core::CoreError;
use govops_core::access::{Action, Resource};
use govops_core::identity::Principal;
use govops_core::identity::directory::Department;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new session: send `token` as `Authorization: Bearer <token>`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// The bearer token.
    pub token: String,
    /// Who signed in.
    pub principal: Principal,
}

/// Turns a JSON body rejection into a clear API error.
pub fn bad_json(r: JsonRejection) -> ApiError {
    ApiError(crate::error::unreadable_body(
        r.status(),
        "request.json",
        &r.body_text(),
    ))
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = LoginRequest,
    responses((status = 201, body = SessionCreated), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
    let Json(req) = body.map_err(bad_json)?;
    let s = state
        .platform
        .login(&req.username, &req.password, &addr)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            token: s.token,
            principal: s.principal,
        }),
    ))
}

/// Ends the calling session.
#[utoipa::path(delete, path = "/api/v1/sessions/current",
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody)))]
pub async fn delete_session(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<StatusCode, ApiError> {
    let Some(session) = &caller.session else {
        return Err(ApiError(CoreError::unauthenticated(
            "There is no session to end.",
        )));
    };
    state.platform.logout(session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Principal), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Principal>, ApiError> {
    state
        .platform
        .access()
        .check(caller.principal(), Action::MeRead, Resource::Platform)?;
    let p = caller
        .principal()
        .cloned()
        .ok_or_else(|| CoreError::unauthenticated("Sign in first."))?;
    Ok(Json(p))
}

/// Every department.
#[utoipa::path(get, path = "/api/v1/departments", responses((status = 200, body = [Department])))]
pub async fn departments(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Department>>, ApiError> {
    state.platform.access().check(
        caller.principal(),
        Action::DirectoryDepartmentsRead,
        Resource::Platform,
    )?;
    Ok(Json(state.platform.departments().await?))
}
