//! The running catalogue: loading at start, reloading (journaled, or refused with every
//! problem while the running version stays), the folder watcher, and the guide read
//! models. Journaling runs on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestDb;
use govops_core::catalogue::{
    CatalogueQuery, ChangeKind, EntryKind, ReloadOutcome, ReloadReport, WATCHER_ACTOR,
};
use govops_core::{ErrorKind, Platform, PlatformSettings};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services")
}

/// A copy of the shipped catalogue in a temporary folder, to edit.
fn copy_of_services() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() {
                copy(&path, &target);
            } else {
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&shipped(), dir.path());
    dir
}

async fn open(db: &TestDb, dir: Option<&Path>) -> Platform {
    let settings = PlatformSettings {
        database_url: db.url.clone(),
        journal_origin: "test.example/journal".into(),
        licences: Default::default(),
        catalogue_dir: dir.map(Path::to_path_buf),
        files_dir: None,
    };
    Platform::open(&settings, Arc::new(db.clock.clone()))
        .await
        .unwrap()
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} no longer contains {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

async fn reload_entries(p: &Platform) -> Vec<(String, serde_json::Value)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, body FROM journal_entries WHERE action = 'catalogue.reloaded' ORDER BY idx",
    )
    .fetch_all(p.store().pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(actor, body)| (actor, serde_json::from_str(&body).unwrap()))
        .collect()
}

fn reloaded(outcome: ReloadOutcome) -> ReloadReport {
    match outcome {
        ReloadOutcome::Reloaded(r) => r,
        ReloadOutcome::Refused(p) => panic!("refused: {p:?}"),
    }
}

async fn a_good_change_is_swapped_in_and_journaled(db: &TestDb) {
    let dir = copy_of_services();
    let p = open(db, Some(dir.path())).await;
    let before = p.catalogue();
    assert_eq!(before.services.len(), 30);
    assert_eq!(before.bundles.len(), 2);

    // Nothing changed: nothing journaled.
    let same = reloaded(p.reload_catalogue("account:ops").await.unwrap());
    assert!(same.changed.is_empty() && !same.journaled);
    assert_eq!((same.services, same.bundles, same.files), (30, 2, 32));
    assert!(reload_entries(&p).await.is_empty());

    // A new version, an edit that keeps the version, and a removal.
    edit(
        dir.path(),
        "amr/food-business-licence.toml",
        "version = 1",
        "version = 2",
    );
    edit(
        dir.path(),
        "tax/vat-invoice-limit.toml",
        "version = 1",
        "version = 1\n# a comment, same version",
    );
    std::fs::remove_file(dir.path().join("gsdm/public-data-access.toml")).unwrap();
    let report = reloaded(p.reload_catalogue("account:ops").await.unwrap());
    assert!(report.journaled);
    let changes: Vec<(&str, u32, Option<u32>, ChangeKind)> = report
        .changed
        .iter()
        .map(|c| (c.id.as_str(), c.version, c.previous_version, c.change))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("food-business-licence", 2, Some(1), ChangeKind::NewVersion),
            ("public-data-access", 1, Some(1), ChangeKind::Removed),
            (
                "vat-invoice-limit",
                1,
                Some(1),
                ChangeKind::EditedSameVersion
            ),
        ]
    );
    let now = p.catalogue();
    assert_eq!(now.services["food-business-licence"].version, 2);
    assert!(!now.services.contains_key("public-data-access"));
    // A reader holding the old Arc still sees the old version whole.
    assert_eq!(before.services["food-business-licence"].version, 1);

    let entries = reload_entries(&p).await;
    assert_eq!(entries.len(), 1);
    let (actor, body) = &entries[0];
    assert_eq!(actor, "account:ops");
    assert_eq!(body["subject"], "catalogue");
    let changed = body["payload"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 3);
    assert_eq!(changed[0]["id"], "food-business-licence");
    assert_eq!(changed[0]["version"], 2);
    assert_eq!(changed[0]["change"], "new_version");
    assert_eq!(body["payload"]["services"], 29);
    p.store().close().await;
}

async fn a_broken_file_is_refused_and_the_running_version_stays(db: &TestDb) {
    let dir = copy_of_services();
    let p = open(db, Some(dir.path())).await;
    edit(
        dir.path(),
        "amr/food-business-licence.toml",
        "version = 1",
        "version = 2",
    );
    edit(
        dir.path(),
        "amr/food-business-licence.toml",
        "after = [\"accept\"]",
        "after = [\"inspect\"]",
    );
    edit(
        dir.path(),
        "psb/residence-permit.toml",
        "type = \"",
        "type = \"colour",
    );
    let problems = match p.reload_catalogue("account:ops").await.unwrap() {
        ReloadOutcome::Refused(problems) => problems,
        ReloadOutcome::Reloaded(r) => panic!("a broken folder was loaded: {r:?}"),
    };
    let food = problems
        .iter()
        .find(|e| e.file.ends_with("food-business-licence.toml"))
        .expect("the food licence's problem");
    assert!(food.line > 1, "{food}");
    assert!(food.field.starts_with("steps["), "{food}");
    assert!(food.to_string().contains("inspect"), "{food}");
    assert!(
        problems
            .iter()
            .any(|e| e.file.ends_with("residence-permit.toml") && e.line > 1),
        "every file's problems are reported: {problems:?}"
    );
    assert_eq!(p.catalogue().services["food-business-licence"].version, 1);
    assert_eq!(p.catalogue().services.len(), 30);
    assert!(
        reload_entries(&p).await.is_empty(),
        "a refusal writes nothing"
    );
    p.store().close().await;
}

on_both!(
    reload_journals_changes,
    a_good_change_is_swapped_in_and_journaled
);
on_both!(
    reload_refuses_a_broken_folder,
    a_broken_file_is_refused_and_the_running_version_stays
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_folder_starts_empty_and_an_emptied_one_is_refused() {
    let db = TestDb::sqlite();
    let missing = tempfile::tempdir().unwrap().path().join("not-there");
    let p = open(&db, Some(&missing)).await;
    assert!(p.catalogue().services.is_empty());
    match p.reload_catalogue("account:ops").await.unwrap() {
        ReloadOutcome::Refused(problems) => {
            assert_eq!(problems.len(), 1);
            assert!(problems[0].file.ends_with("not-there"), "{:?}", problems[0]);
        }
        ReloadOutcome::Reloaded(_) => panic!("a missing folder loaded"),
    }

    let dir = copy_of_services();
    let p2 = open(&TestDb::sqlite(), Some(dir.path())).await;
    for sub in std::fs::read_dir(dir.path()).unwrap() {
        let path = sub.unwrap().path();
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        }
    }
    assert!(matches!(
        p2.reload_catalogue("account:ops").await.unwrap(),
        ReloadOutcome::Refused(_)
    ));
    assert_eq!(
        p2.catalogue().services.len(),
        30,
        "never emptied by a reload"
    );

    let none = open(&TestDb::sqlite(), None).await;
    let e = none.reload_catalogue("account:ops").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.code, "catalogue.folder.none");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_reloads_a_changed_file_within_seconds() {
    let db = TestDb::sqlite();
    let dir = copy_of_services();
    let p = open(&db, Some(dir.path())).await;
    let _watcher = p.watch_catalogue().unwrap();
    edit(
        dir.path(),
        "amr/food-business-licence.toml",
        "version = 1",
        "version = 3",
    );
    let mut version = 1;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        version = p.catalogue().services["food-business-licence"].version;
        if version == 3 {
            break;
        }
    }
    assert_eq!(version, 3, "the watcher did not reload within 5 s");
    let entries = reload_entries(&p).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, WATCHER_ACTOR);

    // A broken save is refused by the watcher too; the good version stays.
    edit(
        dir.path(),
        "amr/food-business-licence.toml",
        "id = ",
        "idd = ",
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(p.catalogue().services["food-business-licence"].version, 3);
    assert_eq!(reload_entries(&p).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_search_and_guides_read_the_running_catalogue() {
    let db = TestDb::sqlite();
    let p = open(&db, Some(&shipped())).await;
    p.seed_demo().await.unwrap();
    let all = p
        .browse_catalogue(&CatalogueQuery::default())
        .await
        .unwrap();
    assert_eq!(all.total, 32);
    assert_eq!(all.results.len(), 32);
    assert_eq!(all.results[0].kind, EntryKind::Bundle, "bundles first");

    let search = |q: &str| CatalogueQuery {
        q: Some(q.into()),
        ..Default::default()
    };
    let ids = |b: &govops_core::catalogue::Browse| -> Vec<String> {
        b.results.iter().map(|s| s.id.clone()).collect()
    };
    let zh = p.browse_catalogue(&search("企业开办")).await.unwrap();
    assert_eq!(ids(&zh), vec!["start-business"]);
    let en = p.browse_catalogue(&search("BUSINESS")).await.unwrap();
    assert!(ids(&en).contains(&"start-business".to_string()));
    assert!(ids(&en).contains(&"business-registration".to_string()));
    let both = p.browse_catalogue(&search("business 食品")).await.unwrap();
    assert_eq!(ids(&both), vec!["food-business-licence"]);

    let amr = p
        .browse_catalogue(&CatalogueQuery {
            department: Some("amr".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let amr_ids = ids(&amr);
    assert!(amr_ids.contains(&"food-business-licence".to_string()));
    assert!(
        amr_ids.contains(&"start-business".to_string()),
        "bundles amr takes part in"
    );
    assert!(!amr_ids.contains(&"residence-permit".to_string()));
    let facet = amr
        .departments
        .iter()
        .find(|f| f.label.code == "amr")
        .unwrap();
    assert_eq!(facet.count, amr.results.len());
    assert_eq!(facet.label.zh, "示范市市场监督管理局");

    let birth = p
        .browse_catalogue(&CatalogueQuery {
            life_event: Some("birth".into()),
            category: Some("bundle".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&birth), vec!["newborn"]);

    let g = p.service_guide("food-business-licence").await.unwrap();
    assert_eq!(g.summary.department.code, "amr");
    assert_eq!((g.summary.promised_days, g.summary.statutory_days), (5, 10));
    let stages: Vec<(bool, Vec<&str>)> = g
        .stages
        .iter()
        .map(|s| (s.parallel, s.steps.iter().map(|x| x.id.as_str()).collect()))
        .collect();
    assert_eq!(
        stages,
        vec![
            (false, vec!["accept"]),
            (true, vec!["health", "fire"]),
            (false, vec!["decide"]),
        ]
    );
    let exempt: Vec<&str> = g
        .materials
        .iter()
        .filter(|m| m.exempt)
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(
        exempt,
        vec![
            "business-licence",
            "legal-rep-identity",
            "health-certificates"
        ]
    );

    let b = p.service_guide("start-business").await.unwrap();
    assert_eq!(b.parts.len(), 5);
    assert!(b.stages[0].parallel && b.stages[0].steps.len() >= 5);
    assert_eq!(
        b.fields.iter().filter(|f| f.id == "legal_rep_id").count(),
        1,
        "a merged field is asked once"
    );

    let e = p.service_guide("no-such-service").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}
