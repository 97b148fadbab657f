//! Case pages: the application form (one multipart form: fields and material files, save
//! as draft or submit), the applicant's cases and notices, a case with its timeline and
//! the actions the viewer may take, and the official's bulk approval.

use super::auth::FormErrors;
use super::{PageCtx, html};
use crate::AppState;
use crate::error::PageError;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use govops_core::access::{Action, Resource};
use govops_core::cases::{ApplyForm, CaseDetail, CaseSummary, Notice, SubmitInput, TaskAction};
use govops_core::identity::Principal;
use govops_core::{CoreError, ErrorKind, FieldError};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

use super::home::signed_in;

/// The first value of `name` in a posted form, or empty.
fn posted(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Signs in and checks `action` before anything else is read, so that a caller who may
/// not do this is told so whatever the body holds.
fn may<'v>(
    state: &AppState,
    viewer: &'v Viewer,
    action: Action,
) -> Result<&'v Principal, PageError> {
    let who = signed_in(viewer)?;
    state
        .platform
        .access()
        .check(Some(who), action, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    Ok(who)
}

fn bad_form(viewer: &Viewer, r: FormRejection) -> PageError {
    viewer.fail(CoreError::invalid(
        "request.form",
        format!("The form could not be read: {}", r.body_text()),
    ))
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    page: PageCtx,
    form: ApplyForm,
    errors: FormErrors,
    idempotency_key: String,
    saved: bool,
}

fn new_key() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /apply/{id}[?applicant=person|<enterprise id>]`: the form, pre-filled for the
/// applicant.
pub async fn apply_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    q: Result<
        axum::extract::Query<crate::api::cases::ApplicantQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    // A query that does not parse is ignored: the form opens as it would without it.
    let applicant = q.ok().and_then(|axum::extract::Query(q)| q.applicant);
    let form = state
        .platform
        .application_form_for(who, &id, applicant.as_deref())
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &ApplyPage {
            page: PageCtx::new(&viewer, &format!("/apply/{id}"), &state),
            form,
            errors: FormErrors::none(),
            idempotency_key: new_key(),
            saved: false,
        },
    ))
}

/// What the multipart form carried.
struct Posted {
    csrf: String,
    intent: String,
    input: SubmitInput,
    files: Vec<(String, String, Vec<u8>)>,
}

async fn read_multipart(
    viewer: &Viewer,
    service: &str,
    mut mp: Multipart,
) -> Result<Posted, PageError> {
    let mut posted = Posted {
        csrf: String::new(),
        intent: String::new(),
        input: SubmitInput {
            service: service.to_owned(),
            ..Default::default()
        },
        files: Vec::new(),
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        let status = e.status();
        let e = if status == StatusCode::PAYLOAD_TOO_LARGE {
            CoreError::too_large("The files are larger than 10 MiB. Upload smaller files.")
        } else {
            CoreError::invalid(
                "request.form",
                format!("The form could not be read: {}", e.body_text()),
            )
        };
        viewer.fail(e)
    };
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(material) = name.strip_prefix("file:") {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if !file_name.is_empty() && !bytes.is_empty() {
                posted
                    .files
                    .push((material.to_owned(), file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field.text().await.map_err(unreadable)?;
        match name.as_str() {
            "csrf" => posted.csrf = text,
            "intent" => posted.intent = text,
            "applicant" => posted.input.applicant = Some(text),
            "idempotency_key" => posted.input.idempotency_key = Some(text),
            _ => {
                if let Some(material) = name.strip_prefix("have:") {
                    if !text.is_empty() {
                        posted.input.materials.insert(material.to_owned(), text);
                    }
                } else if let Some(field) = name.strip_prefix("f:") {
                    posted
                        .input
                        .form
                        .insert(field.to_owned(), Value::String(text));
                }
            }
        }
    }
    Ok(posted)
}

/// `POST /apply/{id}`: stores the files chosen, then saves a draft or submits. On errors
/// the form comes back with every error beside its field and everything kept.
pub async fn apply_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let who = may(&state, &viewer, Action::CaseApply)?;
    let mp = mp.map_err(|r| {
        viewer.fail(CoreError::invalid(
            "request.form",
            format!("The form could not be read: {}", r.body_text()),
        ))
    })?;
    let mut posted = read_multipart(&viewer, &id, mp).await?;
    viewer.check_csrf(&posted.csrf)?;
    let p = &state.platform;
    let guide_form = p
        .application_form(who, &id, Some(&posted.input))
        .await
        .map_err(|e| viewer.fail(e))?;
    let mut errors: Vec<FieldError> = Vec::new();
    for (material, file_name, bytes) in std::mem::take(&mut posted.files) {
        let formats = guide_form
            .materials
            .iter()
            .find(|m| m.id == material)
            .map(|m| m.formats.clone())
            .unwrap_or_default();
        match p.upload_file(who, &file_name, bytes, &formats).await {
            Ok(up) => {
                posted.input.materials.insert(material, up.hash);
            }
            Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::TooLarge) => {
                errors.push(FieldError {
                    field: format!("material:{material}"),
                    message: e.message,
                });
            }
            Err(e) => return Err(viewer.fail(e)),
        }
    }
    let outcome = if posted.intent == "save" {
        p.save_draft(who, &posted.input).await.map(|()| None)
    } else if errors.is_empty() {
        p.submit_case(who, &posted.input).await.map(Some)
    } else {
        // A file was refused: show it with every other problem of the form at once.
        let others = p
            .check_application(who, &posted.input)
            .await
            .map_err(|e| viewer.fail(e))?;
        for e in others {
            if !errors.iter().any(|x| x.field == e.field) {
                errors.push(e);
            }
        }
        Ok(None)
    };
    match outcome {
        Ok(Some(done)) => {
            Ok(Redirect::to(&format!("/cases/{}?notice=submitted", done.id)).into_response())
        }
        Ok(None) if errors.is_empty() => {
            let form = p
                .application_form(who, &id, Some(&posted.input))
                .await
                .map_err(|e| viewer.fail(e))?;
            Ok(html(
                StatusCode::OK,
                &ApplyPage {
                    page: PageCtx::new(&viewer, &format!("/apply/{id}"), &state),
                    form,
                    errors: FormErrors::none(),
                    idempotency_key: posted.input.idempotency_key.clone().unwrap_or_else(new_key),
                    saved: true,
                },
            ))
        }
        other => {
            if let Err(e) = other {
                if !matches!(
                    e.kind,
                    ErrorKind::Invalid | ErrorKind::Forbidden | ErrorKind::TooLarge
                ) {
                    return Err(viewer.fail(e));
                }
                errors.extend(FormErrors::from_error(&e).list);
            }
            let form = p
                .application_form(who, &id, Some(&posted.input))
                .await
                .map_err(|e| viewer.fail(e))?;
            Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ApplyPage {
                    page: PageCtx::new(&viewer, &format!("/apply/{id}"), &state),
                    form,
                    errors: FormErrors { list: errors },
                    idempotency_key: posted.input.idempotency_key.clone().unwrap_or_else(new_key),
                    saved: false,
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    page: PageCtx,
    cases: Vec<CaseSummary>,
    notices: Vec<Notice>,
}

impl CasesPage {
    fn notice_text(&self, n: &Notice) -> String {
        notice_text(&self.page, n)
    }
}

/// A notice in words.
fn notice_text(page: &PageCtx, n: &Notice) -> String {
    let number = n.params["number"].as_str().unwrap_or_default();
    // Notices written before steps had names carry only the step's id.
    let step = match (
        n.params["step_name"]["zh"].as_str(),
        n.params["step_name"]["en"].as_str(),
    ) {
        (Some(zh), Some(en)) => page.pick(zh, en),
        _ => n.params["step"].as_str().unwrap_or_default(),
    };
    let mut text = format!("{} {number}", page.t(&format!("notice.{}", n.kind)));
    if !step.is_empty() {
        text.push_str(&format!(" · {step}"));
    }
    for key in ["status", "reason", "note"] {
        if let Some(v) = n.params[key].as_str() {
            text.push_str(&format!(" · {}", status_word(page, v)));
        }
    }
    text
}

fn status_word(page: &PageCtx, s: &str) -> String {
    let key = format!("case.status.{s}");
    let t = page.t(&key);
    if t == "??" {
        s.to_owned()
    } else {
        t.to_owned()
    }
}

/// `GET /cases`: my cases and notices.
pub async fn my_cases(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    let cases = p.my_cases(who).await.map_err(|e| viewer.fail(e))?;
    let notices = p.my_notices(who, 30).await.map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &CasesPage {
            page: PageCtx::new(&viewer, "/cases", &state),
            cases,
            notices,
        },
    ))
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    page: PageCtx,
    case: CaseDetail,
    errors: FormErrors,
    notice: Option<&'static str>,
    revealed: Option<(String, String)>,
    correction: Option<ApplyForm>,
    departments: Vec<(String, String, String)>,
}

impl CasePage {
    fn status(&self, s: &str) -> String {
        status_word(&self.page, s)
    }
    fn event(&self, kind: &str) -> String {
        let key = format!("event.{kind}");
        let t = self.page.t(&key);
        if t == "??" {
            kind.to_owned()
        } else {
            t.to_owned()
        }
    }
    fn terminal(&self) -> bool {
        matches!(
            self.case.summary.status.as_str(),
            "completed" | "rejected" | "partially_rejected" | "withdrawn"
        )
    }
    fn has_action(&self, actions: &[String], a: &str) -> bool {
        actions.iter().any(|x| x == a)
    }
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn render_case(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    status: StatusCode,
    errors: FormErrors,
    notice: Option<&'static str>,
    revealed: Option<(String, String)>,
) -> Result<Response, PageError> {
    let who = signed_in(viewer)?;
    let p = &state.platform;
    let case = p.case_detail(who, id).await.map_err(|e| viewer.fail(e))?;
    let correction = if case.is_applicant && case.summary.status == "returned" {
        let values: BTreeMap<String, Value> = case
            .form
            .iter()
            .map(|(k, _, v, _)| (k.clone(), Value::String(v.clone())))
            .collect();
        let input = SubmitInput {
            service: case.summary.service.clone(),
            form: values,
            ..Default::default()
        };
        let mut form = p
            .application_form(who, &case.summary.service, Some(&input))
            .await
            .map_err(|e| viewer.fail(e))?;
        if let Some((fields, _)) = &case.returned {
            for f in &mut form.fields {
                f.to_correct = fields.contains(&f.id);
            }
        }
        Some(form)
    } else {
        None
    };
    let departments = p
        .departments()
        .await
        .map_err(|e| viewer.fail(e))?
        .into_iter()
        .map(|d| (d.code, d.name_zh, d.name_en))
        .collect();
    Ok(html(
        status,
        &CasePage {
            page: PageCtx::new(viewer, &format!("/cases/{id}"), state),
            case,
            errors,
            notice,
            revealed,
            correction,
            departments,
        },
    ))
}

/// `GET /cases/{id}`.
pub async fn case_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    q: axum::extract::Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let notice = match q.notice.as_deref() {
        Some("submitted") => Some("case.notice.submitted"),
        Some("acted") => Some("case.notice.acted"),
        Some("withdrawn") => Some("case.notice.withdrawn"),
        Some("resubmitted") => Some("case.notice.resubmitted"),
        _ => None,
    };
    render_case(
        &state,
        &viewer,
        &id,
        StatusCode::OK,
        FormErrors::none(),
        notice,
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /cases/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, PageError> {
    let who = may(&state, &viewer, Action::CaseApply)?;
    let Form(form) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&form.csrf)?;
    match state.platform.withdraw_case(who, &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?notice=withdrawn")).into_response()),
        Err(e) if e.kind == ErrorKind::Conflict => {
            render_case(
                &state,
                &viewer,
                &id,
                StatusCode::CONFLICT,
                FormErrors::from_error(&e),
                None,
                None,
            )
            .await
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

/// `POST /cases/{id}/resubmit`: the corrected fields (`f:<id>`).
pub async fn resubmit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let who = may(&state, &viewer, Action::CaseApply)?;
    let Form(pairs) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&posted(&pairs, "csrf"))?;
    let input = SubmitInput {
        form: pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("f:")
                    .map(|k| (k.to_owned(), Value::String(v.clone())))
            })
            .collect(),
        ..Default::default()
    };
    match state.platform.resubmit_case(who, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?notice=resubmitted")).into_response()),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => {
            render_case(
                &state,
                &viewer,
                &id,
                crate::error::status_of(e.kind),
                FormErrors::from_error(&e),
                None,
                None,
            )
            .await
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

/// `POST /cases/{id}/act`: step, action, and reason / fields / note / to_department.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let who = may(&state, &viewer, Action::WorkbenchView)?;
    let Form(pairs) = form.map_err(|r| bad_form(&viewer, r))?;
    let get = |k: &str| posted(&pairs, k);
    viewer.check_csrf(&get("csrf"))?;
    let action = match get("action").as_str() {
        "approve" => TaskAction::Approve,
        "reject" => TaskAction::Reject {
            reason: get("reason"),
        },
        "return" => TaskAction::Return {
            fields: pairs
                .iter()
                .filter(|(k, _)| k == "fields")
                .map(|(_, v)| v.clone())
                .collect(),
            note: get("note"),
        },
        "transfer" => TaskAction::Transfer {
            to_department: get("to_department"),
        },
        other => {
            return Err(viewer.fail(CoreError::invalid(
                "case.action.unknown",
                format!("Unknown action `{other}`; choose approve, reject, return or transfer."),
            )));
        }
    };
    match state
        .platform
        .act_on_task(who, &id, &get("step"), action)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?notice=acted")).into_response()),
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::Invalid | ErrorKind::Conflict | ErrorKind::Forbidden
            ) =>
        {
            render_case(
                &state,
                &viewer,
                &id,
                crate::error::status_of(e.kind),
                FormErrors::from_error(&e),
                None,
                None,
            )
            .await
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

#[derive(Deserialize)]
pub struct RevealForm {
    csrf: String,
    field: String,
    reason: String,
}

/// `POST /cases/{id}/reveal`: shows one masked value, once, with the reason journaled.
pub async fn reveal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<RevealForm>, FormRejection>,
) -> Result<Response, PageError> {
    let who = may(&state, &viewer, Action::WorkbenchView)?;
    let Form(form) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&form.csrf)?;
    match state
        .platform
        .reveal_field(who, &id, &form.field, &form.reason)
        .await
    {
        Ok(value) => {
            render_case(
                &state,
                &viewer,
                &id,
                StatusCode::OK,
                FormErrors::none(),
                None,
                Some((form.field, value)),
            )
            .await
        }
        Err(e) if e.kind == ErrorKind::Invalid => {
            let mut errors = FormErrors::from_error(&e);
            for f in &mut errors.list {
                f.field = format!("reason-{}", form.field);
            }
            render_case(
                &state,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                None,
                None,
            )
            .await
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

/// `GET /uploads/{hash}`.
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(hash): Path<String>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let (name, media, bytes) = state
        .platform
        .download_upload(who, &hash)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(crate::api::cases::file_response(&name, &media, bytes))
}

/// `POST /notices/read`.
pub async fn notices_read(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, PageError> {
    let who = may(&state, &viewer, Action::HomeView)?;
    let Form(form) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&form.csrf)?;
    state
        .platform
        .mark_notices_read(who)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(Redirect::to("/cases").into_response())
}

/// `POST /workbench/bulk-approve`: `item` = `<case id> <step>` for each ticked task.
pub async fn bulk_approve(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let who = may(&state, &viewer, Action::WorkbenchView)?;
    let Form(pairs) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&posted(&pairs, "csrf"))?;
    let items: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "item")
        .filter_map(|(_, v)| v.split_once(' ').map(|(c, s)| (c.to_owned(), s.to_owned())))
        .collect();
    let results = state
        .platform
        .bulk_approve(who, &items)
        .await
        .map_err(|e| viewer.fail(e))?;
    let approved = results.iter().filter(|r| r.2.is_ok()).count();
    Ok(Redirect::to(&format!(
        "/workbench?approved={approved}&of={}",
        results.len()
    ))
    .into_response())
}
