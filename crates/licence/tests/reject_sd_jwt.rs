//! One test per rejection of the issuer-signed JWT and the disclosures (RFC 9901 §7.1),
//! each asserting the specific error variant.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use govops_licence::{Algorithm, Jwt, Profile, TrustStore, VerifyError, VerifyOptions, verify};
use serde_json::json;

use common::craft::{self, b64, disclosure, issuer_key, jws, payload, sd_jwt, trust};
use common::{ISSUER, NOW};

fn check(input: &str) -> Result<govops_licence::Verified, VerifyError> {
    verify(input, &trust(), &VerifyOptions::default(), NOW)
}

#[test]
fn a_crafted_valid_sd_jwt_verifies() {
    // The baseline every other test breaks in one way.
    let (d, digest) = disclosure(json!(["salt", "name", "张三"]));
    let verified = check(&sd_jwt(&payload(json!({"_sd": [digest]})), &[&d])).expect("valid");
    assert_eq!(verified.claims["name"], "张三");
}

#[test]
fn oversized_input_is_rejected_before_parsing() {
    let input = "x".repeat(64 * 1024 + 1);
    assert_eq!(
        check(&input),
        Err(VerifyError::TooLarge {
            size: 64 * 1024 + 1,
            max: 64 * 1024
        })
    );
}

#[test]
fn empty_input() {
    assert_eq!(check(""), Err(VerifyError::Empty));
}

#[test]
fn missing_tilde() {
    let jwt = craft::jws(&issuer_key(), &craft::header(), &payload(json!({})));
    assert_eq!(check(&jwt), Err(VerifyError::MissingTilde));
}

#[test]
fn jws_with_wrong_number_of_parts() {
    assert_eq!(
        check("a.b~"),
        Err(VerifyError::JwsParts {
            jwt: Jwt::Issuer,
            parts: 2
        })
    );
    assert_eq!(
        check("a.b.c.d.e~"),
        Err(VerifyError::JwsParts {
            jwt: Jwt::Issuer,
            parts: 5
        })
    );
}

#[test]
fn header_not_base64url() {
    assert_eq!(
        check("e30=.e30.AA~"),
        Err(VerifyError::Base64 {
            jwt: Jwt::Issuer,
            part: "header"
        })
    );
}

#[test]
fn header_not_json() {
    let input = format!("{}.e30.AA~", b64(b"not json"));
    assert!(matches!(
        check(&input),
        Err(VerifyError::Json {
            jwt: Jwt::Issuer,
            part: "header",
            ..
        })
    ));
}

#[test]
fn header_without_alg() {
    let input = format!("{}.e30.AA~", b64(br#"{"typ":"dc+sd-jwt"}"#));
    assert_eq!(
        check(&input),
        Err(VerifyError::MissingAlg { jwt: Jwt::Issuer })
    );
}

#[test]
fn alg_none_is_never_accepted() {
    let header = b64(br#"{"alg":"none","typ":"dc+sd-jwt"}"#);
    let body = b64(payload(json!({})).to_string().as_bytes());
    assert_eq!(
        check(&format!("{header}.{body}.~")),
        Err(VerifyError::AlgNone { jwt: Jwt::Issuer })
    );
    let header = b64(br#"{"alg":"NONE","typ":"dc+sd-jwt"}"#);
    assert_eq!(
        check(&format!("{header}.{body}.~")),
        Err(VerifyError::AlgNone { jwt: Jwt::Issuer })
    );
}

#[test]
fn alg_not_configured() {
    let input = jws(
        &issuer_key(),
        &json!({"alg": "HS256", "typ": "dc+sd-jwt"}),
        &payload(json!({})),
    );
    assert!(matches!(
        check(&format!("{input}~")),
        Err(VerifyError::AlgNotAllowed { jwt: Jwt::Issuer, ref alg, .. }) if alg == "HS256"
    ));
    // A supported algorithm that this verifier was not configured for.
    let only_eddsa = VerifyOptions {
        algorithms: vec![Algorithm::EdDsa],
        ..VerifyOptions::default()
    };
    let valid = sd_jwt(&payload(json!({})), &[]);
    assert!(matches!(
        verify(&valid, &trust(), &only_eddsa, NOW),
        Err(VerifyError::AlgNotAllowed { ref alg, .. }) if alg == "ES256"
    ));
}

#[test]
fn critical_header_extension() {
    let input = jws(
        &issuer_key(),
        &json!({"alg": "ES256", "typ": "dc+sd-jwt", "crit": ["b64"], "b64": false}),
        &payload(json!({})),
    );
    assert!(matches!(
        check(&format!("{input}~")),
        Err(VerifyError::CriticalHeader { .. })
    ));
}

#[test]
fn wrong_typ() {
    let input = jws(
        &issuer_key(),
        &json!({"alg": "ES256", "typ": "JWT"}),
        &payload(json!({})),
    );
    assert_eq!(
        check(&format!("{input}~")),
        Err(VerifyError::WrongTyp {
            jwt: Jwt::Issuer,
            expected: "dc+sd-jwt".to_owned(),
            found: Some("JWT".to_owned())
        })
    );
    let input = jws(&issuer_key(), &json!({"alg": "ES256"}), &payload(json!({})));
    assert!(matches!(
        check(&format!("{input}~")),
        Err(VerifyError::WrongTyp { found: None, .. })
    ));
    // The legacy VC media type is not the current one.
    let input = jws(
        &issuer_key(),
        &json!({"alg": "ES256", "typ": "vc+sd-jwt"}),
        &payload(json!({})),
    );
    assert!(matches!(
        check(&format!("{input}~")),
        Err(VerifyError::WrongTyp { .. })
    ));
}

#[test]
fn altered_payload_breaks_the_signature() {
    let valid = sd_jwt(&payload(json!({"name": "张三"})), &[]);
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    parts[1] = b64(payload(json!({"name": "李四"})).to_string().as_bytes());
    assert_eq!(
        check(&parts.join(".")),
        Err(VerifyError::BadSignature { jwt: Jwt::Issuer })
    );
}

#[test]
fn signature_of_another_key() {
    let other = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).expect("scalar");
    let input = format!("{}~", jws(&other, &craft::header(), &payload(json!({}))));
    assert_eq!(
        check(&input),
        Err(VerifyError::BadSignature { jwt: Jwt::Issuer })
    );
}

#[test]
fn issuer_not_trusted() {
    let input = sd_jwt(&payload(json!({"iss": "https://evil.example"})), &[]);
    assert_eq!(
        check(&input),
        Err(VerifyError::KeyNotTrusted {
            iss: "https://evil.example".to_owned(),
            kid: None
        })
    );
}

#[test]
fn kid_not_trusted() {
    let mut trust = TrustStore::new();
    let key = govops_licence::SigningKey::from(issuer_key()).verifying_key();
    trust.add(ISSUER, Some("2025-1".to_owned()), key);
    let input = format!(
        "{}~",
        jws(
            &issuer_key(),
            &json!({"alg": "ES256", "typ": "dc+sd-jwt", "kid": "2026-9"}),
            &payload(json!({}))
        )
    );
    assert!(matches!(
        verify(&input, &trust, &VerifyOptions::default(), NOW),
        Err(VerifyError::KeyNotTrusted { kid: Some(_), .. })
    ));
}

#[test]
fn algorithm_does_not_match_the_trusted_key() {
    let mut rng = common::rng(1);
    let mut trust = TrustStore::new();
    trust.add(
        ISSUER,
        None,
        govops_licence::SigningKey::generate(Algorithm::EdDsa, &mut rng).verifying_key(),
    );
    let input = sd_jwt(&payload(json!({})), &[]);
    assert!(matches!(
        verify(&input, &trust, &VerifyOptions::default(), NOW),
        Err(VerifyError::AlgKeyMismatch {
            alg: "ES256",
            key_alg: "EdDSA",
            ..
        })
    ));
}

#[test]
fn vc_without_iss() {
    let mut p = payload(json!({}));
    p.as_object_mut().map(|m| m.remove("iss"));
    assert_eq!(check(&sd_jwt(&p, &[])), Err(VerifyError::MissingIssuer));
}

#[test]
fn unsupported_sd_alg() {
    let input = sd_jwt(&payload(json!({"_sd_alg": "sha-512"})), &[]);
    assert_eq!(
        check(&input),
        Err(VerifyError::UnsupportedSdAlg("\"sha-512\"".to_owned()))
    );
}

#[test]
fn empty_disclosure() {
    let (d, digest) = disclosure(json!(["s", "a", 1]));
    let input = sd_jwt(&payload(json!({"_sd": [digest]})), &[&d, ""]);
    assert_eq!(
        check(&input),
        Err(VerifyError::EmptyDisclosure { index: 2 })
    );
}

#[test]
fn malformed_disclosures() {
    let p = payload(json!({}));
    for bad in [
        "!!!".to_owned(),                       // not base64url
        b64(b"not json"),                       // not JSON
        b64(br#"{"salt":"s"}"#),                // not an array
        b64(br#"["s"]"#),                       // too short
        b64(br#"["s","a",1,2]"#),               // too long
        b64(br#"[1,"a",1]"#),                   // salt not a string
        b64(br#"["s",7,1]"#),                   // name not a string
        format!("{}=", b64(br#"["s","a",1]"#)), // padding
    ] {
        let result = check(&sd_jwt(&p, &[&bad]));
        assert!(
            matches!(
                result,
                Err(VerifyError::MalformedDisclosure { index: 1, .. })
            ),
            "{bad}: {result:?}"
        );
    }
}

#[test]
fn truncated_disclosure() {
    let (d, digest) = disclosure(json!(["salt-salt-salt", "name", "张三"]));
    let cut = &d[..d.len() - 5];
    let result = check(&sd_jwt(&payload(json!({"_sd": [digest]})), &[cut]));
    assert!(
        matches!(
            result,
            Err(VerifyError::MalformedDisclosure { index: 1, .. })
        ),
        "{result:?}"
    );
}

#[test]
fn truncated_presentation_loses_its_final_tilde() {
    // Cutting the final '~' turns the last disclosure into a would-be KB-JWT.
    let (d, digest) = disclosure(json!(["s", "a", 1]));
    let input = sd_jwt(&payload(json!({"_sd": [digest]})), &[&d]);
    let result = check(&input[..input.len() - 1]);
    assert!(
        matches!(
            result,
            Err(VerifyError::JwsParts {
                jwt: Jwt::KeyBinding,
                ..
            })
        ),
        "{result:?}"
    );
}

#[test]
fn reserved_claim_names_in_disclosures() {
    for name in ["_sd", "..."] {
        let (d, _) = disclosure(json!(["s", name, ["x"]]));
        assert_eq!(
            check(&sd_jwt(&payload(json!({})), &[&d])),
            Err(VerifyError::ReservedClaimName {
                index: 1,
                name: name.to_owned()
            })
        );
    }
}

#[test]
fn duplicated_disclosure() {
    let (d, digest) = disclosure(json!(["s", "a", 1]));
    assert_eq!(
        check(&sd_jwt(&payload(json!({"_sd": [digest]})), &[&d, &d])),
        Err(VerifyError::DuplicateDisclosure { index: 2, first: 1 })
    );
}

#[test]
fn unreferenced_disclosure() {
    let (d, digest) = disclosure(json!(["s", "a", 1]));
    let (stray, _) = disclosure(json!(["t", "admin", true]));
    assert_eq!(
        check(&sd_jwt(&payload(json!({"_sd": [digest]})), &[&d, &stray])),
        Err(VerifyError::UnreferencedDisclosure { index: 2 })
    );
}

#[test]
fn duplicate_digest() {
    let (d, digest) = disclosure(json!(["s", "a", 1]));
    let input = sd_jwt(&payload(json!({"_sd": [digest, digest]})), &[&d]);
    assert_eq!(check(&input), Err(VerifyError::DuplicateDigest { digest }));
    // Also across levels: the same digest in an object and in an array.
    let (d, digest) = disclosure(json!(["s", 1]));
    let input = sd_jwt(
        &payload(json!({"list": [{"...": digest}], "obj": {"_sd": [digest]}})),
        &[&d],
    );
    assert!(matches!(
        check(&input),
        Err(VerifyError::DuplicateDigest { .. })
    ));
}

#[test]
fn array_disclosure_referenced_from_sd() {
    let (d, digest) = disclosure(json!(["s", "value"]));
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"_sd": [digest]})), &[&d])),
        Err(VerifyError::ObjectDisclosureExpected { index: 1, .. })
    ));
}

#[test]
fn object_disclosure_referenced_from_array() {
    let (d, digest) = disclosure(json!(["s", "name", "value"]));
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"list": [{"...": digest}]})), &[&d])),
        Err(VerifyError::ArrayDisclosureExpected { index: 1, .. })
    ));
}

#[test]
fn claim_name_collision_with_a_clear_claim() {
    let (d, digest) = disclosure(json!(["s", "name", "李四"]));
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"name": "张三", "_sd": [digest]})), &[&d])),
        Err(VerifyError::ClaimNameCollision { index: 1, ref name, .. }) if name == "name"
    ));
}

#[test]
fn claim_name_collision_between_disclosures() {
    let (d1, g1) = disclosure(json!(["s1", "name", "张三"]));
    let (d2, g2) = disclosure(json!(["s2", "name", "李四"]));
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"_sd": [g1, g2]})), &[&d1, &d2])),
        Err(VerifyError::ClaimNameCollision { .. })
    ));
}

#[test]
fn sd_that_is_not_an_array_of_strings() {
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"_sd": "abc"})), &[])),
        Err(VerifyError::SdMisuse { .. })
    ));
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"_sd": [1]})), &[])),
        Err(VerifyError::SdMisuse { .. })
    ));
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"a": {"_sd": {"x": 1}}})), &[])),
        Err(VerifyError::SdMisuse { ref path }) if path == "[\"a\"]"
    ));
}

#[test]
fn ellipsis_misuse() {
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"...": "abc"})), &[])),
        Err(VerifyError::EllipsisMisuse { .. })
    ));
    assert!(matches!(
        check(&sd_jwt(&payload(json!({"list": [{"...": 5}]})), &[])),
        Err(VerifyError::EllipsisMisuse { .. })
    ));
    assert!(matches!(
        check(&sd_jwt(
            &payload(json!({"list": [{"...": "abc", "extra": 1}]})),
            &[]
        )),
        Err(VerifyError::EllipsisMisuse { .. })
    ));
}

#[test]
fn nesting_too_deep() {
    let (inner, g_inner) = disclosure(json!(["s1", "c", {"d": {"e": 1}}]));
    let (outer, g_outer) = disclosure(json!(["s2", "b", {"_sd": [g_inner]}]));
    let input = sd_jwt(
        &payload(json!({"a": {"_sd": [g_outer]}})),
        &[&outer, &inner],
    );
    assert!(check(&input).is_ok());
    let shallow = VerifyOptions {
        max_depth: 3,
        ..VerifyOptions::default()
    };
    assert_eq!(
        verify(&input, &trust(), &shallow, NOW),
        Err(VerifyError::TooDeep { max: 3 })
    );
}

#[test]
fn expired_with_leeway() {
    let input = sd_jwt(&payload(json!({"exp": NOW - 30})), &[]);
    assert!(check(&input).is_ok(), "within the 60 s leeway");
    let input = sd_jwt(&payload(json!({"exp": NOW - 61})), &[]);
    assert_eq!(
        check(&input),
        Err(VerifyError::Expired {
            jwt: Jwt::Issuer,
            exp: NOW - 61,
            now: NOW,
            leeway: 60
        })
    );
    let strict = VerifyOptions {
        leeway: 0,
        ..VerifyOptions::default()
    };
    let input = sd_jwt(&payload(json!({"exp": NOW})), &[]);
    assert!(matches!(
        verify(&input, &trust(), &strict, NOW),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn a_kept_credential_is_checked_for_expiry_again_later() {
    let input = sd_jwt(&payload(json!({"exp": NOW + 100})), &[]);
    let options = VerifyOptions::default();
    let verified = verify(&input, &trust(), &options, NOW).unwrap();
    assert_eq!(verified.check_times_at(NOW + 150, &options), Ok(()));
    assert_eq!(
        verified.check_times_at(NOW + 161, &options),
        Err(VerifyError::Expired {
            jwt: Jwt::Issuer,
            exp: NOW + 100,
            now: NOW + 161,
            leeway: 60
        })
    );
}

#[test]
fn not_yet_valid() {
    let input = sd_jwt(&payload(json!({"nbf": NOW + 3600})), &[]);
    assert!(
        matches!(check(&input), Err(VerifyError::NotYetValid { nbf, .. }) if nbf == NOW + 3600)
    );
    let input = sd_jwt(&payload(json!({"nbf": NOW + 30})), &[]);
    assert!(check(&input).is_ok(), "within the leeway");
}

#[test]
fn issued_in_the_future() {
    let input = sd_jwt(&payload(json!({"iat": NOW + 3600})), &[]);
    assert!(matches!(
        check(&input),
        Err(VerifyError::IssuedInFuture {
            jwt: Jwt::Issuer,
            ..
        })
    ));
}

#[test]
fn time_claim_of_the_wrong_type() {
    let input = sd_jwt(&payload(json!({"exp": "tomorrow"})), &[]);
    assert!(
        matches!(check(&input), Err(VerifyError::ClaimType { ref claim, .. }) if claim == "exp")
    );
}

#[test]
fn a_disclosed_exp_is_also_checked() {
    // Validity is checked on the processed payload (§7.1 step 6), so a plain SD-JWT
    // cannot hide an expired `exp` in a disclosure.
    let (d, digest) = disclosure(json!(["s", "exp", NOW - 1000]));
    let plain = VerifyOptions {
        profile: Profile::SdJwt {
            typ: Some("dc+sd-jwt".to_owned()),
        },
        ..VerifyOptions::default()
    };
    let input = sd_jwt(&payload(json!({"_sd": [digest]})), &[&d]);
    assert!(matches!(
        verify(&input, &trust(), &plain, NOW),
        Err(VerifyError::Expired { .. })
    ));
}
