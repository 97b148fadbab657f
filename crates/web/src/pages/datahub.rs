//! The data hub's pages: the data catalogue (with who uses what), a dataset's page for
//! the steward (versions, profile, quality with failing-row samples, classification,
//! rules, repair preview and apply, grants), the upload page, and the operations
//! office's scorecards.

use super::auth::FormErrors;
use super::home::signed_in;
use super::{PageCtx, html, urlencode};
use crate::AppState;
use crate::error::PageError;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use govops_core::access::{Action, Resource};
use govops_core::datahub::{
    Dataset, DatasetPage, FREQUENCIES, GrantDecision, GrantRequest, ReadBasis, ReadRequest,
    RepairPreview, RepairRequest, RowSelection, RowsRead, Scorecards, Sensitivity, Upload,
    UploadFormat, UploadReport, Usage,
};
use govops_core::identity::Principal;
use govops_core::{CoreError, ErrorKind};

type Fields = Vec<(String, String)>;

fn field<'a>(form: &'a Fields, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn bad_form(viewer: &Viewer, rejection: FormRejection) -> PageError {
    viewer.fail(crate::error::unreadable_body(
        rejection.status(),
        "form.malformed",
        &rejection.body_text(),
    ))
}

/// Parses a posted form and checks its CSRF token.
fn form_of(
    viewer: &Viewer,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Fields, PageError> {
    let Form(f) = form.map_err(|r| bad_form(viewer, r))?;
    viewer.check_csrf(field(&f, "csrf"))?;
    Ok(f)
}

#[derive(Template)]
#[template(path = "data_catalogue.html")]
struct CataloguePage {
    page: PageCtx,
    datasets: Vec<Dataset>,
    usage: Vec<Usage>,
}

/// The data catalogue (staff): every dataset, and who uses what.
pub async fn catalogue(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    let datasets = p.datasets(who).await.map_err(|e| viewer.fail(e))?;
    let usage = p.data_usage(who).await.map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &CataloguePage {
            page: PageCtx::new(&viewer, "/data/datasets", &state),
            datasets,
            usage,
        },
    ))
}

/// Failing rows of one rule, read through the door.
struct Samples {
    rule: String,
    rows: RowsRead,
}

#[derive(Template)]
#[template(path = "data_dataset.html")]
struct DatasetView {
    page: PageCtx,
    errors: FormErrors,
    notice: Option<String>,
    d: DatasetPage,
    manage: bool,
    decide: bool,
    samples: Vec<Samples>,
    preview: Option<RepairPreview>,
    repair_fixes: String,
    repair_keys: String,
    rules_text: String,
    levels: [Sensitivity; 4],
    types: [&'static str; 6],
    my_departments: Vec<String>,
}

impl DatasetView {
    fn ms(&self, ms: &i64) -> String {
        govops_core::clock::rfc3339(govops_core::clock::from_ms(*ms))
    }
    fn pct(&self, v: &f64) -> String {
        format!("{v:.1}")
    }
    fn cell(&self, c: &Option<String>) -> String {
        c.clone().unwrap_or_default()
    }
    fn type_of(&self, t: &str) -> &'static str {
        govops_core::datahub::type_name(t)
    }
    fn key(&self, prefix: &str, name: &str) -> String {
        format!("{prefix}{name}")
    }
}

/// What a re-rendered dataset page keeps from the form that failed.
#[derive(Default)]
struct Kept {
    errors: Option<CoreError>,
    notice: Option<String>,
    preview: Option<RepairPreview>,
    repair_fixes: String,
    repair_keys: String,
    rules_text: Option<String>,
}

async fn render_dataset(
    state: &AppState,
    viewer: &Viewer,
    who: &Principal,
    id: &str,
    kept: Kept,
) -> Result<Response, PageError> {
    let p = &state.platform;
    let d = p.dataset_page(who, id).await.map_err(|e| viewer.fail(e))?;
    let owner = d.dataset.owner_department.clone();
    let allows = |a| {
        p.access()
            .allows(Some(who), a, Resource::Department(&owner))
            .unwrap_or(false)
    };
    let manage = allows(Action::DataManage);
    let decide = allows(Action::DataGrantDecide);
    // Failing-row samples: one read through the door (journaled once), shown per rule.
    let mut samples = Vec::new();
    if manage && let Some(run) = d.runs.first() {
        let mut wanted: Vec<u64> = run
            .rules
            .iter()
            .flat_map(|r| r.failing_rows.iter().copied())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if !wanted.is_empty() {
            let all = p
                .read_rows(
                    Some(who),
                    ReadRequest {
                        dataset: id.to_string(),
                        version: Some(run.version),
                        basis: ReadBasis::Steward,
                        purpose: "failing-row samples of the latest quality run".into(),
                        columns: None,
                        rows: RowSelection::Rows(wanted),
                        unmasked: false,
                    },
                )
                .await
                .map_err(|e| viewer.fail(e))?;
            for rule in run.rules.iter().filter(|r| !r.failing_rows.is_empty()) {
                let mut rows = all.clone();
                rows.rows.retain(|(n, _)| rule.failing_rows.contains(n));
                samples.push(Samples {
                    rule: rule.id.clone(),
                    rows,
                });
            }
        }
    }
    let status = match &kept.errors {
        Some(e) => crate::error::status_of(e.kind),
        None => StatusCode::OK,
    };
    let rules_text = kept.rules_text.unwrap_or_else(|| match &d.ruleset {
        Some((_, t)) => t.clone(),
        None => d.suggested_rules.clone(),
    });
    Ok(html(
        status,
        &DatasetView {
            page: PageCtx::new(viewer, &format!("/data/datasets/{}", urlencode(id)), state),
            errors: kept
                .errors
                .as_ref()
                .map_or_else(FormErrors::none, FormErrors::from_error),
            notice: kept.notice,
            d,
            manage,
            decide,
            samples,
            preview: kept.preview,
            repair_fixes: kept.repair_fixes,
            repair_keys: kept.repair_keys,
            rules_text,
            levels: Sensitivity::ALL,
            types: govops_core::datahub::COLUMN_TYPES,
            my_departments: my_departments(who),
        },
    ))
}

/// The departments the viewer may request grants for.
fn my_departments(who: &Principal) -> Vec<String> {
    use govops_core::identity::Role;
    let mut out: Vec<String> = Vec::new();
    for r in [Role::Official, Role::DepartmentHead, Role::DataSteward] {
        for d in who.departments_as(r) {
            if !out.iter().any(|x| x == d) {
                out.push(d.to_string());
            }
        }
    }
    out
}

/// A dataset's page.
pub async fn dataset(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let kept = Kept {
        notice: q
            .contains_key("done")
            .then(|| viewer.lang.t("data.saved").to_string()),
        ..Kept::default()
    };
    render_dataset(&state, &viewer, who, &id, kept).await
}

fn back_to(id: &str, notice: &str) -> Response {
    Redirect::to(&format!("/data/datasets/{}?done={notice}", urlencode(id))).into_response()
}

/// Re-renders the page with the error when the input was wrong; fails otherwise.
async fn on_error(
    state: &AppState,
    viewer: &Viewer,
    who: &Principal,
    id: &str,
    e: CoreError,
    mut kept: Kept,
) -> Result<Response, PageError> {
    if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) {
        kept.errors = Some(e);
        render_dataset(state, viewer, who, id, kept).await
    } else {
        Err(viewer.fail(e))
    }
}

/// Confirms the classification (steward).
pub async fn classify(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let f = form_of(&viewer, form)?;
    let columns: Vec<(String, String, String)> = f
        .iter()
        .filter_map(|(k, v)| {
            let col = k.strip_prefix("level.")?;
            Some((
                col.to_string(),
                v.clone(),
                field(&f, &format!("mask.{col}")).to_string(),
            ))
        })
        .collect();
    match state
        .platform
        .confirm_classification(who, &id, columns, field(&f, "data_level"))
        .await
    {
        Ok(()) => Ok(back_to(&id, "classified")),
        Err(e) => on_error(&state, &viewer, who, &id, e, Kept::default()).await,
    }
}

/// Edits the column types (steward): a new version.
pub async fn retype(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let f = form_of(&viewer, form)?;
    let types: Vec<(String, String)> = f
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("type.")?.to_string(), v.clone())))
        .collect();
    match state.platform.retype_columns(who, &id, types).await {
        Ok(_) => Ok(back_to(&id, "schema")),
        Err(e) => on_error(&state, &viewer, who, &id, e, Kept::default()).await,
    }
}

/// Runs the rule set (steward).
pub async fn run_quality(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    form_of(&viewer, form)?;
    match state.platform.run_quality(who, &id).await {
        Ok(_) => Ok(back_to(&id, "quality")),
        Err(e) => on_error(&state, &viewer, who, &id, e, Kept::default()).await,
    }
}

/// Saves the rule set (steward).
pub async fn save_rules(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let f = form_of(&viewer, form)?;
    let text = field(&f, "rules").to_string();
    match state.platform.save_ruleset(who, &id, &text).await {
        Ok(_) => Ok(back_to(&id, "rules")),
        Err(e) => {
            let kept = Kept {
                rules_text: Some(text),
                ..Kept::default()
            };
            on_error(&state, &viewer, who, &id, e, kept).await
        }
    }
}

fn repair_request(f: &Fields) -> RepairRequest {
    RepairRequest {
        fixes: field(f, "fixes")
            .lines()
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                Some((parts.next()?.to_string(), parts.next()?.to_string()))
            })
            .collect(),
        dedup_keys: field(f, "dedup_keys")
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
        survivorship: field(f, "survivorship").to_string(),
    }
}

/// Previews (`action=preview`) or applies (`action=apply`) a repair (steward).
pub async fn repair(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let f = form_of(&viewer, form)?;
    let req = repair_request(&f);
    let kept = || Kept {
        repair_fixes: field(&f, "fixes").to_string(),
        repair_keys: field(&f, "dedup_keys").to_string(),
        ..Kept::default()
    };
    let p = &state.platform;
    if field(&f, "action") == "apply" {
        match p.apply_repair(who, &id, &req).await {
            Ok(_) => Ok(back_to(&id, "repaired")),
            Err(e) => on_error(&state, &viewer, who, &id, e, kept()).await,
        }
    } else {
        match p.preview_repair(who, &id, &req).await {
            Ok(preview) => {
                let mut k = kept();
                k.preview = Some(preview);
                render_dataset(&state, &viewer, who, &id, k).await
            }
            Err(e) => on_error(&state, &viewer, who, &id, e, kept()).await,
        }
    }
}

/// Opens or closes the dataset as open data (steward).
pub async fn set_open(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let f = form_of(&viewer, form)?;
    let p = &state.platform;
    p.check_manage_dataset(who, &id)
        .await
        .map_err(|e| viewer.fail(e))?;
    let open = match field(&f, "open") {
        "true" => true,
        "false" => false,
        _ => {
            let e = CoreError::invalid_field(
                "datahub.open.choice",
                "open",
                "Say whether to publish the dataset (open=true) or stop publishing it (open=false).",
            );
            return on_error(&state, &viewer, who, &id, e, Kept::default()).await;
        }
    };
    match p.set_dataset_open(who, &id, open).await {
        Ok(()) => Ok(back_to(&id, "open")),
        Err(e) => on_error(&state, &viewer, who, &id, e, Kept::default()).await,
    }
}

/// Requests a grant for one of the viewer's departments.
pub async fn request_grant(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let f = form_of(&viewer, form)?;
    let dataset = field(&f, "dataset").to_string();
    let req = GrantRequest {
        dataset: dataset.clone(),
        grantee_department: field(&f, "grantee_department").to_string(),
        columns: f
            .iter()
            .filter(|(k, _)| k == "column")
            .map(|(_, v)| v.clone())
            .collect(),
        row_filter: field(&f, "row_filter").to_string(),
        purpose: field(&f, "purpose").to_string(),
        unmasked: field(&f, "unmasked") == "true",
        valid_days: field(&f, "valid_days").trim().parse().unwrap_or(0),
    };
    match state.platform.request_grant(who, req).await {
        Ok(_) => Ok(back_to(&dataset, "requested")),
        Err(e) => on_error(&state, &viewer, who, &dataset, e, Kept::default()).await,
    }
}

/// Approves or refuses a grant (owning department).
pub async fn decide_grant(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Fields>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let f = form_of(&viewer, form)?;
    let decision = GrantDecision {
        approve: field(&f, "decision") == "approve",
        note: field(&f, "note").to_string(),
    };
    let p = &state.platform;
    match p.decide_grant(who, &id, decision).await {
        Ok(g) => Ok(back_to(&g.dataset, "grant")),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => {
            let g = p.grant(who, &id).await.map_err(|e| viewer.fail(e))?;
            on_error(&state, &viewer, who, &g.dataset, e, Kept::default()).await
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "data_upload.html")]
struct UploadPage {
    page: PageCtx,
    errors: FormErrors,
    datasets: Vec<Dataset>,
    chosen: String,
    report: Option<(String, UploadReport)>,
    frequencies: [&'static str; 6],
}

async fn my_datasets(state: &AppState, who: &Principal) -> Result<Vec<Dataset>, CoreError> {
    let p = &state.platform;
    Ok(p.datasets(who)
        .await?
        .into_iter()
        .filter(|d| {
            p.access()
                .allows(
                    Some(who),
                    Action::DataManage,
                    Resource::Department(&d.owner_department),
                )
                .unwrap_or(false)
        })
        .collect())
}

/// The upload page: the datasets the viewer manages.
pub async fn upload_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    state
        .platform
        .access()
        .check(Some(who), Action::StewardView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let datasets = my_datasets(&state, who).await.map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &UploadPage {
            page: PageCtx::new(&viewer, "/data/upload", &state),
            errors: FormErrors::none(),
            chosen: String::new(),
            datasets,
            report: None,
            frequencies: FREQUENCIES,
        },
    ))
}

/// Uploads a file as a new version; malformed rows are skipped and listed, or the file
/// is refused, as chosen.
pub async fn upload_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    p.access()
        .check(Some(who), Action::StewardView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let malformed = |detail: String| {
        viewer.fail(CoreError::invalid(
            "form.malformed",
            format!("The upload could not be read ({detail}). Choose the file again and resend."),
        ))
    };
    let mut mp = multipart.map_err(|e| malformed(e.body_text()))?;
    let (mut csrf, mut dataset, mut on_bad, mut file_name, mut bytes) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        Vec::new(),
    );
    while let Some(part) = mp
        .next_field()
        .await
        .map_err(|e| malformed(e.body_text()))?
    {
        match part.name().unwrap_or_default() {
            "csrf" => csrf = part.text().await.map_err(|e| malformed(e.body_text()))?,
            "dataset" => dataset = part.text().await.map_err(|e| malformed(e.body_text()))?,
            "on_bad_row" => on_bad = part.text().await.map_err(|e| malformed(e.body_text()))?,
            "file" => {
                file_name = part.file_name().unwrap_or_default().to_string();
                bytes = part
                    .bytes()
                    .await
                    .map_err(|e| malformed(e.body_text()))?
                    .to_vec();
            }
            _ => {}
        }
    }
    viewer.check_csrf(&csrf)?;
    let datasets = my_datasets(&state, who).await.map_err(|e| viewer.fail(e))?;
    let render = |errors: FormErrors, report: Option<(String, UploadReport)>, status| {
        html(
            status,
            &UploadPage {
                page: PageCtx::new(&viewer, "/data/upload", &state),
                errors,
                chosen: dataset.clone(),
                datasets: datasets.clone(),
                report,
                frequencies: FREQUENCIES,
            },
        )
    };
    let problem = |field: &str, message: &str| {
        let e = CoreError::invalid_field("datahub.upload.form", field, message);
        Ok(render(
            FormErrors::from_error(&e),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    };
    if dataset.is_empty() {
        return problem(
            "dataset",
            "Choose the dataset this file is a new version of.",
        );
    }
    if bytes.is_empty() {
        return problem("file", "Choose a CSV, XLSX or Parquet file to upload.");
    }
    let Some(format) = UploadFormat::of_name(&file_name) else {
        return problem(
            "file",
            "The file must end in .csv, .xlsx or .parquet so its format is known.",
        );
    };
    if on_bad != "skip" && on_bad != "refuse" {
        return problem(
            "on_bad_row",
            "Choose whether malformed rows are skipped (and listed) or the whole file refused.",
        );
    }
    let upload = Upload {
        format,
        file_name,
        bytes,
        refuse_bad_rows: on_bad == "refuse",
    };
    match p.upload_version(who, &dataset, upload).await {
        Ok(report) => Ok(render(
            FormErrors::none(),
            Some((dataset.clone(), report)),
            StatusCode::OK,
        )),
        Err(e) if e.kind == ErrorKind::Invalid => {
            let mut e = e;
            if e.fields.is_empty() {
                e = e.with_field("file");
            }
            Ok(render(
                FormErrors::from_error(&e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "data_scorecards.html")]
struct ScorecardPage {
    page: PageCtx,
    s: Scorecards,
}

impl ScorecardPage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"))
    }
    fn num(&self, v: &f64) -> String {
        format!("{v:.1}")
    }
    fn card_key(&self, c: &govops_core::datahub::Card) -> &'static str {
        use govops_core::datahub::Card;
        match c {
            Card::Green => "data.card.green",
            Card::Yellow => "data.card.yellow",
            Card::Red => "data.card.red",
            Card::None => "data.card.none",
        }
    }
}

/// The operations office's scorecards.
pub async fn scorecards(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let s = state
        .platform
        .scorecards(who)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &ScorecardPage {
            page: PageCtx::new(&viewer, "/ops/scorecards", &state),
            s,
        },
    ))
}
