//! Cases stored and routed by the platform, on SQLite and (when configured) PostgreSQL:
//! the full flows of a service and of a bundle, bad input, idempotency, correction,
//! withdrawal, timers across a restart, pinned plan versions, revealing masked values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestDb;
use govops_core::cases::{SubmitInput, Submitted, TaskAction};
use govops_core::identity::Principal;
use govops_core::{ErrorKind, Platform};
use serde_json::{Value, json};
use std::collections::BTreeMap;

async fn who(p: &Platform, username: &str) -> Principal {
    p.principal(&format!("demo-account-{username}"))
        .await
        .unwrap()
}

async fn rid_of(p: &Platform, person: &str) -> String {
    let (rid,): (String,) = sqlx::query_as("SELECT resident_id FROM persons WHERE id = $1")
        .bind(person.to_owned())
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    rid
}

async fn credit_of(p: &Platform, enterprise: &str) -> String {
    let (code,): (String,) = sqlx::query_as("SELECT credit_code FROM enterprises WHERE id = $1")
        .bind(enterprise.to_owned())
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    code
}

/// A complete application: a valid form, and a small file for every material to upload.
async fn application(
    p: &Platform,
    applicant: &Principal,
    service: &str,
    enterprise: bool,
) -> SubmitInput {
    let rid = rid_of(p, applicant.person_id.as_deref().unwrap()).await;
    let ent = applicant.enterprises.first().cloned();
    let credit = match &ent {
        Some(e) => credit_of(p, e).await,
        None => "91350100M000100Y43".into(),
    };
    let form = p.sample_application(service, &rid, &credit).unwrap();
    let mut input = SubmitInput {
        service: service.into(),
        form,
        applicant: if enterprise { ent } else { None },
        ..Default::default()
    };
    let page = p
        .application_form(applicant, service, Some(&input))
        .await
        .unwrap();
    for m in page.materials.iter().filter(|m| m.source == "upload") {
        let ext = m.formats.first().cloned().unwrap_or_else(|| "pdf".into());
        let bytes: Vec<u8> = match ext.as_str() {
            "jpg" | "jpeg" => vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
            "png" => b"\x89PNG\r\n\x1a\n....".to_vec(),
            "docx" | "xlsx" => b"PK\x03\x04....".to_vec(),
            _ => format!("%PDF-1.4 {} {}", m.id, applicant.username).into_bytes(),
        };
        let up = p
            .upload_file(
                applicant,
                &format!("{}.{ext}", m.id.replace('/', "-")),
                bytes,
                &m.formats,
            )
            .await
            .unwrap();
        input.materials.insert(m.id.clone(), up.hash);
    }
    input
}

async fn count(p: &Platform, sql: &'static str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    n
}

/// Approves every open task of a case, as each department's official, until none is open.
async fn approve_all(p: &Platform, case_id: &str) -> usize {
    let mut acted = 0;
    loop {
        let open: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT step, department, role FROM case_tasks WHERE case_id = $1 AND status = 'open' ORDER BY step",
        )
        .bind(case_id.to_owned())
        .fetch_all(p.store().pool())
        .await
        .unwrap();
        if open.is_empty() {
            return acted;
        }
        for (step, dept, role) in open {
            let suffix = if role == "department_head" {
                "head"
            } else {
                "official"
            };
            let official = who(p, &format!("{dept}.{suffix}")).await;
            p.act_on_task(&official, case_id, &step, TaskAction::Approve)
                .await
                .unwrap();
            acted += 1;
        }
    }
}

/// The demo city with lina's food-business-licence application submitted.
async fn submitted_food_case(db: &TestDb) -> (Platform, Principal, Submitted) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let input = application(&p, &lina, "food-business-licence", true).await;
    let done = p.submit_case(&lina, &input).await.unwrap();
    (p, lina, done)
}

async fn food_licence_flows_through_parallel_inspections_body(db: &TestDb) {
    let (p, lina, done) = submitted_food_case(db).await;
    assert!(done.number.starts_with("SFS-2026-"), "{}", done.number);
    assert_eq!(done.status, "in_progress");

    // Only amr's acceptance is open; nhc cannot act on it, and cannot act before its turn.
    let nhc = who(&p, "nhc.official").await;
    let e = p
        .act_on_task(&nhc, &done.id, "accept", TaskAction::Approve)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "{e:?}");
    let tasks = p.my_tasks(&who(&p, "amr.official").await).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].step, "accept");
    // The workbench names the step as people read it.
    assert_eq!(tasks[0].step_name.zh, "受理");
    assert_eq!(tasks[0].step_name.en, "Acceptance");
    assert!(p.my_tasks(&nhc).await.unwrap().is_empty());

    let amr = who(&p, "amr.official").await;
    p.act_on_task(&amr, &done.id, "accept", TaskAction::Approve)
        .await
        .unwrap();
    // Acting twice is refused, and says who decided.
    let e = p
        .act_on_task(&amr, &done.id, "accept", TaskAction::Approve)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e:?}");
    // The parallel pair is open in two departments at once.
    assert_eq!(p.my_tasks(&nhc).await.unwrap().len(), 1);
    assert_eq!(
        p.my_tasks(&who(&p, "fire.official").await)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(approve_all(&p, &done.id).await, 3);

    let detail = p.case_detail(&lina, &done.id).await.unwrap();
    assert_eq!(detail.summary.status, "completed");
    assert!(detail.timeline.iter().any(|t| t.kind == "closed"));
    // The case page names its steps, in its tasks and its timeline.
    let named: Vec<(&str, &str, &str)> = detail
        .tasks
        .iter()
        .map(|t| {
            (
                t.step.as_str(),
                t.step_name.zh.as_str(),
                t.step_name.en.as_str(),
            )
        })
        .collect();
    assert!(
        named.contains(&("health", "卫生健康部门现场核查", "Health inspection")),
        "{named:?}"
    );
    assert!(
        named.contains(&("decide", "审批决定", "Decision")),
        "{named:?}"
    );
    let approved = detail
        .timeline
        .iter()
        .find(|t| t.kind == "task_approved" && t.step.as_deref() == Some("accept"))
        .unwrap();
    assert_eq!(approved.step_name.as_ref().unwrap().zh, "受理");
    // …and the department by its names, not its code.
    let dept = approved.department.as_ref().unwrap();
    assert_eq!(
        (dept.code.as_str(), dept.name_en.as_str()),
        ("amr", "Administration for Market Regulation")
    );
    assert!(
        detail
            .timeline
            .iter()
            .all(|t| t.step.is_some() == t.step_name.is_some())
    );
    let notices = p.my_notices(&lina, 50).await.unwrap();
    assert!(
        notices.iter().any(|n| n.kind == "case.closed"),
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| n.kind == "case.task_approved" && n.params["step_name"]["en"] == "Acceptance"),
        "{notices:?}"
    );
    assert!(notices.iter().any(|n| n.kind == "case.submitted"));

    // The journal alone rebuilds the case exactly.
    let (stored, replayed) = p.replay_case(&done.id).await.unwrap();
    assert_eq!(stored, replayed);
    // Another applicant cannot see it.
    let e = p
        .case_detail(&who(&p, "zhangwei").await, &done.id)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    p.store().close().await;
}
on_both!(
    food_licence_flows_through_parallel_inspections,
    food_licence_flows_through_parallel_inspections_body
);

async fn transferred_task_shows_both_departments_in_the_timeline_body(db: &TestDb) {
    let (p, lina, done) = submitted_food_case(db).await;
    let amr = who(&p, "amr.official").await;
    p.act_on_task(&amr, &done.id, "accept", TaskAction::Approve)
        .await
        .unwrap();
    let nhc = who(&p, "nhc.official").await;
    p.act_on_task(
        &nhc,
        &done.id,
        "health",
        TaskAction::Transfer {
            to_department: "amr".into(),
        },
    )
    .await
    .unwrap();
    let detail = p.case_detail(&lina, &done.id).await.unwrap();
    let moved = detail
        .timeline
        .iter()
        .find(|t| t.kind == "task_transferred")
        .unwrap();
    let names = |d: &Option<govops_core::catalogue::DepartmentRef>| {
        d.as_ref().map(|d| (d.code.clone(), d.name_en.clone()))
    };
    assert_eq!(
        names(&moved.transferred_from),
        Some(("nhc".into(), "Health Commission".into()))
    );
    assert_eq!(
        names(&moved.department),
        Some(("amr".into(), "Administration for Market Regulation".into()))
    );
    // Only the transfer names a department it left.
    assert_eq!(
        detail
            .timeline
            .iter()
            .filter(|t| t.transferred_from.is_some())
            .count(),
        1
    );
    p.store().close().await;
}
on_both!(
    transferred_task_shows_both_departments_in_the_timeline,
    transferred_task_shows_both_departments_in_the_timeline_body
);

async fn start_business_bundle_dispatches_five_departments_body(db: &TestDb) {
    // With licence types loaded, as `govops demo` runs: the business licence the bundle's
    // registration part issues is not asked of the applicant by the other four parts.
    let p = db.open_issuing().await;
    p.seed_demo().await.unwrap();
    let zhang = who(&p, "zhangwei").await;
    // The form does not list the business licence the bundle itself issues.
    let form = p
        .application_form(&zhang, "start-business", None)
        .await
        .unwrap();
    assert!(!form.materials.is_empty());
    assert!(
        !form
            .materials
            .iter()
            .any(|m| m.source == "licence" && m.id.ends_with("/business-licence")),
        "{:?}",
        form.materials.iter().map(|m| &m.id).collect::<Vec<_>>()
    );
    // Nor does its service guide, while the registration part still says what it issues.
    let guide = p.service_guide("start-business").await.unwrap();
    assert!(
        !guide.materials.is_empty()
            && !guide
                .materials
                .iter()
                .any(|m| m.source == "licence" && m.id == "business-licence"),
        "{:?}",
        guide.materials.iter().map(|m| &m.id).collect::<Vec<_>>()
    );
    let input = application(&p, &zhang, "start-business", false).await;
    let done = p.submit_case(&zhang, &input).await.unwrap();
    let depts: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT department FROM case_tasks WHERE case_id = $1 AND status = 'open' ORDER BY department",
    )
    .bind(done.id.clone())
    .fetch_all(p.store().pool())
    .await
    .unwrap();
    let depts: Vec<String> = depts.into_iter().map(|d| d.0).collect();
    assert_eq!(depts, ["amr", "hpf", "hrss", "psb", "tax"]);
    approve_all(&p, &done.id).await;
    let detail = p.case_detail(&zhang, &done.id).await.unwrap();
    assert_eq!(detail.summary.status, "completed");
    assert_eq!(detail.parts.len(), 5);
    assert!(
        detail.parts.iter().all(|(_, s)| s == "approved"),
        "{:?}",
        detail.parts
    );
    let (stored, replayed) = p.replay_case(&done.id).await.unwrap();
    assert_eq!(stored, replayed);
    p.store().close().await;
}
on_both!(
    start_business_bundle_dispatches_five_departments,
    start_business_bundle_dispatches_five_departments_body
);

async fn bad_form_lists_every_error_and_stores_nothing_body(db: &TestDb) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let mut input = application(&p, &lina, "food-business-licence", true).await;
    input
        .form
        .insert("credit_code".into(), json!("91350100M000100Y4X"));
    input.form.remove("address");
    input.form.insert("area".into(), json!("many"));
    input.materials.remove("floor-plan");
    let cases_before = count(&p, "SELECT COUNT(*) FROM cases").await;
    let journal_before = count(&p, "SELECT COUNT(*) FROM journal_entries").await;
    let e = p.submit_case(&lina, &input).await.unwrap_err();
    assert_eq!(e.code, "case.form.invalid");
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    for f in ["credit_code", "address", "area", "material:floor-plan"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    assert_eq!(count(&p, "SELECT COUNT(*) FROM cases").await, cases_before);
    assert_eq!(
        count(&p, "SELECT COUNT(*) FROM journal_entries").await,
        journal_before
    );
    // An enterprise-only service refuses a person as applicant.
    let mut as_person = application(&p, &lina, "food-business-licence", true).await;
    as_person.applicant = None;
    let e = p.submit_case(&lina, &as_person).await.unwrap_err();
    assert_eq!(e.code, "case.applicant.enterprise_only");
    p.store().close().await;
}
on_both!(
    bad_form_lists_every_error_and_stores_nothing,
    bad_form_lists_every_error_and_stores_nothing_body
);

async fn double_submit_with_one_key_creates_one_case_body(db: &TestDb) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let mut input = application(&p, &lina, "food-business-licence", true).await;
    input.idempotency_key = Some("form-7f3a".into());
    let (a, b) = tokio::join!(p.submit_case(&lina, &input), p.submit_case(&lina, &input));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id);
    assert!(
        a.repeated != b.repeated,
        "exactly one of the two created it"
    );
    let again = p.submit_case(&lina, &input).await.unwrap();
    assert_eq!(again.id, a.id);
    assert!(again.repeated);
    assert_eq!(count(&p, "SELECT COUNT(*) FROM cases").await, 1);
    p.store().close().await;
}
on_both!(
    double_submit_with_one_key_creates_one_case,
    double_submit_with_one_key_creates_one_case_body
);

async fn returned_case_is_corrected_and_resubmitted_body(db: &TestDb) {
    let (p, lina, done) = submitted_food_case(db).await;
    let input = application(&p, &lina, "food-business-licence", true).await;
    let amr = who(&p, "amr.official").await;
    let e = p
        .act_on_task(
            &amr,
            &done.id,
            "accept",
            TaskAction::Return {
                fields: vec!["nope".into()],
                note: "x".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{e:?}");
    p.act_on_task(
        &amr,
        &done.id,
        "accept",
        TaskAction::Return {
            fields: vec!["area".into()],
            note: "面积与平面图不符".into(),
        },
    )
    .await
    .unwrap();
    let detail = p.case_detail(&lina, &done.id).await.unwrap();
    assert_eq!(detail.summary.status, "returned");
    assert_eq!(detail.returned.as_ref().unwrap().0, vec!["area".to_owned()]);
    assert!(
        p.my_tasks(&amr).await.unwrap().is_empty(),
        "the clock stops while returned"
    );
    // A bad correction is refused with the field, and the case stays returned.
    let mut fix = SubmitInput {
        service: input.service.clone(),
        form: input.form.clone(),
        ..Default::default()
    };
    fix.form.insert("area".into(), json!(-5));
    let e = p.resubmit_case(&lina, &done.id, &fix).await.unwrap_err();
    assert_eq!(e.fields[0].field, "area");
    fix.form.insert("area".into(), json!("120"));
    assert_eq!(
        p.resubmit_case(&lina, &done.id, &fix).await.unwrap(),
        "in_progress"
    );
    assert_eq!(p.my_tasks(&amr).await.unwrap().len(), 1);
    approve_all(&p, &done.id).await;
    let detail = p.case_detail(&lina, &done.id).await.unwrap();
    assert_eq!(detail.summary.status, "completed");
    assert!(
        p.my_notices(&lina, 50)
            .await
            .unwrap()
            .iter()
            .any(|n| n.kind == "case.returned")
    );
    p.store().close().await;
}
on_both!(
    returned_case_is_corrected_and_resubmitted,
    returned_case_is_corrected_and_resubmitted_body
);

async fn withdrawn_case_cancels_its_tasks_body(db: &TestDb) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let done = p
        .submit_case(
            &lina,
            &application(&p, &lina, "food-business-licence", true).await,
        )
        .await
        .unwrap();
    let e = p
        .withdraw_case(&who(&p, "zhangwei").await, &done.id)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "only the applicant withdraws");
    assert_eq!(p.withdraw_case(&lina, &done.id).await.unwrap(), "withdrawn");
    assert!(
        p.my_tasks(&who(&p, "amr.official").await)
            .await
            .unwrap()
            .is_empty()
    );
    let e = p.withdraw_case(&lina, &done.id).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    p.store().close().await;
}
on_both!(
    withdrawn_case_cancels_its_tasks,
    withdrawn_case_cancels_its_tasks_body
);

async fn instant_approval_completes_at_submission_body(db: &TestDb) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let zhang = who(&p, "zhangwei").await;
    let mut input = application(&p, &zhang, "pension-qualification", false).await;
    input
        .form
        .insert("method".into(), json!("人脸识别自助认证"));
    let done = p.submit_case(&zhang, &input).await.unwrap();
    assert_eq!(done.status, "completed", "秒批");
    let detail = p.case_detail(&zhang, &done.id).await.unwrap();
    assert!(detail.checks.iter().all(|c| c.2));
    assert!(detail.tasks.is_empty());
    p.store().close().await;
}
on_both!(
    instant_approval_completes_at_submission,
    instant_approval_completes_at_submission_body
);

async fn timers_escalate_after_a_restart_body(db: &TestDb) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let done = p
        .submit_case(
            &lina,
            &application(&p, &lina, "food-business-licence", true).await,
        )
        .await
        .unwrap();
    // The acceptance has one working day: its due-soon reminder fires at once, once.
    assert_eq!(p.run_due_timers(100).await.unwrap(), 1);
    assert_eq!(p.run_due_timers(100).await.unwrap(), 0);
    let reminded = p
        .my_notices(&who(&p, "amr.official").await, 20)
        .await
        .unwrap();
    assert!(
        reminded.iter().any(|n| n.kind == "task.due_soon"),
        "{reminded:?}"
    );
    p.store().close().await;
    drop(p);

    // Three weeks later, after a restart: the acceptance is overdue.
    db.clock.advance(time::Duration::days(21));
    let p = db.open_with_services().await;
    assert_eq!(p.run_due_timers(100).await.unwrap(), 1);
    let head = who(&p, "amr.head").await;
    let notices = p.my_notices(&head, 20).await.unwrap();
    assert!(
        notices.iter().any(|n| n.kind == "task.overdue"),
        "{notices:?}"
    );
    let tasks = p.my_tasks(&who(&p, "amr.official").await).await.unwrap();
    assert!(tasks[0].days_left < 0);
    assert_eq!(tasks[0].urgency, govops_core::cases::Urgency::Red);
    // Each timer fires once.
    p.run_due_timers(100).await.unwrap();
    let again = p.my_notices(&head, 20).await.unwrap();
    assert_eq!(
        again.iter().filter(|n| n.kind == "task.overdue").count(),
        notices.iter().filter(|n| n.kind == "task.overdue").count()
    );
    let (stored, replayed) = p.replay_case(&done.id).await.unwrap();
    assert_eq!(stored, replayed);
    p.store().close().await;
}
on_both!(
    timers_escalate_after_a_restart,
    timers_escalate_after_a_restart_body
);

async fn cases_keep_their_definition_version_across_reloads_body(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services");
    copy_dir(&shipped, dir.path());
    let p = db.open_with(Some(dir.path().to_path_buf())).await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let done = p
        .submit_case(
            &lina,
            &application(&p, &lina, "food-business-licence", true).await,
        )
        .await
        .unwrap();
    // Version 2 drops the parallel inspections: a one-step service.
    let file = dir.path().join("amr/food-business-licence.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let cut = text.find("[[steps]]").unwrap();
    let rest = &text[cut..];
    let result = rest.find("[result]").unwrap();
    let v2 = format!(
        "{}[[steps]]\nid = \"decide\"\ndepartment = \"amr\"\nrole = \"official\"\nactions = [\"approve\", \"reject\"]\ntime_limit = 3\n\n{}",
        text[..cut].replacen("version = 1", "version = 2", 1),
        &rest[result..]
    );
    std::fs::write(&file, v2).unwrap();
    let outcome = p.reload_catalogue("test").await.unwrap();
    assert!(
        matches!(outcome, govops_core::catalogue::ReloadOutcome::Reloaded(_)),
        "{outcome:?}"
    );
    // The case in flight keeps version 1's step names: version 2 has no `accept` at all.
    let tasks = p.my_tasks(&who(&p, "amr.official").await).await.unwrap();
    let accept = tasks.iter().find(|t| t.case_id == done.id).unwrap();
    assert_eq!(
        (accept.step.as_str(), accept.step_name.zh.as_str()),
        ("accept", "受理")
    );
    // The case in flight still runs version 1's graph: accept, two inspections, decide.
    assert_eq!(approve_all(&p, &done.id).await, 4);
    // A restart (empty plan cache) rebuilds version 1 from the stored files.
    p.store().close().await;
    drop(p);
    let p = db.open_with(Some(dir.path().to_path_buf())).await;
    let detail = p.case_detail(&lina, &done.id).await.unwrap();
    assert_eq!(detail.version, 1);
    assert_eq!(detail.tasks.len(), 4);
    // Version 2's `decide` has no name (so it shows its id); the case shows version 1's.
    let decide = detail.tasks.iter().find(|t| t.step == "decide").unwrap();
    assert_eq!(decide.step_name.en, "Decision");
    let fresh = p
        .submit_case(
            &lina,
            &application(&p, &lina, "food-business-licence", true).await,
        )
        .await
        .unwrap();
    let tasks = p.my_tasks(&who(&p, "amr.official").await).await.unwrap();
    let unnamed = tasks.iter().find(|t| t.case_id == fresh.id).unwrap();
    assert_eq!(unnamed.step_name.zh, "decide", "no name: the step's id");
    assert_eq!(
        approve_all(&p, &fresh.id).await,
        1,
        "new cases take version 2"
    );
    p.store().close().await;
}
on_both!(
    cases_keep_their_definition_version_across_reloads,
    cases_keep_their_definition_version_across_reloads_body
);

async fn masked_values_are_revealed_with_a_reason_body(db: &TestDb) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let done = p
        .submit_case(
            &lina,
            &application(&p, &lina, "food-business-licence", true).await,
        )
        .await
        .unwrap();
    let amr = who(&p, "amr.official").await;
    let detail = p.case_detail(&amr, &done.id).await.unwrap();
    let phone = detail.form.iter().find(|f| f.0 == "contact_phone").unwrap();
    assert!(phone.3, "masked for officials");
    assert!(phone.2.contains('*'), "{}", phone.2);
    let e = p
        .reveal_field(&amr, &done.id, "contact_phone", "")
        .await
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("reason"));
    let value = p
        .reveal_field(&amr, &done.id, "contact_phone", "联系申请人核实面积")
        .await
        .unwrap();
    assert_eq!(value, "13800138000");
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM journal_entries WHERE action = 'case.field_revealed' AND subject = $1",
    )
    .bind(format!("case:{}", done.id))
    .fetch_one(p.store().pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
    // An official of an uninvolved department cannot reveal or even see the case.
    let tax = who(&p, "tax.official").await;
    assert_eq!(
        p.reveal_field(&tax, &done.id, "contact_phone", "curious")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        p.case_detail(&tax, &done.id).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    p.store().close().await;
}
on_both!(
    masked_values_are_revealed_with_a_reason,
    masked_values_are_revealed_with_a_reason_body
);

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[allow(dead_code)]
fn unused(_: BTreeMap<String, Value>) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_cases_fill_the_workbench_once() {
    let db = TestDb::sqlite();
    // As `govops demo` opens it: services, licence types and a master key.
    let p = db.open_issuing().await;
    p.seed_demo().await.unwrap();
    assert_eq!(p.seed_demo_cases().await.unwrap(), 5);
    assert_eq!(p.seed_demo_cases().await.unwrap(), 0, "idempotent");
    assert_eq!(
        count(&p, "SELECT COUNT(*) FROM cases WHERE status = 'completed'").await,
        1
    );
    assert_eq!(
        p.my_tasks(&who(&p, "amr.official").await)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        p.my_tasks(&who(&p, "fire.official").await)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        p.my_cases(&who(&p, "zhangwei").await).await.unwrap().len(),
        2
    );
    p.store().close().await;
}

async fn provisional_deadlines_become_official_body(db: &TestDb) {
    // Late December 2026: a task's deadline runs into 2027, whose notice is not loaded.
    db.clock.advance(time::Duration::days(304));
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let done = p
        .submit_case(
            &lina,
            &application(&p, &lina, "food-business-licence", true).await,
        )
        .await
        .unwrap();
    let amr = who(&p, "amr.official").await;
    p.act_on_task(&amr, &done.id, "accept", TaskAction::Approve)
        .await
        .unwrap();
    let before = p.case_detail(&lina, &done.id).await.unwrap();
    let health = before
        .tasks
        .iter()
        .find(|t| t.step == "health")
        .unwrap()
        .clone();
    assert!(health.provisional, "{health:?}");
    // The 2027 notice arrives, with 4 and 5 January as extra days off.
    let mut calendar: Value =
        serde_json::from_str(include_str!("../../../vectors/calendar/cn-holidays.json")).unwrap();
    calendar["2027"] = json!({
        "holidays": [["2027-01-01", "2027-01-05", "元旦"]],
        "workdays": []
    });
    let changed = p
        .load_calendar("test", &calendar.to_string())
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let after = p.case_detail(&lina, &done.id).await.unwrap();
    let health2 = after.tasks.iter().find(|t| t.step == "health").unwrap();
    assert!(!health2.provisional);
    assert!(
        health2.deadline > health.deadline,
        "{} then {}",
        health.deadline,
        health2.deadline
    );
    assert!(
        p.my_notices(&lina, 50)
            .await
            .unwrap()
            .iter()
            .any(|n| n.kind == "case.deadline_changed")
    );
    // A broken file changes nothing.
    let e = p.load_calendar("test", "{\"2027\": 5}").await.unwrap_err();
    assert_eq!(e.code, "calendar.invalid");
    let (stored, replayed) = p.replay_case(&done.id).await.unwrap();
    assert_eq!(stored, replayed);
    // After a restart the loaded calendar is still the one in use: nothing to recompute.
    p.store().close().await;
    drop(p);
    let p = db.open_with_services().await;
    assert_eq!(
        p.load_calendar("test", &calendar.to_string())
            .await
            .unwrap(),
        0
    );
    p.store().close().await;
}
on_both!(
    provisional_deadlines_become_official,
    provisional_deadlines_become_official_body
);

async fn completed_cases_issue_their_licences_body(db: &TestDb) {
    let p = db.open_issuing().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let before = p.wallet(&lina).await.unwrap().len();
    let input = application(&p, &lina, "food-business-licence", true).await;
    let done = p.submit_case(&lina, &input).await.unwrap();
    approve_all(&p, &done.id).await;
    let wallet = p.wallet(&lina).await.unwrap();
    assert_eq!(wallet.len(), before + 1, "one new licence");
    let (n, holder): (i64, String) =
        sqlx::query_as("SELECT COUNT(*), MAX(holder) FROM licences WHERE case_id = $1 AND type_id = 'food-business-licence'")
            .bind(done.id.clone())
            .fetch_one(p.store().pool())
            .await
            .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        holder,
        format!("enterprise:{}", input.applicant.clone().unwrap())
    );
    assert!(
        p.my_notices(&lina, 50)
            .await
            .unwrap()
            .iter()
            .any(|x| x.kind == "licence.issued")
    );
    p.store().close().await;
}
on_both!(
    completed_cases_issue_their_licences,
    completed_cases_issue_their_licences_body
);

async fn a_licence_that_cannot_be_issued_does_not_block_the_case_body(db: &TestDb) {
    // No licence types loaded: the approval still completes the case, and the journal
    // says which licence was not issued and why.
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let again = p
        .submit_case(
            &lina,
            &application(&p, &lina, "food-business-licence", true).await,
        )
        .await
        .unwrap();
    approve_all(&p, &again.id).await;
    assert_eq!(
        p.case_detail(&lina, &again.id)
            .await
            .unwrap()
            .summary
            .status,
        "completed"
    );
    let (m,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM journal_entries WHERE action = 'licence.not_issued' AND subject = $1",
    )
    .bind(format!("case:{}", again.id))
    .fetch_one(p.store().pool())
    .await
    .unwrap();
    assert_eq!(m, 1);
    p.store().close().await;
}
on_both!(
    a_licence_that_cannot_be_issued_does_not_block_the_case,
    a_licence_that_cannot_be_issued_does_not_block_the_case_body
);

async fn held_licences_replace_materials_body(db: &TestDb) {
    let p = db.open_issuing().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    // The demo city issued lina's enterprise its business licence: the food licence
    // accepts it in place of a copy, verified at submission.
    let input = application(&p, &lina, "food-business-licence", true).await;
    let done = p.submit_case(&lina, &input).await.unwrap();
    let detail = p.case_detail(&lina, &done.id).await.unwrap();
    assert_eq!(detail.recognised.len(), 1, "{:?}", detail.recognised);
    assert_eq!(detail.recognised[0].0, "business-licence");
    // Once the licence is revoked, it is refused with the reason, and nothing is stored.
    let enterprise = input.applicant.clone().unwrap();
    let (licence_id,): (String,) = sqlx::query_as(
        "SELECT id FROM licences WHERE type_id = 'business-licence' AND holder = $1",
    )
    .bind(format!("enterprise:{enterprise}"))
    .fetch_one(p.store().pool())
    .await
    .unwrap();
    let amr = who(&p, "amr.official").await;
    p.change_licence_status(
        &amr,
        &licence_id,
        govops_core::licences::StatusChange::Revoke,
        "吊销",
    )
    .await
    .unwrap();
    let before = count(&p, "SELECT COUNT(*) FROM cases").await;
    let e = p.submit_case(&lina, &input).await.unwrap_err();
    assert_licence_refused(&e);
    assert_eq!(count(&p, "SELECT COUNT(*) FROM cases").await, before);
    p.store().close().await;
}
on_both!(
    held_licences_replace_materials,
    held_licences_replace_materials_body
);

/// The submission was refused for its held business licence, which cannot be accepted.
fn assert_licence_refused(e: &govops_core::CoreError) {
    let f = e
        .fields
        .iter()
        .find(|f| f.field == "material:business-licence")
        .expect("the licence material is blamed");
    assert!(f.message.contains("cannot be accepted"), "{}", f.message);
}

async fn a_changed_stored_credential_is_verified_again_body(db: &TestDb) {
    let p = db.open_issuing().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let input = application(&p, &lina, "food-business-licence", true).await;
    // Recognised once: the signature check of this credential is now kept.
    p.submit_case(&lina, &input).await.unwrap();
    // The stored credential changes (one character of its signed payload): the kept
    // check does not apply to it, and the new text fails verification.
    let enterprise = input.applicant.clone().unwrap();
    let (licence_id, sd_jwt): (String, String) = sqlx::query_as(
        "SELECT id, sd_jwt FROM licences WHERE type_id = 'business-licence' AND holder = $1",
    )
    .bind(format!("enterprise:{enterprise}"))
    .fetch_one(p.store().pool())
    .await
    .unwrap();
    let dot = sd_jwt.find('.').unwrap() + 10;
    let flipped = if &sd_jwt[dot..=dot] == "A" { "B" } else { "A" };
    let tampered = format!("{}{flipped}{}", &sd_jwt[..dot], &sd_jwt[dot + 1..]);
    sqlx::query("UPDATE licences SET sd_jwt = $1 WHERE id = $2")
        .bind(tampered)
        .bind(licence_id)
        .execute(p.store().pool())
        .await
        .unwrap();
    let e = p.submit_case(&lina, &input).await.unwrap_err();
    assert_licence_refused(&e);
    p.store().close().await;
}
on_both!(
    a_changed_stored_credential_is_verified_again,
    a_changed_stored_credential_is_verified_again_body
);
