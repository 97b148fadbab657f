//! The binary as a user runs it: `govops seed`, `govops journal verify`, `govops --help`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn govops(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_govops"))
        .args(args)
        .env("GOVOPS_DATABASE_URL", db)
        .env("GOVOPS_LOG", "error")
        .output()
        .unwrap()
}

#[test]
fn verify_passes_on_a_clean_journal_and_names_the_changed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("city.db");
    let db = format!("sqlite://{}", path.display());
    let seed = govops(&db, &["seed"]);
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    let ok = govops(&db, &["journal", "verify"]);
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{out}");
    assert!(out.contains("OK:"), "{out}");

    // Take an online backup (one self-contained file, no write-ahead log), check it, then
    // change one byte of an entry's body in it.
    let copy = dir.path().join("copy.db");
    let backup = govops(&db, &["backup", copy.to_str().unwrap()]);
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let path = copy;
    let db = format!("sqlite://{}", path.display());
    let ok = govops(&db, &["journal", "verify"]);
    assert!(
        ok.status.success(),
        "the backup verifies: {}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = b"\"subject\":\"person:demo-person-030\"";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("entry body in the file");
    bytes[at + needle.len() - 2] = b'9';
    std::fs::write(&path, bytes).unwrap();

    let bad = govops(&db, &["journal", "verify"]);
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("FIRST BAD ENTRY:"))
        .expect("names the entry");
    let idx: i64 = line
        .trim_start_matches("FIRST BAD ENTRY:")
        .trim()
        .parse()
        .unwrap();
    assert!(
        out.contains(&format!(
            "entry {idx}: its body does not match its leaf hash"
        )),
        "{out}"
    );
}

#[test]
fn help_lists_every_setting_with_its_environment_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_govops"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for (flag, env) in [
        ("--database-url", "GOVOPS_DATABASE_URL"),
        ("--listen", "GOVOPS_LISTEN"),
        ("--journal-origin", "GOVOPS_JOURNAL_ORIGIN"),
        ("--tls", "GOVOPS_TLS"),
        ("--max-body-bytes", "GOVOPS_MAX_BODY_BYTES"),
        ("--integrate-every-ms", "GOVOPS_INTEGRATE_EVERY_MS"),
        ("--log-format", "GOVOPS_LOG_FORMAT"),
    ] {
        assert!(
            text.contains(flag) && text.contains(env),
            "--help lacks {flag} / {env}:\n{text}"
        );
    }
}

#[test]
fn a_bad_database_url_is_refused_with_a_clear_message() {
    let out = govops("mysql://localhost/x", &["seed"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("neither sqlite://") && err.contains("GOVOPS_DATABASE_URL"),
        "{err}"
    );
}

#[test]
fn check_accepts_the_shipped_catalogue_and_refuses_a_broken_file() {
    let services = concat!(env!("CARGO_MANIFEST_DIR"), "/../../services");
    let ok = Command::new(env!("CARGO_BIN_EXE_govops"))
        .args(["check", services])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.starts_with("OK:"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "id = \"x\"\nversion = 1\n[names]\nzh = \"测试\"\n",
    )
    .unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_govops"))
        .args(["check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(err.contains("broken.toml:"), "errors name the file: {err}");
    assert!(err.contains("nothing was changed"), "{err}");
}
