//! The data hub's JSON API: datasets, versions, rules, quality runs, classification,
//! repairs, rows through the masking door, grants, usage and scorecards.

use super::identity::bad_json;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::viewer::ApiCaller;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use govops_core::CoreError;
use govops_core::datahub::{
    Dataset, DatasetPage, Grant, GrantDecision, GrantRequest, NewDataset, QualityRunSummary,
    ReadBasis, ReadRequest, RepairPreview, RepairRequest, RowSelection, RowsRead, Scorecards,
    Thresholds, Upload, UploadFormat, UploadReport, Usage,
};
use govops_core::identity::Principal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn who(caller: &ApiCaller) -> Result<&Principal, ApiError> {
    caller.principal().ok_or_else(|| {
        ApiError(CoreError::unauthenticated(
            "Sign in or send a bearer token.",
        ))
    })
}

/// The data catalogue: every dataset (staff).
#[utoipa::path(get, path = "/api/v1/datasets",
    responses((status = 200, body = Vec<Dataset>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Dataset>>, ApiError> {
    Ok(Json(state.platform.datasets(who(&caller)?).await?))
}

/// Creates a dataset (the owning department's data steward).
#[utoipa::path(post, path = "/api/v1/datasets", request_body = NewDataset,
    responses((status = 201, body = Dataset), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<NewDataset>, JsonRejection>,
) -> Result<(StatusCode, Json<Dataset>), ApiError> {
    let who = who(&caller)?;
    let Json(new) = body.map_err(bad_json)?;
    Ok((
        StatusCode::CREATED,
        Json(state.platform.create_dataset(who, new).await?),
    ))
}

/// A dataset's page: versions, profile, classes, quality runs, rule set, grants.
#[utoipa::path(get, path = "/api/v1/datasets/{id}",
    params(("id" = String, Path, description = "dataset id")),
    responses((status = 200, body = DatasetPage), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<DatasetPage>, ApiError> {
    Ok(Json(state.platform.dataset_page(who(&caller)?, &id).await?))
}

/// How an upload is read.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// csv, xlsx or parquet.
    pub format: UploadFormat,
    /// The file's name, for the record.
    #[serde(default)]
    pub file_name: String,
    /// Refuse the whole file on a malformed row (default: skip and report such rows).
    #[serde(default)]
    pub refuse_bad_rows: bool,
}

/// Uploads a new version: the request body is the file.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/versions",
    params(("id" = String, Path, description = "dataset id"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = UploadReport), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    q: Result<Query<UploadQuery>, QueryRejection>,
    body: Bytes,
) -> Result<(StatusCode, Json<UploadReport>), ApiError> {
    let who = who(&caller)?;
    let Query(q) = q.map_err(super::bad_query)?;
    let upload = Upload {
        format: q.format,
        file_name: q.file_name,
        bytes: body.to_vec(),
        refuse_bad_rows: q.refuse_bad_rows,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.platform.upload_version(who, &id, upload).await?),
    ))
}

/// Which rows to read, and on what basis.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RowsQuery {
    /// steward, grant or open.
    pub basis: String,
    /// The grant id, for basis=grant.
    pub grant: Option<String>,
    /// Why (required under a grant and for unmasked reads).
    #[serde(default)]
    pub purpose: String,
    /// Comma-separated columns (default: all the basis allows).
    pub columns: Option<String>,
    /// Version (default: current).
    pub version: Option<i64>,
    /// Matching rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (default 100, at most 1000).
    pub limit: Option<u64>,
    /// Look up by this column …
    pub key_column: Option<String>,
    /// … equal to this value.
    pub key: Option<String>,
    /// Ask for unmasked values (needs a grant allowing it).
    #[serde(default)]
    pub unmasked: bool,
}

/// Reads rows through the masking door.
#[utoipa::path(get, path = "/api/v1/datasets/{id}/rows",
    params(("id" = String, Path, description = "dataset id"), RowsQuery),
    responses((status = 200, body = RowsRead), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rows(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    q: Result<Query<RowsQuery>, QueryRejection>,
) -> Result<Json<RowsRead>, ApiError> {
    let Query(q) = q.map_err(super::bad_query)?;
    let basis = match (q.basis.as_str(), q.grant) {
        ("steward", _) => ReadBasis::Steward,
        ("open", _) => ReadBasis::Open,
        ("grant", Some(g)) => ReadBasis::Grant(g),
        _ => {
            return Err(ApiError(CoreError::invalid_field(
                "datahub.read.basis",
                "basis",
                "Say basis=steward, basis=open, or basis=grant with grant=<id>.",
            )));
        }
    };
    let rows = match (q.key_column, q.key) {
        (Some(column), Some(value)) => RowSelection::KeyEquals { column, value },
        _ => RowSelection::Page {
            offset: q.offset,
            limit: q.limit.unwrap_or(100),
        },
    };
    let req = ReadRequest {
        dataset: id,
        version: q.version,
        basis,
        purpose: q.purpose,
        columns: q
            .columns
            .map(|c| c.split(',').map(|s| s.trim().to_string()).collect()),
        rows,
        unmasked: q.unmasked,
    };
    Ok(Json(
        state.platform.read_rows(caller.principal(), req).await?,
    ))
}

/// A rule set's text.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RulesBody {
    /// TOML, one `[[rule]]` per rule.
    pub rules: String,
}

/// The revision saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    /// Revision number.
    pub revision: i64,
}

/// Saves a new revision of the rule set (refused with line and column if it is wrong).
#[utoipa::path(put, path = "/api/v1/datasets/{id}/rules", request_body = RulesBody,
    params(("id" = String, Path, description = "dataset id")),
    responses((status = 200, body = Revision), (status = 422, body = ErrorBody)))]
pub async fn save_rules(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<RulesBody>, JsonRejection>,
) -> Result<Json<Revision>, ApiError> {
    let who = who(&caller)?;
    let Json(b) = body.map_err(bad_json)?;
    let revision = state.platform.save_ruleset(who, &id, &b.rules).await?;
    Ok(Json(Revision { revision }))
}

/// Runs the rule set on the current version.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/quality-runs",
    params(("id" = String, Path, description = "dataset id")),
    responses((status = 201, body = QualityRunSummary), (status = 422, body = ErrorBody)))]
pub async fn run_quality(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<QualityRunSummary>), ApiError> {
    let who = who(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(state.platform.run_quality(who, &id).await?),
    ))
}

/// The steward's confirmation of the classification.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ClassificationBody {
    /// (column, sensitivity, mask) for every column.
    pub columns: Vec<(String, String, String)>,
    /// general, important or core.
    pub data_level: String,
}

/// Confirms the column classes and the data level (journaled).
#[utoipa::path(post, path = "/api/v1/datasets/{id}/classification", request_body = ClassificationBody,
    params(("id" = String, Path, description = "dataset id")),
    responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn classify(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<ClassificationBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let who = who(&caller)?;
    let Json(b) = body.map_err(bad_json)?;
    state
        .platform
        .confirm_classification(who, &id, b.columns, &b.data_level)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New column types.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SchemaBody {
    /// (column, type) pairs; types: text, integer, decimal, boolean, date, timestamp.
    pub types: Vec<(String, String)>,
}

/// Edits the schema: the current version re-read with new column types, as a new version.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/schema", request_body = SchemaBody,
    params(("id" = String, Path, description = "dataset id")),
    responses((status = 201, body = UploadReport), (status = 422, body = ErrorBody)))]
pub async fn retype(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<SchemaBody>, JsonRejection>,
) -> Result<(StatusCode, Json<UploadReport>), ApiError> {
    let who = who(&caller)?;
    let Json(b) = body.map_err(bad_json)?;
    Ok((
        StatusCode::CREATED,
        Json(state.platform.retype_columns(who, &id, b.types).await?),
    ))
}

/// Previews a repair of the current version.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/repair/preview", request_body = RepairRequest,
    params(("id" = String, Path, description = "dataset id")),
    responses((status = 200, body = RepairPreview), (status = 422, body = ErrorBody)))]
pub async fn repair_preview(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<RepairRequest>, JsonRejection>,
) -> Result<Json<RepairPreview>, ApiError> {
    let who = who(&caller)?;
    let Json(b) = body.map_err(bad_json)?;
    Ok(Json(state.platform.preview_repair(who, &id, &b).await?))
}

/// Applies a repair as a new version with lineage.
#[utoipa::path(post, path = "/api/v1/datasets/{id}/repair/apply", request_body = RepairRequest,
    params(("id" = String, Path, description = "dataset id")),
    responses((status = 201, body = UploadReport), (status = 422, body = ErrorBody)))]
pub async fn repair_apply(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<RepairRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<UploadReport>), ApiError> {
    let who = who(&caller)?;
    let Json(b) = body.map_err(bad_json)?;
    Ok((
        StatusCode::CREATED,
        Json(state.platform.apply_repair(who, &id, &b).await?),
    ))
}

/// Grants the caller's departments hold, and grants waiting for the caller's decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyGrants {
    /// Held by the caller's departments.
    pub held: Vec<Grant>,
    /// Waiting for the caller's department to decide.
    pub to_decide: Vec<Grant>,
}

/// The caller's grants.
#[utoipa::path(get, path = "/api/v1/grants", responses((status = 200, body = MyGrants)))]
pub async fn my_grants(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<MyGrants>, ApiError> {
    let (held, to_decide) = state.platform.my_grants(who(&caller)?).await?;
    Ok(Json(MyGrants { held, to_decide }))
}

/// Requests a grant for the caller's department.
#[utoipa::path(post, path = "/api/v1/grants", request_body = GrantRequest,
    responses((status = 201, body = Grant), (status = 422, body = ErrorBody)))]
pub async fn request_grant(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<GrantRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Grant>), ApiError> {
    let who = who(&caller)?;
    let Json(b) = body.map_err(bad_json)?;
    Ok((
        StatusCode::CREATED,
        Json(state.platform.request_grant(who, b).await?),
    ))
}

/// The owning department approves or refuses a grant.
#[utoipa::path(post, path = "/api/v1/grants/{id}/decision", request_body = GrantDecision,
    params(("id" = String, Path, description = "grant id")),
    responses((status = 200, body = Grant), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_grant(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Result<Json<GrantDecision>, JsonRejection>,
) -> Result<Json<Grant>, ApiError> {
    let who = who(&caller)?;
    let Json(b) = body.map_err(bad_json)?;
    Ok(Json(state.platform.decide_grant(who, &id, b).await?))
}

/// Who uses what: every approved grant with its use count.
#[utoipa::path(get, path = "/api/v1/data-usage", responses((status = 200, body = Vec<Usage>)))]
pub async fn usage(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Usage>>, ApiError> {
    Ok(Json(state.platform.data_usage(who(&caller)?).await?))
}

/// The departments' quality scorecards (operations office).
#[utoipa::path(get, path = "/api/v1/scorecards", responses((status = 200, body = Scorecards)))]
pub async fn scorecards(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Scorecards>, ApiError> {
    Ok(Json(state.platform.scorecards(who(&caller)?).await?))
}

/// New thresholds.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ThresholdsBody {
    /// Red card below this score (0–100).
    pub red_below: f64,
    /// Yellow card below this score (0–100).
    pub yellow_below: f64,
}

/// Sets the red and yellow card thresholds (operations office).
#[utoipa::path(put, path = "/api/v1/scorecards/thresholds", request_body = ThresholdsBody,
    responses((status = 200, body = Thresholds), (status = 422, body = ErrorBody)))]
pub async fn set_thresholds(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<Json<ThresholdsBody>, JsonRejection>,
) -> Result<Json<Thresholds>, ApiError> {
    let who = who(&caller)?;
    state.platform.access().check(
        Some(who),
        govops_core::access::Action::ScorecardConfigure,
        govops_core::access::Resource::Platform,
    )?;
    let Json(b) = body.map_err(bad_json)?;
    Ok(Json(
        state
            .platform
            .set_scorecard_thresholds(who, b.red_below, b.yellow_below)
            .await?,
    ))
}
