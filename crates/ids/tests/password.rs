//! The NIST SP 800-63B password policy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_ids::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordError, check_password, is_common_password,
};

#[test]
fn accepts_passphrases_without_composition_rules() {
    for pw in [
        "correct horse battery staple",
        "tiger lantern river",
        "zq8 vmt2 plk",
        "我家门前有两棵枣树",
        "        plus text",
    ] {
        assert_eq!(check_password(pw, &["zhangsan"]), Ok(()), "{pw}");
    }
}

#[test]
fn length_counts_characters_not_bytes() {
    assert_eq!(MIN_PASSWORD_CHARS, 8);
    assert_eq!(
        check_password("我家门前有枣树", &[]),
        Err(PasswordError::TooShort { min: 8, found: 7 })
    );
    assert_eq!(check_password("我家门前有棵枣树", &[]), Ok(()));
    assert_eq!(
        check_password("xk4-tv9", &[]),
        Err(PasswordError::TooShort { min: 8, found: 7 })
    );
    assert_eq!(
        check_password("", &[]),
        Err(PasswordError::TooShort { min: 8, found: 0 })
    );
}

#[test]
fn allows_at_least_64_and_caps_at_128() {
    let word = "river tiger lantern ";
    let long: String = word.repeat(10).chars().take(64).collect();
    assert_eq!(check_password(&long, &[]), Ok(()));
    let max: String = word.repeat(10).chars().take(MAX_PASSWORD_CHARS).collect();
    assert_eq!(check_password(&max, &[]), Ok(()));
    let over: String = word
        .repeat(10)
        .chars()
        .take(MAX_PASSWORD_CHARS + 1)
        .collect();
    assert_eq!(
        check_password(&over, &[]),
        Err(PasswordError::TooLong {
            max: 128,
            found: 129
        })
    );
}

#[test]
fn rejects_common_passwords_in_any_case() {
    for pw in [
        "password",
        "PASSWORD",
        "Password123",
        "12345678",
        "iloveyou",
        "woaini1314",
        "5201314520",
        "1qaz2wsx",
        "qwertyuiop",
        "19880808",
        "a12345678",
        "P@ssw0rd",
        "zhangwei1988",
        "abc123456",
        "88888888",
        "qq123456",
    ] {
        let result = check_password(pw, &[]);
        assert!(
            matches!(
                result,
                Err(PasswordError::Common | PasswordError::Sequential | PasswordError::Repetitive)
            ),
            "{pw}: {result:?}"
        );
        assert!(
            is_common_password(pw) || result != Err(PasswordError::Common),
            "{pw}"
        );
    }
    assert!(is_common_password("WoAiNi1314"));
    assert!(!is_common_password("tiger lantern river"));
}

#[test]
fn rejects_the_account_name_and_other_context() {
    let context = ["ZhangWei", "", "li", "zhang.wei@example.cn"];
    assert_eq!(
        check_password("zhangwei", &context),
        Err(PasswordError::ContainsContext)
    );
    assert_eq!(
        check_password("my zhangwei secret", &context),
        Err(PasswordError::ContainsContext)
    );
    assert_eq!(
        check_password("Zhang.Wei@Example.cn", &context),
        Err(PasswordError::ContainsContext)
    );
    // A two-character context word only blocks the exact password.
    assert_eq!(check_password("olive tree garden", &context), Ok(()));
    assert_eq!(
        check_password("lilililili", &["lilililili"]),
        Err(PasswordError::ContainsContext)
    );
}

#[test]
fn rejects_repeated_and_sequential_runs() {
    assert_eq!(
        check_password("ZZZZZZZZZZZZ", &[]),
        Err(PasswordError::Repetitive)
    );
    assert_eq!(
        check_password("！！！！！！！！", &[]),
        Err(PasswordError::Repetitive)
    );
    assert_eq!(
        check_password("hijklmnop", &[]),
        Err(PasswordError::Sequential)
    );
    assert_eq!(
        check_password("98765432", &[]),
        Err(PasswordError::Sequential)
    );
    assert_eq!(
        check_password("ABCDEFGHI", &[]),
        Err(PasswordError::Sequential)
    );
}

#[test]
fn messages_say_what_to_do_and_never_echo_the_password() {
    let pw = "password123";
    let message = check_password(pw, &[]).unwrap_err().to_string();
    assert!(!message.contains(pw));
    assert!(message.contains("choose another"), "{message}");
    let short = check_password("abc", &[]).unwrap_err().to_string();
    assert!(short.contains("at least 8"), "{short}");
}
