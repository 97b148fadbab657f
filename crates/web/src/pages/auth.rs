//! Sign in, register, sign out.

use super::{PageCtx, cookie, html};
use crate::AppState;
use crate::error::PageError;
use crate::viewer::{ClientAddr, SESSION_COOKIE, Viewer};
use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use govops_core::identity::directory::Registration;
use govops_core::{CoreError, ErrorKind, FieldError};
use serde::Deserialize;

/// Errors shown at the top of a form and beside each field (GOV.UK pattern).
pub struct FormErrors {
    /// Every problem.
    pub list: Vec<FieldError>,
}

impl FormErrors {
    pub(crate) fn none() -> Self {
        Self { list: Vec::new() }
    }

    pub(crate) fn from_error(e: &CoreError) -> Self {
        let mut list = e.fields.clone();
        if list.is_empty() {
            list.push(FieldError {
                field: e.field.clone().unwrap_or_default(),
                message: e.message.clone(),
            });
        }
        Self { list }
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }

    /// True when there is something to show.
    pub fn any(&self) -> bool {
        !self.list.is_empty()
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageCtx,
    errors: FormErrors,
    notice: Option<String>,
    username: String,
}

/// Why the login page is shown.
#[derive(Deserialize)]
pub struct LoginQuery {
    notice: Option<String>,
}

fn notice_text(code: &str, lang: crate::i18n::Lang) -> Option<String> {
    let (zh, en) = match code {
        "auth.session_expired" => (
            "您的会话已过期，请重新登录。",
            "Your session has ended. Sign in again to continue.",
        ),
        "auth.required" => ("请先登录。", "Sign in to continue."),
        "auth.logged_out" => ("您已安全退出。", "You have signed out."),
        _ => return None,
    };
    Some(match lang {
        crate::i18n::Lang::Zh => zh.to_string(),
        crate::i18n::Lang::En => en.to_string(),
    })
}

/// The sign-in form.
pub async fn login_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<LoginQuery>,
) -> Response {
    let notice = q
        .notice
        .as_deref()
        .or(viewer.session_notice)
        .and_then(|c| notice_text(c, viewer.lang));
    html(
        StatusCode::OK,
        &LoginPage {
            page: PageCtx::new(&viewer, "/login", &state),
            errors: FormErrors::none(),
            notice,
            username: String::new(),
        },
    )
}

/// What the sign-in form sends.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

fn bad_form(viewer: &Viewer, rejection: FormRejection) -> PageError {
    viewer.fail(crate::error::unreadable_body(
        rejection.status(),
        "form.malformed",
        &rejection.body_text(),
    ))
}

/// Signs in and goes to the home page; on failure shows the form again with the error.
pub async fn login_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(addr): ClientAddr,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&form.csrf)?;
    match state
        .platform
        .login(&form.username, &form.password, &addr)
        .await
    {
        Ok(s) => Ok(signed_in(&state, &s.token)),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::RateLimited) => {
            let status = crate::error::status_of(e.kind);
            Ok(html(
                status,
                &LoginPage {
                    page: PageCtx::new(&viewer, "/login", &state),
                    errors: FormErrors::from_error(&e),
                    notice: None,
                    username: form.username,
                },
            ))
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

fn signed_in(state: &AppState, token: &str) -> Response {
    let c = cookie(SESSION_COOKIE, token, state.settings.tls, None);
    ([(header::SET_COOKIE, c)], Redirect::to("/home")).into_response()
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: PageCtx,
    errors: FormErrors,
    form: RegistrationValues,
}

/// What the person typed, kept to fill the form again (never the passwords).
#[derive(Default)]
struct RegistrationValues {
    name: String,
    resident_id: String,
    phone: String,
    username: String,
}

/// The registration form.
pub async fn register_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    html(
        StatusCode::OK,
        &RegisterPage {
            page: PageCtx::new(&viewer, "/register", &state),
            errors: FormErrors::none(),
            form: RegistrationValues::default(),
        },
    )
}

/// What the registration form sends.
#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(flatten)]
    registration: Registration,
    #[serde(default)]
    csrf: String,
}

/// Registers and signs in; on problems shows every one at once, keeping what was typed.
pub async fn register_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(addr): ClientAddr,
    form: Result<Form<RegisterForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&form.csrf)?;
    let r = form.registration;
    let values = RegistrationValues {
        name: r.name.clone(),
        resident_id: r.resident_id.clone(),
        phone: r.phone.clone(),
        username: r.username.clone(),
    };
    match state.platform.register_citizen(r, &addr).await {
        Ok(s) => Ok(signed_in(&state, &s.token)),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => Ok(html(
            crate::error::status_of(e.kind),
            &RegisterPage {
                page: PageCtx::new(&viewer, "/register", &state),
                errors: FormErrors::from_error(&e),
                form: values,
            },
        )),
        Err(e) => Err(viewer.fail(e)),
    }
}

/// What the sign-out button sends.
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Signs out: ends the session, clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, PageError> {
    let Form(form) = form.map_err(|r| bad_form(&viewer, r))?;
    viewer.check_csrf(&form.csrf)?;
    if let Some(s) = &viewer.session {
        state.platform.logout(s).await.map_err(|e| viewer.fail(e))?;
    }
    let c = cookie(SESSION_COOKIE, "", state.settings.tls, Some(0));
    Ok((
        [(header::SET_COOKIE, c)],
        Redirect::to("/login?notice=auth.logged_out"),
    )
        .into_response())
}
