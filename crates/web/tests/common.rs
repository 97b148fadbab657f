//! An in-process app on a fresh, seeded SQLite database, and small HTTP helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use govops_core::{ManualClock, Platform, PlatformSettings};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = govops_core::demo::DEMO_PASSWORD;

pub struct TestApp {
    pub app: Router,
    pub platform: Platform,
    pub clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
        let settings = PlatformSettings {
            database_url: format!("sqlite://{}/govops.db", dir.path().display()),
            journal_origin: "test.example/journal".into(),
            licences: govops_core::licences::LicenceSettings {
                types_dir: Some(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../licences"),
                ),
                ..Default::default()
            },
            catalogue_dir: Some(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services"),
            ),
            files_dir: Some(dir.path().join("files")),
        };
        let platform = Platform::open(&settings, Arc::new(clock.clone()))
            .await
            .unwrap();
        platform.seed_demo().await.unwrap();
        platform.journal().integrate().await.unwrap();
        let app = govops_web::app(platform.clone(), govops_web::WebSettings::default());
        TestApp {
            app,
            platform,
            clock,
            _dir: dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.app.clone().oneshot(req).await.unwrap()
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response<Body> {
        let mut b = Request::get(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&self, path: &str, cookie: &str, form: &str) -> Response<Body> {
        let req = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// Signs in through the API and returns the token.
    pub async fn token(&self, username: &str) -> String {
        let body = format!(r#"{{"username":"{username}","password":"{PASSWORD}"}}"#);
        let req = Request::post("/api/v1/sessions")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let res = self.send(req).await;
        assert_eq!(res.status(), StatusCode::CREATED, "login {username}");
        let v: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    /// A cookie header for a signed-in person, and the CSRF token their forms carry.
    pub async fn browser(&self, username: &str) -> (String, String) {
        let token = self.token(username).await;
        let cookie = format!("govops_session={token}; govops_csrf=anon-csrf-token");
        let page = body_text(self.get("/login", Some(&cookie)).await).await;
        (cookie, csrf_in(&page))
    }
}

pub async fn body_text(res: Response<Body>) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The CSRF token in a page's forms.
pub fn csrf_in(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a csrf field");
    let rest = &page[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}
