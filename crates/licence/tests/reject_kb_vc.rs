//! One test per rejection of key binding (RFC 9901 §7.3), of the SD-JWT VC profile, and
//! of the holder's bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use govops_licence::{
    Algorithm, Jwt, KeyBinding, KeyBindingRequest, PresentError, SdJwt, SigningKey, TrustStore,
    VerifyError, VerifyOptions, verify,
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use common::craft::{self, b64, disclosure, payload, sd_jwt};
use common::*;

fn trust(f: &Fixture) -> TrustStore {
    let mut trust = TrustStore::new();
    trust.add(ISSUER, None, f.issuer.verifying_key());
    trust
}

fn kb_options() -> VerifyOptions {
    VerifyOptions {
        key_binding: KeyBinding::Required {
            audience: AUDIENCE.to_owned(),
            nonce: NONCE.to_owned(),
            max_age: 300,
        },
        ..VerifyOptions::default()
    }
}

/// The fixture's SD-JWT with every disclosure, and a KB-JWT of the given header and
/// payload members (merged over a valid KB-JWT) signed by the holder.
fn with_kb(f: &Fixture, header: Value, members: Value) -> String {
    let sd_jwt = SdJwt::parse(f.issued.as_str(), 1 << 16)
        .expect("parse")
        .present(|_| true);
    let mut kb = json!({
        "iat": NOW - 5, "aud": AUDIENCE, "nonce": NONCE,
        "sd_hash": b64(&Sha256::digest(sd_jwt.as_bytes())),
    });
    if let (Some(kb), Value::Object(m)) = (kb.as_object_mut(), members) {
        for (k, v) in m {
            if v.is_null() {
                kb.remove(&k);
            } else {
                kb.insert(k, v);
            }
        }
    }
    let SigningKey::Es256(holder) = &f.holder else {
        panic!("the ES256 fixture has an ES256 holder key")
    };
    format!("{sd_jwt}{}", craft::jws(holder, &header, &kb))
}

fn kb_header() -> Value {
    json!({"alg": "ES256", "typ": "kb+jwt"})
}

#[test]
fn a_crafted_valid_kb_jwt_verifies() {
    let f = fixture(Algorithm::Es256, 1);
    let input = with_kb(&f, kb_header(), json!({}));
    assert!(verify(&input, &trust(&f), &kb_options(), NOW).is_ok());
}

#[test]
fn key_binding_missing_when_required() {
    let f = fixture(Algorithm::Es256, 1);
    assert_eq!(
        verify(f.issued.as_str(), &trust(&f), &kb_options(), NOW),
        Err(VerifyError::KeyBindingMissing)
    );
}

#[test]
fn kb_jwt_wrong_typ() {
    let f = fixture(Algorithm::Es256, 1);
    let input = with_kb(&f, json!({"alg": "ES256", "typ": "JWT"}), json!({}));
    assert!(matches!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::WrongTyp {
            jwt: Jwt::KeyBinding,
            ..
        })
    ));
}

#[test]
fn kb_jwt_alg_none() {
    let f = fixture(Algorithm::Es256, 1);
    let valid = with_kb(&f, kb_header(), json!({}));
    let (sd_jwt, kb) = valid.split_at(valid.rfind('~').expect("tilde") + 1);
    let body = kb.split('.').nth(1).expect("payload");
    let forged = format!(
        "{sd_jwt}{}.{body}.",
        b64(br#"{"alg":"none","typ":"kb+jwt"}"#)
    );
    assert_eq!(
        verify(&forged, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::AlgNone {
            jwt: Jwt::KeyBinding
        })
    );
}

#[test]
fn kb_jwt_signed_by_someone_else() {
    let f = fixture(Algorithm::Es256, 1);
    let valid = with_kb(&f, kb_header(), json!({}));
    let thief = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).expect("scalar");
    let (sd_jwt, kb) = valid.split_at(valid.rfind('~').expect("tilde") + 1);
    let kb_payload: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            kb.split('.').nth(1).expect("p"),
        )
        .expect("b64"),
    )
    .expect("json");
    let forged = format!("{sd_jwt}{}", craft::jws(&thief, &kb_header(), &kb_payload));
    assert_eq!(
        verify(&forged, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::BadSignature {
            jwt: Jwt::KeyBinding
        })
    );
}

#[test]
fn wrong_audience() {
    let f = fixture(Algorithm::Es256, 1);
    let input = with_kb(&f, kb_header(), json!({"aud": "https://other.example"}));
    assert_eq!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::WrongAudience {
            expected: AUDIENCE.to_owned(),
            found: Some("https://other.example".to_owned())
        })
    );
    let input = with_kb(&f, kb_header(), json!({"aud": null}));
    assert!(matches!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::WrongAudience { found: None, .. })
    ));
}

#[test]
fn wrong_nonce() {
    let f = fixture(Algorithm::Es256, 1);
    let input = with_kb(&f, kb_header(), json!({"nonce": "replayed"}));
    assert_eq!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::WrongNonce {
            found: Some("replayed".to_owned())
        })
    );
}

#[test]
fn sd_hash_mismatch_when_disclosures_are_reordered_after_signing() {
    let f = fixture(Algorithm::Es256, 1);
    let valid = with_kb(&f, kb_header(), json!({}));
    let mut parts: Vec<&str> = valid.split('~').collect();
    parts.swap(1, 2);
    assert_eq!(
        verify(&parts.join("~"), &trust(&f), &kb_options(), NOW),
        Err(VerifyError::SdHashMismatch)
    );
}

#[test]
fn sd_hash_mismatch_when_a_disclosure_is_removed() {
    let f = fixture(Algorithm::Es256, 1);
    let valid = with_kb(&f, kb_header(), json!({}));
    let mut parts: Vec<&str> = valid.split('~').collect();
    parts.remove(1);
    // Removing a parent's disclosure would leave a child unreferenced; remove a leaf.
    let result = verify(&parts.join("~"), &trust(&f), &kb_options(), NOW);
    assert!(
        matches!(
            result,
            Err(VerifyError::SdHashMismatch | VerifyError::UnreferencedDisclosure { .. })
        ),
        "{result:?}"
    );
}

#[test]
fn sd_hash_missing() {
    let f = fixture(Algorithm::Es256, 1);
    let input = with_kb(&f, kb_header(), json!({"sd_hash": null}));
    assert_eq!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::MissingClaim {
            jwt: Jwt::KeyBinding,
            claim: "sd_hash"
        })
    );
}

#[test]
fn kb_jwt_too_old_or_from_the_future() {
    let f = fixture(Algorithm::Es256, 1);
    let input = with_kb(&f, kb_header(), json!({"iat": NOW - 1000}));
    assert!(matches!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::KeyBindingTooOld { max_age: 300, .. })
    ));
    let input = with_kb(&f, kb_header(), json!({"iat": NOW + 1000}));
    assert!(matches!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::IssuedInFuture {
            jwt: Jwt::KeyBinding,
            ..
        })
    ));
    let input = with_kb(&f, kb_header(), json!({"iat": null}));
    assert!(matches!(
        verify(&input, &trust(&f), &kb_options(), NOW),
        Err(VerifyError::MissingClaim {
            jwt: Jwt::KeyBinding,
            claim: "iat"
        })
    ));
}

#[test]
fn kb_jwt_without_holder_key_in_the_credential() {
    let (d, digest) = disclosure(json!(["s", "a", 1]));
    let sd = sd_jwt(&payload(json!({"_sd": [digest]})), &[&d]);
    let holder = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).expect("scalar");
    let kb = json!({"iat": NOW, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": b64(&Sha256::digest(sd.as_bytes()))});
    let input = format!("{sd}{}", craft::jws(&holder, &kb_header(), &kb));
    assert_eq!(
        verify(&input, &craft::trust(), &kb_options(), NOW),
        Err(VerifyError::NoHolderKey)
    );
}

#[test]
fn invalid_holder_key() {
    let input = sd_jwt(
        &payload(json!({"cnf": {"jwk": {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}}})),
        &[],
    );
    assert!(matches!(
        verify(&input, &craft::trust(), &VerifyOptions::default(), NOW),
        Err(VerifyError::InvalidHolderKey { .. })
    ));
}

#[test]
fn a_broken_kb_jwt_is_refused_even_when_not_required() {
    let f = fixture(Algorithm::Es256, 1);
    let valid = with_kb(&f, kb_header(), json!({}));
    let mut parts: Vec<&str> = valid.split('~').collect();
    parts.swap(1, 2);
    assert_eq!(
        verify(&parts.join("~"), &trust(&f), &VerifyOptions::default(), NOW),
        Err(VerifyError::SdHashMismatch)
    );
}

#[test]
fn vc_without_vct() {
    let mut p = payload(json!({}));
    p.as_object_mut().map(|m| m.remove("vct"));
    assert_eq!(
        verify(
            &sd_jwt(&p, &[]),
            &craft::trust(),
            &VerifyOptions::default(),
            NOW
        ),
        Err(VerifyError::MissingVct)
    );
}

#[test]
fn vc_claims_that_must_be_clear_were_disclosed() {
    for name in ["exp", "nbf", "status", "cnf", "vct"] {
        let (d, digest) = disclosure(json!(["s", name, NOW + 1000]));
        let mut p = payload(json!({"_sd": [digest]}));
        if name == "vct" {
            p.as_object_mut().map(|m| m.remove("vct"));
        }
        let result = verify(
            &sd_jwt(&p, &[&d]),
            &craft::trust(),
            &VerifyOptions::default(),
            NOW,
        );
        assert_eq!(
            result,
            Err(VerifyError::VcClaimDisclosed {
                name: name.to_owned()
            }),
            "{name}"
        );
    }
}

#[test]
fn malformed_status_claim() {
    for status in [
        json!("revoked"),
        json!({"status_list": {"idx": -1, "uri": "u"}}),
        json!({"status_list": {"idx": 1}}),
    ] {
        let input = sd_jwt(&payload(json!({ "status": status })), &[]);
        assert!(matches!(
            verify(&input, &craft::trust(), &VerifyOptions::default(), NOW),
            Err(VerifyError::InvalidStatusClaim { .. })
        ));
    }
}

#[test]
fn holder_refuses_a_presentation_as_an_issued_sd_jwt() {
    let f = fixture(Algorithm::Es256, 1);
    let presented = with_kb(&f, kb_header(), json!({}));
    assert!(matches!(
        SdJwt::parse(&presented, 1 << 16),
        Err(VerifyError::UnexpectedKeyBinding)
    ));
}

#[test]
fn holder_key_must_match_cnf() {
    let f = fixture(Algorithm::Es256, 1);
    let held = SdJwt::parse(f.issued.as_str(), 1 << 16).expect("parse");
    let other = SigningKey::generate(Algorithm::Es256, &mut rng(99));
    let request = KeyBindingRequest {
        audience: AUDIENCE.to_owned(),
        nonce: NONCE.to_owned(),
        issued_at: NOW,
    };
    assert_eq!(
        held.present_with_key_binding(|_| true, &request, &other),
        Err(PresentError::HolderKeyMismatch)
    );
}
