//! 企业开办一件事 in a real browser: 张伟 applies with one form (a first try with a missing
//! field shows the error beside it and keeps the uploaded files), five officials approve
//! in their workbenches, and he sees the result. Every page on the way is checked with
//! axe-core (WCAG 2.2 AA: no serious or critical violation).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_e2e::E2e;
use govops_e2e::start_business::{APPLICANT, BUNDLE, PARTS, UPLOADS, form};

async fn axe(e2e: &E2e, name: &str, failures: &mut Vec<String>) {
    if let Err(e) = e2e.axe_check(name).await {
        failures.push(format!("{e:#}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_starts_a_business_and_five_departments_approve() {
    let Some(e2e) = E2e::start().await.unwrap() else {
        return;
    };
    let mut failures = Vec::new();

    e2e.login(APPLICANT).await.unwrap();
    e2e.goto(&format!("/services/{BUNDLE}")).await.unwrap();
    e2e.set_lang("zh").await.unwrap();
    e2e.click("在线申请").await.unwrap();
    assert_eq!(e2e.path().await.unwrap(), format!("/apply/{BUNDLE}"));
    axe(&e2e, "apply form", &mut failures).await;

    // First try: everything but the address, with the files.
    for (field, value) in form().unwrap() {
        if field != "address" {
            e2e.fill(field, &value).await.unwrap();
        }
    }
    for (material, file, kind) in UPLOADS {
        let path = e2e.app.sample_file(file, kind).unwrap();
        e2e.fill(
            &format!("material:business-registration/{material}"),
            path.to_str().unwrap(),
        )
        .await
        .unwrap();
    }
    e2e.click("提交申请").await.unwrap();
    let summary = e2e
        .error_summary()
        .await
        .unwrap()
        .expect("an error summary");
    assert!(summary.contains("required"), "{summary}");
    let main = e2e.main_text().await.unwrap();
    // (Both sample files have the same bytes, so they are one stored file.)
    assert_eq!(
        main.matches("已上传").count(),
        2,
        "the uploads are kept: {main}"
    );
    axe(&e2e, "apply form with errors", &mut failures).await;

    // Second try: the address added; the files are still attached.
    e2e.fill("address", "示范市东城区人民路88号").await.unwrap();
    e2e.click("提交申请").await.unwrap();
    let case_path = e2e.path().await.unwrap();
    assert!(case_path.starts_with("/cases/"), "{case_path}");
    let case_path = case_path.split('?').next().unwrap().to_owned();
    let heading = e2e.text("h1").await.unwrap();
    let number = heading.split(' ').next().unwrap().to_owned();
    assert!(number.starts_with("SFS-"), "{heading}");
    axe(&e2e, "case page (applicant)", &mut failures).await;
    e2e.logout().await.unwrap();

    for (i, (_, _, official)) in PARTS.iter().enumerate() {
        e2e.login(official).await.unwrap();
        e2e.goto("/workbench").await.unwrap();
        if i == 0 {
            axe(&e2e, "workbench", &mut failures).await;
        }
        e2e.click(&number).await.unwrap();
        if i == 0 {
            axe(&e2e, "case page (official)", &mut failures).await;
        }
        e2e.click("同意").await.unwrap();
        e2e.wait_for_text("已办理").await.unwrap();
        e2e.logout().await.unwrap();
    }

    e2e.login(APPLICANT).await.unwrap();
    e2e.goto(&case_path).await.unwrap();
    e2e.wait_for_text("已办结").await.unwrap();
    e2e.set_lang("en").await.unwrap();
    e2e.wait_for_text("completed").await.unwrap();
    axe(&e2e, "case page (applicant, English)", &mut failures).await;
    e2e.goto("/cases").await.unwrap();
    axe(&e2e, "my applications", &mut failures).await;
    e2e.finish().await.unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
