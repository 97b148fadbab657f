//! Walks every route × every role and compares with `access_matrix.tsv`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{TestApp, body_text, csrf_in};

const USERS: [Option<&str>; 9] = [
    None,
    Some("zhangwei"),
    Some("lina"),
    Some("amr.official"),
    Some("amr.head"),
    Some("gsdm.ops"),
    Some("amr.steward"),
    Some("auditor"),
    Some("admin"),
];

struct Row {
    method: Method,
    pattern: String,
    path: String,
    expect: Vec<bool>,
}

fn matrix() -> Vec<Row> {
    let text = include_str!("access_matrix.tsv");
    let mut rows = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("method"))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3 + USERS.len(), "bad matrix line: {line}");
        rows.push(Row {
            method: cols[0].parse().unwrap(),
            pattern: cols[1].to_string(),
            path: cols[2].to_string(),
            expect: cols[3..]
                .iter()
                .map(|c| match *c {
                    "allow" => true,
                    "deny" => false,
                    other => panic!("matrix cell must be allow or deny, not {other}"),
                })
                .collect(),
        });
    }
    rows
}

#[test]
fn every_route_is_in_the_matrix_and_every_row_is_a_route() {
    let routes = govops_web::routes::table().list;
    let rows = matrix();
    for (m, p) in &routes {
        assert!(
            rows.iter().any(|r| r.method == *m && r.pattern == *p),
            "route {m} {p} is missing from access_matrix.tsv"
        );
    }
    for r in &rows {
        assert!(
            routes.iter().any(|(m, p)| m == r.method && *p == r.pattern),
            "access_matrix.tsv lists {} {} which is not a route",
            r.method,
            r.pattern
        );
    }
}

/// A caller's cookie header, form CSRF token and bearer token.
type Caller = (String, String, Option<String>);

async fn caller(app: &TestApp, user: Option<&str>) -> Caller {
    match user {
        Some(u) => {
            let token = app.token(u).await;
            let cookie = format!("govops_session={token}; govops_csrf=anon-csrf-token");
            let page = body_text(app.get("/login", Some(&cookie)).await).await;
            (cookie, csrf_in(&page), Some(token))
        }
        None => (
            "govops_csrf=anon-csrf-token".to_string(),
            "anon-csrf-token".to_string(),
            None,
        ),
    }
}

/// Rows that end the caller's session get a session of their own.
fn ends_session(row: &Row) -> bool {
    row.path == "/logout" || row.path == "/api/v1/sessions/current"
}

async fn request(app: &TestApp, row: &Row, who: &Caller) -> (StatusCode, String) {
    let (cookie, csrf, token) = who;
    let mut b = Request::builder()
        .method(row.method.clone())
        .uri(&row.path)
        .header(header::COOKIE, cookie.as_str());
    let body = if row.path.starts_with("/api/") {
        if let Some(t) = &token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        b = b.header(header::CONTENT_TYPE, "application/json");
        Body::from(r#"{"username":"nobody","password":"wrong-password"}"#)
    } else {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(format!(
            "csrf={csrf}&username=nobody&password=wrong-password"
        ))
    };
    let res = app.send(b.body(body).unwrap()).await;
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status(), location)
}

fn allowed(status: StatusCode, location: &str) -> bool {
    !(status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (status.is_redirection() && location.starts_with("/login?notice=auth.required")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_the_matrix_says() {
    let app = TestApp::new().await;
    let mut wrong = Vec::new();
    let mut checked = 0;
    let mut callers = Vec::new();
    for user in USERS {
        callers.push(caller(&app, user).await);
    }
    for row in matrix() {
        for (i, user) in USERS.iter().enumerate() {
            let (status, location) = if ends_session(&row) {
                request(&app, &row, &caller(&app, *user).await).await
            } else {
                request(&app, &row, &callers[i]).await
            };
            checked += 1;
            let got = allowed(status, &location);
            if got != row.expect[i] {
                wrong.push(format!(
                    "{} {} as {}: expected {}, got {status} {location}",
                    row.method,
                    row.path,
                    user.unwrap_or("anonymous"),
                    if row.expect[i] { "allow" } else { "deny" }
                ));
            }
        }
    }
    assert!(checked >= 29 * 9);
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
