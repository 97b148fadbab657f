//! Property tests: whatever bytes arrive, the verifier answers with an error, never a
//! panic; and a valid presentation mutated in any small way is rejected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::OnceLock;

use govops_licence::{
    Algorithm, ClaimPath, KeyBinding, LicenceIdentifier, SdJwt, StatusList, TrustStore,
    VerifyOptions, compact_from_json, verify,
};
use proptest::prelude::*;

use common::*;

struct Valid {
    presentation: String,
    trust: TrustStore,
    options: VerifyOptions,
}

/// One valid ES256 presentation with key binding, made once (signing is slow in debug).
fn valid() -> &'static Valid {
    static VALID: OnceLock<Valid> = OnceLock::new();
    VALID.get_or_init(|| {
        let f = fixture(Algorithm::Es256, 77);
        let presentation = SdJwt::parse(f.issued.as_str(), 1 << 16)
            .expect("parse")
            .present_with_key_binding(|p| p.segments().len() == 1, &request(), &f.holder)
            .expect("present");
        let mut trust = TrustStore::new();
        trust.add(ISSUER, None, f.issuer.verifying_key());
        let options = VerifyOptions {
            key_binding: KeyBinding::Required {
                audience: AUDIENCE.to_owned(),
                nonce: NONCE.to_owned(),
                max_age: 300,
            },
            ..VerifyOptions::default()
        };
        verify(&presentation, &trust, &options, NOW).expect("the base presentation verifies");
        Valid {
            presentation,
            trust,
            options,
        }
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at a position with another printable ASCII byte.
    Replace(usize, u8),
    /// Delete a byte.
    Delete(usize),
    /// Insert a byte.
    Insert(usize, u8),
    /// Cut the input short.
    Truncate(usize),
    /// Swap two '~'-separated parts.
    SwapParts(usize, usize),
    /// Repeat one part.
    DuplicatePart(usize),
    /// Drop one part.
    DropPart(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0x21u8..0x7f).prop_map(|(i, b)| Mutation::Replace(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), 0x21u8..0x7f).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapParts(a, b)),
        any::<usize>().prop_map(Mutation::DuplicatePart),
        any::<usize>().prop_map(Mutation::DropPart),
    ]
}

fn apply(input: &str, m: &Mutation) -> String {
    if input.is_empty() {
        return String::new();
    }
    let mut bytes = input.as_bytes().to_vec();
    let mut parts: Vec<&str> = input.split('~').collect();
    let n = parts.len();
    match *m {
        Mutation::Replace(i, b) => {
            let i = i % bytes.len();
            bytes[i] = if bytes[i] == b { b'#' } else { b };
        }
        Mutation::Delete(i) => {
            bytes.remove(i % bytes.len());
        }
        Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
        Mutation::Truncate(i) => bytes.truncate(i % bytes.len()),
        Mutation::SwapParts(a, b) => {
            let (a, b) = (a % n, b % n);
            if parts[a] == parts[b] {
                parts.remove(a);
            } else {
                parts.swap(a, b);
            }
            return parts.join("~");
        }
        Mutation::DuplicatePart(i) => {
            let p = parts[i % n];
            parts.insert(i % n, p);
            return parts.join("~");
        }
        Mutation::DropPart(i) => {
            parts.remove(i % n);
            return parts.join("~");
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// An EdDSA licence (fast to verify in debug builds) for the selection property.
fn held() -> &'static (SdJwt, TrustStore, Vec<ClaimPath>) {
    static HELD: OnceLock<(SdJwt, TrustStore, Vec<ClaimPath>)> = OnceLock::new();
    HELD.get_or_init(|| {
        let f = fixture(Algorithm::EdDsa, 78);
        let held = SdJwt::parse(f.issued.as_str(), 1 << 16).expect("parse");
        let mut trust = TrustStore::new();
        trust.add(ISSUER, None, f.issuer.verifying_key());
        let paths = held.disclosable().cloned().collect();
        (held, trust, paths)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_selection_verifies_and_reveals_exactly_it_and_its_containers(mask in any::<u16>()) {
        let (held, trust, paths) = held();
        let chosen: Vec<&ClaimPath> = paths.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, p)| p).collect();
        let presentation = held.present(|p| chosen.contains(&p));
        let verified = verify(&presentation, trust, &VerifyOptions::default(), NOW);
        prop_assert!(verified.is_ok(), "{:?}", verified);
        let disclosed = verified.map(|v| v.disclosed).unwrap_or_default();
        // Expected: each chosen path and every disclosable path that contains it.
        let mut expected: Vec<ClaimPath> = paths
            .iter()
            .filter(|p| chosen.iter().any(|c| c.starts_with(p)))
            .cloned()
            .collect();
        expected.sort();
        prop_assert_eq!(disclosed, expected);
    }

    #[test]
    fn arbitrary_strings_are_rejected_without_panic(input in ".{0,400}") {
        let v = valid();
        prop_assert!(verify(&input, &v.trust, &v.options, NOW).is_err());
        prop_assert!(SdJwt::parse(&input, 1 << 16).is_err() || input.contains('~'));
        let _ = compact_from_json(&input, 1 << 16);
        let _ = LicenceIdentifier::parse(&input);
    }

    #[test]
    fn arbitrary_bytes_are_rejected_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let v = valid();
        let input = String::from_utf8_lossy(&bytes);
        prop_assert!(verify(&input, &v.trust, &v.options, NOW).is_err());
        let _ = StatusList::from_json(&serde_json::json!({"bits": 1, "lst": input}), 1 << 16);
    }

    #[test]
    fn sd_jwt_shaped_garbage_is_rejected_without_panic(
        parts in proptest::collection::vec("[A-Za-z0-9_.-]{0,60}", 1..8),
        end_with_tilde in any::<bool>(),
    ) {
        let v = valid();
        let mut input = parts.join("~");
        if end_with_tilde {
            input.push('~');
        }
        prop_assert!(verify(&input, &v.trust, &v.options, NOW).is_err());
    }

    #[test]
    fn mutated_presentations_are_rejected(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let v = valid();
        let mut input = v.presentation.clone();
        for m in &mutations {
            input = apply(&input, m);
        }
        // A mutation can cancel out (e.g. two swaps); only a changed input must fail.
        if input != v.presentation {
            let result = verify(&input, &v.trust, &v.options, NOW);
            prop_assert!(result.is_err(), "accepted after {:?}", mutations);
        }
    }
}
