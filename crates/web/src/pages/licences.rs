//! E-licence pages: the wallet (我的证照) with download and presentation as a QR code
//! and a link, the public verify page, and the issuing department's list where its
//! officials revoke, suspend and reinstate.

use super::{PageCtx, html};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use govops_core::CoreError;
use govops_core::access::{Action, Resource};
use govops_core::identity::{Principal, Role};
use govops_core::licences::{
    LicenceDetail, LicenceStatus, LicenceSummary, StatusChange, VerificationReport, VerifyRequest,
};
use serde::Deserialize;
use std::collections::HashMap;

fn signed_in(viewer: &Viewer) -> Result<&Principal, PageError> {
    viewer
        .principal()
        .ok_or_else(|| viewer.fail(CoreError::unauthenticated("Sign in to see this page.")))
}

/// A date in China Standard Time, `YYYY-MM-DD`.
pub fn date_of(ts: i64) -> String {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    match time::OffsetDateTime::from_unix_timestamp(ts) {
        Ok(t) => {
            let t = t.to_offset(offset);
            format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
        }
        Err(_) => ts.to_string(),
    }
}

/// The text key of a status.
pub fn status_key(s: &LicenceStatus) -> &'static str {
    match s {
        LicenceStatus::Valid => "licence.status.valid",
        LicenceStatus::Revoked => "licence.status.revoked",
        LicenceStatus::Suspended => "licence.status.suspended",
    }
}

/// Helpers every licence template uses.
trait LicenceText {
    fn lang(&self) -> Lang;
    fn date(&self, ts: &i64) -> String {
        date_of(*ts)
    }
    fn until(&self, ts: &Option<i64>) -> String {
        match ts {
            Some(t) => date_of(*t),
            None => self.lang().t("licence.long_term").to_owned(),
        }
    }
    fn status(&self, s: &LicenceStatus) -> &'static str {
        self.lang().t(status_key(s))
    }
    fn type_name(&self, l: &LicenceSummary) -> String {
        match self.lang() {
            Lang::Zh => l.type_zh.clone(),
            Lang::En => l.type_en.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "wallet.html")]
struct WalletPage {
    page: PageCtx,
    licences: Vec<LicenceSummary>,
}

impl LicenceText for WalletPage {
    fn lang(&self) -> Lang {
        self.page.lang
    }
}

/// `GET /wallet`: 我的证照.
pub async fn wallet(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let licences = state
        .platform
        .wallet(who)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &WalletPage {
            page: PageCtx::new(&viewer, "/wallet", &state),
            licences,
        },
    ))
}

#[derive(Template)]
#[template(path = "wallet_licence.html")]
struct WalletLicencePage {
    page: PageCtx,
    l: LicenceDetail,
    errors: super::auth::FormErrors,
    audience: String,
}

impl LicenceText for WalletLicencePage {
    fn lang(&self) -> Lang {
        self.page.lang
    }
}

/// `GET /wallet/{id}`: one licence, with the form to present it.
pub async fn wallet_licence(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let l = state
        .platform
        .wallet_licence(who, &id)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &WalletLicencePage {
            page: PageCtx::new(&viewer, &format!("/wallet/{}", l.summary.id), &state),
            audience: default_audience(&state),
            l,
            errors: super::auth::FormErrors::none(),
        },
    ))
}

fn default_audience(state: &AppState) -> String {
    format!("{}/verify", state.platform.licences().public_url())
}

/// `GET /wallet/{id}/download`: the SD-JWT VC with every disclosure, as a file.
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let l = state
        .platform
        .wallet_licence(who, &id)
        .await
        .map_err(|e| viewer.fail(e))?;
    let name = format!(
        "attachment; filename=\"{}.sd-jwt\"",
        l.summary.identifier.replace('"', "")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/dc+sd-jwt".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        l.sd_jwt.unwrap_or_default(),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "wallet_present.html")]
struct PresentPage {
    page: PageCtx,
    l: LicenceDetail,
    text: String,
    link: String,
    qr: Option<String>,
    nonce: String,
    audience: String,
    shown: Vec<String>,
}

impl LicenceText for PresentPage {
    fn lang(&self) -> Lang {
        self.page.lang
    }
}

/// The QR code of `text` as a data URI of an SVG image, or `None` when it is too long
/// for a QR code.
fn qr_data_uri(text: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

/// `POST /wallet/{id}/present`: makes a presentation of the fields ticked (`f_<claim>`),
/// bound to the audience given, and shows it as a QR code, a link and text.
pub async fn present(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let Form(form) = form.map_err(|r| {
        viewer.fail(crate::error::unreadable_body(
            r.status(),
            "form.malformed",
            &r.body_text(),
        ))
    })?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let p = &state.platform;
    let l = p
        .wallet_licence(who, &id)
        .await
        .map_err(|e| viewer.fail(e))?;
    let mut fields: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("f_"))
        .map(str::to_owned)
        .collect();
    fields.sort_by_key(|f| l.claims.iter().position(|c| &c.name == f));
    let audience = form
        .get("audience")
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| default_audience(&state));
    let path = format!("/wallet/{}", l.summary.id);
    let shown = match p.present_licence(who, &id, &fields, &audience).await {
        Ok(s) => s,
        Err(e) if e.kind == govops_core::ErrorKind::Invalid => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                &WalletLicencePage {
                    page: PageCtx::new(&viewer, &path, &state),
                    errors: super::auth::FormErrors::from_error(&e),
                    l,
                    audience,
                },
            ));
        }
        Err(e) => return Err(viewer.fail(e)),
    };
    // The presentation is base64url, '.' and '~': safe in a query as it is.
    let link = format!("{}?p={}", default_audience(&state), shown.text);
    let labels = shown
        .disclosed
        .iter()
        .filter_map(|f| l.claims.iter().find(|c| &c.name == f))
        .map(|c| match viewer.lang {
            Lang::Zh => c.label_zh.clone(),
            Lang::En => c.label_en.clone(),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &PresentPage {
            page: PageCtx::new(&viewer, &path, &state),
            qr: qr_data_uri(&link),
            link,
            text: shown.text,
            nonce: shown.nonce,
            audience: shown.audience,
            shown: labels,
            l,
        },
    ))
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    page: PageCtx,
    errors: super::auth::FormErrors,
    presentation: String,
    report: Option<VerificationReport>,
}

impl LicenceText for VerifyPage {
    fn lang(&self) -> Lang {
        self.page.lang
    }
}

impl VerifyPage {
    fn opt_date(&self, ts: &Option<i64>) -> String {
        ts.map(date_of).unwrap_or_default()
    }
    fn type_label(&self, r: &VerificationReport) -> String {
        let name = match self.page.lang {
            Lang::Zh => r.licence_type_zh.clone(),
            Lang::En => r.licence_type_en.clone(),
        };
        name.or_else(|| r.licence_type.clone()).unwrap_or_default()
    }
}

/// What the verify form sends, or the link carries (`p`).
#[derive(Deserialize, Default)]
pub struct VerifyForm {
    #[serde(default)]
    presentation: String,
    #[serde(default)]
    p: String,
    #[serde(default)]
    csrf: String,
}

async fn verify_page(
    state: &AppState,
    viewer: &Viewer,
    presentation: String,
) -> Result<Response, PageError> {
    let p = &state.platform;
    p.access()
        .check(
            viewer.principal(),
            Action::LicenceVerify,
            Resource::Platform,
        )
        .map_err(|e| viewer.fail(e))?;
    let mut errors = super::auth::FormErrors::none();
    let report = if presentation.trim().is_empty() {
        None
    } else {
        let req = VerifyRequest {
            presentation: presentation.clone(),
            ..VerifyRequest::default()
        };
        match p.verify_presentation(viewer.principal(), &req).await {
            Ok(r) => Some(r),
            Err(e) if e.kind == govops_core::ErrorKind::Invalid => {
                errors = super::auth::FormErrors::from_error(&e);
                None
            }
            Err(e) => return Err(viewer.fail(e)),
        }
    };
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(
        status,
        &VerifyPage {
            page: PageCtx::new(viewer, "/verify", state),
            errors,
            presentation,
            report,
        },
    ))
}

/// `GET /verify`: the form, or, with `?p=<presentation>` (the link a wallet makes), the
/// answer.
pub async fn verify_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<VerifyForm>,
) -> Result<Response, PageError> {
    verify_page(&state, &viewer, q.p).await
}

/// `POST /verify`: verifies a pasted presentation.
pub async fn verify_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Result<Form<VerifyForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|r| {
        viewer.fail(crate::error::unreadable_body(
            r.status(),
            "form.malformed",
            &r.body_text(),
        ))
    })?;
    viewer.check_csrf(&form.csrf)?;
    if form.presentation.trim().is_empty() {
        let e = CoreError::invalid_field(
            "licence.verify.empty",
            "presentation",
            match viewer.lang {
                Lang::Zh => "请粘贴要核验的证照出示内容。",
                Lang::En => "Paste the presentation to verify.",
            },
        );
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &VerifyPage {
                page: PageCtx::new(&viewer, "/verify", &state),
                errors: super::auth::FormErrors::from_error(&e),
                presentation: String::new(),
                report: None,
            },
        ));
    }
    verify_page(&state, &viewer, form.presentation).await
}

#[derive(Template)]
#[template(path = "licences.html")]
struct ManageListPage {
    page: PageCtx,
    groups: Vec<(String, Vec<LicenceSummary>)>,
}

impl LicenceText for ManageListPage {
    fn lang(&self) -> Lang {
        self.page.lang
    }
}

/// `GET /licences`: the licences the viewer's departments issued.
pub async fn manage_list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    p.access()
        .check(Some(who), Action::LicenceManage, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let mut departments: Vec<&str> = who.departments_as(Role::Official);
    departments.extend(who.departments_as(Role::DepartmentHead));
    departments.sort_unstable();
    departments.dedup();
    let mut groups = Vec::new();
    for d in departments {
        let list = p
            .department_licences(who, d)
            .await
            .map_err(|e| viewer.fail(e))?;
        groups.push((d.to_owned(), list));
    }
    Ok(html(
        StatusCode::OK,
        &ManageListPage {
            page: PageCtx::new(&viewer, "/licences", &state),
            groups,
        },
    ))
}

#[derive(Template)]
#[template(path = "licence_manage.html")]
struct ManagePage {
    page: PageCtx,
    l: LicenceDetail,
    errors: super::auth::FormErrors,
    notice: bool,
    reason: String,
}

impl LicenceText for ManagePage {
    fn lang(&self) -> Lang {
        self.page.lang
    }
}

/// `?done=1` after a change.
#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /licences/{id}`: one licence and the form to change its status.
pub async fn manage_one(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let l = state
        .platform
        .managed_licence(who, &id)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &ManagePage {
            page: PageCtx::new(&viewer, &format!("/licences/{}", l.summary.id), &state),
            l,
            errors: super::auth::FormErrors::none(),
            notice: q.done.is_some(),
            reason: String::new(),
        },
    ))
}

/// What the status form sends.
#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /licences/{id}/status`: revoke, suspend or reinstate, with a reason.
pub async fn manage_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let Form(form) = form.map_err(|r| {
        viewer.fail(crate::error::unreadable_body(
            r.status(),
            "form.malformed",
            &r.body_text(),
        ))
    })?;
    viewer.check_csrf(&form.csrf)?;
    let p = &state.platform;
    let result = match StatusChange::parse(&form.action) {
        Some(change) => {
            p.change_licence_status(who, &id, change, &form.reason)
                .await
        }
        None => {
            p.access()
                .check(Some(who), Action::LicenceManage, Resource::Platform)
                .map_err(|e| viewer.fail(e))?;
            Err(CoreError::invalid_field(
                "licence.status.action",
                "action",
                match viewer.lang {
                    Lang::Zh => "请选择要进行的操作：吊销、暂扣或恢复。",
                    Lang::En => "Choose what to do: revoke, suspend or reinstate.",
                },
            ))
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/licences/{id}?done=1")).into_response()),
        Err(e)
            if matches!(
                e.kind,
                govops_core::ErrorKind::Invalid | govops_core::ErrorKind::Conflict
            ) =>
        {
            let l = p
                .managed_licence(who, &id)
                .await
                .map_err(|e| viewer.fail(e))?;
            Ok(html(
                crate::error::status_of(e.kind),
                &ManagePage {
                    page: PageCtx::new(&viewer, &format!("/licences/{id}"), &state),
                    l,
                    errors: super::auth::FormErrors::from_error(&e),
                    notice: false,
                    reason: form.reason,
                },
            ))
        }
        Err(e) => Err(viewer.fail(e)),
    }
}
