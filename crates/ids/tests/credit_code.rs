//! Unified social credit codes (GB 32100-2015): examples, every error path,
//! and properties. Examples were checked with python-stdnum's
//! `cn.uscc.is_valid`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_ids::{CreditCode, IdError, IdKind, credit_code_check_byte, is_credit_code_char};
use proptest::prelude::*;

fn err(input: &str) -> String {
    CreditCode::parse(input).unwrap_err().to_string()
}

#[test]
fn parses_valid_codes() {
    for code in [
        "91110000600037341L",
        "91350100M000100Y43",
        "911100007109311071",
        "91440300708461136T",
    ] {
        assert_eq!(CreditCode::parse(code).unwrap().as_str(), code);
    }
}

#[test]
fn exposes_the_parts() {
    let code = CreditCode::parse("91110000600037341L").unwrap();
    assert_eq!(code.registration_authority(), '9');
    assert_eq!(code.entity_type(), '1');
    assert_eq!(code.region_code(), 110000);
    assert_eq!(code.organisation_code(), "600037341");
    assert_eq!(format!("{code:?}"), "CreditCode(\"91110000600037341L\")");
}

#[test]
fn removes_separators_and_uppercases_like_stdnum() {
    for input in [
        "9 1 110000 600037341L",
        "91110000-600037341-L",
        "91110000600037341l",
        "\u{3000}９1110000 600037341L\t",
        "91110000\u{2013}600037341L",
    ] {
        assert_eq!(
            CreditCode::parse(input).unwrap().as_str(),
            "91110000600037341L",
            "{input:?}"
        );
    }
}

#[test]
fn rejects_empty_and_wrong_length() {
    assert_eq!(
        CreditCode::parse(" - ").unwrap_err(),
        IdError::Empty {
            kind: IdKind::CreditCode
        }
    );
    assert_eq!(
        err("9111000060003734"),
        "unified social credit code must be 18 characters long, found 16; check for a missing or extra character"
    );
}

#[test]
fn rejects_letters_in_the_first_eight_characters() {
    // GB 32100 allows authority letters such as N; stdnum (our reference) does not.
    assert_eq!(
        err("N2110000600037341L"),
        "unified social credit code: character 1 is `N`, but characters 1–8 (registration authority, entity type and region code) must be digits 0–9"
    );
}

#[test]
fn rejects_letters_outside_the_alphabet() {
    assert_eq!(
        err("91110000I00037341L"),
        "unified social credit code: character 9 is `I`, but characters 9–18 must be digits or capital letters other than I, O, S, V and Z"
    );
    for c in ['O', 'S', 'V', 'Z', '*', '中'] {
        let code = format!("9111000060003734{c}L");
        assert!(
            matches!(
                CreditCode::parse(&code),
                Err(IdError::Character { position: 17, .. })
            ),
            "{c}"
        );
    }
}

#[test]
fn rejects_a_wrong_check_character() {
    // An example that circulates on the web; its check character should be J.
    assert_eq!(
        err("91110108MA01GE7K3W"),
        "unified social credit code: check character (character 18) should be `J`, found `W`; one of the characters was probably mistyped"
    );
}

#[test]
fn from_parts_computes_the_check_character() {
    assert_eq!(
        CreditCode::from_parts("91110000600037341")
            .unwrap()
            .as_str(),
        "91110000600037341L"
    );
    assert_eq!(
        CreditCode::from_parts("91110108MA01GE7K3")
            .unwrap()
            .as_str(),
        "91110108MA01GE7K3J"
    );
    assert_eq!(
        CreditCode::from_parts("91110000 60003734 1")
            .unwrap()
            .as_str(),
        "91110000600037341L"
    );
}

#[test]
fn from_parts_rejects_bad_prefixes() {
    assert!(matches!(
        CreditCode::from_parts(""),
        Err(IdError::Empty { .. })
    ));
    assert!(matches!(
        CreditCode::from_parts("91110000600037341L"),
        Err(IdError::Length {
            expected: 17,
            found: 18,
            ..
        })
    ));
    assert!(matches!(
        CreditCode::from_parts("9111000O60003734Q"),
        Err(IdError::Character { position: 8, .. })
    ));
}

#[test]
fn serde_round_trips_and_validates() {
    let code = CreditCode::parse("91110000600037341L").unwrap();
    let json = serde_json::to_string(&code).unwrap();
    assert_eq!(json, "\"91110000600037341L\"");
    assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
    assert!(serde_json::from_str::<CreditCode>("\"91110108MA01GE7K3W\"").is_err());
    let spaced: CreditCode = serde_json::from_str("\"9111 0000 6000 3734 1l\"").unwrap();
    assert_eq!(spaced, code);
}

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn prefix17() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(proptest::sample::select(b"0123456789".to_vec()), 8),
        proptest::collection::vec(proptest::sample::select(ALPHABET.to_vec()), 9),
    )
        .prop_map(|(digits, rest)| String::from_utf8([digits, rest].concat()).unwrap())
}

proptest! {
    #[test]
    fn from_parts_round_trips_through_parse(prefix in prefix17()) {
        let code = CreditCode::from_parts(&prefix).unwrap();
        prop_assert!(code.as_str().starts_with(&prefix));
        prop_assert_eq!(CreditCode::parse(code.as_str()).unwrap(), code.clone());
        prop_assert_eq!(CreditCode::parse(&code.as_str().to_lowercase()).unwrap(), code);
    }

    /// Weights are powers of 3 modulo the prime 31, all non-zero, so every
    /// single substitution within the alphabet changes the check.
    #[test]
    fn any_single_character_change_is_rejected(
        prefix in prefix17(),
        position in 0..18usize,
        replacement in proptest::sample::select(ALPHABET.to_vec()),
    ) {
        let code = CreditCode::from_parts(&prefix).unwrap();
        let mut bytes = code.as_str().as_bytes().to_vec();
        prop_assume!(bytes[position] != replacement);
        bytes[position] = replacement;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(CreditCode::parse(&changed).is_err(), "{} accepted", changed);
    }

    /// The byte-level check the data hub uses agrees with the parser, and refuses
    /// a byte outside the alphabet anywhere in the 17.
    #[test]
    fn the_byte_check_agrees_with_the_parser(
        prefix in prefix17(),
        position in 0..17usize,
        stray in any::<u8>(),
    ) {
        let code = CreditCode::from_parts(&prefix).unwrap();
        let bytes = code.as_str().as_bytes();
        prop_assert_eq!(credit_code_check_byte(&bytes[..17]), Some(bytes[17]));
        prop_assert!(is_credit_code_char(bytes[17]));
        let mut odd = bytes[..17].to_vec();
        odd[position] = stray;
        prop_assert_eq!(
            credit_code_check_byte(&odd).is_some(),
            ALPHABET.contains(&stray)
        );
        prop_assert_eq!(is_credit_code_char(stray), ALPHABET.contains(&stray));
    }
}
