//! Open data for machines: a subset of the CKAN Action API (`package_search`,
//! `package_show`, `organization_list`, `organization_show`, `resource_show`) with CKAN's
//! envelope (`help`, `success`, `result` or `error` with `__type`), a DCAT-AP JSON-LD
//! catalogue, and CSV downloads. Parameters come from the query string (GET) or a JSON
//! object body (POST), as CKAN accepts both.

use crate::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govops_core::datahub::{OpenDataset, OpenOrganization, OpenResource, OpenSearch};
use govops_core::{CoreError, ErrorKind};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The CKAN actions served.
pub const ACTIONS: [&str; 5] = [
    "package_search",
    "package_show",
    "organization_list",
    "organization_show",
    "resource_show",
];

fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.settings.tls { "https" } else { "http" };
    format!("{scheme}://{host}")
}

fn iso(ms: i64) -> String {
    let t = govops_core::clock::rfc3339(govops_core::clock::from_ms(ms));
    t.trim_end_matches('Z').to_string()
}

fn organization(o: &OpenOrganization) -> Value {
    json!({
        "id": o.code,
        "name": o.code,
        "title": format!("{} / {}", o.name_zh, o.name_en),
        "display_name": o.name_zh,
        "description": o.name_en,
        "package_count": o.package_count,
        "state": "active",
        "type": "organization",
        "is_organization": true,
        "approval_status": "approved",
        "image_url": "",
    })
}

fn resource(base: &str, r: &OpenResource) -> Value {
    json!({
        "id": r.id,
        "package_id": r.dataset,
        "name": format!("{} v{}", r.dataset, r.version),
        "description": format!("Version {} ({} rows); columns: {}", r.version, r.rows, r.columns.join(", ")),
        "format": "CSV",
        "mimetype": "text/csv",
        "url": format!("{base}/open/download/{}", r.id),
        "created": iso(r.created_ms),
        "last_modified": iso(r.created_ms),
        "state": "active",
        "position": 0,
    })
}

fn package(base: &str, o: &OpenDataset) -> Value {
    let d = &o.dataset;
    let resources: Vec<Value> = o
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = resource(base, r);
            v["position"] = json!(i);
            v
        })
        .collect();
    json!({
        "id": d.id,
        "name": d.id,
        "title": d.name_zh,
        "notes": d.description,
        "type": "dataset",
        "state": "active",
        "private": false,
        "license_id": d.license,
        "license_title": d.license,
        "metadata_created": iso(d.created_ms),
        "metadata_modified": iso(d.updated_ms),
        "owner_org": d.owner_department,
        "organization": organization(&o.organization),
        "url": format!("{base}/api/3/action/package_show?id={}", d.id),
        "version": d.current_version.to_string(),
        "tags": d.keywords.iter().map(|k| json!({"name": k, "display_name": k})).collect::<Vec<_>>(),
        "num_tags": d.keywords.len(),
        "resources": resources,
        "num_resources": o.resources.len(),
        "extras": [
            {"key": "title_en", "value": d.name_en},
            {"key": "frequency", "value": d.update_frequency},
            {"key": "theme", "value": d.theme},
        ],
    })
}

fn envelope(base: &str, action: &str, result: Result<Value, (StatusCode, Value)>) -> Response {
    let help = format!("{base}/api/3/action/help_show?name={action}");
    match result {
        Ok(r) => Json(json!({"help": help, "success": true, "result": r})).into_response(),
        Err((status, error)) => (
            status,
            Json(json!({"help": help, "success": false, "error": error})),
        )
            .into_response(),
    }
}

fn ckan_error(e: &CoreError) -> (StatusCode, Value) {
    match e.kind {
        ErrorKind::NotFound => (
            StatusCode::NOT_FOUND,
            json!({"__type": "Not Found Error", "message": format!("Not found: {}", e.message)}),
        ),
        ErrorKind::Forbidden | ErrorKind::Unauthenticated => (
            StatusCode::FORBIDDEN,
            json!({"__type": "Authorization Error", "message": e.message}),
        ),
        ErrorKind::Invalid => (
            StatusCode::CONFLICT,
            json!({"__type": "Validation Error", e.field.clone().unwrap_or_else(|| "message".into()): [e.message]}),
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"__type": "Internal Server Error", "message": e.message}),
        ),
    }
}

fn missing(field: &str) -> (StatusCode, Value) {
    (
        StatusCode::CONFLICT,
        json!({"__type": "Validation Error", field: ["Missing value"]}),
    )
}

fn param_str(p: &Map<String, Value>, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn param_usize(
    p: &Map<String, Value>,
    key: &str,
    default: usize,
) -> Result<usize, (StatusCode, Value)> {
    match param_str(p, key) {
        None => Ok(default),
        Some(s) => s.trim().parse().map_err(|_| {
            (
                StatusCode::CONFLICT,
                json!({"__type": "Validation Error", key: ["Invalid integer"]}),
            )
        }),
    }
}

fn param_bool(p: &Map<String, Value>, key: &str) -> bool {
    match p.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
        _ => false,
    }
}

async fn run(
    state: &AppState,
    base: &str,
    action: &str,
    p: &Map<String, Value>,
) -> Result<Value, (StatusCode, Value)> {
    let platform = &state.platform;
    let core = |e: CoreError| ckan_error(&e);
    match action {
        "package_search" => {
            let mut org = None;
            if let Some(fq) = param_str(p, "fq") {
                for term in fq.split_whitespace() {
                    if let Some(o) = term
                        .strip_prefix("organization:")
                        .or_else(|| term.strip_prefix("owner_org:"))
                    {
                        org = Some(o.trim_matches('"').to_string());
                    }
                }
            }
            let search = OpenSearch {
                q: param_str(p, "q").unwrap_or_default(),
                organization: org,
                start: param_usize(p, "start", 0)?,
                rows: param_usize(p, "rows", 10)?,
            };
            let (count, found) = platform.search_open(None, &search).await.map_err(core)?;
            Ok(json!({
                "count": count,
                "sort": "score desc, metadata_modified desc",
                "facets": {},
                "search_facets": {},
                "results": found.iter().map(|o| package(base, o)).collect::<Vec<_>>(),
            }))
        }
        "package_show" => {
            let id = param_str(p, "id").ok_or_else(|| missing("id"))?;
            let o = platform.open_dataset(None, &id).await.map_err(core)?;
            Ok(package(base, &o))
        }
        "organization_list" => {
            let orgs = platform.open_organizations(None).await.map_err(core)?;
            if param_bool(p, "all_fields") {
                Ok(Value::Array(orgs.iter().map(organization).collect()))
            } else {
                Ok(Value::Array(orgs.iter().map(|o| json!(o.code)).collect()))
            }
        }
        "organization_show" => {
            let id = param_str(p, "id").ok_or_else(|| missing("id"))?;
            let (org, datasets) = platform.open_organization(None, &id).await.map_err(core)?;
            let mut v = organization(&org);
            if param_bool(p, "include_datasets") {
                v["packages"] = Value::Array(datasets.iter().map(|o| package(base, o)).collect());
            }
            Ok(v)
        }
        "resource_show" => {
            let id = param_str(p, "id").ok_or_else(|| missing("id"))?;
            let (r, _) = platform.open_resource(None, &id).await.map_err(core)?;
            Ok(resource(base, &r))
        }
        _ => Err((
            StatusCode::BAD_REQUEST,
            json!({"__type": "Bad Request", "message": format!(
                "Bad request - Action name not known: {action}. This server offers {}.",
                ACTIONS.join(", ")
            )}),
        )),
    }
}

/// A CKAN action (GET: parameters in the query string; POST: a JSON object body).
#[utoipa::path(get, path = "/api/3/action/{action}",
    params(("action" = String, Path, description = "package_search, package_show, organization_list, organization_show or resource_show")),
    responses((status = 200, description = "CKAN envelope: {help, success: true, result}"),
              (status = 404, description = "CKAN envelope with error.__type = \"Not Found Error\""),
              (status = 409, description = "CKAN envelope with error.__type = \"Validation Error\"")))]
pub async fn action_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(action): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let base = base_url(&state, &headers);
    let params: Map<String, Value> = q.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let result = run(&state, &base, &action, &params).await;
    envelope(&base, &action, result)
}

/// A CKAN action called with POST and a JSON object body.
#[utoipa::path(post, path = "/api/3/action/{action}",
    request_body(content = String, content_type = "application/json", description = "a JSON object of the action's parameters"),
    params(("action" = String, Path, description = "package_search, package_show, organization_list, organization_show or resource_show")),
    responses((status = 200, description = "CKAN envelope: {help, success: true, result}"),
              (status = 409, description = "CKAN envelope with error.__type = \"Validation Error\"")))]
pub async fn action_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(action): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let base = base_url(&state, &headers);
    let mut params: Map<String, Value> =
        q.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    if !body.is_empty() {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(m)) => params.extend(m),
            _ => {
                return envelope(
                    &base,
                    &action,
                    Err((
                        StatusCode::BAD_REQUEST,
                        json!({"__type": "Bad Request", "message": "Bad request - JSON Error: the body must be a JSON object"}),
                    )),
                );
            }
        }
    }
    let result = run(&state, &base, &action, &params).await;
    envelope(&base, &action, result)
}

/// The same action at CKAN's unversioned path (`/api/action/…`, what `ckanapi` calls).
#[utoipa::path(get, path = "/api/action/{action}",
    params(("action" = String, Path, description = "as for /api/3/action/{action}")),
    responses((status = 200, description = "CKAN envelope")))]
pub async fn action_get_unversioned(
    state: State<AppState>,
    headers: HeaderMap,
    action: Path<String>,
    q: Query<HashMap<String, String>>,
) -> Response {
    action_get(state, headers, action, q).await
}

/// The same action at CKAN's unversioned path, with POST.
#[utoipa::path(post, path = "/api/action/{action}",
    request_body(content = String, content_type = "application/json", description = "a JSON object of the action's parameters"),
    params(("action" = String, Path, description = "as for /api/3/action/{action}")),
    responses((status = 200, description = "CKAN envelope")))]
pub async fn action_post_unversioned(
    state: State<AppState>,
    headers: HeaderMap,
    action: Path<String>,
    q: Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    action_post(state, headers, action, q, body).await
}

/// The DCAT-AP catalogue of open datasets, as JSON-LD.
#[utoipa::path(get, path = "/api/v1/open/catalog",
    responses((status = 200, description = "DCAT-AP 2 catalogue (application/ld+json)")))]
pub async fn dcat(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&state, &headers);
    let found = match state
        .platform
        .search_open(
            None,
            &OpenSearch {
                rows: 1000,
                ..OpenSearch::default()
            },
        )
        .await
    {
        Ok((_, f)) => f,
        Err(e) => return crate::error::ApiError(e).into_response(),
    };
    let freq = "http://publications.europa.eu/resource/authority/frequency/";
    let theme = "http://publications.europa.eu/resource/authority/data-theme/";
    let datasets: Vec<Value> = found
        .iter()
        .map(|o| {
            let d = &o.dataset;
            json!({
                "@id": format!("{base}/api/3/action/package_show?id={}", d.id),
                "@type": "dcat:Dataset",
                "dct:identifier": d.id,
                "dct:title": [{"@value": d.name_zh, "@language": "zh"}, {"@value": d.name_en, "@language": "en"}],
                "dct:description": d.description,
                "dct:publisher": {"@type": "foaf:Organization", "foaf:name": [
                    {"@value": o.organization.name_zh, "@language": "zh"},
                    {"@value": o.organization.name_en, "@language": "en"}]},
                "dcat:keyword": d.keywords,
                "dct:accrualPeriodicity": {"@id": format!("{freq}{}", d.update_frequency)},
                "dcat:theme": if d.theme.is_empty() { Value::Null } else { json!({"@id": format!("{theme}{}", d.theme)}) },
                "dct:license": d.license,
                "dct:issued": {"@value": iso(d.created_ms), "@type": "xsd:dateTime"},
                "dct:modified": {"@value": iso(d.updated_ms), "@type": "xsd:dateTime"},
                "dcat:distribution": o.resources.iter().map(|r| json!({
                    "@id": format!("{base}/open/download/{}", r.id),
                    "@type": "dcat:Distribution",
                    "dct:identifier": r.id,
                    "dct:title": format!("{} v{}", d.id, r.version),
                    "dcat:accessURL": {"@id": format!("{base}/open/download/{}", r.id)},
                    "dcat:downloadURL": {"@id": format!("{base}/open/download/{}", r.id)},
                    "dcat:mediaType": "text/csv",
                    "dct:format": "CSV",
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let body = json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": format!("{base}/api/v1/open/catalog"),
        "@type": "dcat:Catalog",
        "dct:title": [{"@value": "示范市开放数据目录", "@language": "zh"}, {"@value": "Demo City open data catalogue", "@language": "en"}],
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": "示范市政务服务和数据管理局"},
        "dcat:dataset": datasets,
    });
    (
        [(header::CONTENT_TYPE, "application/ld+json")],
        body.to_string(),
    )
        .into_response()
}

/// The CSV of an open dataset's version, read through the masking door.
pub async fn download(State(state): State<AppState>, Path(resource): Path<String>) -> Response {
    match state.platform.open_download(None, &resource).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{resource}.csv\""),
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => crate::error::ApiError(e).into_response(),
    }
}
