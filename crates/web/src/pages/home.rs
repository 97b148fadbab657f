//! The home page of each role.

use super::{PageCtx, html, role_pages};
use crate::AppState;
use crate::error::PageError;
use crate::viewer::Viewer;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use govops_core::CoreError;
use govops_core::access::{Action, Resource};
use govops_core::identity::directory::Department;
use govops_core::identity::{Principal, Role};
use govops_core::journal::{Entry, SignedCheckpoint};
use govops_core::overview::{Counts, EnterpriseSummary, Profile, StaffMember};
use serde::Deserialize;

/// The signed-in principal, or the error that sends the viewer to sign in.
fn signed_in(viewer: &Viewer) -> Result<&Principal, PageError> {
    viewer.principal().ok_or_else(|| {
        let mut e = CoreError::unauthenticated("Sign in to see this page.");
        if let Some(code) = viewer.session_notice {
            e.code = code;
        }
        viewer.fail(e)
    })
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    page: PageCtx,
    roles: Vec<(Role, Option<String>)>,
    links: Vec<(&'static str, &'static str)>,
}

/// Home: the roles held and a link to each role's page.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    state
        .platform
        .access()
        .check(Some(who), Action::HomeView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let mut links: Vec<(&'static str, &'static str)> = Vec::new();
    for (href, key, action) in role_pages() {
        if state
            .platform
            .access()
            .allows(Some(who), action, Resource::Platform)
            .unwrap_or(false)
        {
            links.push((href, key));
        }
    }
    let roles = who
        .roles
        .iter()
        .map(|g| (g.role, g.department.clone()))
        .collect();
    Ok(html(
        StatusCode::OK,
        &Home {
            page: PageCtx::new(&viewer, "/home", &state),
            roles,
            links,
        },
    ))
}

#[derive(Template)]
#[template(path = "portal.html")]
struct Portal {
    page: PageCtx,
    profile: Profile,
}

/// The citizen's portal.
pub async fn portal(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let profile = state
        .platform
        .my_profile(who)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &Portal {
            page: PageCtx::new(&viewer, "/portal", &state),
            profile,
        },
    ))
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct EnterprisePage {
    page: PageCtx,
    enterprises: Vec<EnterpriseSummary>,
}

/// The enterprise agent's page.
pub async fn enterprise(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let enterprises = state
        .platform
        .my_enterprises(who)
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &EnterprisePage {
            page: PageCtx::new(&viewer, "/enterprise", &state),
            enterprises,
        },
    ))
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct Workbench {
    page: PageCtx,
    departments: Vec<(Department, bool)>,
    tasks: Vec<govops_core::cases::TaskItem>,
    bulk: Option<(usize, usize)>,
}

impl Workbench {
    fn any_bulk(&self) -> bool {
        self.tasks.iter().any(|t| t.checks_passed)
    }
}

/// `?approved=N&of=M` after a bulk approval.
#[derive(serde::Deserialize)]
pub struct BulkDone {
    approved: Option<usize>,
    of: Option<usize>,
}

/// The official's workbench.
pub async fn workbench(
    State(state): State<AppState>,
    viewer: Viewer,
    q: axum::extract::Query<BulkDone>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    p.access()
        .check(Some(who), Action::WorkbenchView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let mut codes: Vec<&str> = who.departments_as(Role::Official);
    codes.extend(who.departments_as(Role::DepartmentHead));
    codes.sort();
    codes.dedup();
    let mut departments = Vec::new();
    for code in codes {
        let d = p.department(code).await.map_err(|e| viewer.fail(e))?;
        let head = who.departments_as(Role::DepartmentHead).contains(&code);
        departments.push((d, head));
    }
    let tasks = p.my_tasks(who).await.map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &Workbench {
            page: PageCtx::new(&viewer, "/workbench", &state),
            departments,
            tasks,
            bulk: q.approved.zip(q.of),
        },
    ))
}

#[derive(Template)]
#[template(path = "department.html")]
struct DepartmentPage {
    page: PageCtx,
    department: Department,
    staff: Vec<StaffMember>,
}

/// One department's page: for its head and the operations office.
pub async fn department(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let staff = state
        .platform
        .department_staff(who, &code)
        .await
        .map_err(|e| viewer.fail(e))?;
    let department = state
        .platform
        .department(&code)
        .await
        .map_err(|e| viewer.fail(e))?;
    let path = format!("/department/{code}");
    Ok(html(
        StatusCode::OK,
        &DepartmentPage {
            page: PageCtx::new(&viewer, &path, &state),
            department,
            staff,
        },
    ))
}

#[derive(Template)]
#[template(path = "ops.html")]
struct Ops {
    page: PageCtx,
    counts: Counts,
    departments: Vec<Department>,
}

/// The operations office's overview.
pub async fn ops(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    p.access()
        .check(Some(who), Action::OpsView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let counts = p.counts(who).await.map_err(|e| viewer.fail(e))?;
    let departments = p.departments().await.map_err(|e| viewer.fail(e))?;
    Ok(html(
        StatusCode::OK,
        &Ops {
            page: PageCtx::new(&viewer, "/ops", &state),
            counts,
            departments,
        },
    ))
}

#[derive(Template)]
#[template(path = "steward.html")]
struct Steward {
    page: PageCtx,
    departments: Vec<Department>,
}

/// The data steward's page.
pub async fn steward(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    p.access()
        .check(Some(who), Action::StewardView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let mut departments = Vec::new();
    for code in who.departments_as(Role::DataSteward) {
        departments.push(p.department(code).await.map_err(|e| viewer.fail(e))?);
    }
    Ok(html(
        StatusCode::OK,
        &Steward {
            page: PageCtx::new(&viewer, "/steward", &state),
            departments,
        },
    ))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct Audit {
    page: PageCtx,
    checkpoint: Option<SignedCheckpoint>,
    entries: Vec<Entry>,
    older: Option<i64>,
}

/// Paging of the journal.
#[derive(Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
}

/// The auditor's journal browser.
pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    p.access()
        .check(Some(who), Action::AuditView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let entries = p
        .journal()
        .recent(q.before, 50)
        .await
        .map_err(|e| viewer.fail(e))?;
    let checkpoint = p
        .journal()
        .latest_checkpoint()
        .await
        .map_err(|e| viewer.fail(e))?;
    let older = entries
        .last()
        .filter(|e| e.idx > 0 && entries.len() == 50)
        .map(|e| e.idx);
    Ok(html(
        StatusCode::OK,
        &Audit {
            page: PageCtx::new(&viewer, "/audit", &state),
            checkpoint,
            entries,
            older,
        },
    ))
}

#[derive(Template)]
#[template(path = "admin.html")]
struct Admin {
    page: PageCtx,
    backend: &'static str,
    counts: Counts,
    vkey: String,
}

/// The system administrator's page.
pub async fn admin(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let who = signed_in(&viewer)?;
    let p = &state.platform;
    p.access()
        .check(Some(who), Action::AdminView, Resource::Platform)
        .map_err(|e| viewer.fail(e))?;
    let counts = p.counts(who).await.map_err(|e| viewer.fail(e))?;
    let backend = match p.store().backend() {
        govops_core::store::Backend::Sqlite => "SQLite",
        govops_core::store::Backend::Postgres => "PostgreSQL",
    };
    Ok(html(
        StatusCode::OK,
        &Admin {
            page: PageCtx::new(&viewer, "/admin", &state),
            backend,
            counts,
            vkey: p.journal().vkey(),
        },
    ))
}
