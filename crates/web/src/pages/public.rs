//! Pages anyone may see: the landing page, the stylesheet, the language toggle.

use super::{PageCtx, html};
use crate::AppState;
use crate::viewer::{LANG_COOKIE, Viewer};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use govops_core::access::{Action, Resource};
use govops_core::identity::directory::Department;
use govops_core::journal::SignedCheckpoint;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "index.html")]
struct Index {
    page: PageCtx,
    departments: Vec<Department>,
    checkpoint: Option<SignedCheckpoint>,
}

/// The landing page: what the platform is, its departments, the public checkpoint.
pub async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, crate::error::PageError> {
    let p = &state.platform;
    let who = viewer.principal();
    p.access()
        .check(who, Action::DirectoryDepartmentsRead, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let departments = p.departments().await.map_err(|e| viewer.fail(e))?;
    let checkpoint = p
        .journal()
        .latest_checkpoint()
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &Index {
            page: PageCtx::new(&viewer, "/", &state),
            departments,
            checkpoint,
        },
    ))
}

/// The stylesheet, embedded in the binary.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/govops.css"),
    )
        .into_response()
}

/// Where the toggle returns to.
#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// The language toggle: sets the cookie and goes back to the page.
pub async fn set_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Back>,
) -> Response {
    let lang = crate::i18n::Lang::from_code(&code).unwrap_or(crate::i18n::Lang::Zh);
    // Only local paths, so the toggle cannot be used to send people elsewhere.
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/".into());
    let cookie = super::cookie(
        LANG_COOKIE,
        lang.code(),
        state.settings.tls,
        Some(365 * 24 * 3600),
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}
