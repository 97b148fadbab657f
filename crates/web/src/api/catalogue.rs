//! The catalogue API: browse and search services, read a service guide, and reload the
//! catalogue from the services folder.

use crate::AppState;
use crate::error::{ApiError, ErrorBody, ErrorDetail};
use crate::viewer::ApiCaller;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use govops_core::access::{Action, Resource};
use govops_core::catalogue::{
    Browse, CatalogueQuery, DefinitionProblem, ReloadOutcome, ReloadReport, ServiceGuide,
};
use serde::Serialize;
use utoipa::ToSchema;

/// The catalogue, filtered and searched (public).
#[utoipa::path(get, path = "/api/v1/services", params(CatalogueQuery),
    responses((status = 200, body = Browse), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    q: Result<Query<CatalogueQuery>, QueryRejection>,
) -> Result<Json<Browse>, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::CatalogueRead,
        Resource::Platform,
    )?;
    let Query(q) = q.map_err(super::bad_query)?;
    Ok(Json(p.browse_catalogue(&q).await?))
}

/// The guide (办事指南) of one service or bundle (public).
#[utoipa::path(get, path = "/api/v1/services/{id}",
    params(("id" = String, Path, description = "service or bundle id, e.g. start-business")),
    responses((status = 200, body = ServiceGuide), (status = 404, body = ErrorBody)))]
pub async fn guide(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ServiceGuide>, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::CatalogueRead,
        Resource::Platform,
    )?;
    Ok(Json(p.service_guide(&id).await?))
}

/// A reload the folder's definitions refused: the error, and every problem found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReloadRefused {
    /// The error, code `catalogue.invalid`.
    pub error: ErrorDetail,
    /// Every problem, each naming file, line, column and field.
    pub problems: Vec<DefinitionProblem>,
}

/// Reloads the catalogue from the services folder (operations office, system
/// administrators). On any problem the running catalogue stays and every problem is
/// returned.
#[utoipa::path(post, path = "/api/v1/admin/reload",
    responses(
        (status = 200, body = ReloadReport, description = "the new catalogue is live"),
        (status = 422, body = ReloadRefused, description = "refused; the running catalogue stays"),
        (status = 403, body = ErrorBody)))]
pub async fn reload(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Response, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::CatalogueReload,
        Resource::Platform,
    )?;
    let actor = caller
        .principal()
        .map(|who| who.actor())
        .unwrap_or_else(|| "anonymous".into());
    Ok(match p.reload_catalogue(&actor).await? {
        ReloadOutcome::Reloaded(report) => (StatusCode::OK, Json(report)).into_response(),
        ReloadOutcome::Refused(problems) => {
            let n = problems.len();
            let body = ReloadRefused {
                error: ErrorDetail {
                    code: "catalogue.invalid".into(),
                    message: format!(
                        "The services folder has {n} problem(s); nothing was changed and the \
                         running catalogue stays. Fix each file named below and reload again."
                    ),
                    field: None,
                    fields: Vec::new(),
                },
                problems,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
    })
}

/// What loading a calendar changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarLoaded {
    /// Cases whose running tasks got new deadlines.
    pub cases_changed: usize,
}

/// Loads the working-day calendar (JSON: per year its holidays and adjusted working days,
/// as in `vectors/calendar/cn-holidays.json`) and recomputes the deadlines of running
/// tasks; provisional deadlines in a newly official year become official. Operations
/// office and system administrators.
#[utoipa::path(post, path = "/api/v1/admin/calendar",
    request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = CalendarLoaded), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn load_calendar(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: String,
) -> Result<Json<CalendarLoaded>, ApiError> {
    let p = &state.platform;
    p.access().check(
        caller.principal(),
        Action::CatalogueReload,
        Resource::Platform,
    )?;
    let actor = caller.principal().map(|w| w.actor()).unwrap_or_default();
    let cases_changed = p.load_calendar(&actor, &body).await?;
    Ok(Json(CalendarLoaded { cases_changed }))
}
