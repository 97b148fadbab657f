//! Signed notes and checkpoints: interoperability with the Go reference
//! (`golang.org/x/mod/sumdb/note`) and one test per way a note can be wrong.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ed25519_dalek::SigningKey;
use govops_journal::{
    Checkpoint, CheckpointError, EMPTY_ROOT, MAX_SIGNATURES, NoteError, NoteSigner, NoteVerifier,
    open_checkpoint, open_note,
};

/// The example key pair and signed note of Go's sumdb/note package.
const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n\
                       \n\
                       \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

fn signer(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::new(name, SigningKey::from_bytes(&[seed; 32])).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint::new("journal.example/log", 8, [0x5d; 32])
}

fn open_err(note: &str, verifiers: &[NoteVerifier]) -> NoteError {
    open_note(note, verifiers).unwrap_err()
}

#[test]
fn go_example_signs_byte_for_byte() {
    let signer = NoteSigner::parse_skey(GO_SKEY).unwrap();
    assert_eq!(signer.skey(), GO_SKEY);
    assert_eq!(signer.verifier().vkey(), GO_VKEY);
    assert_eq!(signer.sign_text(GO_TEXT).unwrap(), GO_NOTE);
    let verifier = NoteVerifier::parse_vkey(GO_VKEY).unwrap();
    assert_eq!(verifier.key_id(), 0xc74f20a3);
    let opened = open_note(GO_NOTE, &[verifier]).unwrap();
    assert_eq!(opened.text, GO_TEXT);
    assert_eq!(opened.verified_by, vec!["PeterNeumann".to_owned()]);
}

#[test]
fn vkeys_round_trip_and_reject_manglings() {
    // Keys from the Go and transparency-dev test suites; the last one's
    // base64 holds a '+', which must not be taken for a separator.
    for vkey in [
        GO_VKEY,
        "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
        "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6",
    ] {
        let parsed: NoteVerifier = vkey.parse().unwrap();
        assert_eq!(parsed.vkey(), vkey);
    }
    // Every proper substring and every single-byte change must fail, as in
    // Go's TestNewVerifier.
    let bytes = GO_VKEY.as_bytes();
    for i in 0..bytes.len() {
        for j in i + 1..=bytes.len() {
            if (i, j) != (0, bytes.len()) {
                let part = &GO_VKEY[i..j];
                assert!(NoteVerifier::parse_vkey(part).is_err(), "{part:?} accepted");
            }
        }
        let mut changed = bytes.to_vec();
        changed[i] += 1;
        let changed = String::from_utf8(changed).unwrap();
        assert!(
            NoteVerifier::parse_vkey(&changed).is_err(),
            "{changed:?} accepted"
        );
    }
}

#[test]
fn vkey_errors_are_specific() {
    assert!(matches!(
        NoteVerifier::parse_vkey("PeterNeumann+c74f20a3"),
        Err(NoteError::MalformedKey { .. })
    ));
    assert!(matches!(
        NoteVerifier::parse_vkey(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        ),
        Err(NoteError::KeyIdMismatch {
            found: 0xc74f20a4,
            expected: 0xc74f20a3
        })
    ));
    assert_eq!(
        NoteVerifier::parse_vkey(
            "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
        ),
        Err(NoteError::UnsupportedAlgorithm { alg: 0x04 })
    );
    assert!(matches!(
        NoteVerifier::parse_vkey("bad name+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(NoteError::InvalidKeyName { .. })
    ));
    assert!(matches!(
        NoteSigner::parse_skey(GO_VKEY),
        Err(NoteError::MalformedKey { .. })
    ));
}

#[test]
fn key_names_are_checked() {
    let key = SigningKey::from_bytes(&[1; 32]);
    for bad in ["", "a b", "a+b", "a\u{a0}b", "tab\there"] {
        assert_eq!(
            NoteSigner::new(bad, key.clone()).unwrap_err(),
            NoteError::InvalidKeyName {
                name: bad.to_owned()
            }
        );
        assert!(NoteVerifier::new(bad, key.verifying_key()).is_err());
    }
}

#[test]
fn checkpoint_round_trips_through_a_note() {
    let signer = signer("journal.example/log", 1);
    let mut cp = checkpoint();
    cp.extensions.push("ext line".to_owned());
    let note = signer.sign(&cp).unwrap();
    assert!(note.starts_with("journal.example/log\n8\nXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV0=\next line\n\n\u{2014} journal.example/log "));
    assert_eq!(open_checkpoint(&note, &[signer.verifier()]).unwrap(), cp);
    assert_eq!(
        Checkpoint::parse(&Checkpoint::new("o", 0, EMPTY_ROOT).body())
            .unwrap()
            .root,
        EMPTY_ROOT
    );
}

#[test]
fn unknown_cosignatures_are_ignored_and_known_ones_checked() {
    let log = signer("journal.example/log", 1);
    let witness = signer("witness.example/w1", 2);
    let note = log.sign(&checkpoint()).unwrap();
    // A witness cosigns the same text by appending its own line.
    let witness_line = witness
        .sign_text(&checkpoint().body())
        .unwrap()
        .rsplit_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    let cosigned = format!("{note}{witness_line}");
    assert_eq!(
        open_checkpoint(&cosigned, &[log.verifier()]).unwrap(),
        checkpoint()
    );
    let opened = open_note(&cosigned, &[witness.verifier(), log.verifier()]).unwrap();
    assert_eq!(
        opened.verified_by,
        ["journal.example/log", "witness.example/w1"]
    );
    // Only the witness trusted: still opens, on the witness's word.
    assert!(open_note(&cosigned, &[witness.verifier()]).is_ok());
    // A note signed by nobody we trust is refused.
    assert_eq!(
        open_err(&note, &[witness.verifier()]),
        NoteError::NoTrustedSignature
    );
    assert_eq!(open_err(&note, &[]), NoteError::NoTrustedSignature);
}

#[test]
fn a_bad_signature_from_a_trusted_key_rejects_the_note() {
    let log = signer("journal.example/log", 1);
    let note = log.sign(&checkpoint()).unwrap();
    let forged = note.replacen("\n8\n", "\n9\n", 1);
    assert_eq!(
        open_err(&forged, &[log.verifier()]),
        NoteError::InvalidSignature {
            line: 5,
            name: "journal.example/log".to_owned()
        }
    );
    // Same name but another key: the key ID differs, so the line is from an
    // unknown key and the note has no trusted signature.
    let impostor = signer("journal.example/log", 9);
    let impostor_note = impostor.sign(&checkpoint()).unwrap();
    assert_eq!(
        open_err(&impostor_note, &[log.verifier()]),
        NoteError::NoTrustedSignature
    );
}

#[test]
fn a_repeated_trusted_signature_counts_once() {
    let log = signer("journal.example/log", 1);
    let note = log.sign(&checkpoint()).unwrap();
    let (_, line) = note.rsplit_once("\n\n").unwrap();
    let doubled = format!("{note}{line}");
    let opened = open_note(&doubled, &[log.verifier()]).unwrap();
    assert_eq!(opened.verified_by.len(), 1);
}

#[test]
fn malformed_notes_get_specific_errors() {
    let log = signer("journal.example/log", 1);
    let trusted = [log.verifier()];
    let good = log.sign(&checkpoint()).unwrap();
    let (text, sig_line) = good.rsplit_once("\n\n").unwrap();
    let sig64 = sig_line.rsplit_once(' ').unwrap().1.trim_end();
    let malformed = |note: &str, line: usize| match open_err(note, &trusted) {
        NoteError::MalformedSignatureLine { line: got, .. } => assert_eq!(got, line, "{note:?}"),
        other => panic!("{note:?}: expected a malformed line {line}, got {other:?}"),
    };

    assert_eq!(open_err("", &trusted), NoteError::MissingSignatureBlock);
    assert_eq!(open_err(text, &trusted), NoteError::MissingSignatureBlock);
    assert_eq!(
        open_err(&format!("{text}\n\n"), &trusted),
        NoteError::NoSignatureLines
    );
    assert_eq!(
        open_err(good.trim_end_matches('\n'), &trusted),
        NoteError::UnterminatedSignature
    );
    assert_eq!(
        open_err(
            &good.replace("journal.example", "journal\r.example"),
            &trusted
        ),
        NoteError::ControlCharacter { line: 1, code: 13 }
    );
    assert_eq!(
        open_err(&good.replace('8', "8\t"), &trusted),
        NoteError::ControlCharacter { line: 2, code: 9 }
    );
    malformed(&good.replace('\u{2014}', "-"), 5);
    malformed(&good.replace("\u{2014} ", "\u{2014}"), 5);
    malformed(&format!("{text}\n\n\u{2014} journal.example/log\n"), 5);
    malformed(&format!("{text}\n\n\u{2014}  {sig64}\n"), 5);
    malformed(&format!("{text}\n\n\u{2014} a+b {sig64}\n"), 5);
    malformed(&format!("{text}\n\n\u{2014} a\u{3000}b {sig64}\n"), 5);
    malformed(
        &format!("{text}\n\n\u{2014} journal.example/log {sig64} \n"),
        5,
    );
    malformed(&format!("{text}\n\n\u{2014} journal.example/log !!!!\n"), 5);
    malformed(
        &format!("{text}\n\n\u{2014} journal.example/log AAAAAA==\n"),
        5,
    );
    assert_eq!(
        open_err(&format!("{good}\n"), &trusted),
        NoteError::NoSignatureLines
    );
    malformed(&format!("{good}not a signature\n"), 6);

    let many = format!("{good}{}", sig_line.to_owned().repeat(MAX_SIGNATURES));
    assert_eq!(open_err(&many, &trusted), NoteError::TooManySignatures);
    let at_limit = format!("{good}{}", sig_line.to_owned().repeat(MAX_SIGNATURES - 1));
    assert!(open_note(&at_limit, &trusted).is_ok());
}

#[test]
fn signed_notes_that_are_not_checkpoints_are_refused() {
    let log = signer("journal.example/log", 1);
    let trusted = [log.verifier()];
    let root = "XV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV0=";
    let cases: Vec<(String, CheckpointError)> = vec![
        ("o\n8\n".into(), CheckpointError::TooFewLines { lines: 2 }),
        (
            format!("\n8\n{root}\n"),
            CheckpointError::EmptyLine { line: 1 },
        ),
        (
            format!("o\n8\n{root}\n\nx\n"),
            CheckpointError::EmptyLine { line: 4 },
        ),
    ];
    for (text, want) in cases {
        let note = log.sign_text(&text).unwrap();
        assert_eq!(
            open_checkpoint(&note, &trusted),
            Err(NoteError::Checkpoint(want)),
            "{text:?}"
        );
    }
    for size in [
        "",
        "08",
        "-1",
        "+1",
        "1.0",
        " 1",
        "18446744073709551616",
        "٣",
    ] {
        let note = log.sign_text(&format!("o\n{size}\n{root}\n")).unwrap();
        assert_eq!(
            open_checkpoint(&note, &trusted),
            Err(NoteError::Checkpoint(CheckpointError::InvalidSize {
                found: size.to_owned()
            }))
        );
    }
    let short = "XV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1d";
    let unpadded = root.trim_end_matches('=');
    let bad_bits = "XV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1=";
    for root in ["", short, unpadded, bad_bits, "not base64!"] {
        let note = log.sign_text(&format!("o\n1\n{root}\n")).unwrap();
        assert_eq!(
            open_checkpoint(&note, &trusted),
            Err(NoteError::Checkpoint(CheckpointError::InvalidRoot {
                found: root.to_owned()
            }))
        );
    }
    let max = log
        .sign_text(&format!("o\n18446744073709551615\n{root}\n"))
        .unwrap();
    assert_eq!(open_checkpoint(&max, &trusted).unwrap().size, u64::MAX);
}

#[test]
fn checkpoints_that_cannot_be_one_note_are_not_signed() {
    let log = signer("journal.example/log", 1);
    for origin in ["", "two\nlines", "tab\there"] {
        let cp = Checkpoint::new(origin, 1, EMPTY_ROOT);
        assert!(
            matches!(log.sign(&cp), Err(NoteError::Checkpoint(_))),
            "{origin:?}"
        );
    }
    let mut cp = Checkpoint::new("o", 1, EMPTY_ROOT);
    cp.extensions.push(String::new());
    assert_eq!(
        log.sign(&cp),
        Err(NoteError::Checkpoint(CheckpointError::EmptyLine {
            line: 4
        }))
    );
    assert_eq!(
        log.sign_text("no newline"),
        Err(NoteError::MissingFinalNewline)
    );
    assert_eq!(
        Checkpoint::parse("o\n1\nAAAA"),
        Err(CheckpointError::MissingFinalNewline)
    );
}
