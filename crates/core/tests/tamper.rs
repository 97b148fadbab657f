//! Editing one byte of a stored entry in the SQLite file is caught by verify, which names
//! the entry.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_changed_byte_in_the_file_is_found_and_named() {
    let db = TestDb::sqlite();
    let p = db.open().await;
    p.seed_demo().await.unwrap();
    p.journal().integrate().await.unwrap().unwrap();
    let clean = govops_core::verify::verify_journal(p.store(), p.journal().verifier())
        .await
        .unwrap();
    assert!(clean.ok(), "{:?}", clean.problems);
    // Pick an entry in the middle and find its body's unique subject in the file.
    let target = p.journal().entry(137).await.unwrap();
    let needle = format!("\"subject\":\"{}\"", target.subject);
    p.store().checkpoint_wal().await.unwrap();
    p.store().close().await;
    drop(p);

    let path = db.url.strip_prefix("sqlite://").unwrap().to_string();
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("the entry's body is in the file");
    // Change one character of the subject inside the stored body, nothing else.
    let i = at + needle.len() - 3;
    bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
    std::fs::write(&path, &bytes).unwrap();

    let p = db.open().await;
    let report = govops_core::verify::verify_journal(p.store(), p.journal().verifier())
        .await
        .unwrap();
    assert!(!report.ok());
    assert_eq!(report.first_bad_entry, Some(137), "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with("entry 137:"),
        "{}",
        report.problems[0]
    );
}
