//! The shared vectors: the RFC 9901 and SD-JWT VC draft examples, and the Token Status
//! List draft's encodings. See vectors/PROVENANCE.md for where they come from.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govops_licence::{
    Bits, KeyBinding, Profile, SdJwt, Status, StatusList, TrustStore, VerifyOptions, VerifyingKey,
    compact_from_json, verify,
};
use serde_json::Value;

use common::{read_json, vectors_dir};

const SD_JWT_AUDIENCE: &str = "https://verifier.example.org";
const VC_AUDIENCE: &str = "https://example.com/verifier";
const NONCE: &str = "1234567890";
/// Between the Issuer-signed JWTs' `iat` (1683000000) and `exp` (1883000000).
const NOW_WITHOUT_KB: i64 = 1_750_000_000;

fn kb_iat(presentation: &str) -> Option<i64> {
    let kb = presentation.rsplit('~').next().filter(|s| !s.is_empty())?;
    let payload = kb.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .get("iat")?
        .as_i64()
}

fn trust_for(case: &Path, issuer_key: &VerifyingKey) -> TrustStore {
    let payload = read_json(&case.join("sd_jwt_payload.json"));
    let mut trust = TrustStore::new();
    match payload["iss"].as_str() {
        Some(iss) => trust.add(iss, None, issuer_key.clone()),
        // The W3C VCDM example (jsonld) names its issuer in "issuer", not "iss".
        None => trust.add_for_any_issuer(None, issuer_key.clone()),
    }
    trust
}

fn options_for(case: &Path, presentation: &str) -> (VerifyOptions, i64) {
    let name = case
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let header: Value = presentation
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|h| serde_json::from_slice(&h).ok())
        .expect("a decodable header");
    let profile = if header["typ"] == "dc+sd-jwt" {
        Profile::SdJwtVc
    } else {
        Profile::SdJwt {
            typ: header["typ"].as_str().map(str::to_owned),
        }
    };
    // The KB-JWTs' `iat` is when the text was rendered (see the README), so "now" is
    // taken a few seconds after it; without a KB-JWT any time in the validity works.
    let (key_binding, now) = match kb_iat(presentation) {
        Some(iat) => (
            KeyBinding::Required {
                audience: if name.starts_with("vc-") {
                    VC_AUDIENCE
                } else {
                    SD_JWT_AUDIENCE
                }
                .to_owned(),
                nonce: NONCE.to_owned(),
                max_age: 300,
            },
            iat + 5,
        ),
        None => (KeyBinding::NotRequired, NOW_WITHOUT_KB),
    };
    let options = VerifyOptions {
        profile,
        key_binding,
        ..VerifyOptions::default()
    };
    (options, now)
}

#[test]
fn sd_jwt_spec_presentations_verify_to_the_expected_payload() {
    let dir = vectors_dir().join("sd-jwt");
    let issuer_key = VerifyingKey::from_jwk(&read_json(&dir.join("issuer_public_key.jwk.json")))
        .expect("issuer key");
    let mut ran = 0;
    let mut with_kb = 0;
    for entry in std::fs::read_dir(&dir).expect("list sd-jwt vectors") {
        let case = entry.expect("dir entry").path();
        let compact = case.join("sd_jwt_presentation.txt");
        let json = case.join("sd_jwt_presentation.json");
        let presentation = if compact.is_file() {
            std::fs::read_to_string(&compact)
                .expect("read presentation")
                .trim_end()
                .to_owned()
        } else if json.is_file() {
            let text = std::fs::read_to_string(&json).expect("read presentation");
            compact_from_json(&text, 1 << 20).unwrap_or_else(|e| panic!("{}: {e}", case.display()))
        } else {
            continue;
        };
        let presentation = presentation.as_str();
        let (options, now) = options_for(&case, presentation);
        let verified = verify(presentation, &trust_for(&case, &issuer_key), &options, now)
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        // The JSON-serialization cases print no processed payload; the README gives it.
        let expected = if case.join("verified_contents.json").is_file() {
            read_json(&case.join("verified_contents.json"))
        } else {
            let payload = read_json(&case.join("sd_jwt_payload.json"));
            serde_json::json!({
                "iss": payload["iss"], "iat": payload["iat"], "exp": payload["exp"],
                "cnf": payload["cnf"], "family_name": "Doe", "given_name": "John"
            })
        };
        assert_eq!(
            Value::Object(verified.claims.clone()),
            expected,
            "{}",
            case.display()
        );
        if verified.key_binding.is_some() {
            with_kb += 1;
        }
        ran += 1;
    }
    assert!(
        ran >= 10,
        "only {ran} presentation vectors ran; expected 10"
    );
    assert!(
        with_kb >= 6,
        "only {with_kb} presentations had key binding; expected at least 6"
    );
}

#[test]
fn sd_jwt_spec_issuances_parse_and_disclose_the_user_claims() {
    let dir = vectors_dir().join("sd-jwt");
    let issuer_key = VerifyingKey::from_jwk(&read_json(&dir.join("issuer_public_key.jwk.json")))
        .expect("issuer key");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).expect("list sd-jwt vectors") {
        let case = entry.expect("dir entry").path();
        let file = case.join("sd_jwt_issuance.txt");
        if !file.is_file() {
            continue;
        }
        let issuance = std::fs::read_to_string(&file).expect("read issuance");
        let issuance = issuance.trim_end();
        let (mut options, now) = options_for(&case, issuance);
        options.key_binding = KeyBinding::NotRequired;
        let verified = verify(issuance, &trust_for(&case, &issuer_key), &options, now)
            .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        // The holder's view: every disclosure fits, and presenting all of them gives
        // back the issuance itself.
        let held =
            SdJwt::parse(issuance, 1 << 20).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        assert_eq!(held.claims(), &verified.claims, "{}", case.display());
        assert_eq!(held.present(|_| true), issuance, "{}", case.display());
        let user_claims = read_json(&case.join("user_claims.json"));
        for (name, value) in user_claims.as_object().expect("user claims object") {
            assert_eq!(
                verified.claims.get(name),
                Some(value),
                "{}: claim {name}",
                case.display()
            );
        }
        ran += 1;
    }
    assert!(
        ran >= 5,
        "only {ran} issuance vectors ran; expected at least 5"
    );
}

#[test]
fn sd_jwt_spec_presentation_with_a_tampered_kb_jwt_is_rejected() {
    let dir = vectors_dir().join("sd-jwt");
    let case = dir.join("simple");
    let issuer_key = VerifyingKey::from_jwk(&read_json(&dir.join("issuer_public_key.jwk.json")))
        .expect("issuer key");
    let presentation = std::fs::read_to_string(case.join("sd_jwt_presentation.txt")).expect("read");
    let presentation = presentation.trim_end();
    let (options, now) = options_for(&case, presentation);
    // Dropping one disclosure keeps every remaining part valid but breaks sd_hash.
    let mut parts: Vec<&str> = presentation.split('~').collect();
    parts.remove(1);
    let tampered = parts.join("~");
    let err =
        verify(&tampered, &trust_for(&case, &issuer_key), &options, now).expect_err("must fail");
    assert_eq!(err, govops_licence::VerifyError::SdHashMismatch);
}

fn status_vectors() -> Vec<Value> {
    let file = vectors_dir().join("status-list/vectors.json");
    read_json(&file)["vectors"]
        .as_array()
        .expect("vectors array")
        .clone()
}

#[test]
fn status_list_vectors_decode_to_the_listed_statuses() {
    let mut ran = 0;
    let mut checked_entries = 0u64;
    for vector in status_vectors() {
        let name = vector["name"].as_str().unwrap_or_default().to_owned();
        let list = StatusList::from_json(&vector["json"], 1 << 20)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let bits = vector["bits"].as_u64().expect("bits");
        let size = vector["size"].as_u64().expect("size");
        assert_eq!(u64::from(list.bits().count()), bits, "{name}");
        assert_eq!(list.len(), size, "{name}");
        if let Some(status) = vector["status"].as_array() {
            for (i, s) in status.iter().enumerate() {
                assert_eq!(
                    list.get(i as u64).expect("in range"),
                    Status(s.as_u64().expect("u8") as u8),
                    "{name}[{i}]"
                );
                checked_entries += 1;
            }
            let bytes = hex(vector["byte_array_hex"].as_str().expect("hex"));
            assert_eq!(list.as_bytes(), bytes.as_slice(), "{name}");
        }
        if let Some(non_zero) = vector["non_zero_status"].as_object() {
            let mut expected = vec![0u8; size as usize];
            for (index, status) in non_zero {
                expected[index.parse::<usize>().expect("index")] =
                    status.as_u64().expect("status") as u8;
            }
            for (i, want) in expected.iter().enumerate() {
                assert_eq!(
                    list.get(i as u64).expect("in range").0,
                    *want,
                    "{name}[{i}]"
                );
                checked_entries += 1;
            }
        }
        ran += 1;
    }
    assert!(ran >= 6, "only {ran} status list vectors ran; expected 6");
    assert!(
        checked_entries >= 4 * 1_048_576,
        "only {checked_entries} entries checked"
    );
}

#[test]
fn status_list_vectors_round_trip_through_our_encoder() {
    let mut ran = 0;
    for vector in status_vectors() {
        let name = vector["name"].as_str().unwrap_or_default().to_owned();
        let bits = Bits::from_count(vector["bits"].as_u64().expect("bits")).expect("bits");
        let size = vector["size"].as_u64().expect("size") as usize;
        let mut list = StatusList::new(bits, size);
        if let Some(status) = vector["status"].as_array() {
            for (i, s) in status.iter().enumerate() {
                list.set(i as u64, Status(s.as_u64().expect("u8") as u8))
                    .expect("set");
            }
        }
        if let Some(non_zero) = vector["non_zero_status"].as_object() {
            for (index, status) in non_zero {
                list.set(
                    index.parse().expect("index"),
                    Status(status.as_u64().expect("u8") as u8),
                )
                .expect("set");
            }
        }
        let reference = StatusList::from_json(&vector["json"], 1 << 20).expect("vector decodes");
        assert_eq!(list, reference, "{name}: the byte arrays differ");
        let encoded = list.to_json().expect("encode");
        assert_eq!(
            StatusList::from_json(&encoded, 1 << 20).expect("decode"),
            list,
            "{name}"
        );
        // zlib level 9 reproduces the draft's `lst` (README); ours is zlib level 9 too.
        if vector["python_zlib_level9_reproduces_lst"] == Value::Bool(true)
            && encoded["lst"] != vector["json"]["lst"]
        {
            eprintln!(
                "{name}: our lst differs from the draft's (DEFLATE is not canonical); the bytes match"
            );
        }
        ran += 1;
    }
    assert!(ran >= 6, "only {ran} status list vectors ran; expected 6");
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}
