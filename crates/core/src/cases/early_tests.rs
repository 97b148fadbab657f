//! A step worked out off the writer (`Platform::step_early`) that another change
//! overtakes writes nothing, and the step is then worked out again by the writer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::run;
use super::{SubmitInput, TaskAction};
use crate::identity::Principal;
use crate::{ManualClock, Platform, PlatformSettings};
use govops_workflow::engine::{Actor, Command};
use std::sync::Arc;

async fn who(p: &Platform, username: &str) -> Principal {
    p.principal(&format!("demo-account-{username}"))
        .await
        .unwrap()
}

fn approve(step: &str, account: &str, department: &str) -> Command {
    Command::Approve {
        step: step.into(),
        actor: Actor {
            id: account.into(),
            department: department.into(),
            role: "official".into(),
        },
    }
}

async fn version_and_open_tasks(p: &Platform, case_id: &str) -> (i64, Vec<String>) {
    let (version,): (i64,) = p
        .store()
        .fetch_one(
            "SELECT version FROM cases WHERE id = $1",
            &[crate::store::Val::from(case_id)],
        )
        .await
        .unwrap();
    let open: Vec<(String,)> = p
        .store()
        .fetch_all(
            "SELECT step FROM case_tasks WHERE case_id = $1 AND status = 'open' ORDER BY step",
            &[crate::store::Val::from(case_id)],
        )
        .await
        .unwrap();
    (version, open.into_iter().map(|r| r.0).collect())
}

#[tokio::test]
async fn an_overtaken_early_step_writes_nothing_and_the_writer_steps_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let settings = PlatformSettings {
        database_url: format!("sqlite://{}/govops.db", dir.path().display()),
        journal_origin: "test.example/journal".into(),
        catalogue_dir: Some(root.join("services")),
        files_dir: Some(dir.path().join("files")),
        licences: Default::default(),
    };
    let clock = ManualClock::new(time::macros::datetime!(2026-03-02 09:00 UTC));
    let p = Platform::open(&settings, Arc::new(clock)).await.unwrap();
    p.seed_demo().await.unwrap();

    // lina applies for a food-business licence for her enterprise.
    let lina = who(&p, "lina").await;
    let (rid,): (String,) = p
        .store()
        .fetch_one(
            "SELECT resident_id FROM persons WHERE id = $1",
            &[crate::store::Val::from(lina.person_id.clone())],
        )
        .await
        .unwrap();
    let firm = lina.enterprises.first().cloned().unwrap();
    let (credit,): (String,) = p
        .store()
        .fetch_one(
            "SELECT credit_code FROM enterprises WHERE id = $1",
            &[crate::store::Val::from(&firm)],
        )
        .await
        .unwrap();
    let service = "food-business-licence";
    let mut input = SubmitInput {
        service: service.into(),
        form: p.sample_application(service, &rid, &credit).unwrap(),
        applicant: Some(firm),
        ..Default::default()
    };
    let page = p
        .application_form(&lina, service, Some(&input))
        .await
        .unwrap();
    for m in page.materials.iter().filter(|m| m.source == "upload") {
        let up = p
            .upload_file(
                &lina,
                &format!("{}.pdf", m.id.replace('/', "-")),
                format!("%PDF-1.4 {}", m.id).into_bytes(),
                &m.formats,
            )
            .await
            .unwrap();
        input.materials.insert(m.id.clone(), up.hash);
    }
    let case = p.submit_case(&lina, &input).await.unwrap();
    p.act_on_task(
        &who(&p, "amr.official").await,
        &case.id,
        "accept",
        TaskAction::Approve,
    )
    .await
    .unwrap();
    let (before, open) = version_and_open_tasks(&p, &case.id).await;
    assert_eq!(open, ["fire", "health"]);

    // Both parallel approvals are worked out from the same version.
    let health = p
        .step_early(
            &case.id,
            &approve("health", "demo-account-nhc.official", "nhc"),
            None,
        )
        .await
        .expect("the health approval can be worked out early");
    let fire = p
        .step_early(
            &case.id,
            &approve("fire", "demo-account-fire.official", "fire"),
            None,
        )
        .await
        .expect("the fire approval can be worked out early");
    assert_eq!(health.1.from_version, before);
    assert_eq!(fire.1.from_version, before);

    // The first one written applies; the second finds the case changed and writes nothing.
    let write = |(loaded, w): (run::Loaded, run::StepWrite), actor: &'static str| {
        let (p2, id) = (p.clone(), case.id.clone());
        async move {
            let store = p2.store().clone();
            store
                .write(move |tx| {
                    Box::pin(async move {
                        let journal_before = tx.journal.len();
                        let applied = run::write_step(
                            tx,
                            &id,
                            &loaded,
                            &w,
                            actor,
                            "case.approve",
                            &p2.inner.licences,
                        )
                        .await?;
                        Ok((applied, tx.journal.len() - journal_before))
                    })
                })
                .await
                .unwrap()
        }
    };
    assert_eq!(write(health, "account:nhc").await, (true, 1));
    let (after_health, open) = version_and_open_tasks(&p, &case.id).await;
    assert_eq!(
        (after_health, open.as_slice()),
        (before + 1, ["fire".to_owned()].as_slice())
    );
    assert_eq!(write(fire, "account:fire").await, (false, 0));
    assert_eq!(version_and_open_tasks(&p, &case.id).await.0, before + 1);

    // Acting through the platform works the fire approval out again and applies it.
    let status = p
        .act_on_task(
            &who(&p, "fire.official").await,
            &case.id,
            "fire",
            TaskAction::Approve,
        )
        .await
        .unwrap();
    assert_eq!(status, "in_progress");
    let (after_fire, open) = version_and_open_tasks(&p, &case.id).await;
    assert_eq!(
        (after_fire, open.as_slice()),
        (before + 2, ["decide".to_owned()].as_slice())
    );
    let (stored, replayed) = p.replay_case(&case.id).await.unwrap();
    assert_eq!(stored, replayed);
}
