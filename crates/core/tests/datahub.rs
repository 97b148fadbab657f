//! The data hub in the platform: upload, versions, rules, repair, classification, the
//! masking door, grants, open data and scorecards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestDb;
use govops_core::datahub::{
    GrantDecision, GrantRequest, NewDataset, ReadBasis, ReadRequest, RepairRequest, RowSelection,
    Upload, UploadFormat,
};
use govops_core::identity::Principal;
use govops_core::{ErrorKind, Platform};

async fn who(p: &Platform, username: &str) -> Principal {
    p.principal(&format!("demo-account-{username}"))
        .await
        .unwrap()
}

async fn seeded(db: &TestDb) -> Platform {
    let p = db.open().await;
    p.seed_demo().await.unwrap();
    p
}

/// The seeded platform with an empty dataset `id` of the market regulator, and its steward.
async fn amr_dataset(db: &TestDb, id: &str) -> (Platform, Principal) {
    let p = seeded(db).await;
    let steward = who(&p, "amr.steward").await;
    p.create_dataset(&steward, new_dataset(id, "amr"))
        .await
        .unwrap();
    (p, steward)
}

fn csv(bytes: &str, refuse: bool) -> Upload {
    Upload {
        format: UploadFormat::Csv,
        file_name: "t.csv".into(),
        bytes: bytes.as_bytes().to_vec(),
        refuse_bad_rows: refuse,
    }
}

fn new_dataset(id: &str, owner: &str) -> NewDataset {
    NewDataset {
        id: id.into(),
        owner_department: owner.into(),
        name_zh: "测试".into(),
        name_en: "Test".into(),
        description: "A test dataset.".into(),
        update_frequency: "MONTHLY".into(),
        ..NewDataset::default()
    }
}

fn read(dataset: &str, basis: ReadBasis, unmasked: bool) -> ReadRequest {
    ReadRequest {
        dataset: dataset.into(),
        version: None,
        basis,
        purpose: "checking the test data for the unit test".into(),
        columns: None,
        rows: RowSelection::Page {
            offset: 0,
            limit: 1000,
        },
        unmasked,
    }
}

/// Five people; row 2's resident ID has a wrong check character, row 3's name a stray
/// space and row 4's phone another spelling.
fn people_csv() -> String {
    let mut out = String::from("resident_id,name,phone,visits\n");
    for i in 1..=5u8 {
        let id = govops_ids::ResidentId::from_parts(110105, (1990, 1, i), u16::from(i) * 3)
            .unwrap()
            .as_str()
            .to_string();
        let id = if i == 2 {
            let last = if id.ends_with('1') { '2' } else { '1' };
            format!("{}{last}", &id[..17])
        } else {
            id
        };
        let name = if i == 3 { "王五 " } else { "张三" };
        let phone = if i == 4 {
            "+86 139-0000-1111".to_string()
        } else {
            format!("1381234567{i}")
        };
        out.push_str(&format!("{id},{name},{phone},{i}\n"));
    }
    out
}

async fn upload_reports_bad_rows_keeps_versions_and_refuses_cleanly(db: &TestDb) {
    let p = seeded(db).await;
    let steward = who(&p, "amr.steward").await;
    let official = who(&p, "amr.official").await;
    // Only the owner's steward creates datasets.
    let e = p
        .create_dataset(&official, new_dataset("people-test", "amr"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = p
        .create_dataset(&steward, new_dataset("people-test", "tax"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let mut bad = new_dataset("Bad Id", "amr");
    bad.update_frequency = "sometimes".into();
    assert_eq!(
        p.create_dataset(&steward, bad).await.unwrap_err().code,
        "datahub.dataset_id.invalid"
    );
    p.create_dataset(&steward, new_dataset("people-test", "amr"))
        .await
        .unwrap();

    // A stray field count is refused when the upload says so, and nothing is stored.
    let broken = "a,b\n1,2\n3,4,5\n";
    let e = p
        .upload_version(&steward, "people-test", csv(broken, true))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("row 2"), "{}", e.message);
    assert_eq!(
        p.dataset_page(&steward, "people-test")
            .await
            .unwrap()
            .dataset
            .current_version,
        0
    );
    // Skipped otherwise, and listed with row and column.
    let r = p
        .upload_version(&steward, "people-test", csv(broken, false))
        .await
        .unwrap();
    assert_eq!((r.version, r.rows), (1, 1));
    assert_eq!(r.bad_rows.len(), 1);
    assert_eq!(r.bad_rows[0].row, 2);

    let r = p
        .upload_version(&steward, "people-test", csv(&people_csv(), false))
        .await
        .unwrap();
    assert_eq!(r.version, 2);
    let page = p.dataset_page(&steward, "people-test").await.unwrap();
    assert_eq!(page.versions.len(), 2);
    for v in page
        .versions
        .iter()
        .filter(|_| db.url.starts_with("sqlite"))
    {
        let path = std::path::Path::new(db.url.trim_start_matches("sqlite://"))
            .parent()
            .unwrap()
            .join("datasets")
            .join(&v.file_sha256[..2])
            .join(format!("{}.parquet", v.file_sha256));
        assert!(path.exists(), "version {} file kept", v.version);
    }
    let rid = page
        .classes
        .iter()
        .find(|c| c.column == "resident_id")
        .unwrap();
    assert_eq!(rid.sensitivity.as_str(), "sensitive_personal");
    assert!(!rid.confirmed);

    // A rule set that does not parse is refused with its line.
    let e = p
        .save_ruleset(
            &steward,
            "people-test",
            "[[rule]]\nid = \"x\"\ncheck = \"nope\"\n",
        )
        .await
        .unwrap_err();
    assert!(e.fields[0].message.starts_with("line 3"), "{:?}", e.fields);
    let e = p
        .save_ruleset(
            &steward,
            "people-test",
            "[[rule]]\nid = \"x\"\ncheck = \"missing\"\ncolumn = \"nope\"\n",
        )
        .await
        .unwrap_err();
    assert!(e.fields[0].message.contains("nope"), "{:?}", e.fields);
    let rev = p
        .save_ruleset(
            &steward,
            "people-test",
            "[[rule]]\nid = \"id_ok\"\ncheck = \"format\"\ncolumn = \"resident_id\"\nformat = \"resident_id\"\n\
             [[rule]]\nid = \"phone_ok\"\ncheck = \"regex\"\ncolumn = \"phone\"\npattern = \"1[0-9]{10}\"\n",
        )
        .await
        .unwrap();
    assert_eq!(rev, 1);
    let run = p.run_quality(&steward, "people-test").await.unwrap();
    let id_rule = run.rules.iter().find(|r| r.id == "id_ok").unwrap();
    assert_eq!((id_rule.failed, id_rule.failing_rows.clone()), (1, vec![2]));
    assert!(run.score < 100.0);

    // Repair: the preview shows the change masked, applying makes version 3 with lineage.
    let req = RepairRequest {
        fixes: vec![
            ("phone".into(), "phone".into()),
            ("name".into(), "trim".into()),
        ],
        ..RepairRequest::default()
    };
    let preview = p
        .preview_repair(&steward, "people-test", &req)
        .await
        .unwrap();
    assert_eq!(preview.total_changes, 2);
    let phone = preview
        .changes
        .iter()
        .find(|c| c.column == "phone")
        .unwrap();
    assert!(!phone.after.contains("13900001111"), "{phone:?}");
    let applied = p.apply_repair(&steward, "people-test", &req).await.unwrap();
    assert_eq!(applied.version, 3);
    // The rule set ran on the new version: the phone rule now passes.
    let q = applied.quality.unwrap();
    assert_eq!(
        q.rules.iter().find(|r| r.id == "phone_ok").unwrap().failed,
        0
    );
    let page = p.dataset_page(&steward, "people-test").await.unwrap();
    let lineage = page.versions[0].lineage.as_ref().unwrap();
    assert_eq!((lineage.parent_version, lineage.changed_cells), (2, 2));
    assert_eq!(lineage.approved_by, steward.actor());
    assert_eq!(page.versions.len(), 3);

    // The schema is editable: `visits` becomes text, then back to an integer; a value
    // that does not fit refuses the change with its row.
    let r = p
        .retype_columns(
            &steward,
            "people-test",
            vec![("visits".into(), "text".into())],
        )
        .await
        .unwrap();
    assert_eq!(r.version, 4);
    let page = p.dataset_page(&steward, "people-test").await.unwrap();
    let visits = |page: &govops_core::datahub::DatasetPage| {
        page.versions[0]
            .schema
            .iter()
            .find(|(c, _)| c == "visits")
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    assert_eq!(visits(&page), "Utf8");
    assert_eq!(page.versions[0].lineage.as_ref().unwrap().kind, "retype");
    let e = p
        .retype_columns(
            &steward,
            "people-test",
            vec![("name".into(), "integer".into())],
        )
        .await
        .unwrap_err();
    assert!(e.message.contains("row 1"), "{}", e.message);
    let e = p
        .retype_columns(
            &steward,
            "people-test",
            vec![("visits".into(), "colour".into())],
        )
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "type.visits");
    p.retype_columns(
        &steward,
        "people-test",
        vec![("visits".into(), "integer".into())],
    )
    .await
    .unwrap();
    let page = p.dataset_page(&steward, "people-test").await.unwrap();
    assert_eq!(visits(&page), "Int64");
    assert_eq!(page.versions.len(), 5);
}

on_both!(
    upload_and_versions,
    upload_reports_bad_rows_keeps_versions_and_refuses_cleanly
);

/// No read path returns sensitive values without passing the masking door: every read
/// model and read the platform offers is serialized and searched for raw resident IDs
/// and phone numbers; only an unmasked read under an approved grant shows them, and that
/// read is journaled with its purpose.
async fn no_read_path_returns_sensitive_values_without_the_door(db: &TestDb) {
    let p = seeded(db).await;
    let people = govops_core::demo::people().unwrap();
    let secrets: Vec<String> = people
        .iter()
        .flat_map(|x| [x.resident_id.clone(), x.phone.clone()])
        .collect();
    let leaks = |label: &str, v: &serde_json::Value| {
        let text = v.to_string();
        let found: Vec<&String> = secrets
            .iter()
            .filter(|s| text.contains(s.as_str()))
            .collect();
        assert!(
            found.is_empty(),
            "{label} shows raw values: {:?}",
            &found[..found.len().min(3)]
        );
    };
    let steward = who(&p, "psb-hukou.steward").await;
    let hrss = who(&p, "hrss.official").await;
    let amr = who(&p, "amr.steward").await;
    let ops = who(&p, "gsdm.ops").await;
    let js = |v: &dyn Erased| v.json();

    // Read models: dataset pages, the catalogue, usage, scorecards.
    for d in [
        "population-registry",
        "business-registry",
        "social-security-enrolments",
    ] {
        leaks(d, &js(&p.dataset_page(&steward, d).await.unwrap()));
    }
    leaks("catalogue", &js(&p.datasets(&hrss).await.unwrap()));
    leaks("usage", &js(&p.data_usage(&hrss).await.unwrap()));
    leaks("scorecards", &js(&p.scorecards(&ops).await.unwrap()));
    // The steward reads rows masked, and failing-row samples the same way.
    let rows = p
        .read_rows(
            Some(&steward),
            read("population-registry", ReadBasis::Steward, false),
        )
        .await
        .unwrap();
    assert!(rows.rows.len() >= 1000);
    leaks("steward rows", &js(&rows));
    // Unmasked needs a grant, even for the owner; another department's steward gets nothing.
    let e = p
        .read_rows(
            Some(&steward),
            read("population-registry", ReadBasis::Steward, true),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = p
        .read_rows(
            Some(&amr),
            read("population-registry", ReadBasis::Steward, false),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    // Repair previews are masked.
    let preview = p
        .preview_repair(
            &steward,
            "population-registry",
            &RepairRequest {
                fixes: vec![("phone".into(), "phone".into())],
                ..RepairRequest::default()
            },
        )
        .await
        .unwrap();
    assert!(preview.total_changes > 0);
    leaks("repair preview", &js(&preview));
    // Open data: the population registry is not open; the business registry is, without
    // its legal representatives' identity numbers.
    let e = p
        .read_rows(None, read("population-registry", ReadBasis::Open, false))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let open = p.open_dataset(None, "business-registry").await.unwrap();
    assert!(
        !open.resources[0]
            .columns
            .contains(&"legal_rep_id".to_string())
    );
    leaks("open dataset", &js(&open));
    let csv = p.open_download(None, &open.resources[0].id).await.unwrap();
    assert!(
        csv.starts_with("credit_code,company_name,"),
        "{}",
        &csv[..80]
    );
    assert!(!csv.contains("legal_rep_id"));
    leaks("open download", &serde_json::Value::String(csv));
    // Pre-fill without a grant is refused.
    let e = p
        .prefill_value(
            &hrss,
            "population-registry",
            "phone",
            "resident_id",
            &people[0].resident_id,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);

    // A grant: requested by HRSS, approved by the owner, read through the door.
    let g = p
        .request_grant(
            &hrss,
            GrantRequest {
                dataset: "population-registry".into(),
                grantee_department: "hrss".into(),
                columns: vec!["resident_id".into(), "name".into(), "phone".into()],
                row_filter: "district = 东城区".into(),
                purpose: "verify enrolments against the population registry".into(),
                unmasked: false,
                valid_days: 30,
            },
        )
        .await
        .unwrap();
    // Not in force until approved; the requester cannot approve.
    let by_grant = |unmasked| {
        read(
            "population-registry",
            ReadBasis::Grant(g.id.clone()),
            unmasked,
        )
    };
    assert_eq!(
        p.read_rows(Some(&hrss), by_grant(false))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    let approve = GrantDecision {
        approve: true,
        note: String::new(),
    };
    assert_eq!(
        p.decide_grant(&amr, &g.id, approve.clone())
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    p.decide_grant(&steward, &g.id, approve.clone())
        .await
        .unwrap();
    let masked = p.read_rows(Some(&hrss), by_grant(false)).await.unwrap();
    assert_eq!(masked.columns, ["resident_id", "name", "phone"]);
    assert!(
        !masked.rows.is_empty() && masked.rows.len() < 1000,
        "row filter applies"
    );
    leaks("masked grant read", &js(&masked));
    // The grant is masked-only: unmasked is refused; a purpose is required.
    assert_eq!(
        p.read_rows(Some(&hrss), by_grant(true))
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Forbidden
    );
    let mut no_purpose = by_grant(false);
    no_purpose.purpose = " ".into();
    assert_eq!(
        p.read_rows(Some(&hrss), no_purpose).await.unwrap_err().code,
        "datahub.read.purpose"
    );
    // Columns outside the grant are refused.
    let mut more = by_grant(false);
    more.columns = Some(vec!["address".into()]);
    assert_eq!(
        p.read_rows(Some(&hrss), more).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );

    // An unmasked grant shows raw values, and the read is journaled with its purpose.
    let g2 = p
        .request_grant(
            &hrss,
            GrantRequest {
                dataset: "population-registry".into(),
                grantee_department: "hrss".into(),
                columns: vec!["resident_id".into(), "phone".into()],
                row_filter: String::new(),
                purpose: "pre-fill the phone on enrolment forms".into(),
                unmasked: true,
                valid_days: 1,
            },
        )
        .await
        .unwrap();
    p.decide_grant(&steward, &g2.id, approve).await.unwrap();
    let value = p
        .prefill_value(
            &hrss,
            "population-registry",
            "phone",
            "resident_id",
            &people[0].resident_id,
        )
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some(people[0].phone.as_str()));
    p.journal().integrate().await.unwrap();
    let reads: Vec<(String,)> = sqlx::query_as(
        "SELECT body FROM journal_entries WHERE action = 'datahub.rows_read' ORDER BY idx",
    )
    .fetch_all(p.store().pool())
    .await
    .unwrap();
    let last: serde_json::Value = serde_json::from_str(&reads.last().unwrap().0).unwrap();
    assert_eq!(last["payload"]["unmasked"], true);
    assert_eq!(last["payload"]["grant"], g2.id.as_str());
    assert!(
        last["payload"]["purpose"]
            .as_str()
            .unwrap()
            .contains("pre-fill")
    );
    let usage = p.data_usage(&hrss).await.unwrap();
    assert!(usage.iter().any(|u| u.grant == g2.id && u.uses == 1));

    // Grants expire.
    db.clock.advance(time::Duration::days(2));
    let e = p
        .prefill_value(
            &hrss,
            "population-registry",
            "phone",
            "resident_id",
            &people[0].resident_id,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
}

on_both!(
    the_door,
    no_read_path_returns_sensitive_values_without_the_door
);

/// Serializes read models for the leak search.
trait Erased {
    fn json(&self) -> serde_json::Value;
}
impl<T: serde::Serialize> Erased for T {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap()
    }
}

async fn confirmed_classification_changes_masks_and_is_journaled(db: &TestDb) {
    let p = seeded(db).await;
    let steward = who(&p, "amr.steward").await;
    let page = p.dataset_page(&steward, "business-registry").await.unwrap();
    let mut cols: Vec<(String, String, String)> = page
        .classes
        .iter()
        .map(|c| {
            (
                c.column.clone(),
                c.sensitivity.as_str().into(),
                c.mask.clone(),
            )
        })
        .collect();
    // A masked level without a mask is refused, with the column named.
    for c in &mut cols {
        if c.0 == "legal_rep_name" {
            c.1 = "personal".into();
            c.2 = "none".into();
        }
    }
    let e = p
        .confirm_classification(&steward, "business-registry", cols.clone(), "important")
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "mask.legal_rep_name");
    for c in &mut cols {
        if c.0 == "legal_rep_name" {
            c.2 = "redact".into();
        }
        // Suggested public, confirmed personal: its profile values must be masked too.
        if c.0 == "status" {
            c.1 = "personal".into();
            c.2 = "redact".into();
        }
    }
    p.confirm_classification(&steward, "business-registry", cols, "important")
        .await
        .unwrap();
    let page = p.dataset_page(&steward, "business-registry").await.unwrap();
    assert!(page.classes.iter().all(|c| c.confirmed));
    // The profile now masks the newly personal column's values as well.
    let names = page
        .profile
        .columns
        .iter()
        .find(|c| c.name == "status")
        .unwrap();
    assert!(!names.top_values.is_empty());
    assert!(
        names
            .top_values
            .iter()
            .all(|(v, _)| v.chars().all(|c| c == '*')),
        "{:?}",
        names.top_values
    );
    assert_eq!(page.dataset.data_level.as_deref(), Some("important"));
    let rows = p
        .read_rows(
            Some(&steward),
            read("business-registry", ReadBasis::Steward, false),
        )
        .await
        .unwrap();
    let i = rows
        .columns
        .iter()
        .position(|c| c == "legal_rep_name")
        .unwrap();
    assert_eq!(rows.masks[i], "redact");
    assert!(
        rows.rows[0].1[i]
            .as_deref()
            .unwrap()
            .chars()
            .all(|c| c == '*')
    );
    p.journal().integrate().await.unwrap();
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM journal_entries WHERE action = 'datahub.classification_confirmed' \
         AND actor = $1",
    )
    .bind(steward.actor())
    .fetch_one(p.store().pool())
    .await
    .unwrap();
    assert_eq!(n, 1);
}

on_both!(
    classification,
    confirmed_classification_changes_masks_and_is_journaled
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_datasets_have_defects_and_scorecards_give_cards() {
    let db = TestDb::sqlite();
    let p = seeded(&db).await;
    // Seeding again creates nothing.
    assert_eq!(p.seed_demo().await.unwrap().created, 0);
    let ops = who(&p, "gsdm.ops").await;
    let steward = who(&p, "hrss.steward").await;
    let page = p
        .dataset_page(&steward, "social-security-enrolments")
        .await
        .unwrap();
    let run = &page.runs[0];
    for rule in [
        "person_known",
        "employer_known",
        "enrolled_iso",
        "base_positive",
    ] {
        let r = run.rules.iter().find(|r| r.id == rule).unwrap();
        let share = r.failed as f64 / r.evaluated as f64;
        assert!(share > 0.002 && share < 0.05, "{rule}: {share}");
        assert!(!r.failing_rows.is_empty());
    }
    assert!(run.score > 90.0 && run.score < 100.0, "{}", run.score);
    let cards = p.scorecards(&ops).await.unwrap();
    assert_eq!(cards.departments.len(), 3);
    assert!(
        cards
            .departments
            .iter()
            .all(|d| d.score.is_some() && d.history.len() == 1)
    );
    // Raise the thresholds above every score: every department gets a red card.
    p.set_scorecard_thresholds(&ops, 99.99, 100.0)
        .await
        .unwrap();
    let cards = p.scorecards(&ops).await.unwrap();
    assert!(
        cards
            .departments
            .iter()
            .all(|d| d.card == govops_core::datahub::Card::Red)
    );
    assert_eq!(
        p.set_scorecard_thresholds(&ops, 90.0, 80.0)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::Invalid
    );
    assert_eq!(
        p.scorecards(&steward).await.unwrap_err().kind,
        ErrorKind::Forbidden
    );
}

async fn scorecards_and_open_search(db: &TestDb) {
    let p = seeded(db).await;
    let ops = who(&p, "gsdm.ops").await;
    let cards = p.scorecards(&ops).await.unwrap();
    assert_eq!(cards.departments.len(), 3);
    let (n, page) = p
        .search_open(
            None,
            &govops_core::datahub::OpenSearch {
                q: "business".into(),
                rows: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((n, page[0].dataset.id.as_str()), (1, "business-registry"));
}

on_both!(on_both_backends, scorecards_and_open_search);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parquet_uploads_keep_their_types() {
    let db = TestDb::sqlite();
    let (p, steward) = amr_dataset(&db, "parquet-test").await;
    let text = "code,amount,day\nA,1,2024-01-02\nB,2,2024-02-03\n";
    let mut reader = govops_data::ingest::CsvReader::new(
        text.as_bytes(),
        govops_data::ingest::CsvOptions::default(),
    )
    .unwrap();
    let schema = reader.schema();
    let batches: Vec<_> = reader.by_ref().collect();
    let mut bytes = Vec::new();
    govops_data::ingest::write_parquet(&mut bytes, schema, batches).unwrap();
    let r = p
        .upload_version(
            &steward,
            "parquet-test",
            Upload {
                format: UploadFormat::Parquet,
                file_name: "t.parquet".into(),
                bytes,
                refuse_bad_rows: true,
            },
        )
        .await
        .unwrap();
    assert_eq!((r.version, r.rows), (1, 2));
    let page = p.dataset_page(&steward, "parquet-test").await.unwrap();
    assert_eq!(
        page.versions[0].schema,
        [
            ("code".to_string(), "Utf8".to_string()),
            ("amount".into(), "Int64".into()),
            ("day".into(), "Date32".into())
        ]
    );
    // Garbage that claims to be Parquet is refused with a message, nothing stored.
    let e = p
        .upload_version(
            &steward,
            "parquet-test",
            Upload {
                format: UploadFormat::Parquet,
                file_name: "t.parquet".into(),
                bytes: b"not parquet".to_vec(),
                refuse_bad_rows: true,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(
        p.dataset_page(&steward, "parquet-test")
            .await
            .unwrap()
            .versions
            .len(),
        1
    );
}

/// A one-stop form field that names a data hub column is pre-filled from the applicant's
/// own row under the service department's grant, journaled as a read for that
/// department; once the grant has expired the field is left for the applicant to type.
async fn forms_prefill_from_shared_data_under_a_grant(db: &TestDb) {
    let p = db.open_with_services().await;
    p.seed_demo().await.unwrap();
    let lina = who(&p, "lina").await;
    let firm = lina
        .enterprises
        .first()
        .cloned()
        .expect("lina acts for an enterprise");
    let (credit_code, address): (String, String) =
        sqlx::query_as("SELECT credit_code, address FROM enterprises WHERE id = $1")
            .bind(firm.clone())
            .fetch_one(p.store().pool())
            .await
            .unwrap();
    let as_firm = govops_core::cases::SubmitInput {
        service: "vat-invoice-limit".into(),
        applicant: Some(firm.clone()),
        ..Default::default()
    };
    let reads_for_tax = || async {
        let bodies: Vec<(String,)> = sqlx::query_as(
            "SELECT body FROM journal_entries WHERE action = 'datahub.rows_read' AND actor = $1 \
             AND subject = 'dataset:business-registry'",
        )
        .bind(lina.actor())
        .fetch_all(p.store().pool())
        .await
        .unwrap();
        bodies
            .iter()
            .filter(|(b,)| {
                let v: serde_json::Value = serde_json::from_str(b).unwrap();
                v["payload"]["on_behalf_of"] == "tax" && v["payload"]["basis"] == "grant"
            })
            .count()
    };
    let tax_grant_uses = || async {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT uses FROM data_grants WHERE dataset_id = 'business-registry' \
             AND grantee_department = 'tax' AND status = 'approved'",
        )
        .fetch_one(p.store().pool())
        .await
        .unwrap();
        n
    };
    // The form the applicant sees: the address comes from the business registry. (The
    // typed-values argument only chooses the applicant; it carries no field values.)
    let form = p
        .application_form(&lina, "vat-invoice-limit", Some(&as_firm))
        .await
        .unwrap();
    let field = |form: &govops_core::cases::ApplyForm, id: &str| {
        form.fields.iter().find(|f| f.id == id).cloned().unwrap()
    };
    let shared = field(&form, "registered_address");
    assert_eq!(shared.value, address);
    assert!(shared.prefilled);
    assert_eq!(field(&form, "credit_code").value, credit_code);
    assert_eq!(reads_for_tax().await, 1);
    assert_eq!(tax_grant_uses().await, 1);
    // The service is for enterprises: opened without a choice, the form is for lina's
    // enterprise and filled the same way (a second read).
    let form = p
        .application_form_for(&lina, "vat-invoice-limit", None)
        .await
        .unwrap();
    assert_eq!(field(&form, "registered_address").value, address);
    assert_eq!(reads_for_tax().await, 2);
    // As a person (no credit code), the registry is not read.
    let form = p
        .application_form_for(&lina, "vat-invoice-limit", Some("person"))
        .await
        .unwrap();
    assert_eq!(field(&form, "registered_address").value, "");
    assert_eq!(reads_for_tax().await, 2);
    // The grant runs 366 days; after it the form no longer reads the registry.
    db.clock.advance(time::Duration::days(367));
    let form = p
        .application_form(&lina, "vat-invoice-limit", Some(&as_firm))
        .await
        .unwrap();
    let shared = field(&form, "registered_address");
    assert_eq!(shared.value, "");
    assert!(!shared.prefilled);
    assert_eq!(reads_for_tax().await, 2);
    assert_eq!(tax_grant_uses().await, 2);
}

on_both!(prefill, forms_prefill_from_shared_data_under_a_grant);

/// A version larger than one batch is repaired and retyped batch by batch: row numbers,
/// duplicate groups and the removed rows carry across batches (16,384 rows each), and a
/// value that does not fit its new type is found by its row in a later batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_of_several_batches_are_repaired_and_retyped() {
    let db = TestDb::sqlite();
    let (p, steward) = amr_dataset(&db, "codes-test").await;
    // Codes repeat after row 30,000; `n` has leading zeros (so it is text) and one
    // value that is not a number, at row 20,000.
    let mut text = String::from("code,n\n");
    for i in 1..=40_000u32 {
        let n = if i == 20_000 {
            "n20000".to_string()
        } else {
            format!("{i:06}")
        };
        text.push_str(&format!("c{:05},{n}\n", i % 30_000));
    }
    let up = p
        .upload_version(&steward, "codes-test", csv(&text, true))
        .await
        .unwrap();
    assert_eq!(up.rows, 40_000);

    let req = RepairRequest {
        fixes: vec![("code".into(), "upper_case".into())],
        dedup_keys: vec!["code".into()],
        survivorship: "first".into(),
    };
    let preview = p
        .preview_repair(&steward, "codes-test", &req)
        .await
        .unwrap();
    assert_eq!(
        (preview.total_changes, preview.total_removals),
        (40_000, 10_000)
    );
    assert_eq!(preview.changes.len(), 200);
    assert_eq!(
        (
            preview.changes[199].row,
            preview.changes[199].after.as_str()
        ),
        (200, "C00200")
    );
    assert_eq!(preview.removals[0], (30_001, 1, "keep first".to_string()));
    let applied = p.apply_repair(&steward, "codes-test", &req).await.unwrap();
    assert_eq!((applied.version, applied.rows), (2, 30_000));
    let page = p.dataset_page(&steward, "codes-test").await.unwrap();
    let lineage = page.versions[0].lineage.as_ref().unwrap();
    assert_eq!(
        (lineage.changed_cells, lineage.removed_rows),
        (40_000, 10_000)
    );
    assert_eq!(page.versions[0].rows, 30_000);
    // The lineage names every changed cell and removed row with its rule.
    let rules: serde_json::Value = serde_json::from_str(&lineage.rules).unwrap();
    let cells = rules["changes"].as_array().unwrap();
    assert_eq!(cells.len(), 50_000);
    assert_eq!(cells[0], serde_json::json!([1, "code", "upper_case"]));
    assert_eq!(
        cells[40_000],
        serde_json::json!([30_001, "*removed*", "keep first"])
    );
    assert_eq!(rules["request"]["survivorship"], "first");
    // The last rows of the new version, through the door: fixed, and no duplicate.
    let mut last = read("codes-test", ReadBasis::Steward, false);
    last.rows = RowSelection::Page {
        offset: 29_998,
        limit: 10,
    };
    let rows = p.read_rows(Some(&steward), last).await.unwrap();
    let codes: Vec<(u64, Option<&str>)> = rows
        .rows
        .iter()
        .map(|(row, cells)| (*row, cells[0].as_deref()))
        .collect();
    assert_eq!(codes, [(29_999, Some("C29999")), (30_000, Some("C00000"))]);

    let e = p
        .retype_columns(&steward, "codes-test", vec![("n".into(), "integer".into())])
        .await
        .unwrap_err();
    assert_eq!(e.code, "datahub.schema.bad_value");
    assert!(e.message.contains("row 20000"), "{}", e.message);
    assert!(e.message.contains("no version was made"), "{}", e.message);
    let page = p.dataset_page(&steward, "codes-test").await.unwrap();
    assert_eq!(page.versions.len(), 2, "a refused edit makes no version");
    db.drop_db().await;
}
