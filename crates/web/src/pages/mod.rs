//! HTML pages. Each handler: extract, call core, render a template. Server-rendered and
//! usable without JavaScript.

pub mod auth;
pub mod cases;
pub mod catalogue;
pub mod home;
pub mod public;

use crate::i18n::Lang;
use crate::viewer::Viewer;
use askama::Template;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use govops_core::CoreError;
use govops_core::access::Action;
use govops_core::identity::Role;

/// What every page's layout needs.
pub struct PageCtx {
    /// UI language.
    pub lang: Lang,
    /// Name of who is signed in.
    pub user: Option<String>,
    /// The CSRF token for forms on the page.
    pub csrf: String,
    /// The navigation links this viewer may follow: (href, text key).
    pub nav: Vec<(String, &'static str)>,
    /// The current path, so the language toggle can come back to it.
    pub path: String,
}

impl PageCtx {
    /// Builds the layout context for `viewer`, listing only what they may open.
    pub fn new(viewer: &Viewer, path: &str, state: &crate::AppState) -> Self {
        let mut nav = Vec::new();
        if let Some(p) = viewer.principal() {
            nav.push(("/home".to_string(), "nav.home"));
            for (href, key, action) in role_pages() {
                if state
                    .platform
                    .access()
                    .allows(Some(p), action, govops_core::access::Resource::Platform)
                    .unwrap_or(false)
                {
                    nav.push((href.to_string(), key));
                }
            }
        }
        Self {
            lang: viewer.lang,
            user: viewer.principal().map(|p| p.display_name.clone()),
            csrf: viewer.csrf.clone(),
            nav,
            path: path.to_string(),
        }
    }

    /// A layout context for error pages, where no viewer is at hand.
    pub fn bare(lang: Lang) -> Self {
        Self {
            lang,
            user: None,
            csrf: String::new(),
            nav: Vec::new(),
            path: "/".into(),
        }
    }

    /// The UI text for `key`.
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// The path of the language toggle.
    pub fn toggle_href(&self) -> String {
        format!(
            "/lang/{}?back={}",
            self.lang.other().code(),
            urlencode(&self.path)
        )
    }

    /// The role's name in the UI language.
    pub fn role_name(&self, role: &Role) -> &'static str {
        match self.lang {
            Lang::Zh => role.name_zh(),
            Lang::En => role.name_en(),
        }
    }

    /// Chooses between a Chinese and an English value.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The pages of each role: (href, text key, action that opens it).
pub fn role_pages() -> [(&'static str, &'static str, Action); 8] {
    [
        ("/portal", "portal.title", Action::PortalView),
        ("/cases", "cases.title", Action::CaseApply),
        ("/enterprise", "enterprise.title", Action::EnterpriseView),
        ("/workbench", "workbench.title", Action::WorkbenchView),
        ("/ops", "ops.title", Action::OpsView),
        ("/steward", "steward.title", Action::StewardView),
        ("/audit", "audit.title", Action::AuditView),
        ("/admin", "admin.title", Action::AdminView),
    ]
}

/// Percent-encodes `s` for a path or a query value.
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Renders a template, or a plain 500 if the template itself fails.
pub fn html<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure under TLS.
pub fn cookie(name: &str, value: &str, tls: bool, max_age_secs: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if tls {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: PageCtx,
    status: u16,
    message: &'a str,
    code: &'a str,
}

/// The error page for `error`.
pub fn render_error_page(status: StatusCode, error: &CoreError, lang: Lang) -> Response {
    html(
        status,
        &ErrorPage {
            page: PageCtx::bare(lang),
            status: status.as_u16(),
            message: &error.message,
            code: error.code,
        },
    )
}

fn wants_json(uri: &Uri, headers: &axum::http::HeaderMap) -> bool {
    uri.path().starts_with("/api/")
        || headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"))
}

fn edge_error(
    uri: &Uri,
    headers: &axum::http::HeaderMap,
    error: CoreError,
    status: StatusCode,
) -> Response {
    if wants_json(uri, headers) {
        let mut r = crate::error::ApiError(error).into_response();
        *r.status_mut() = status;
        r
    } else {
        let jar = axum_extra::extract::CookieJar::from_headers(headers);
        render_error_page(status, &error, crate::viewer::lang_of(&jar, headers))
    }
}

/// Unknown paths.
pub async fn not_found(uri: Uri, headers: axum::http::HeaderMap) -> Response {
    let e = CoreError::not_found(
        "route.not_found",
        format!(
            "There is no page at `{}`. Check the address, or start from the home page.",
            uri.path()
        ),
    );
    edge_error(&uri, &headers, e, StatusCode::NOT_FOUND)
}

/// Known paths with the wrong method.
pub async fn method_not_allowed(
    method: axum::http::Method,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    let e = CoreError::invalid(
        "route.method_not_allowed",
        format!("`{}` does not accept {method} requests.", uri.path()),
    );
    edge_error(&uri, &headers, e, StatusCode::METHOD_NOT_ALLOWED)
}
