//! Helpers shared by the integration tests: the vectors folder, keys and fixtures.
#![allow(dead_code)]

use std::path::PathBuf;

use govops_licence::{
    Algorithm, ClaimPath, Credential, Frame, IssuedSdJwt, Issuer, KeyBindingRequest, SigningKey,
    StatusReference,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

/// The vectors folder: `$GOVOPS_VECTORS`, else `vectors/` in the repository.
/// A missing folder fails the test: vectors are never silently skipped.
pub fn vectors_dir() -> PathBuf {
    let dir = match std::env::var_os("GOVOPS_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors"),
    };
    assert!(
        dir.join("sd-jwt").is_dir() && dir.join("status-list").is_dir(),
        "test vectors not found at {}: set GOVOPS_VECTORS to the folder holding sd-jwt/ and \
         status-list/ (the repository's vectors/)",
        dir.display()
    );
    dir
}

pub fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

pub fn credit_code() -> govops_ids::CreditCode {
    govops_ids::CreditCode::parse("91350100M000100Y43").expect("a valid credit code")
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub const ISSUER: &str = "https://gov.example/departments/market-regulation";
pub const VCT: &str = "https://gov.example/licence/business";
pub const AUDIENCE: &str = "https://bank.example/verifier";
pub const NONCE: &str = "n-0S6_WzA2Mj";
pub const NOW: i64 = 1_780_000_000;
pub const STATUS_URI: &str = "https://gov.example/status/1";

/// Ten claims of a business licence, two of them nested and one an array.
pub fn licence_claims() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "name": "张三餐饮有限公司",
        "credit_code": "91350100M000100Y43",
        "legal_representative": "张三",
        "registered_capital": "1000000 CNY",
        "business_scope": ["餐饮服务", "食品销售"],
        "address": {"province": "福建省", "city": "福州市", "street": "五一中路 88 号"},
        "established": "2020-05-01",
        "licence_number": "JY13501000000001",
        "type": "有限责任公司",
        "authority": "福州市市场监督管理局"
    }) else {
        unreachable!()
    };
    map
}

/// Every claim disclosable, the address members recursively and the scope elements.
pub fn licence_frame() -> Frame {
    let paths: Vec<ClaimPath> = [
        "name",
        "credit_code",
        "legal_representative",
        "registered_capital",
        "business_scope",
        "address",
        "established",
        "licence_number",
        "type",
        "authority",
    ]
    .iter()
    .map(|n| ClaimPath::claim(n))
    .chain([
        ClaimPath::claim("address").key("street"),
        ClaimPath::claim("address").key("city"),
        ClaimPath::claim("business_scope").index(0),
        ClaimPath::claim("business_scope").index(1),
    ])
    .collect();
    Frame::from_paths(&paths, 2)
}

pub struct Fixture {
    pub issuer: Issuer,
    pub holder: SigningKey,
    pub issued: IssuedSdJwt,
}

pub fn fixture(alg: Algorithm, seed: u64) -> Fixture {
    let mut rng = rng(seed);
    let issuer = Issuer::new(ISSUER, SigningKey::generate(alg, &mut rng)).with_kid("2026-1");
    let holder = SigningKey::generate(alg, &mut rng);
    let mut credential = Credential::new(VCT, NOW - 3600, licence_claims());
    credential.expires_at = Some(NOW + 86_400 * 365);
    credential.holder_key = Some(holder.verifying_key());
    credential.status = Some(StatusReference {
        idx: 42,
        uri: STATUS_URI.to_owned(),
    });
    let issued = issuer
        .issue(&credential, &licence_frame(), &mut rng)
        .expect("issue the fixture licence");
    Fixture {
        issuer,
        holder,
        issued,
    }
}

pub fn request() -> KeyBindingRequest {
    KeyBindingRequest {
        audience: AUDIENCE.to_owned(),
        nonce: NONCE.to_owned(),
        issued_at: NOW - 5,
    }
}

/// Hand-made tokens for the rejection tests: the issuer API refuses to make broken
/// ones, so these are signed directly with `p256`.
pub mod craft {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use govops_licence::{SigningKey, TrustStore};
    use p256::ecdsa::signature::Signer as _;
    use serde_json::{Value, json};
    use sha2::{Digest as _, Sha256};

    pub fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn issuer_key() -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("a valid scalar")
    }

    pub fn trust() -> TrustStore {
        let mut trust = TrustStore::new();
        trust.add(
            super::ISSUER,
            None,
            SigningKey::from(issuer_key()).verifying_key(),
        );
        trust
    }

    /// `header.payload.signature` with whatever header and payload are given.
    pub fn jws(key: &p256::ecdsa::SigningKey, header: &Value, payload: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(payload.to_string().as_bytes())
        );
        let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
        format!("{input}.{}", b64(&sig.to_bytes()))
    }

    /// An encoded disclosure of `array` and its digest.
    pub fn disclosure(array: Value) -> (String, String) {
        let encoded = b64(array.to_string().as_bytes());
        let digest = b64(&Sha256::digest(encoded.as_bytes()));
        (encoded, digest)
    }

    /// A VC header.
    pub fn header() -> Value {
        json!({"alg": "ES256", "typ": "dc+sd-jwt"})
    }

    /// The clear claims of a minimal valid VC, to which `extra` is added.
    pub fn payload(extra: Value) -> Value {
        let mut p = json!({"iss": super::ISSUER, "iat": super::NOW - 100, "vct": super::VCT, "_sd_alg": "sha-256"});
        if let (Some(p), Value::Object(extra)) = (p.as_object_mut(), extra) {
            p.extend(extra);
        }
        p
    }

    /// An SD-JWT (no KB) of `payload` signed by the trusted key, with `disclosures`.
    pub fn sd_jwt(payload: &Value, disclosures: &[&str]) -> String {
        let mut out = jws(&issuer_key(), &header(), payload);
        out.push('~');
        for d in disclosures {
            out.push_str(d);
            out.push('~');
        }
        out
    }
}
