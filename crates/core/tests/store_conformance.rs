//! The store conformance suite: the same tests on SQLite (always) and PostgreSQL (when
//! `GOVOPS_TEST_PG_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestDb;
use govops_core::store::Val;
use govops_core::{CoreError, Platform};
use govops_journal::{Hash, verify_consistency, verify_inclusion};
use serde_json::json;

async fn journal_len(p: &Platform) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM journal_entries")
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    n
}

async fn make_table(p: &Platform) {
    p.store()
        .write(|tx| {
            Box::pin(async move {
                tx.execute("CREATE TABLE IF NOT EXISTS things (id BIGINT PRIMARY KEY, label TEXT NOT NULL)", &[])
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

async fn insert_thing(p: &Platform, id: i64, fail_after: bool) -> Result<(), CoreError> {
    p.store()
        .write(move |tx| {
            Box::pin(async move {
                tx.execute(
                    "INSERT INTO things (id, label) VALUES ($1, $2)",
                    &[Val::from(id), Val::from(format!("thing {id}"))],
                )
                .await?;
                tx.journal(
                    "test",
                    "thing.created",
                    &format!("thing:{id}"),
                    json!({ "id": id }),
                )?;
                if fail_after {
                    return Err(CoreError::invalid("test.fail", "failing on purpose"));
                }
                Ok(())
            })
        })
        .await
}

async fn change_and_entry_commit_together(db: &TestDb) {
    let p = db.open().await;
    make_table(&p).await;
    let before = journal_len(&p).await;
    insert_thing(&p, 1, false).await.unwrap();
    let err = insert_thing(&p, 2, true).await.unwrap_err();
    assert_eq!(err.code, "test.fail");
    // A duplicate key fails inside the database: nothing of it may remain either.
    assert!(insert_thing(&p, 1, false).await.is_err());
    let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM things ORDER BY id")
        .fetch_all(p.store().pool())
        .await
        .unwrap();
    assert_eq!(ids, vec![(1,)]);
    assert_eq!(
        journal_len(&p).await,
        before + 1,
        "only the successful write is journaled"
    );
    let last = p.journal().entry(before).await.unwrap();
    assert_eq!(last.action, "thing.created");
    assert_eq!(last.subject, "thing:1");
    assert_eq!(
        last.body,
        r#"{"action":"thing.created","actor":"test","payload":{"id":1},"subject":"thing:1","time":"2026-03-02T09:00:00Z"}"#
    );
}
on_both!(atomic_writes, change_and_entry_commit_together);

async fn concurrent_writes_get_gapless_indexes(db: &TestDb) {
    let p = db.open().await;
    make_table(&p).await;
    let before = journal_len(&p).await;
    let mut tasks = Vec::new();
    for i in 0..300i64 {
        let p = p.clone();
        // Every seventh write fails, interleaved with the others in the same batches.
        tasks.push(tokio::spawn(async move {
            insert_thing(&p, 100 + i, i % 7 == 0).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 300 - 43);
    let idx: Vec<(i64,)> = sqlx::query_as("SELECT idx FROM journal_entries ORDER BY idx")
        .fetch_all(p.store().pool())
        .await
        .unwrap();
    let expected: Vec<(i64,)> = (0..before + ok).map(|i| (i,)).collect();
    assert_eq!(idx, expected, "journal indexes are 0..n without gaps");
    let (things,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM things")
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    assert_eq!(things, ok);
}
on_both!(gapless, concurrent_writes_get_gapless_indexes);

fn hash(hex_str: &str) -> Hash {
    hex::decode(hex_str).unwrap().try_into().unwrap()
}

async fn checkpoints_and_proofs_verify(db: &TestDb) {
    let p = db.open().await;
    make_table(&p).await;
    for i in 0..5 {
        insert_thing(&p, i, false).await.unwrap();
    }
    let first = p
        .journal()
        .integrate()
        .await
        .unwrap()
        .expect("a checkpoint for new entries");
    assert!(
        p.journal().integrate().await.unwrap().is_none(),
        "no new entries, no new checkpoint"
    );
    for i in 5..12 {
        insert_thing(&p, i, false).await.unwrap();
    }
    let second = p.journal().integrate().await.unwrap().unwrap();
    assert!(second.size > first.size);
    let opened =
        govops_journal::open_checkpoint(&second.note, std::slice::from_ref(p.journal().verifier()))
            .unwrap();
    assert_eq!(opened.size as i64, second.size);
    let size = second.size as u64;
    for idx in [0, size / 2, size - 1] {
        let entry = p.journal().entry(idx as i64).await.unwrap();
        let leaf = govops_journal::leaf_hash(entry.body.as_bytes());
        let proof = p.journal().inclusion_proof(idx, size).await.unwrap();
        verify_inclusion(idx, size, &leaf, &proof, &opened.root).unwrap();
    }
    let proof = p
        .journal()
        .consistency_proof(first.size as u64, size)
        .await
        .unwrap();
    verify_consistency(
        first.size as u64,
        size,
        &proof,
        &hash(&first.root),
        &opened.root,
    )
    .unwrap();
    assert!(p.journal().inclusion_proof(size, size).await.is_err());
    let report = govops_core::verify::verify_journal(p.store(), p.journal().verifier())
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.checkpoints, 2);
}
on_both!(proofs, checkpoints_and_proofs_verify);

async fn acknowledged_writes_survive_a_restart(db: &TestDb) {
    let p = db.open().await;
    make_table(&p).await;
    insert_thing(&p, 42, false).await.unwrap();
    let n = journal_len(&p).await;
    p.store().close().await;
    drop(p);
    let p = db.open().await;
    let (label,): (String,) = sqlx::query_as("SELECT label FROM things WHERE id = 42")
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    assert_eq!(label, "thing 42");
    assert_eq!(journal_len(&p).await, n);
    // The tree is rebuilt from the stored entries, so proofs work after the restart.
    assert_eq!(p.journal().tree_size() as i64, n);
    insert_thing(&p, 43, false).await.unwrap();
    assert_eq!(journal_len(&p).await, n + 1);
}
on_both!(restart, acknowledged_writes_survive_a_restart);

async fn demo_seed_is_idempotent(db: &TestDb) {
    let p = db.open().await;
    let first = p.seed_demo().await.unwrap();
    assert!(first.created >= 200 + 50 + 13, "created {}", first.created);
    let n = journal_len(&p).await;
    let second = p.seed_demo().await.unwrap();
    assert_eq!(second.created, 0);
    assert_eq!(journal_len(&p).await, n, "a second seed journals nothing");
    let (persons,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM persons")
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    let (firms,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM enterprises")
        .fetch_one(p.store().pool())
        .await
        .unwrap();
    assert_eq!((persons, firms), (200, 50));
    // Every stored identifier parses.
    let ids: Vec<(String,)> = sqlx::query_as("SELECT resident_id FROM persons")
        .fetch_all(p.store().pool())
        .await
        .unwrap();
    for (id,) in ids {
        govops_ids::ResidentId::parse(&id).unwrap();
    }
    let codes: Vec<(String,)> = sqlx::query_as(
        "SELECT credit_code FROM enterprises UNION ALL SELECT credit_code FROM departments",
    )
    .fetch_all(p.store().pool())
    .await
    .unwrap();
    assert_eq!(codes.len(), 50 + 15);
    for (c,) in codes {
        govops_ids::CreditCode::parse(&c).unwrap();
    }
    let names: Vec<String> = p
        .departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name_zh)
        .collect();
    for required in [
        "市场监督管理局",
        "税务局",
        "公安局",
        "人力资源和社会保障局",
        "住房公积金管理中心",
        "卫生健康委员会",
        "消防救援支队",
        "生态环境局",
        "住房和城乡建设局",
        "自然资源和规划局",
        "民政局",
        "医疗保障局",
        "政务服务和数据管理局",
    ] {
        assert!(
            names.iter().any(|n| n.contains(required)),
            "missing {required}"
        );
    }
}
on_both!(seed, demo_seed_is_idempotent);

/// Reads outside a write: parameters bind by their `$n` names (repeated, out of order),
/// NULLs and blobs round-trip, a row written is read at once, and a statement naming a
/// parameter that was not given is an error, not a wrong answer.
async fn reads_bind_by_name(db: &TestDb) {
    let p = db.open().await;
    make_table(&p).await;
    insert_thing(&p, 7, false).await.unwrap();
    let s = p.store();
    let (label, id): (String, i64) = s
        .fetch_one(
            "SELECT label, id FROM things WHERE id = $2 AND label = $1 || ' ' || $2",
            &[Val::from("thing"), Val::Int(7)],
        )
        .await
        .unwrap();
    assert_eq!((label.as_str(), id), ("thing 7", 7));
    let none: Option<(i64,)> = s
        .fetch_optional("SELECT id FROM things WHERE id = $1", &[Val::Int(8)])
        .await
        .unwrap();
    assert_eq!(none, None);
    let all: Vec<(i64, Option<String>)> = s
        .fetch_all(
            "SELECT id, NULL FROM things WHERE label LIKE $1 ORDER BY id",
            &[Val::from("thing%")],
        )
        .await
        .unwrap();
    assert_eq!(all, vec![(7, None)]);
    assert!(
        s.fetch_all::<(i64,)>("SELECT id FROM things WHERE id = $2", &[Val::Int(7)])
            .await
            .is_err()
    );
}
on_both!(read_binding, reads_bind_by_name);

/// Two nodes (two platforms on one PostgreSQL database) writing at once: every write is
/// kept, journal indexes stay gapless, and each node's tree reaches the same root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_nodes_share_one_gapless_journal() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("GOVOPS_TEST_PG_URL not set: the two-node test is skipped");
        return;
    };
    let a = db.open().await;
    let b = db.open().await;
    make_table(&a).await;
    let mut tasks = Vec::new();
    for i in 0..200i64 {
        let node = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            insert_thing(&node, 1000 + i, false).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let idx: Vec<(i64,)> = sqlx::query_as("SELECT idx FROM journal_entries ORDER BY idx")
        .fetch_all(a.store().pool())
        .await
        .unwrap();
    let n = idx.len() as i64;
    assert_eq!(idx, (0..n).map(|i| (i,)).collect::<Vec<_>>());
    let ca = a.journal().integrate().await.unwrap();
    let cb = b.journal().integrate().await.unwrap();
    assert_eq!(a.journal().tree_size(), b.journal().tree_size());
    // One of them signed the checkpoint for this size (or both, identically).
    let signed = ca.or(cb).expect("a checkpoint was signed");
    assert_eq!(signed.size, n);
    a.store().close().await;
    b.store().close().await;
    db.drop_db().await;
}
