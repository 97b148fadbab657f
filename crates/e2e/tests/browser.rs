//! The pages in a real browser: sign-in, and WCAG 2.2 AA (axe-core, plus reflow at 320
//! CSS pixels) on every page that exists, anonymous and signed in, in Chinese and English.
//!
//! Without Chromium, chromedriver or axe-core these print SKIPPED and pass; `.ci/run`
//! sets GOVOPS_REQUIRE_BROWSER=1, which makes that a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_e2e::{E2e, REFLOW_WIDTH};

/// Pages anyone can open.
const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/login",
    "/register",
    "/services",
    "/services?q=business",
    "/services?q=no-such-service-anywhere",
    "/services?department=amr",
    "/services/start-business",
    "/services/food-business-licence",
];

/// (who signs in, the pages they see). One account per role home page.
const SIGNED_IN_PAGES: &[(&str, &[&str])] = &[
    ("zhangwei", &["/home", "/portal"]),
    ("lina", &["/home", "/portal", "/enterprise"]),
    ("amr.official", &["/home", "/workbench"]),
    ("amr.head", &["/workbench", "/department/amr"]),
    ("gsdm.ops", &["/ops"]),
    ("amr.steward", &["/steward"]),
    ("auditor", &["/audit"]),
    ("admin", &["/admin"]),
];

/// Checks the page in front of the browser: axe-core at desktop width, then reflow at
/// 320 CSS pixels. Collects what fails into `failures`.
async fn check_here(e2e: &E2e, name: &str, failures: &mut Vec<String>) {
    match e2e.axe_check(name).await {
        // Minor and moderate findings do not fail the run, but are worth seeing.
        Ok(notes) => notes.iter().for_each(|v| print!("note: {name}:\n{v}")),
        Err(e) => failures.push(format!("{e:#}")),
    }
    e2e.set_window(REFLOW_WIDTH, 800).await.unwrap();
    if let Err(e) = e2e.reflow_check(name).await {
        failures.push(format!("{e:#}"));
    }
    e2e.set_window(1280, 1024).await.unwrap();
}

/// Opens `path` and checks it.
async fn check(e2e: &E2e, lang: &str, who: &str, path: &str, failures: &mut Vec<String>) {
    e2e.goto(path).await.unwrap();
    let name = format!("{path} [{lang}, {who}]");
    // A page that redirected (to sign in, say) is not the page meant to be checked.
    let at = e2e.path().await.unwrap();
    assert_eq!(at, path, "{name} ended on {at}");
    let page_lang = e2e
        .client()
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    let want = if lang == "en" { "en" } else { "zh-CN" };
    assert_eq!(page_lang, serde_json::json!(want), "{name}");
    check_here(e2e, &name, failures).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_and_reflows_in_both_languages() {
    let Some(e2e) = E2e::start().await.unwrap() else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for lang in ["zh", "en"] {
        e2e.goto("/").await.unwrap();
        e2e.set_lang(lang).await.unwrap();
        for path in PUBLIC_PAGES {
            check(&e2e, lang, "anonymous", path, &mut failures).await;
            checked += 1;
        }
        // The form with its error summary and field errors showing.
        e2e.login_with("zhangwei", "not-the-password")
            .await
            .unwrap();
        let at = e2e.path().await.unwrap();
        assert_eq!(at, "/login");
        assert!(e2e.error_summary().await.unwrap().is_some());
        if let Err(e) = e2e.axe_check(&format!("/login with errors [{lang}]")).await {
            failures.push(format!("{e:#}"));
        }
        checked += 1;
        // The registration form with every field's error showing.
        e2e.goto("/register").await.unwrap();
        e2e.submit().await.unwrap();
        assert_eq!(e2e.path().await.unwrap(), "/register");
        assert!(e2e.error_summary().await.unwrap().is_some());
        check_here(
            &e2e,
            &format!("/register with errors [{lang}]"),
            &mut failures,
        )
        .await;
        checked += 1;
        for (who, pages) in SIGNED_IN_PAGES {
            e2e.login(who).await.unwrap();
            for path in *pages {
                check(&e2e, lang, who, path, &mut failures).await;
                checked += 1;
            }
            e2e.logout().await.unwrap();
        }
    }
    e2e.finish().await.unwrap();
    println!("axe-core and reflow: {checked} page views checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_shows_errors_then_reaches_home() {
    let Some(e2e) = E2e::start().await.unwrap() else {
        return;
    };
    e2e.goto("/").await.unwrap();
    e2e.set_lang("en").await.unwrap();

    e2e.login_with("zhangwei", "wrong-password-1")
        .await
        .unwrap();
    assert_eq!(e2e.path().await.unwrap(), "/login");
    let summary = e2e
        .error_summary()
        .await
        .unwrap()
        .expect("an error summary");
    assert!(summary.contains("There is a problem"), "{summary}");
    // The summary's links lead to the fields, and what was typed is kept.
    let username = e2e.wait_for("#username").await.unwrap();
    assert_eq!(
        username.prop("value").await.unwrap().as_deref(),
        Some("zhangwei")
    );
    let password = e2e.wait_for("#password").await.unwrap();
    assert_eq!(password.prop("value").await.unwrap().as_deref(), Some(""));

    e2e.fill("Password", govops_e2e::DEMO_PASSWORD)
        .await
        .unwrap();
    e2e.submit().await.unwrap();
    assert_eq!(e2e.path().await.unwrap(), "/home");
    e2e.wait_for_text("张伟").await.unwrap();
    assert!(e2e.error_summary().await.unwrap().is_none());

    // Signed out, a signed-in page sends the browser back to sign in.
    e2e.logout().await.unwrap();
    e2e.goto("/home").await.unwrap();
    assert!(
        e2e.path().await.unwrap().starts_with("/login"),
        "{}",
        e2e.path().await.unwrap()
    );
    e2e.finish().await.unwrap();
}

/// The checks themselves: a page with an unlabelled field and an image without a text
/// alternative fails axe, naming both rules and the elements; a box wider than the
/// viewport fails reflow, and a wide data table does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_fail_on_a_broken_page() {
    let Some(e2e) = E2e::start().await.unwrap() else {
        return;
    };
    e2e.goto("/services").await.unwrap();
    e2e.axe_check("/services").await.unwrap();
    let all = e2e.axe_violations().await.unwrap();
    for v in &all {
        println!("{v}");
    }
    e2e.client()
        .execute(
            "document.querySelector('main').insertAdjacentHTML('beforeend', \
             '<img id=\"no-alt\" src=\"/static/govops.css\"><input id=\"no-label\" type=\"text\">'); \
             return true",
            vec![],
        )
        .await
        .unwrap();
    let err = e2e.axe_check("broken page").await.unwrap_err().to_string();
    assert!(err.contains("broken page"), "{err}");
    assert!(
        err.contains("image-alt") && err.contains("#no-alt"),
        "{err}"
    );
    assert!(err.contains("label") && err.contains("#no-label"), "{err}");

    e2e.set_window(REFLOW_WIDTH, 800).await.unwrap();
    e2e.reflow_check("/services").await.unwrap();
    // The page's CSP refuses style attributes, so widths are set through the CSSOM.
    let add_wide = "const [tag, id] = arguments; const main = document.querySelector('main'); \
        const wide = document.createElement(tag); wide.id = id; wide.textContent = 'wide'; \
        wide.style.display = 'block'; wide.style.width = '900px'; \
        if (tag === 'td') { const t = document.createElement('table'); const r = t.insertRow(); \
          r.appendChild(wide); main.appendChild(t); } else { main.appendChild(wide); } \
        return document.documentElement.scrollWidth > 900";
    let wide = e2e
        .client()
        .execute(add_wide, vec!["td".into(), "wide-cell".into()])
        .await
        .unwrap();
    assert_eq!(wide, serde_json::json!(true), "the page scrolls sideways");
    e2e.reflow_check("/services with a wide table")
        .await
        .unwrap();
    e2e.client()
        .execute(add_wide, vec!["p".into(), "too-wide".into()])
        .await
        .unwrap();
    let err = e2e.reflow_check("wide box").await.unwrap_err().to_string();
    assert!(err.contains("p#too-wide"), "{err}");
    e2e.finish().await.unwrap();
}

/// The helpers themselves, on every kind of field a generated form can have: found by
/// label (whole or start), legend, name or id, in Chinese; `submit` sends the form the
/// last field belongs to; `click_in` picks the button of the right row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpers_fill_every_kind_of_field() {
    let Some(e2e) = E2e::start().await.unwrap() else {
        return;
    };
    e2e.goto("/services").await.unwrap();
    let form = r#"
      <form id="t" method="get" action="/services">
        <label for="f-name">企业名称（自主申报）</label><input id="f-name" name="enterprise_name">
        <label for="f-type">企业类型</label>
        <select id="f-type" name="enterprise_type"><option value="">请选择</option>
          <option>有限责任公司（自然人独资）</option><option value="sole">个人独资企业</option></select>
        <fieldset><legend>增值税纳税人类型</legend>
          <input type="radio" id="r1" name="taxpayer_type" value="小规模纳税人"><label for="r1">小规模纳税人</label>
          <input type="radio" id="r2" name="taxpayer_type" value="一般纳税人"><label for="r2">一般纳税人</label></fieldset>
        <input type="checkbox" id="agree" name="agree"><label for="agree">我已阅读并同意</label>
        <label for="f-date">参保起始日期</label><input type="date" id="f-date" name="insurance_start">
        <label for="f-scope">经营范围</label><textarea id="f-scope" name="business_scope"></textarea>
        <input type="file" id="f-file" name="articles">
        <button type="submit">提交申请</button>
      </form>
      <table><tr><td>SB-0001</td><td><a href="/services?row=1">办理</a></td></tr>
             <tr><td>SB-0002</td><td><a href="/services?row=2">办理</a></td></tr></table>"#;
    e2e.client()
        .execute(
            "document.querySelector('main').insertAdjacentHTML('afterbegin', arguments[0]); return true",
            vec![serde_json::json!(form)],
        )
        .await
        .unwrap();
    let pdf = e2e.app.sample_file("articles.pdf", "pdf").unwrap();
    e2e.fill_all(&[
        ("企业名称", "示范市测试科技有限公司"),
        ("企业类型", "个人独资企业"),
        ("增值税纳税人类型", "一般纳税人"),
        ("我已阅读并同意", "true"),
        ("insurance_start", "2026-04-01"),
        ("f-scope", "软件开发"),
        ("articles", pdf.to_str().unwrap()),
    ])
    .await
    .unwrap();
    let values = e2e
        .client()
        .execute(
            "const f = document.getElementById('t'); return [f.enterprise_name.value, \
             f.enterprise_type.value, f.taxpayer_type.value, String(f.agree.checked), \
             f.insurance_start.value, f.business_scope.value, f.articles.files[0].name]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        values,
        serde_json::json!([
            "示范市测试科技有限公司",
            "sole",
            "一般纳税人",
            "true",
            "2026-04-01",
            "软件开发",
            "articles.pdf"
        ])
    );
    let err = e2e.fill("企业类型", "股份有限公司").await.unwrap_err();
    assert!(err.to_string().contains("no option"), "{err}");
    let err = e2e.fill("注册资本", "100").await.unwrap_err();
    assert!(err.to_string().contains("注册资本"), "{err}");

    // The page has the search form too; submit sends the form of the field filled last.
    e2e.submit().await.unwrap();
    let path = e2e.path().await.unwrap();
    assert!(path.starts_with("/services?enterprise_name="), "{path}");
    assert!(path.contains("taxpayer_type="), "{path}");

    e2e.client()
        .execute(
            "document.querySelector('main').insertAdjacentHTML('afterbegin', arguments[0]); return true",
            vec![serde_json::json!(form)],
        )
        .await
        .unwrap();
    e2e.click_in("SB-0002", "办理").await.unwrap();
    assert_eq!(e2e.path().await.unwrap(), "/services?row=2");
    e2e.finish().await.unwrap();
}
