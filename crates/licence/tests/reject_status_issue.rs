//! One test per rejection of status lists, of the issuer's bad credentials and frames,
//! and of bad licence identifiers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use govops_licence::{
    Algorithm, Bits, ClaimPath, Credential, Frame, IdentifierError, IssueError, Issuer, Jwt,
    LicenceIdentifier, SigningKey, StatusList, StatusListClaims, StatusListError,
    StatusListOptions, TrustStore, VerifyError, VerifyOptions, issue_status_list_token, verify,
    verify_status_list_token,
};
use serde_json::{Value, json};

use common::craft::{self, payload, sd_jwt};
use common::*;

fn status_token(list: &StatusList, uri: &str, header_typ_ok: bool) -> (String, TrustStore) {
    let mut rng = rng(40);
    let key = SigningKey::generate(Algorithm::EdDsa, &mut rng);
    let mut trust = TrustStore::new();
    trust.add(ISSUER, None, key.verifying_key());
    let claims = StatusListClaims {
        uri: uri.to_owned(),
        issued_at: NOW,
        expires_at: Some(NOW + 60),
        ttl: None,
    };
    let token = issue_status_list_token(&key, None, &claims, list).expect("token");
    if header_typ_ok {
        return (token, trust);
    }
    let SigningKey::EdDsa(_) = key else {
        unreachable!()
    };
    // Re-sign with the crafted ES256 key and a wrong typ.
    let body: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            token.split('.').nth(1).expect("p"),
        )
        .expect("b64"),
    )
    .expect("json");
    (
        craft::jws(
            &craft::issuer_key(),
            &json!({"alg": "ES256", "typ": "JWT"}),
            &body,
        ),
        craft::trust(),
    )
}

#[test]
fn status_list_token_rejections() {
    let list = StatusList::new(Bits::One, 16);
    let options = StatusListOptions::default();
    let (token, trust) = status_token(&list, STATUS_URI, true);
    assert!(verify_status_list_token(&token, &trust, ISSUER, STATUS_URI, &options, NOW).is_ok());
    // Expired (exp NOW + 60, leeway 60).
    assert!(matches!(
        verify_status_list_token(&token, &trust, ISSUER, STATUS_URI, &options, NOW + 121),
        Err(VerifyError::Expired {
            jwt: Jwt::StatusList,
            ..
        })
    ));
    // Published at another URI than the licence points at.
    assert!(matches!(
        verify_status_list_token(
            &token,
            &trust,
            ISSUER,
            "https://gov.example/status/2",
            &options,
            NOW
        ),
        Err(VerifyError::StatusListMismatch { .. })
    ));
    // Signed by a key not trusted for this issuer.
    assert!(matches!(
        verify_status_list_token(
            &token,
            &trust,
            "https://other.example",
            STATUS_URI,
            &options,
            NOW
        ),
        Err(VerifyError::KeyNotTrusted { .. })
    ));
    // Wrong typ.
    let (bad, trust) = status_token(&list, STATUS_URI, false);
    assert!(matches!(
        verify_status_list_token(&bad, &trust, ISSUER, STATUS_URI, &options, NOW),
        Err(VerifyError::WrongTyp {
            jwt: Jwt::StatusList,
            ..
        })
    ));
    // Oversized token.
    let small = StatusListOptions {
        max_token_bytes: 10,
        ..StatusListOptions::default()
    };
    assert!(matches!(
        verify_status_list_token(&token, &trust, ISSUER, STATUS_URI, &small, NOW),
        Err(VerifyError::TooLarge { .. })
    ));
}

#[test]
fn status_list_decoding_rejections() {
    // A ZLIB bomb: 16 MiB of zeros compresses to a few KiB.
    let bomb = StatusList::new(Bits::Eight, 16 << 20)
        .to_json()
        .expect("encode");
    assert_eq!(
        StatusList::from_json(&bomb, 1 << 20),
        Err(StatusListError::TooLarge { max: 1 << 20 })
    );
    assert_eq!(
        StatusList::from_json(&json!({"bits": 3, "lst": "eNo"}), 1024),
        Err(StatusListError::InvalidBits(3))
    );
    assert_eq!(
        StatusList::from_json(&json!({"bits": 1, "lst": "***"}), 1024),
        Err(StatusListError::Base64)
    );
    assert!(matches!(
        StatusList::from_json(&json!({"bits": 1, "lst": "AAAA"}), 1024),
        Err(StatusListError::Decompress(_))
    ));
    assert!(matches!(
        StatusList::from_json(&json!({"bits": 1}), 1024),
        Err(StatusListError::Malformed(_))
    ));
    let mut list = StatusList::new(Bits::Two, 8);
    assert_eq!(
        list.get(8),
        Err(StatusListError::IndexOutOfRange { index: 8, len: 8 })
    );
    assert_eq!(
        list.set(0, govops_licence::Status(4)),
        Err(StatusListError::StatusTooWide { status: 4, bits: 2 })
    );
}

#[test]
fn status_check_needs_a_status_claim() {
    let input = sd_jwt(&payload(json!({})), &[]);
    let verified = verify(&input, &craft::trust(), &VerifyOptions::default(), NOW).expect("valid");
    let (token, trust) = status_token(&StatusList::new(Bits::One, 8), STATUS_URI, true);
    let list = verify_status_list_token(
        &token,
        &trust,
        ISSUER,
        STATUS_URI,
        &StatusListOptions::default(),
        NOW,
    )
    .expect("list");
    assert_eq!(verified.check_status(&list), Err(VerifyError::NoStatus));
}

#[test]
fn issuer_rejects_bad_credentials_and_frames() {
    let mut rng = rng(50);
    let issuer = Issuer::new(ISSUER, SigningKey::generate(Algorithm::Es256, &mut rng));
    let mut claims = licence_claims();
    claims.insert("iss".to_owned(), json!("forged"));
    assert_eq!(
        issuer.issue(&Credential::new(VCT, NOW, claims), &Frame::new(), &mut rng),
        Err(IssueError::RegisteredClaim {
            name: "iss".to_owned()
        })
    );
    let mut claims = licence_claims();
    claims.insert("x".to_owned(), json!({"_sd": []}));
    assert!(matches!(
        issuer.issue(&Credential::new(VCT, NOW, claims), &Frame::new(), &mut rng),
        Err(IssueError::ReservedClaimName { .. })
    ));
    let credential = Credential::new(VCT, NOW, licence_claims());
    assert_eq!(
        issuer.issue(&credential, &Frame::new().disclosable("nickname"), &mut rng),
        Err(IssueError::FrameClaimMissing {
            path: "[\"nickname\"]".to_owned()
        })
    );
    assert!(matches!(
        issuer.issue(
            &credential,
            &Frame::new().nested("name", Frame::new().disclosable("x")),
            &mut rng
        ),
        Err(IssueError::FrameShape { .. })
    ));
    assert!(matches!(
        issuer.issue(
            &credential,
            &Frame::from_paths(&[ClaimPath::claim("address").index(0)], 0),
            &mut rng
        ),
        Err(IssueError::FrameShape {
            expected: "an array",
            ..
        })
    ));
    let mut dated = credential.clone();
    dated.expires_at = Some(NOW + 1);
    assert_eq!(
        issuer.issue(&dated, &Frame::new().disclosable("exp"), &mut rng),
        Err(IssueError::NotDisclosable {
            name: "exp".to_owned()
        })
    );
}

#[test]
fn identifier_rejections() {
    let good =
        LicenceIdentifier::build("11010000", &credit_code(), "0000001", "23").expect("build");
    let text = good.to_string();
    assert_eq!(
        LicenceIdentifier::parse("1.2.156.3005.3.X"),
        Err(IdentifierError::WrongPrefix)
    );
    assert_eq!(
        LicenceIdentifier::parse("1.2.156.3005.2.A.B"),
        Err(IdentifierError::FieldCount(2))
    );
    assert!(matches!(
        LicenceIdentifier::parse("1.2.156.3005.2.a1.91350100M000100Y43.1.1.X"),
        Err(IdentifierError::InvalidField {
            field: "type code",
            ..
        })
    ));
    assert!(matches!(
        LicenceIdentifier::parse("1.2.156.3005.2.1101.91350100M000100Y4.1.1.X"),
        Err(IdentifierError::IssuerCreditCode(_))
    ));
    assert!(matches!(
        LicenceIdentifier::parse("1.2.156.3005.2.1101.91350100M000100Y44.1.1.X"),
        Err(IdentifierError::IssuerCreditCode(_))
    ));
    assert!(matches!(
        LicenceIdentifier::parse("1.2.156.3005.2.1101.91350100m000100y43.1.1.X"),
        Err(IdentifierError::InvalidField {
            field: "issuer credit code",
            ..
        })
    ));
    assert!(matches!(
        LicenceIdentifier::build("1101", &credit_code(), "1", "v1"),
        Err(IdentifierError::InvalidField {
            field: "version",
            ..
        })
    ));
    // One wrong character and one swap of neighbours are both caught.
    let typo = text.replacen("0000001", "0000002", 1);
    assert!(matches!(
        LicenceIdentifier::parse(&typo),
        Err(IdentifierError::CheckMismatch { .. })
    ));
    let swapped = text.replacen("11010000", "10110000", 1);
    assert!(matches!(
        LicenceIdentifier::parse(&swapped),
        Err(IdentifierError::CheckMismatch { .. })
    ));
    let wrong_check = format!("{}Z", &text[..text.len() - 1]);
    assert!(matches!(
        LicenceIdentifier::parse(&wrong_check),
        Err(IdentifierError::CheckMismatch { .. })
    ));
}
