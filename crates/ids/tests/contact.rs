//! Mobile phone numbers and email addresses: accepted forms and every error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_ids::{Email, EmailProblem, IdError, IdKind, Phone};
use proptest::prelude::*;

#[test]
fn phone_accepts_the_usual_spellings() {
    for input in [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "+8613812345678",
        "8613812345678",
        "0086 138 1234 5678",
        "１３８１２３４５６７８",
        " 138\u{3000}1234\u{2013}5678 ",
    ] {
        assert_eq!(
            Phone::parse(input).unwrap().as_str(),
            "13812345678",
            "{input:?}"
        );
    }
}

#[test]
fn phone_formats() {
    let phone = Phone::parse("19912345678").unwrap();
    assert_eq!(phone.e164(), "+8619912345678");
    assert_eq!(phone.masked(), "199****5678");
    assert_eq!(format!("{phone:?}"), "Phone(\"199****5678\")");
    assert_eq!(phone.to_string(), "19912345678");
}

#[test]
fn phone_rejects_empty_and_wrong_digit_counts() {
    assert_eq!(
        Phone::parse(" - ").unwrap_err(),
        IdError::Empty {
            kind: IdKind::Phone
        }
    );
    assert_eq!(
        Phone::parse("1381234567").unwrap_err().to_string(),
        "mobile phone number must have 11 digits (after an optional +86), found 10; check for a missing or extra digit"
    );
    assert!(matches!(
        Phone::parse("+86"),
        Err(IdError::PhoneDigits { found: 0, .. })
    ));
    assert!(matches!(
        Phone::parse("+86 138123456789"),
        Err(IdError::PhoneDigits { found: 12, .. })
    ));
}

#[test]
fn phone_rejects_other_prefixes() {
    assert_eq!(
        Phone::parse("010-1234-5678").unwrap_err().to_string(),
        "mobile phone number must start with 13 to 19, found `01`; landline and foreign numbers are not accepted here"
    );
    assert!(matches!(
        Phone::parse("12012345678"),
        Err(IdError::PhonePrefix { .. })
    ));
    let foreign = Phone::parse("+1 650 253 0000").unwrap_err();
    assert_eq!(
        foreign,
        IdError::PhonePrefix {
            kind: IdKind::Phone,
            found: "+16".to_owned()
        }
    );
}

#[test]
fn phone_rejects_stray_characters_by_position() {
    assert_eq!(
        Phone::parse("138a2345678").unwrap_err().to_string(),
        "mobile phone number: character 4 is `a`, but only digits, spaces, dashes and a leading +86 are allowed"
    );
    assert!(matches!(
        Phone::parse("138+12345678"),
        Err(IdError::Character {
            position: 4,
            found: '+',
            ..
        })
    ));
    assert!(matches!(
        Phone::parse("++8613812345678"),
        Err(IdError::Character { position: 2, .. })
    ));
    assert!(matches!(
        Phone::parse("(138)12345678"),
        Err(IdError::Character { position: 1, .. })
    ));
}

#[test]
fn phone_serde_validates() {
    let phone: Phone = serde_json::from_str("\"+86 138 1234 5678\"").unwrap();
    assert_eq!(serde_json::to_string(&phone).unwrap(), "\"13812345678\"");
    assert!(serde_json::from_str::<Phone>("\"12345\"").is_err());
}

fn email_problem(input: &str) -> EmailProblem {
    match Email::parse(input) {
        Err(IdError::Email { problem, .. }) => problem,
        other => panic!("{input:?}: expected an email problem, got {other:?}"),
    }
}

#[test]
fn email_accepts_pragmatic_addresses() {
    let email = Email::parse("  Zhang.San+case-42@Example.GOV.cn ").unwrap();
    assert_eq!(email.as_str(), "Zhang.San+case-42@example.gov.cn");
    assert_eq!(email.local_part(), "Zhang.San+case-42");
    assert_eq!(email.domain(), "example.gov.cn");
    for input in [
        "a@b.co",
        "o'brien@example.ie",
        "张三@例子.中国",
        "x_y@sub-domain.example.com",
        "1@163.com",
    ] {
        assert!(Email::parse(input).is_ok(), "{input}");
    }
}

#[test]
fn email_rejects_each_problem() {
    assert_eq!(
        Email::parse("   ").unwrap_err(),
        IdError::Empty {
            kind: IdKind::Email
        }
    );
    assert_eq!(
        Email::parse("zhangsan.example.cn").unwrap_err().to_string(),
        "email address has no `@`; it should look like name@example.cn"
    );
    assert_eq!(email_problem("@example.cn"), EmailProblem::EmptyLocalPart);
    assert_eq!(email_problem("a@"), EmailProblem::EmptyDomain);
    assert_eq!(
        email_problem("zhang san@example.cn"),
        EmailProblem::Character {
            position: 6,
            found: ' '
        }
    );
    assert_eq!(
        email_problem("a@b@example.cn"),
        EmailProblem::Character {
            position: 2,
            found: '@'
        }
    );
    assert_eq!(
        email_problem("a@exa_mple.cn"),
        EmailProblem::Character {
            position: 6,
            found: '_'
        }
    );
    assert_eq!(email_problem(".a@example.cn"), EmailProblem::DotPlacement);
    assert_eq!(email_problem("a.@example.cn"), EmailProblem::DotPlacement);
    assert_eq!(email_problem("a..b@example.cn"), EmailProblem::DotPlacement);
    assert_eq!(
        email_problem("a@localhost"),
        EmailProblem::SingleLabelDomain
    );
    assert_eq!(
        email_problem("a@example..cn"),
        EmailProblem::DomainLabel {
            label: String::new()
        }
    );
    assert_eq!(
        email_problem("a@-example.cn"),
        EmailProblem::DomainLabel {
            label: "-example".into()
        }
    );
    assert_eq!(
        email_problem("a@example.cn."),
        EmailProblem::DomainLabel {
            label: String::new()
        }
    );
    let long_label = format!("a@{}.cn", "x".repeat(64));
    assert!(matches!(
        email_problem(&long_label),
        EmailProblem::DomainLabel { .. }
    ));
    assert_eq!(email_problem("a@10.0.0.1"), EmailProblem::NumericTopLevel);
    assert_eq!(
        email_problem(&format!("{}@example.cn", "a".repeat(65))),
        EmailProblem::LocalPartTooLong { found: 65 }
    );
    let long = format!("{}@{}.cn", "a".repeat(60), "b".repeat(200));
    assert_eq!(email_problem(&long), EmailProblem::TooLong { found: 264 });
    assert_eq!(
        Email::parse("a@localhost").unwrap_err().to_string(),
        "email address needs a full domain after the `@`, such as example.cn"
    );
}

#[test]
fn email_serde_validates() {
    let email: Email = serde_json::from_str("\"A@EXAMPLE.CN\"").unwrap();
    assert_eq!(serde_json::to_string(&email).unwrap(), "\"A@example.cn\"");
    assert!(serde_json::from_str::<Email>("\"not an email\"").is_err());
}

proptest! {
    #[test]
    fn every_mobile_number_round_trips(second in 3u8..=9, rest in 0u64..1_000_000_000) {
        let digits = format!("1{second}{rest:09}");
        let phone = Phone::parse(&format!("+86 {}", digits)).unwrap();
        prop_assert_eq!(phone.as_str(), digits.as_str());
        prop_assert_eq!(Phone::parse(&phone.e164()).unwrap(), phone);
    }

    /// Arbitrary input never panics; whatever is accepted re-parses to itself.
    #[test]
    fn parsers_never_panic(input in "\\PC{0,40}") {
        if let Ok(phone) = Phone::parse(&input) {
            prop_assert_eq!(Phone::parse(phone.as_str()).unwrap(), phone);
        }
        if let Ok(email) = Email::parse(&input) {
            prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email);
        }
    }
}
