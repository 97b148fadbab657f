//! Fuzzes everything that reads untrusted text: the presentation parser and verifier,
//! the holder's parser, the JSON serialization reader, status lists and identifiers.
//! Any panic, overflow or hang is a bug; every input must end in `Ok` or `Err`.
#![no_main]

use std::sync::OnceLock;

use govops_licence::{
    KeyBinding, LicenceIdentifier, SdJwt, StatusList, TrustStore, VerifyOptions, VerifyingKey, compact_from_json,
    verify,
};
use libfuzzer_sys::fuzz_target;

/// The public key of the RFC 9901 examples, so that inputs derived from the spec's
/// presentations (a good seed corpus) get past the signature check.
fn trust() -> &'static TrustStore {
    static TRUST: OnceLock<TrustStore> = OnceLock::new();
    TRUST.get_or_init(|| {
        let jwk = serde_json::json!({
            "kty": "EC", "crv": "P-256",
            "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ",
            "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8"
        });
        let mut trust = TrustStore::new();
        if let Ok(key) = VerifyingKey::from_jwk(&jwk) {
            trust.add_for_any_issuer(None, key);
        }
        trust
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = 1_750_000_000;
    let _ = verify(text, trust(), &VerifyOptions::default(), now);
    let required = VerifyOptions {
        key_binding: KeyBinding::Required {
            audience: "https://verifier.example.org".to_owned(),
            nonce: "1234567890".to_owned(),
            max_age: 1 << 40,
        },
        profile: govops_licence::Profile::SdJwt { typ: None },
        ..VerifyOptions::default()
    };
    let _ = verify(text, trust(), &required, now);
    if let Ok(held) = SdJwt::parse(text, 1 << 16) {
        let _ = held.present(|p| p.segments().len() % 2 == 0);
    }
    if let Ok(compact) = compact_from_json(text, 1 << 16) {
        let _ = verify(&compact, trust(), &required, now);
    }
    let _ = StatusList::from_json(&serde_json::json!({"bits": 2, "lst": text}), 1 << 16);
    let _ = LicenceIdentifier::parse(text);
});
