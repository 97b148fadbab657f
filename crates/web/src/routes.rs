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
        .add(
            Method::POST,
            "/api/v1/admin/calendar",
            post(api::catalogue::load_calendar),
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
        // E-licences: wallet, verify, the issuing department's pages, issuer documents.
        .add(Method::GET, "/wallet", get(pages::licences::wallet))
        .add(
            Method::GET,
            "/wallet/{id}",
            get(pages::licences::wallet_licence),
        )
        .add(
            Method::GET,
            "/wallet/{id}/download",
            get(pages::licences::download),
        )
        .add(
            Method::POST,
            "/wallet/{id}/present",
            post(pages::licences::present),
        )
        .add(Method::GET, "/verify", get(pages::licences::verify_form))
        .add(
            Method::POST,
            "/verify",
            post(pages::licences::verify_submit),
        )
        .add(Method::GET, "/licences", get(pages::licences::manage_list))
        .add(
            Method::GET,
            "/licences/{id}",
            get(pages::licences::manage_one),
        )
        .add(
            Method::POST,
            "/licences/{id}/status",
            post(pages::licences::manage_submit),
        )
        .add(
            Method::POST,
            "/api/v1/licences/verify",
            post(api::licences::verify),
        )
        .add(Method::GET, "/api/v1/wallet", get(api::licences::wallet))
        .add(
            Method::POST,
            "/api/v1/licences/{id}/status",
            post(api::licences::change_status),
        )
        .add(
            Method::GET,
            "/.well-known/jwt-vc-issuer/issuers/{code}",
            get(api::licences::issuer_metadata),
        )
        .add(
            Method::GET,
            "/issuers/{code}/jwks.json",
            get(api::licences::jwks),
        )
        .add(
            Method::GET,
            "/issuers/{code}/status/{list}",
            get(api::licences::status_list),
        )
        .datahub()
}

impl RouteTable {
    /// The data hub: JSON API, CKAN Action API subset, DCAT-AP, downloads, pages.
    fn datahub(self) -> Self {
        use api::{ckan, datahub as dh};
        use axum::routing::put;
        use pages::datahub as pg;
        self.add(Method::GET, "/api/v1/datasets", get(dh::list))
            .add(Method::POST, "/api/v1/datasets", post(dh::create))
            .add(Method::GET, "/api/v1/datasets/{id}", get(dh::show))
            .add(
                Method::POST,
                "/api/v1/datasets/{id}/versions",
                post(dh::upload),
            )
            .add(Method::GET, "/api/v1/datasets/{id}/rows", get(dh::rows))
            .add(
                Method::PUT,
                "/api/v1/datasets/{id}/rules",
                put(dh::save_rules),
            )
            .add(
                Method::POST,
                "/api/v1/datasets/{id}/quality-runs",
                post(dh::run_quality),
            )
            .add(
                Method::POST,
                "/api/v1/datasets/{id}/schema",
                post(dh::retype),
            )
            .add(
                Method::POST,
                "/api/v1/datasets/{id}/classification",
                post(dh::classify),
            )
            .add(
                Method::POST,
                "/api/v1/datasets/{id}/repair/preview",
                post(dh::repair_preview),
            )
            .add(
                Method::POST,
                "/api/v1/datasets/{id}/repair/apply",
                post(dh::repair_apply),
            )
            .add(Method::GET, "/api/v1/grants", get(dh::my_grants))
            .add(Method::POST, "/api/v1/grants", post(dh::request_grant))
            .add(
                Method::POST,
                "/api/v1/grants/{id}/decision",
                post(dh::decide_grant),
            )
            .add(Method::GET, "/api/v1/data-usage", get(dh::usage))
            .add(Method::GET, "/api/v1/scorecards", get(dh::scorecards))
            .add(
                Method::PUT,
                "/api/v1/scorecards/thresholds",
                put(dh::set_thresholds),
            )
            .add(Method::GET, "/api/v1/open/catalog", get(ckan::dcat))
            .add(Method::GET, "/api/3/action/{action}", get(ckan::action_get))
            .add(
                Method::POST,
                "/api/3/action/{action}",
                post(ckan::action_post),
            )
            .add(
                Method::GET,
                "/api/action/{action}",
                get(ckan::action_get_unversioned),
            )
            .add(
                Method::POST,
                "/api/action/{action}",
                post(ckan::action_post_unversioned),
            )
            .add(
                Method::GET,
                "/open/download/{resource}",
                get(ckan::download),
            )
            .add(Method::GET, "/data/datasets", get(pg::catalogue))
            .add(Method::GET, "/data/datasets/{id}", get(pg::dataset))
            .add(Method::POST, "/data/datasets/{id}/schema", post(pg::retype))
            .add(
                Method::POST,
                "/data/datasets/{id}/classification",
                post(pg::classify),
            )
            .add(
                Method::POST,
                "/data/datasets/{id}/quality",
                post(pg::run_quality),
            )
            .add(
                Method::POST,
                "/data/datasets/{id}/rules",
                post(pg::save_rules),
            )
            .add(Method::POST, "/data/datasets/{id}/repair", post(pg::repair))
            .add(Method::POST, "/data/datasets/{id}/open", post(pg::set_open))
            .add(Method::GET, "/data/upload", get(pg::upload_form))
            .add(Method::POST, "/data/upload", post(pg::upload_submit))
            .add(Method::POST, "/data/grants", post(pg::request_grant))
            .add(
                Method::POST,
                "/data/grants/{id}/decision",
                post(pg::decide_grant),
            )
            .add(Method::GET, "/ops/scorecards", get(pg::scorecards))
    }
}
