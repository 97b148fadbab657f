//! The licence pages and API end to end: wallet → present (QR and link) → verify page
//! and API → revoke by the issuing department → status list token and verify say so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, body_text};
use serde_json::{Value, json};

async fn post_json(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let res = app
        .send(b.body(Body::from(body.to_string())).unwrap())
        .await;
    let status = res.status();
    (status, serde_json::from_str(&body_text(res).await).unwrap())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"))
        + start.len();
    &text[at..at + text[at..].find(end).unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_present_verify_revoke() {
    let app = TestApp::new().await;
    let (cookie, csrf) = app.browser("zhangwei").await;
    let page = body_text(app.get("/wallet", Some(&cookie)).await).await;
    assert!(page.contains("居住证"), "{page}");
    assert!(page.contains("社会保障卡"));
    let id = between(&page, "<a href=\"/wallet/", "\"").to_owned();

    let res = app
        .get(&format!("/wallet/{id}/download"), Some(&cookie))
        .await;
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/dc+sd-jwt");
    let sd_jwt = body_text(res).await;
    assert!(sd_jwt.ends_with('~') && sd_jwt.matches('~').count() >= 3);

    let res = app
        .post_form(
            &format!("/wallet/{id}/present"),
            &cookie,
            &format!("csrf={csrf}&f_name=1"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = body_text(res).await;
    assert!(
        page.contains("src=\"data:image/svg+xml;base64,"),
        "a QR code"
    );
    let link = format!(
        "http{}",
        between(&page, "<p><a href=\"http", "\" class=\"wrap\"")
    );
    assert!(
        link.starts_with("http://127.0.0.1:8080/verify?p="),
        "{link}"
    );
    let text = between(&page, "readonly>", "</textarea>").to_owned();

    // The link opens the verify page with the answer; anyone may open it.
    let path = link.trim_start_matches("http://127.0.0.1:8080");
    let page = body_text(app.get(path, None).await).await;
    assert!(page.contains("verdict valid"), "{page}");
    assert!(page.contains("licence.valid"));

    let (status, report) = post_json(
        &app,
        "/api/v1/licences/verify",
        None,
        json!({ "presentation": text, "licence_type": "residence-permit" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["valid"], true, "{report}");
    let names: Vec<&str> = report["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["name"]);

    // Issuer documents.
    let res = app
        .get("/.well-known/jwt-vc-issuer/issuers/psb", None)
        .await;
    let meta: Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(meta["issuer"], "http://127.0.0.1:8080/issuers/psb");
    assert_eq!(meta["jwks"]["keys"][0]["kty"], "EC");
    let res = app.get("/issuers/psb/status/1", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/statuslist+jwt"
    );
    let before = body_text(res).await;

    // A psb official revokes it through the page; the citizen cannot.
    let (c_cookie, c_csrf) = (cookie.clone(), csrf.clone());
    let res = app
        .post_form(
            &format!("/licences/{id}/status"),
            &c_cookie,
            &format!("csrf={c_csrf}&action=revoke&reason=x"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (o_cookie, o_csrf) = app.browser("psb.official").await;
    let res = app
        .post_form(
            &format!("/licences/{id}/status"),
            &o_cookie,
            &format!("csrf={o_csrf}&action=revoke&reason="),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    assert!(body_text(res).await.contains("error-summary"));
    let res = app
        .post_form(
            &format!("/licences/{id}/status"),
            &o_cookie,
            &format!("csrf={o_csrf}&action=revoke&reason=%E4%BC%AA%E9%80%A0%E6%9D%90%E6%96%99"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = body_text(app.get("/licences", Some(&o_cookie)).await).await;
    assert!(
        list.contains("已吊销") || list.contains("Revoked"),
        "{list}"
    );
    let after = body_text(app.get("/issuers/psb/status/1", None).await).await;
    assert_ne!(before, after, "the status list changed at once");

    let (_, report) = post_json(
        &app,
        "/api/v1/licences/verify",
        None,
        json!({ "presentation": text }),
    )
    .await;
    assert_eq!(report["valid"], false);
    assert_eq!(report["code"], "licence.revoked");

    // The API refuses a second change of a revoked licence with 409.
    let token = app.token("psb.official").await;
    let (status, body) = post_json(
        &app,
        &format!("/api/v1/licences/{id}/status"),
        Some(&token),
        json!({ "action": "reinstate", "reason": "错误" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_page_explains_bad_input() {
    let app = TestApp::new().await;
    let page = body_text(app.get("/verify?p=eyJhbGciOiJub25lIn0.e30.~", None).await).await;
    assert!(page.contains("verdict invalid"), "{page}");
    assert!(
        page.contains("licence.bad_algorithm") || page.contains("licence.malformed"),
        "{page}"
    );
    let res = app
        .post_form(
            "/verify",
            "govops_csrf=anon-csrf-token",
            "csrf=anon-csrf-token&presentation=",
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(res).await.contains("error-summary"));
    let (status, body) = post_json(
        &app,
        "/api/v1/licences/verify",
        None,
        json!({ "presentation": "x".repeat(70_000) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["code"], "licence.too_large");
}
