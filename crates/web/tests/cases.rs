//! The case pages and API end to end, in process: apply with a multipart form (errors shown
//! beside fields, typed values kept, files kept), the applicant's list, the official's
//! workbench and actions, and the JSON API doing the same flow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, body_text};
use serde_json::{Value, json};

const BOUNDARY: &str = "govops-test-boundary";

fn multipart(parts: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in parts {
        out.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        out.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        out.extend(*bytes);
        out.extend(b"\r\n");
    }
    out.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    cookie: &str,
    body: Vec<u8>,
) -> axum::http::Response<Body> {
    let req = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_through_the_pages_keeps_input_and_lists_every_error() {
    let app = TestApp::new().await;
    let (cookie, csrf) = app.browser("lina").await;
    let page = body_text(app.get("/apply/food-business-licence", Some(&cookie)).await).await;
    assert!(page.contains("name=\"f:credit_code\""), "{page}");
    // Pre-filled from the directory: lina's enterprise name appears as a value.
    let (ent,): (String,) = sqlx::query_as(
        "SELECT e.name FROM enterprises e JOIN enterprise_agents a ON a.enterprise_id = e.id \
         JOIN accounts c ON c.person_id = a.person_id WHERE c.username = 'lina' ORDER BY e.name LIMIT 1",
    )
    .fetch_one(app.platform.store().pool())
    .await
    .unwrap();
    let enterprise_id: (String,) = sqlx::query_as("SELECT id FROM enterprises WHERE name = $1")
        .bind(ent.clone())
        .fetch_one(app.platform.store().pool())
        .await
        .unwrap();

    // Submit with a bad phone, no address, a refused file type: every error at once,
    // what was typed kept, nothing stored.
    let body = multipart(
        &[
            ("csrf", &csrf),
            ("intent", "submit"),
            ("applicant", &enterprise_id.0),
            ("idempotency_key", "k-1"),
            ("f:enterprise_name", &ent),
            ("f:contact_phone", "12345"),
            ("f:food_safety_manager", "王小明"),
        ],
        &[("file:floor-plan", "plan.exe", b"MZ\x90\x00")],
    );
    let res = post_multipart(&app, "/apply/food-business-licence", &cookie, body).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(res).await;
    assert!(page.contains("error-summary"), "{page}");
    for anchor in ["#contact_phone", "#address", "#material:floor-plan"] {
        assert!(page.contains(anchor), "{anchor} missing");
    }
    assert!(page.contains("value=\"王小明\""), "typed values are kept");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases")
        .fetch_one(app.platform.store().pool())
        .await
        .unwrap();
    assert_eq!(n, 0);

    // A complete application through the page goes to amr's workbench.
    let lina = app.platform.principal("demo-account-lina").await.unwrap();
    let credit: (String,) = sqlx::query_as("SELECT credit_code FROM enterprises WHERE id = $1")
        .bind(enterprise_id.0.clone())
        .fetch_one(app.platform.store().pool())
        .await
        .unwrap();
    let sample = app
        .platform
        .sample_application("food-business-licence", "110101199003070011", &credit.0)
        .unwrap();
    let mut parts: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("intent".into(), "submit".into()),
        ("applicant".into(), enterprise_id.0.clone()),
        ("idempotency_key".into(), "k-2".into()),
    ];
    for (k, v) in &sample {
        let v = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        parts.push((format!("f:{k}"), v));
    }
    let borrowed: Vec<(&str, &str)> = parts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let body = multipart(
        &borrowed,
        &[
            ("file:floor-plan", "plan.pdf", b"%PDF-1.4 plan"),
            ("file:food-safety-rules", "rules.pdf", b"%PDF-1.4 rules"),
        ],
    );
    let res = post_multipart(&app, "/apply/food-business-licence", &cookie, body).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        body_text(res).await
    );
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/cases/"), "{location}");
    let _ = lina;
    let case_page = body_text(app.get(&location, Some(&cookie)).await).await;
    assert!(case_page.contains("SFS-2026-"), "{case_page}");
    // Steps are shown by their names, not their ids.
    assert!(case_page.contains("<td>受理</td>"), "{case_page}");
    assert!(!case_page.contains("<td>accept</td>"), "{case_page}");

    let (amr, amr_csrf) = app.browser("amr.official").await;
    let bench = body_text(app.get("/workbench", Some(&amr)).await).await;
    assert!(bench.contains("SFS-2026-"), "{bench}");
    assert!(bench.contains("<td>受理</td>"), "{bench}");
    let amr_case = body_text(app.get(&location, Some(&amr)).await).await;
    assert!(
        amr_case.contains("受理</h2>"),
        "the task to act on is named: {amr_case}"
    );
    let case_id = location
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let res = app
        .post_form(
            &format!("/cases/{case_id}/act"),
            &amr,
            &format!("csrf={amr_csrf}&step=accept&action=approve"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Twice: refused clearly, on the page.
    let res = app
        .post_form(
            &format!("/cases/{case_id}/act"),
            &amr,
            &format!("csrf={amr_csrf}&step=accept&action=approve"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(body_text(res).await.contains("already"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_runs_the_whole_flow() {
    let app = TestApp::new().await;
    let token = app.token("lina").await;
    let call = |method: &str, path: &str, token: &str, body: Option<Value>| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        b.body(body).unwrap()
    };
    let form: Value = serde_json::from_str(
        &body_text(
            app.send(call(
                "GET",
                "/api/v1/services/food-business-licence/form",
                &token,
                None,
            ))
            .await,
        )
        .await,
    )
    .unwrap();
    let enterprise = form["applicants"][1]["value"].as_str().unwrap().to_owned();
    let up = |name: &str, bytes: &'static [u8]| {
        Request::post(format!("/api/v1/uploads?file_name={name}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(bytes))
            .unwrap()
    };
    let res = app.send(up("plan.pdf", b"%PDF-1.4 plan")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let plan: Value = serde_json::from_str(&body_text(res).await).unwrap();
    let res = app.send(up("rules.pdf", b"%PDF-1.4 rules")).await;
    let rules: Value = serde_json::from_str(&body_text(res).await).unwrap();
    let res = app.send(up("rules.pdf", b"not a pdf")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (credit,): (String,) = sqlx::query_as("SELECT credit_code FROM enterprises WHERE id = $1")
        .bind(enterprise.clone())
        .fetch_one(app.platform.store().pool())
        .await
        .unwrap();
    let sample = app
        .platform
        .sample_application("food-business-licence", "110101199003070011", &credit)
        .unwrap();
    let submit = json!({
        "service": "food-business-licence", "form": sample, "applicant": enterprise,
        "materials": {"floor-plan": plan["hash"], "food-safety-rules": rules["hash"]},
        "idempotency_key": "api-1",
    });
    let res = app
        .send(call("POST", "/api/v1/cases", &token, Some(submit.clone())))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let made: Value = serde_json::from_str(&body_text(res).await).unwrap();
    let res = app
        .send(call("POST", "/api/v1/cases", &token, Some(submit)))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the same key returns the same case"
    );
    let again: Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(made["id"], again["id"]);
    let id = made["id"].as_str().unwrap();

    for (user, step) in [
        ("amr.official", "accept"),
        ("nhc.official", "health-check"),
        ("fire.official", "fire-check"),
        ("amr.head", "decide"),
    ] {
        let t = app.token(user).await;
        let tasks: Value = serde_json::from_str(
            &body_text(app.send(call("GET", "/api/v1/tasks", &t, None)).await).await,
        )
        .unwrap();
        let task = tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["case_id"] == id)
            .unwrap_or_else(|| {
                panic!("{user} sees no task for the case ({step} expected): {tasks}")
            });
        if user == "amr.official" {
            assert_eq!(
                task["step_name"],
                json!({"zh": "受理", "en": "Acceptance"}),
                "{task}"
            );
        }
        let step = task["step"].as_str().unwrap().to_owned();
        let res = app
            .send(call(
                "POST",
                &format!("/api/v1/cases/{id}/act"),
                &t,
                Some(json!({"step": step, "action": "approve"})),
            ))
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{user}: {}",
            body_text(res).await
        );
    }
    let detail: Value = serde_json::from_str(
        &body_text(
            app.send(call("GET", &format!("/api/v1/cases/{id}"), &token, None))
                .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(detail["summary"]["status"], "completed", "{detail}");
    let health = detail["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["step"] == "health")
        .unwrap();
    assert_eq!(health["step_name"]["en"], "Health inspection", "{health}");
    assert!(
        detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["step"] == "decide" && e["step_name"]["zh"] == "审批决定"),
        "{detail}"
    );
    let notices: Value = serde_json::from_str(
        &body_text(app.send(call("GET", "/api/v1/notices", &token, None)).await).await,
    )
    .unwrap();
    assert!(
        notices
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "case.closed")
    );
}

/// `GET /api/v1/services/{id}/form?applicant=…` opens the form for that applicant: a
/// service for enterprises opens for the caller's enterprise, pre-filled from the business
/// registry under the tax department's grant; as a person it is not; for an enterprise the
/// caller does not act for it is refused. The page takes the same parameter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_opens_for_the_chosen_applicant() {
    let app = TestApp::new().await;
    let token = app.token("lina").await;
    let form = |query: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let res = app
                .send(
                    Request::get(format!("/api/v1/services/vat-invoice-limit/form{query}"))
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            let status = res.status();
            let v: Value = serde_json::from_str(&body_text(res).await).unwrap();
            (status, v)
        }
    };
    let address = |v: &Value| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "registered_address")
            .map(|f| {
                (
                    f["value"].as_str().unwrap().to_owned(),
                    f["prefilled"] == true,
                )
            })
            .unwrap()
    };
    let (status, by_default) = form("").await;
    assert_eq!(status, StatusCode::OK);
    let (value, prefilled) = address(&by_default);
    assert!(!value.is_empty() && prefilled, "{value}");
    let enterprise = by_default["applicants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["selected"] == true)
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(enterprise, "person");
    let (_, as_person) = form("?applicant=person").await;
    assert_eq!(address(&as_person), (String::new(), false));
    let (status, _) = form("?applicant=demo-enterprise-999").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (cookie, _) = app.browser("lina").await;
    let page = app
        .get("/apply/vat-invoice-limit?applicant=person", Some(&cookie))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = body_text(page).await;
    assert!(html.contains(&format!("/apply/vat-invoice-limit?applicant={enterprise}")));
}
