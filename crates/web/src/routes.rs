//! The route table. Every route is registered here with its method and path, so tests can
//! walk all of them: the OpenAPI test checks every `/api/` route is documented, and the
//! access test checks every route against the role table in `tests/access_matrix.tsv`.

use crate::{AppState, api, pages, security};
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post, put};
use tower_http::limit::RequestBodyLimitLayer;

/// The routes, and the list of what they are.
pub struct RouteTable {
    router: Router<AppState>,
    /// Routes that take uploaded files: a larger body limit.
    uploads: Router<AppState>,
    /// Every (method, path) registered.
    pub list: Vec<(Method, &'static str)>,
}

impl RouteTable {
    fn add(mut self, method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.list.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }

    fn add_upload(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.list.push((method, path));
        self.uploads = self.uploads.route(path, handler);
        self
    }

    /// Builds the router with its layers.
    pub fn into_router(self, state: AppState) -> Router {
        let limit = state.settings.max_body_bytes;
        // Room for a file of the largest accepted size and the form around it.
        let upload_limit = govops_core::cases::UPLOAD_MAX_BYTES + 256 * 1024;
        self.router
            .layer(RequestBodyLimitLayer::new(limit))
            .merge(
                self.uploads
                    .layer(RequestBodyLimitLayer::new(upload_limit))
                    .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
            )
            .fallback(pages::not_found)
            .method_not_allowed_fallback(pages::method_not_allowed)
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                security::layer,
            ))
            .with_state(state)
    }
}

/// Every route of the application.
pub fn table() -> RouteTable {
    let t = RouteTable {
        router: Router::new(),
        uploads: Router::new(),
        list: Vec::new(),
    };
    t.add(Method::GET, "/", get(pages::public::index))
        .add(Method::GET, "/healthz", get(api::health::healthz))
        .add(Method::GET, "/readyz", get(api::health::readyz))
        .add(
            Method::GET,
            "/static/govops.css",
            get(pages::public::stylesheet),
        )
        .add(Method::GET, "/lang/{code}", get(pages::public::set_lang))
        .add(Method::GET, "/login", get(pages::auth::login_form))
        .add(Method::POST, "/login", post(pages::auth::login_submit))
        .add(Method::GET, "/register", get(pages::auth::register_form))
        .add(
            Method::POST,
            "/register",
            post(pages::auth::register_submit),
        )
        .add(Method::POST, "/logout", post(pages::auth::logout))
        .add(Method::GET, "/home", get(pages::home::home))
        .add(Method::GET, "/portal", get(pages::home::portal))
        .add(Method::GET, "/enterprise", get(pages::home::enterprise))
        .add(Method::GET, "/workbench", get(pages::home::workbench))
        .add(
            Method::GET,
            "/department/{code}",
            get(pages::home::department),
        )
        .add(Method::GET, "/ops", get(pages::home::ops))
        .add(Method::GET, "/steward", get(pages::home::steward))
        .add(Method::GET, "/audit", get(pages::home::audit))
        .add(Method::GET, "/admin", get(pages::home::admin))
        .add(Method::GET, "/api/openapi.json", get(api::openapi_json))
        .add(
            Method::POST,
            "/api/v1/sessions",
            post(api::identity::create_session),
        )
        .add(
            Method::DELETE,
            "/api/v1/sessions/current",
            delete(api::identity::delete_session),
        )
        .add(Method::GET, "/api/v1/me", get(api::identity::me))
        .add(
            Method::GET,
            "/api/v1/departments",
            get(api::identity::departments),
        )
        .add(
            Method::GET,
            "/api/v1/journal/checkpoint",
            get(api::journal::checkpoint),
        )
        .add(
            Method::GET,
            "/api/v1/journal/entries/{index}",
            get(api::journal::entry),
        )
        .add(
            Method::GET,
            "/api/v1/journal/proof/inclusion",
            get(api::journal::inclusion),
        )
        .add(
            Method::GET,
            "/api/v1/journal/proof/consistency",
            get(api::journal::consistency),
        )
        .add(Method::GET, "/services", get(pages::catalogue::index))
        .add(Method::GET, "/services/{id}", get(pages::catalogue::guide))
        .add(Method::GET, "/api/v1/services", get(api::catalogue::list))
        .add(
            Method::GET,
            "/api/v1/services/{id}",
            get(api::catalogue::guide),
        )
        .add(
            Method::POST,
            "/api/v1/admin/reload",
            post(api::catalogue::reload),
        )
        .add(Method::GET, "/apply/{id}", get(pages::cases::apply_form))
        .add_upload(
            Method::POST,
            "/apply/{id}",
            post(pages::cases::apply_submit),
        )
        .add(Method::GET, "/cases", get(pages::cases::my_cases))
        .add(Method::GET, "/cases/{id}", get(pages::cases::case_page))
        .add(
            Method::POST,
            "/cases/{id}/withdraw",
            post(pages::cases::withdraw),
        )
        .add(
            Method::POST,
            "/cases/{id}/resubmit",
            post(pages::cases::resubmit),
        )
        .add(Method::POST, "/cases/{id}/act", post(pages::cases::act))
        .add(
            Method::POST,
            "/cases/{id}/reveal",
            post(pages::cases::reveal),
        )
        .add(Method::GET, "/uploads/{hash}", get(pages::cases::download))
        .add(
            Method::POST,
            "/notices/read",
            post(pages::cases::notices_read),
        )
        .add(
            Method::POST,
            "/workbench/bulk-approve",
            post(pages::cases::bulk_approve),
        )
        .add(
            Method::GET,
            "/api/v1/services/{id}/form",
            get(api::cases::form),
        )
        .add(Method::PUT, "/api/v1/drafts", put(api::cases::save_draft))
        .add_upload(Method::POST, "/api/v1/uploads", post(api::cases::upload))
        .add(
            Method::GET,
            "/api/v1/uploads/{hash}",
            get(api::cases::download),
        )
        .add(Method::POST, "/api/v1/cases", post(api::cases::submit))
        .add(Method::GET, "/api/v1/cases", get(api::cases::list))
        .add(Method::GET, "/api/v1/cases/{id}", get(api::cases::detail))
        .add(
            Method::POST,
            "/api/v1/cases/{id}/resubmit",
            post(api::cases::resubmit),
        )
        .add(
            Method::POST,
            "/api/v1/cases/{id}/withdraw",
            post(api::cases::withdraw),
        )
        .add(
            Method::POST,
            "/api/v1/cases/{id}/act",
            post(api::cases::act),
        )
        .add(
            Method::POST,
            "/api/v1/cases/{id}/reveal",
            post(api::cases::reveal),
        )
        .add(Method::GET, "/api/v1/tasks", get(api::cases::tasks))
        .add(
            Method::POST,
            "/api/v1/tasks/bulk-approve",
            post(api::cases::bulk_approve),
        )
        .add(Method::GET, "/api/v1/notices", get(api::cases::notices))
        .add(
            Method::POST,
            "/api/v1/notices/read",
            post(api::cases::notices_read),
        )
}
