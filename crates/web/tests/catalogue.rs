//! The public catalogue pages and API, and the reload endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, body_text};
use govops_core::{ManualClock, Platform, PlatformSettings};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

async fn page(app: &TestApp, path: &str, lang: &str) -> (StatusCode, String) {
    let cookie = format!("govops_lang={lang}");
    let res = app.get(path, Some(&cookie)).await;
    let status = res.status();
    (status, body_text(res).await)
}

async fn json(app: &TestApp, path: &str) -> (StatusCode, serde_json::Value) {
    let res = app.get(path, None).await;
    let status = res.status();
    (status, serde_json::from_str(&body_text(res).await).unwrap())
}

/// The links to guides in a page of results, in order.
fn guide_links(html: &str) -> Vec<String> {
    html.split("<a href=\"/services/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_and_search_in_both_languages() {
    let app = TestApp::new().await;
    let (status, all) = page(&app, "/services", "zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.contains("<h1>办事服务</h1>"), "{all}");
    assert_eq!(guide_links(&all).len(), 32);
    assert!(all.contains("scope=\"col\"") && all.contains("scope=\"row\""));
    assert!(!all.contains("<script"), "no JavaScript");
    assert!(!all.contains("??"), "a text key is missing");
    assert!(
        all.contains("开办企业"),
        "life events are listed to browse by"
    );
    assert!(all.contains("href=\"/services?department=amr\""));

    let q = "/services?q=%E4%BC%81%E4%B8%9A%E5%BC%80%E5%8A%9E"; // 企业开办
    let (_, zh) = page(&app, q, "zh").await;
    assert_eq!(guide_links(&zh), vec!["start-business"]);
    assert!(
        zh.contains("value=\"企业开办\""),
        "the search box keeps what was typed"
    );

    let (_, en) = page(&app, "/services?q=business", "en").await;
    let links = guide_links(&en);
    assert!(links.contains(&"start-business".to_string()), "{links:?}");
    assert!(links.contains(&"business-registration".to_string()));
    assert!(!links.contains(&"residence-permit".to_string()));
    assert!(en.contains("<h1>Services</h1>"));
    assert!(en.contains("Start a business (one-stop)"));
    assert!(!en.contains("??"));

    let (_, amr) = page(&app, "/services?department=amr", "en").await;
    let links = guide_links(&amr);
    assert!(links.contains(&"food-business-licence".to_string()));
    assert!(links.contains(&"start-business".to_string()));
    assert!(!links.contains(&"residence-permit".to_string()));
    assert!(
        amr.contains("aria-current=\"true\""),
        "the chosen department is marked"
    );
    assert!(
        amr.contains("name=\"department\" value=\"amr\""),
        "a search keeps the filter"
    );

    let (_, none) = page(&app, "/services?q=zzzz-nothing", "en").await;
    assert!(guide_links(&none).is_empty());
    assert!(none.contains("No service matches"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guide_shows_limits_materials_fields_and_steps() {
    let app = TestApp::new().await;
    let (status, g) = page(&app, "/services/food-business-licence", "zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(g.contains("<h1>食品经营许可（餐饮服务）</h1>"));
    assert!(g.contains("示范市市场监督管理局"), "the department's name");
    for text in [
        "办事指南",
        "承诺时限",
        "5 个工作日",
        "10 个工作日",
        "不收费",
        "《中华人民共和国食品安全法》第三十五条",
        "免提交",
        "营业执照",
        "从业人员健康证明",
        "经营场所面积（平方米）",
        "热食类食品制售",
        "以下部门同时办理",
        "ALG-AMR-2025-0010",
        "咨询",
        // Steps by name, and what each waits for by name too.
        "卫生健康部门现场核查",
        "<td>卫生健康部门现场核查、消防安全检查</td>",
    ] {
        assert!(g.contains(text), "the guide lacks {text}");
    }
    assert!(!g.contains("??"));
    assert!(!g.contains("<script"));
    // Stages in order: accept, then health and fire together, then the decision.
    let at = |s: &str| g.find(s).unwrap();
    assert!(at("<code>accept</code>") < at("<code>health</code>"));
    assert!(at("<code>fire</code>") < at("<code>decide</code>"));

    let (_, en) = page(&app, "/services/food-business-licence", "en").await;
    assert!(en.contains("<h1>Food business licence (catering)</h1>"));
    assert!(en.contains("Administration for Market Regulation"));
    assert!(en.contains("No need to submit"));
    assert!(en.contains("these departments work at the same time"));
    assert!(!en.contains("??"));

    let (_, bundle) = page(&app, "/services/start-business", "en").await;
    assert!(bundle.contains("Services included"));
    for part in [
        "business-registration",
        "seal-engraving",
        "tax-registration",
        "social-security-registration",
        "housing-fund-account",
    ] {
        assert!(
            bundle.contains(&format!("href=\"/services/{part}\"")),
            "{part}"
        );
    }
    assert!(bundle.contains("the others still go ahead"));

    let (status, missing) = page(&app, "/services/no-such-service", "en").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("no-such-service"));
    assert!(missing.contains("catalogue.service.not_found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_lists_and_describes_services() {
    let app = TestApp::new().await;
    let (status, list) = json(&app, "/api/v1/services?q=business&department=amr").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"start-business") && ids.contains(&"food-business-licence"));
    assert_eq!(list["total"], 32);
    assert!(list["life_events"].as_array().unwrap().len() > 5);

    let (status, g) = json(&app, "/api/v1/services/start-business").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(g["kind"], "bundle");
    assert_eq!(g["name"]["zh"], "企业开办一件事");
    assert_eq!(g["parts"].as_array().unwrap().len(), 5);
    assert_eq!(g["on_part_rejected"], "continue");
    assert_eq!(g["enquiries"]["code"], "gsdm");

    let (status, e) = json(&app, "/api/v1/services/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "catalogue.service.not_found");
}

async fn post_reload(app: &axum::Router, token: Option<&str>) -> (StatusCode, serde_json::Value) {
    let mut b = Request::post("/api/v1/admin/reload");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = app
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    (status, serde_json::from_str(&body_text(res).await).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_is_for_operations_and_reports_every_problem() {
    let app = TestApp::new().await;
    let ops = app.token("gsdm.ops").await;
    let (status, ok) = post_reload(&app.app, Some(&ops)).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(
        (ok["services"].as_u64(), ok["bundles"].as_u64()),
        (Some(30), Some(2))
    );
    assert_eq!(ok["changed"].as_array().unwrap().len(), 0);
    let (status, _) = post_reload(&app.app, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let citizen = app.token("zhangwei").await;
    let (status, _) = post_reload(&app.app, Some(&citizen)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A folder of our own, to break.
    let dir = tempfile::tempdir().unwrap();
    let services = dir.path().join("services");
    std::fs::create_dir(&services).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services");
    for file in [
        "amr/food-business-licence.toml",
        "psb/residence-permit.toml",
    ] {
        let to = services.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(shipped.join(file), to).unwrap();
    }
    let settings = PlatformSettings {
        database_url: format!("sqlite://{}/govops.db", dir.path().display()),
        journal_origin: "test.example/journal".into(),
        licences: Default::default(),
        catalogue_dir: Some(services.clone()),
        files_dir: None,
    };
    let clock = ManualClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let platform = Platform::open(&settings, Arc::new(clock)).await.unwrap();
    platform.seed_demo().await.unwrap();
    let router = govops_web::app(platform.clone(), govops_web::WebSettings::default());
    let admin = {
        let body = format!(
            r#"{{"username":"admin","password":"{}"}}"#,
            common::PASSWORD
        );
        let req = Request::post("/api/v1/sessions")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
        v["token"].as_str().unwrap().to_string()
    };

    let food = services.join("amr/food-business-licence.toml");
    let text = std::fs::read_to_string(&food).unwrap();
    std::fs::write(
        &food,
        text.replacen("after = [\"accept\"]", "after = [\"inspect\"]", 1),
    )
    .unwrap();
    let (status, refused) = post_reload(&router, Some(&admin)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "catalogue.invalid");
    let problems = refused["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    assert!(
        problems[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("food-business-licence.toml")
    );
    assert!(problems[0]["line"].as_u64().unwrap() > 1);
    assert!(problems[0]["field"].as_str().unwrap().starts_with("steps["));
    let (_, still) = {
        let res = router
            .clone()
            .oneshot(
                Request::get("/api/v1/services/food-business-licence")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        (res.status(), body_text(res).await)
    };
    assert!(still.contains("\"stages\""), "the running version stays");

    std::fs::write(&food, text.replacen("version = 1", "version = 2", 1)).unwrap();
    let (status, ok) = post_reload(&router, Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    assert_eq!(ok["journaled"], true);
    assert_eq!(ok["changed"][0]["id"], "food-business-licence");
    assert_eq!(ok["changed"][0]["version"], 2);
    assert_eq!(
        platform.catalogue().services["food-business-licence"].version,
        2
    );
}
