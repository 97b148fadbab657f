//! The data hub's pages and API: no GET route shows a raw identity number or phone to
//! anyone; uploads report malformed rows by row and column; the steward's dataset page,
//! classification and repair forms; grants over the API; the scorecards page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, body_text};

const USERS: [&str; 8] = [
    "zhangwei",
    "lina",
    "amr.official",
    "amr.head",
    "gsdm.ops",
    "amr.steward",
    "auditor",
    "admin",
];

fn secrets() -> Vec<String> {
    govops_core::demo::people()
        .unwrap()
        .into_iter()
        .flat_map(|p| [p.resident_id, p.phone])
        .collect()
}

fn assert_no_secret(label: &str, body: &str, secrets: &[String]) {
    let found: Vec<&String> = secrets
        .iter()
        .filter(|s| body.contains(s.as_str()))
        .collect();
    assert!(
        found.is_empty(),
        "{label} shows {:?}",
        &found[..found.len().min(3)]
    );
}

/// Every data-hub GET route, as every role (and the owners' stewards), shows no raw
/// resident ID or phone number of the demo population.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_get_route_shows_sensitive_values() {
    let app = TestApp::new().await;
    let secrets = secrets();
    let paths = [
        "/data/datasets",
        "/data/datasets/population-registry",
        "/data/datasets/business-registry",
        "/data/datasets/social-security-enrolments",
        "/data/upload",
        "/steward",
        "/ops/scorecards",
        "/api/v1/datasets",
        "/api/v1/datasets/population-registry",
        "/api/v1/datasets/social-security-enrolments",
        "/api/v1/datasets/population-registry/rows?basis=steward&limit=1000",
        "/api/v1/datasets/social-security-enrolments/rows?basis=steward&limit=1000",
        "/api/v1/datasets/business-registry/rows?basis=steward&limit=1000",
        "/api/v1/datasets/business-registry/rows?basis=open&limit=1000",
        "/api/v1/datasets/population-registry/rows?basis=open",
        "/api/v1/grants",
        "/api/v1/data-usage",
        "/api/v1/scorecards",
        "/api/v1/open/catalog",
        "/api/3/action/package_search",
        "/api/3/action/package_show?id=business-registry",
        "/open/download/business-registry.v1",
    ];
    let mut users: Vec<&str> = USERS.to_vec();
    users.extend(["psb-hukou.steward", "hrss.steward"]);
    let mut seen_rows = 0;
    for u in users {
        let token = app.token(u).await;
        let cookie = format!("govops_session={token}");
        for path in paths {
            let req = Request::get(path)
                .header(header::COOKIE, &cookie)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let res = app.send(req).await;
            let status = res.status();
            let body = body_text(res).await;
            if status == StatusCode::OK && path.contains("/rows?basis=steward") {
                seen_rows += 1;
            }
            assert_no_secret(&format!("{path} as {u}"), &body, &secrets);
        }
    }
    // Each owner's steward did get its rows (masked).
    assert_eq!(seen_rows, 3);
    for path in paths {
        let body = body_text(app.get(path, None).await).await;
        assert_no_secret(&format!("{path} anonymously"), &body, &secrets);
    }
}

fn multipart(
    csrf: &str,
    dataset: &str,
    file_name: &str,
    file: &str,
    on_bad: &str,
) -> (String, String) {
    let b = "XboundaryX";
    let mut body = String::new();
    for (name, value) in [("csrf", csrf), ("dataset", dataset), ("on_bad_row", on_bad)] {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{b}--\r\n"
    ));
    (format!("multipart/form-data; boundary={b}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_page_reports_malformed_rows_and_refuses_or_skips() {
    let app = TestApp::new().await;
    let (cookie, csrf) = app.browser("amr.steward").await;
    let page = body_text(app.get("/data/upload", Some(&cookie)).await).await;
    assert!(page.contains("business-registry"));
    let file = "credit_code,company_name,legal_rep_id,legal_rep_name,registered_address,\
                registered_capital,established_on,status\n\
                91110101MA0000001X,甲,,,地址,1,2020-01-01,存续\n\
                \"broken,乙,,,地址,1,2020-01-01,存续\n";
    let post = |on_bad: &'static str, file: &'static str| {
        let (ct, body) = multipart(&csrf, "business-registry", "firms.csv", file, on_bad);
        Request::post("/data/upload")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap()
    };
    // Refused: the page says which row and why, and no version is added.
    let res = app.send(post("refuse", file)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = body_text(res).await;
    assert!(text.contains("error-summary"), "{text}");
    assert!(text.contains("row 2"), "{text}");
    let d = app
        .platform
        .dataset_page(
            &app.platform
                .principal("demo-account-amr.steward")
                .await
                .unwrap(),
            "business-registry",
        )
        .await
        .unwrap();
    assert_eq!(d.dataset.current_version, 1);
    // Skipped: stored, and the skipped row listed.
    let res = app.send(post("skip", file)).await;
    let status = res.status();
    let text = body_text(res).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("<td>2</td>"), "{text}");
    // No file, or a file of unknown type: the field is named.
    let res = app.send(post("skip", "")).await;
    assert!(body_text(res).await.contains("href=\"#file\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steward_pages_grants_and_scorecards() {
    let app = TestApp::new().await;
    let (cookie, csrf) = app.browser("psb-hukou.steward").await;
    let page = body_text(
        app.get("/data/datasets/population-registry", Some(&cookie))
            .await,
    )
    .await;
    // Failing-row samples, the classification form and the repair form are there.
    assert!(page.contains("resident_id_checksum"), "quality table");
    assert!(page.contains("name=\"level.resident_id\""));
    assert!(page.contains("action=\"/data/datasets/population-registry/repair\""));
    // Repair preview through the form.
    let res = app
        .post_form(
            "/data/datasets/population-registry/repair",
            &cookie,
            &format!("csrf={csrf}&action=preview&fixes=phone+phone%0D%0Aname+trim&dedup_keys=&survivorship=first"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = body_text(res).await;
    assert!(
        text.contains("name=\"action\" value=\"apply\""),
        "apply offered after preview"
    );
    // A wrong fix is shown in the error summary.
    let res = app
        .post_form(
            "/data/datasets/population-registry/repair",
            &cookie,
            &format!("csrf={csrf}&action=preview&fixes=phone+scramble"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(res).await.contains("scramble"));
    // Apply: a new version.
    let res = app
        .post_form(
            "/data/datasets/population-registry/repair",
            &cookie,
            &format!("csrf={csrf}&action=apply&fixes=phone+phone"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The schema form: a column's type changed as a new version.
    let res = app
        .post_form(
            "/data/datasets/population-registry/schema",
            &cookie,
            &format!("csrf={csrf}&type.registered_on=text"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = body_text(
        app.get(
            "/data/datasets/population-registry?done=schema",
            Some(&cookie),
        )
        .await,
    )
    .await;
    assert!(
        page.contains("column types changed from version 2"),
        "lineage of the retype"
    );

    // A grant requested over the API by HRSS, decided on the page by the owner.
    let hrss = app.token("hrss.official").await;
    let req = Request::post("/api/v1/grants")
        .header(header::AUTHORIZATION, format!("Bearer {hrss}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"dataset":"population-registry","grantee_department":"hrss","columns":["resident_id","name"],"purpose":"check enrolment names against the registry","valid_days":30}"#,
        ))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let grant: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    let id = grant["id"].as_str().unwrap().to_string();
    // Another request through the page form: a purpose that is too short is refused
    // beside its field.
    let (hrss_cookie, hrss_csrf) = app.browser("hrss.official").await;
    let res = app
        .post_form(
            "/data/grants",
            &hrss_cookie,
            &format!("csrf={hrss_csrf}&dataset=population-registry&grantee_department=hrss&column=name&purpose=x&valid_days=30"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(res).await.contains("href=\"#purpose\""));
    let res = app
        .post_form(
            "/data/grants",
            &hrss_cookie,
            &format!("csrf={hrss_csrf}&dataset=population-registry&grantee_department=hrss&column=name&column=district&purpose=count+residents+by+district&valid_days=30"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let steward_home = body_text(app.get("/steward", Some(&cookie)).await).await;
    assert!(steward_home.contains("count residents by district"));
    assert!(steward_home.contains("check enrolment names"));
    let res = app
        .post_form(
            &format!("/data/grants/{id}/decision"),
            &cookie,
            &format!("csrf={csrf}&decision=approve&note="),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rows = |purpose: &'static str| {
        Request::get(format!(
            "/api/v1/datasets/population-registry/rows?basis=grant&grant={id}&purpose={purpose}&limit=5"
        ))
        .header(header::AUTHORIZATION, format!("Bearer {hrss}"))
        .body(Body::empty())
        .unwrap()
    };
    let res = app.send(rows("enrolment%20check")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let read: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(read["columns"], serde_json::json!(["resident_id", "name"]));
    assert_eq!(read["rows"].as_array().unwrap().len(), 5);
    let res = app.send(rows("")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let usage = body_text(app.get("/data/datasets", Some(&cookie)).await).await;
    assert!(usage.contains("hrss") && usage.contains("check enrolment names"));

    // The operations office's scorecards, in both languages.
    let (ops, _) = app.browser("gsdm.ops").await;
    let page = body_text(app.get("/ops/scorecards", Some(&ops)).await).await;
    assert!(page.contains("示范市公安局户政管理支队"), "{page}");
    let token = app.token("gsdm.ops").await;
    let req = Request::put("/api/v1/scorecards/thresholds")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"red_below":99.9,"yellow_below":100}"#))
        .unwrap();
    assert_eq!(app.send(req).await.status(), StatusCode::OK);
    let page = body_text(app.get("/ops/scorecards", Some(&ops)).await).await;
    assert!(page.contains("红牌"), "{page}");
}
