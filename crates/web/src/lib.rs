//! govops-web: the HTTP edge. Handlers parse, call core, render; no business rule lives
//! here. HTML pages (askama, zh-CN and English, no JavaScript needed), the JSON API under
//! `/api/v1` described at `/api/openapi.json`, and the security headers every answer
//! carries.

pub mod api;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod routes;
pub mod security;
pub mod viewer;

use axum::Router;
use govops_core::Platform;
use std::sync::Arc;

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// True when the site is reached over HTTPS (directly or through a proxy): cookies
    /// get `Secure` and responses get HSTS.
    pub tls: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            tls: false,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The platform.
    pub platform: Platform,
    /// Edge settings.
    pub settings: Arc<WebSettings>,
}

/// The whole application: every route, with the security layers.
pub fn app(platform: Platform, settings: WebSettings) -> Router {
    let state = AppState {
        platform,
        settings: Arc::new(settings),
    };
    routes::table().into_router(state)
}
