//! Issue → present → verify, for both algorithms, and the holder's choices.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use govops_licence::{
    Algorithm, Bits, ClaimPath, Credential, Frame, Issuer, KeyBinding, LicenceIdentifier, SdJwt,
    SigningKey, Status, StatusList, StatusListClaims, StatusListOptions, TrustStore, VerifyError,
    VerifyOptions, issue_status_list_token, verify, verify_status_list_token,
};
use serde_json::{Value, json};

use common::*;

fn trust(f: &Fixture) -> TrustStore {
    let mut trust = TrustStore::new();
    trust.add(ISSUER, Some("2026-1".to_owned()), f.issuer.verifying_key());
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

fn round_trip(alg: Algorithm) {
    let f = fixture(alg, 7);
    let held = SdJwt::parse(f.issued.as_str(), 1 << 16).expect("wallet reads it");
    assert_eq!(held.disclosable().count(), 14);
    let wanted = [
        ClaimPath::claim("name"),
        ClaimPath::claim("address").key("city"),
    ];
    let presentation = held
        .present_with_key_binding(|p| wanted.contains(p), &request(), &f.holder)
        .expect("present");
    let verified = verify(&presentation, &trust(&f), &kb_options(), NOW).expect("verifies");
    assert_eq!(verified.claims["name"], "张三餐饮有限公司");
    // The city's parent object had to be sent for the city to be reachable; the other
    // members of the address stay hidden except the one issued in the clear.
    assert_eq!(
        verified.claims["address"],
        json!({"province": "福建省", "city": "福州市"})
    );
    assert!(verified.claims.get("legal_representative").is_none());
    assert_eq!(
        verified.disclosed,
        vec![
            ClaimPath::claim("address"),
            ClaimPath::claim("address").key("city"),
            ClaimPath::claim("name")
        ]
    );
    assert_eq!(verified.issuer.as_deref(), Some(ISSUER));
    assert_eq!(verified.vct.as_deref(), Some(VCT));
    assert_eq!(verified.status.as_ref().map(|s| s.idx), Some(42));
    assert_eq!(verified.holder_key, Some(f.holder.verifying_key()));
    assert_eq!(
        verified
            .key_binding
            .as_ref()
            .and_then(|k| k.nonce.as_deref()),
        Some(NONCE)
    );
    assert_eq!(verified.header["alg"], alg.name());
    assert_eq!(verified.header["typ"], "dc+sd-jwt");
}

#[test]
fn es256_round_trip() {
    round_trip(Algorithm::Es256);
}

#[test]
fn eddsa_round_trip() {
    round_trip(Algorithm::EdDsa);
}

#[test]
fn mixed_algorithms_issuer_es256_holder_eddsa() {
    let mut rng = rng(3);
    let issuer = Issuer::new(ISSUER, SigningKey::generate(Algorithm::Es256, &mut rng));
    let holder = SigningKey::generate(Algorithm::EdDsa, &mut rng);
    let mut credential = Credential::new(VCT, NOW, licence_claims());
    credential.holder_key = Some(holder.verifying_key());
    let issued = issuer
        .issue(&credential, &licence_frame(), &mut rng)
        .expect("issue");
    let presentation = SdJwt::parse(issued.as_str(), 1 << 16)
        .expect("parse")
        .present_with_key_binding(|_| true, &request(), &holder)
        .expect("present");
    let mut trust = TrustStore::new();
    trust.add(ISSUER, None, issuer.verifying_key());
    let verified = verify(&presentation, &trust, &kb_options(), NOW).expect("verifies");
    let mut expected = licence_claims();
    for (k, v) in [
        ("iss", json!(ISSUER)),
        ("iat", json!(NOW)),
        ("vct", json!(VCT)),
    ] {
        expected.insert(k.to_owned(), v);
    }
    expected.insert(
        "cnf".to_owned(),
        json!({"jwk": holder.verifying_key().to_jwk()}),
    );
    assert_eq!(
        verified.claims, expected,
        "presenting everything gives back every claim"
    );
}

#[test]
fn presenting_nothing_reveals_only_the_clear_claims() {
    let f = fixture(Algorithm::Es256, 11);
    let presentation = SdJwt::parse(f.issued.as_str(), 1 << 16)
        .expect("parse")
        .present(|_| false);
    assert_eq!(presentation.matches('~').count(), 1);
    let verified =
        verify(&presentation, &trust(&f), &VerifyOptions::default(), NOW).expect("verifies");
    // Sorted, because serde_json keeps insertion order when another crate in the build
    // turns on its `preserve_order` feature.
    let mut names: Vec<&str> = verified.claims.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["cnf", "exp", "iat", "iss", "status", "vct"]);
    assert!(verified.disclosed.is_empty());
    assert!(verified.key_binding.is_none());
}

#[test]
fn array_elements_are_disclosed_one_by_one() {
    let f = fixture(Algorithm::EdDsa, 5);
    let held = SdJwt::parse(f.issued.as_str(), 1 << 16).expect("parse");
    let second = ClaimPath::claim("business_scope").index(1);
    let presentation = held.present(|p| *p == second);
    let verified =
        verify(&presentation, &trust(&f), &VerifyOptions::default(), NOW).expect("verifies");
    assert_eq!(verified.claims["business_scope"], json!(["食品销售"]));
}

#[test]
fn reordered_disclosures_without_key_binding_still_verify() {
    // RFC 9901 gives disclosures no order: a verifier must accept any.
    let f = fixture(Algorithm::Es256, 9);
    let mut parts: Vec<&str> = f.issued.as_str().split('~').collect();
    let last = parts.len() - 2;
    parts[1..=last].reverse();
    let reordered = parts.join("~");
    let verified =
        verify(&reordered, &trust(&f), &VerifyOptions::default(), NOW).expect("verifies");
    assert_eq!(verified.disclosed.len(), 14);
}

#[test]
fn revocation_through_a_status_list() {
    let f = fixture(Algorithm::Es256, 13);
    let verified = verify(
        f.issued.as_str(),
        &trust(&f),
        &VerifyOptions::default(),
        NOW,
    )
    .expect("verifies");
    let mut rng = rng(14);
    let list_key = SigningKey::generate(Algorithm::Es256, &mut rng);
    let mut trust = trust(&f);
    trust.add(
        ISSUER,
        Some("status-1".to_owned()),
        list_key.verifying_key(),
    );
    let mut list = StatusList::new(Bits::Two, 1000);
    let claims = StatusListClaims {
        uri: STATUS_URI.to_owned(),
        issued_at: NOW - 10,
        expires_at: Some(NOW + 3600),
        ttl: Some(300),
    };
    let check = |list: &StatusList| {
        let token =
            issue_status_list_token(&list_key, Some("status-1"), &claims, list).expect("token");
        let read = verify_status_list_token(
            &token,
            &trust,
            ISSUER,
            STATUS_URI,
            &StatusListOptions::default(),
            NOW,
        )
        .expect("status list verifies");
        assert_eq!(read.claims, claims);
        verified.check_status(&read)
    };
    assert_eq!(check(&list), Ok(()));
    list.set(42, Status::SUSPENDED).expect("set");
    assert_eq!(check(&list), Err(VerifyError::Suspended { idx: 42 }));
    list.set(42, Status::INVALID).expect("set");
    assert_eq!(check(&list), Err(VerifyError::Revoked { idx: 42 }));
    list.set(42, Status(3)).expect("set");
    assert_eq!(
        check(&list),
        Err(VerifyError::NotValidStatus { idx: 42, status: 3 })
    );
}

#[test]
fn decoys_are_added_and_ignored() {
    let mut rng = rng(21);
    let issuer = Issuer::new(ISSUER, SigningKey::generate(Algorithm::EdDsa, &mut rng));
    let mut claims = serde_json::Map::new();
    claims.insert("a".to_owned(), json!(1));
    let frame = Frame::new().disclosable("a").decoys(5);
    let issued = issuer
        .issue(&Credential::new(VCT, NOW, claims), &frame, &mut rng)
        .expect("issue");
    let payload = issued.as_str().split('.').nth(1).expect("payload");
    let payload: Value = serde_json::from_slice(&base64_decode(payload)).expect("json");
    assert_eq!(payload["_sd"].as_array().map(Vec::len), Some(6));
    let mut trust = TrustStore::new();
    trust.add(ISSUER, None, issuer.verifying_key());
    let verified =
        verify(issued.as_str(), &trust, &VerifyOptions::default(), NOW).expect("verifies");
    assert_eq!(verified.claims["a"], 1);
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url")
}

#[test]
fn long_term_licence_without_exp_verifies_unless_expiry_is_required() {
    let mut rng = rng(22);
    let issuer = Issuer::new(ISSUER, SigningKey::generate(Algorithm::Es256, &mut rng));
    let issued = issuer
        .issue(
            &Credential::new(VCT, NOW, licence_claims()),
            &Frame::new(),
            &mut rng,
        )
        .expect("issue");
    let mut trust = TrustStore::new();
    trust.add(ISSUER, None, issuer.verifying_key());
    assert!(
        verify(
            issued.as_str(),
            &trust,
            &VerifyOptions::default(),
            NOW + 10 * 365 * 86_400
        )
        .is_ok()
    );
    let strict = VerifyOptions {
        require_expiry: true,
        ..VerifyOptions::default()
    };
    assert!(matches!(
        verify(issued.as_str(), &trust, &strict, NOW),
        Err(VerifyError::MissingClaim { claim: "exp", .. })
    ));
}

#[test]
fn licence_identifier_round_trips_and_matches_iso_7064() {
    let id = LicenceIdentifier::build("11010000", &credit_code(), "0000001", "23").expect("build");
    // Cross-checked with python-stdnum: iso7064.mod_37_36.calc_check_digit over the
    // identifier without dots gives 'W'.
    assert_eq!(
        id.to_string(),
        "1.2.156.3005.2.11010000.91350100M000100Y43.0000001.23.W"
    );
    assert_eq!(LicenceIdentifier::parse(&id.to_string()), Ok(id));
    // The ISO 7064 example for MOD 37,36.
    assert_eq!(
        govops_licence::check_character("A12425GABC1234002"),
        Some('M')
    );
}

#[test]
fn private_keys_round_trip_through_their_jwk() {
    use govops_licence::VerifyingKey;
    let mut rng = rand::rngs::OsRng;
    for alg in [Algorithm::Es256, Algorithm::EdDsa] {
        let key = SigningKey::generate(alg, &mut rng);
        let jwk = key.to_private_jwk();
        assert!(jwk.get("d").is_some(), "{alg:?} private JWK has d");
        let back = SigningKey::from_jwk(&jwk).unwrap();
        assert_eq!(back.verifying_key(), key.verifying_key());
        let mut published = key.verifying_key().to_jwk();
        published["kid"] = json!("k1");
        published["alg"] = json!(alg.name());
        published["use"] = json!("sig");
        let public = VerifyingKey::from_jwk(&published).unwrap();
        assert_eq!(public.thumbprint(), key.verifying_key().thumbprint());
    }
}

#[test]
fn thumbprint_matches_rfc_8037_appendix_a3() {
    let key = govops_licence::VerifyingKey::from_jwk(&json!({
        "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    }))
    .unwrap();
    assert_eq!(
        key.thumbprint(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}
