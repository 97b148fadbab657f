//! The HTTP edge: OpenAPI completeness, bad input, security headers, language, forms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{PASSWORD, TestApp, body_text, csrf_in};
use utoipa::OpenApi;

#[test]
fn every_api_route_is_in_the_openapi_document() {
    let doc = govops_web::api::ApiDoc::openapi();
    let mut documented = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::DELETE, &item.delete),
            (Method::PATCH, &item.patch),
        ] {
            if op.is_some() {
                documented.push((method, path.clone()));
            }
        }
    }
    let routes: Vec<(Method, String)> = govops_web::routes::table()
        .list
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/") || *p == "/healthz" || *p == "/readyz")
        .map(|(m, p)| (m, p.to_string()))
        .collect();
    assert!(routes.len() >= 10);
    for r in &routes {
        assert!(
            documented.contains(r),
            "{} {} is served but not in /api/openapi.json",
            r.0,
            r.1
        );
    }
    for d in &documented {
        assert!(
            routes.contains(d),
            "{} {} is documented but not served",
            d.0,
            d.1
        );
    }
}

async fn json_error(res: axum::http::Response<Body>) -> serde_json::Value {
    let text = body_text(res).await;
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert!(v["error"]["code"].is_string(), "{v}");
    assert!(v["error"]["message"].is_string(), "{v}");
    v
}

async fn journal_len(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM journal_entries")
        .fetch_one(app.platform.store().pool())
        .await
        .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_errors_and_writes_nothing() {
    let app = TestApp::new().await;
    let before = journal_len(&app).await;

    // Unknown route, as a page and as JSON.
    let res = app.get("/no/such/page", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(body_text(res).await.contains("/no/such/page"));
    let res = app.get("/api/v1/nothing", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_error(res).await["error"]["code"], "route.not_found");

    // Wrong method.
    let res = app
        .send(Request::delete("/login").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Malformed JSON and wrong types.
    let req = Request::post("/api/v1/sessions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_error(res).await["error"]["code"], "request.json");

    // Oversized body.
    let big = "a".repeat(2 * 1024 * 1024);
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "govops_csrf=t")
        .body(Body::from(format!("csrf=t&username={big}")))
        .unwrap();
    let res = app.send(req).await;
    let status = res.status();
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        body_text(res).await
    );

    // Bad UTF-8 in a form.
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, "govops_csrf=t")
        .body(Body::from(&b"csrf=t&username=%FF%FE&password=x"[..]))
        .unwrap();
    let res = app.send(req).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let text = body_text(res).await;
    assert!(
        !text.contains("panicked") && !text.contains("sqlx"),
        "no internals leak: {text}"
    );

    // Forged CSRF token.
    let res = app
        .post_form(
            "/login",
            "govops_csrf=real-token",
            &format!("csrf=forged&username=zhangwei&password={PASSWORD}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(body_text(res).await.contains("csrf.invalid"));

    // Invalid query parameters on the proof API.
    let res = app
        .get("/api/v1/journal/proof/inclusion?index=x&size=1", None)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_error(res).await["error"]["code"], "request.query");
    let res = app
        .get("/api/v1/journal/proof/inclusion?index=5&size=2", None)
        .await;
    assert_eq!(
        json_error(res).await["error"]["code"],
        "journal.proof.range"
    );

    // Invalid identifiers on registration: every field's error at once, values kept.
    let anon = "govops_csrf=t";
    let form = "csrf=t&name=%E7%8E%8B&resident_id=110105194912310021&phone=123&username=ok.name&password=short&password_confirm=short";
    let res = app.post_form("/register", anon, form).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(res).await;
    assert!(page.contains("error-summary"));
    assert!(page.contains("id=\"resident_id-error\""));
    assert!(page.contains("id=\"phone-error\""));
    assert!(page.contains("id=\"password-error\""));
    assert!(
        page.contains("value=\"110105194912310021\""),
        "what was typed is kept"
    );
    assert!(
        !page.contains("value=\"short\""),
        "passwords are never echoed"
    );

    // Nothing above wrote anything: each request was refused before any change.
    assert_eq!(journal_len(&app).await, before);

    // And the server still serves.
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_shows_the_form_again_and_is_journaled() {
    let app = TestApp::new().await;
    let before = journal_len(&app).await;
    let page = body_text(app.get("/login", Some("govops_csrf=tok")).await).await;
    assert_eq!(csrf_in(&page), "tok");
    let res = app
        .post_form(
            "/login",
            "govops_csrf=tok",
            "csrf=tok&username=zhangwei&password=wrong-password",
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(res).await;
    assert!(page.contains("error-summary") && page.contains("value=\"zhangwei\""));
    assert_eq!(journal_len(&app).await, before + 1);

    let res = app
        .post_form(
            "/login",
            "govops_csrf=tok",
            &format!("csrf=tok&username=zhangwei&password={PASSWORD}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set_cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("Secure"), "no Secure flag without TLS");
    let token = set_cookie.split(';').next().unwrap().to_string();
    let home = app.get("/home", Some(&token)).await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(body_text(home).await.contains("张伟"));

    // Idle for 31 minutes: the session is gone and the login page says why.
    app.clock.advance(time::Duration::minutes(31));
    let res = app.get("/home", Some(&token)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        "/login?notice=auth.session_expired"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::new().await;
    for path in ["/", "/login", "/api/v1/departments", "/nope"] {
        let res = app.get(path, None).await;
        let h = res.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "same-origin");
        assert!(
            h.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "no HSTS without TLS"
        );
    }
    let tls = govops_web::app(
        app.platform.clone(),
        govops_web::WebSettings {
            tls: true,
            ..Default::default()
        },
    );
    use tower::ServiceExt;
    let res = tls
        .oneshot(Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(
        res.headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_some()
    );
    let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_follows_accept_language_then_the_toggle() {
    let app = TestApp::new().await;
    let zh = body_text(app.get("/login", None).await).await;
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("登录"));
    let req = Request::get("/login")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .body(Body::empty())
        .unwrap();
    let en = body_text(app.send(req).await).await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in"));
    let res = app.get("/lang/zh?back=/register", None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/register");
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let req = Request::get("/login")
        .header(header::ACCEPT_LANGUAGE, "en")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    assert!(
        body_text(app.send(req).await)
            .await
            .contains("<html lang=\"zh-CN\">"),
        "the toggle beats Accept-Language"
    );
    // The toggle only returns to local paths.
    let res = app.get("/lang/en?back=//evil.example/", None).await;
    assert_eq!(res.headers()[header::LOCATION], "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_api_serves_checkpoints_and_proofs_anyone_can_check() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/journal/checkpoint", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    let size = c["size"].as_u64().unwrap();
    let root: [u8; 32] = hex::decode(c["root"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let entry = app.platform.journal().entry(3).await.unwrap();
    let res = app
        .get(
            &format!("/api/v1/journal/proof/inclusion?index=3&size={size}"),
            None,
        )
        .await;
    let p: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    let proof: Vec<[u8; 32]> = p["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            hex::decode(h.as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        })
        .collect();
    govops_journal::verify_inclusion(
        3,
        size,
        &govops_journal::leaf_hash(entry.body.as_bytes()),
        &proof,
        &root,
    )
    .unwrap();
    // Entries themselves are for auditors.
    let (cookie, _) = app.browser("auditor").await;
    let res = app.get("/api/v1/journal/entries/3", Some(&cookie)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let e: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(e["body"], entry.body);
    let (cookie, _) = app.browser("zhangwei").await;
    assert_eq!(
        app.get("/api/v1/journal/entries/3", Some(&cookie))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_lands_on_a_home_page_with_its_own_links() {
    let app = TestApp::new().await;
    for (user, link) in [
        ("zhangwei", "/portal"),
        ("lina", "/enterprise"),
        ("amr.official", "/workbench"),
        ("amr.head", "/workbench"),
        ("gsdm.ops", "/ops"),
        ("amr.steward", "/steward"),
        ("auditor", "/audit"),
        ("admin", "/admin"),
    ] {
        let (cookie, _) = app.browser(user).await;
        let home = body_text(app.get("/home", Some(&cookie)).await).await;
        assert!(
            home.contains(&format!("href=\"{link}\"")),
            "{user} home lacks {link}"
        );
        let page = app.get(link, Some(&cookie)).await;
        assert_eq!(page.status(), StatusCode::OK, "{user} {link}");
    }
    let (cookie, _) = app.browser("zhangwei").await;
    let home = body_text(app.get("/home", Some(&cookie)).await).await;
    assert!(
        !home.contains("href=\"/audit\""),
        "a citizen is not offered the journal"
    );
    let portal = body_text(app.get("/portal", Some(&cookie)).await).await;
    assert!(portal.contains("********"), "the resident ID is masked");
}
