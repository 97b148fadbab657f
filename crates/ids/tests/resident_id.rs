//! Resident ID numbers (GB 11643-1999): examples, every error path, and
//! properties. Examples were checked with python-stdnum's `cn.ric.is_valid`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use govops_ids::{IdError, IdKind, ResidentId, Sex, is_region_in_use, region_spans};
use proptest::prelude::*;
use time::{Date, Month};

/// The worked example of the standard (a woman born 31 Dec 1949 in 北京市朝阳区).
const STANDARD_EXAMPLE: &str = "11010519491231002X";

fn err(input: &str) -> String {
    ResidentId::parse(input).unwrap_err().to_string()
}

#[test]
fn parses_the_standard_example() {
    let id = ResidentId::parse(STANDARD_EXAMPLE).unwrap();
    assert_eq!(id.as_str(), STANDARD_EXAMPLE);
    assert_eq!(id.region_code(), 110105);
    assert_eq!(id.province_code(), 11);
    assert_eq!(
        id.birth_date(),
        Date::from_calendar_date(1949, Month::December, 31).unwrap()
    );
    assert_eq!(id.sequence(), 2);
    assert_eq!(id.sex(), Sex::Female);
    assert_eq!(id.masked(), "110105********002X");
}

#[test]
fn parses_stdnum_doc_example_as_male() {
    let id = ResidentId::parse("360426199101010071").unwrap();
    assert_eq!(id.sequence(), 7);
    assert_eq!(id.sex(), Sex::Male);
}

#[test]
fn normalises_case_width_and_surrounding_space() {
    for input in [
        "11010519491231002x",
        "  11010519491231002X\t",
        "\u{3000}11010519491231002X",
        "１１０１０５１９４９１２３１００２X",
    ] {
        assert_eq!(
            ResidentId::parse(input).unwrap().as_str(),
            STANDARD_EXAMPLE,
            "{input:?}"
        );
    }
}

#[test]
fn debug_masks_display_shows_in_full() {
    let id = ResidentId::parse(STANDARD_EXAMPLE).unwrap();
    assert_eq!(format!("{id:?}"), "ResidentId(\"110105********002X\")");
    assert_eq!(id.to_string(), STANDARD_EXAMPLE);
}

#[test]
fn rejects_empty_and_wrong_length() {
    assert_eq!(
        ResidentId::parse("  ").unwrap_err(),
        IdError::Empty {
            kind: IdKind::ResidentId
        }
    );
    assert_eq!(
        err("11010519491231002"),
        "resident ID number must be 18 characters long, found 17; check for a missing or extra character"
    );
    // Old 15-digit numbers were replaced in 1999; a person must give the new one.
    assert!(matches!(
        ResidentId::parse("110105491231002"),
        Err(IdError::Length {
            expected: 18,
            found: 15,
            ..
        })
    ));
    // Inner separators are not removed (stdnum keeps them too).
    assert!(matches!(
        ResidentId::parse("110105 19491231002X"),
        Err(IdError::Length { found: 19, .. })
    ));
}

#[test]
fn rejects_bad_characters_naming_the_position() {
    assert_eq!(
        err("1101A519491231002X"),
        "resident ID number: character 5 is `A`, but characters 1–17 must be digits 0–9"
    );
    assert_eq!(
        err("110105194912310X2X"),
        "resident ID number: character 16 is `X`, but characters 1–17 must be digits 0–9"
    );
    // Full-width digits are folded, but a full-width X is not (nor in stdnum).
    assert!(matches!(
        ResidentId::parse("11010519491231002Ｘ"),
        Err(IdError::Character {
            position: 18,
            found: 'Ｘ',
            ..
        })
    ));
    assert_eq!(
        err("11010519491231002Y"),
        "resident ID number: character 18 is `Y`, but the check character (18th) must be a digit 0–9 or X"
    );
}

#[test]
fn rejects_dates_that_do_not_exist() {
    assert_eq!(
        err("110105202302300012"),
        "resident ID number: characters 7–14 `20230230` are not a real date (YYYYMMDD)"
    );
    for date in [
        "19000229", "20230229", "20231301", "20230001", "20230431", "20230100", "00000101",
    ] {
        let id = format!("110105{date}0010");
        assert!(
            matches!(ResidentId::parse(&id), Err(IdError::Date { .. })),
            "{date}"
        );
    }
}

#[test]
fn accepts_leap_days_and_the_full_year_range_like_stdnum() {
    // 2000 and 2024 are leap years.
    ResidentId::from_parts(110105, (2000, 2, 29), 1).unwrap();
    ResidentId::from_parts(110105, (2024, 2, 29), 1).unwrap();
    // stdnum accepts any year from 0001 for codes without a validity span;
    // plausibility ("born after 1900", "not in the future") is the caller's.
    let old = ResidentId::from_parts(110105, (1, 1, 1), 1).unwrap();
    assert_eq!(old.birth_date().year(), 1);
    ResidentId::from_parts(110105, (9999, 12, 31), 1).unwrap();
}

#[test]
fn rejects_unknown_and_retired_address_codes() {
    assert_eq!(
        err("990105194912310029"),
        "resident ID number: characters 1–6 `990105` are not a known address code (GB/T 2260)"
    );
    // 110103 崇文区 was merged into 东城区 in 2010.
    assert!(ResidentId::from_parts(110103, (2010, 6, 1), 1).is_ok());
    let retired = ResidentId::from_parts(110103, (2011, 6, 1), 1).unwrap_err();
    assert_eq!(
        retired.to_string(),
        "resident ID number: address code `110103` (characters 1–6) was not in use in the birth year 2011"
    );
    // Province 11 exists, county 9999 does not.
    assert!(matches!(
        ResidentId::from_parts(119999, (1990, 1, 1), 1),
        Err(IdError::UnknownRegion { .. })
    ));
}

#[test]
fn rejects_a_wrong_check_character() {
    assert_eq!(
        err("110105194912310023"),
        "resident ID number: check character (character 18) should be `X`, found `3`; one of the characters was probably mistyped"
    );
}

#[test]
fn from_parts_computes_the_check_character() {
    let id = ResidentId::from_parts(110105, (1949, 12, 31), 2).unwrap();
    assert_eq!(id.as_str(), STANDARD_EXAMPLE);
}

#[test]
fn from_parts_rejects_out_of_range_parts() {
    let e = ResidentId::from_parts(1_000_000, (1990, 1, 1), 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "resident ID number: address code 1000000 is out of range (allowed: 000000–999999)"
    );
    assert!(matches!(
        ResidentId::from_parts(110105, (0, 1, 1), 1),
        Err(IdError::OutOfRange {
            part: "birth year",
            value: 0,
            ..
        })
    ));
    assert!(matches!(
        ResidentId::from_parts(110105, (1990, 1, 1), 1000),
        Err(IdError::OutOfRange {
            part: "sequence number",
            ..
        })
    ));
    assert_eq!(
        ResidentId::from_parts(110105, (2023, 2, 30), 1)
            .unwrap_err()
            .to_string(),
        "resident ID number: characters 7–14 `20230230` are not a real date (YYYYMMDD)"
    );
    assert!(matches!(
        ResidentId::from_parts(110105, (2023, 13, 1), 1),
        Err(IdError::Date { .. })
    ));
}

#[test]
fn errors_report_their_kind() {
    assert_eq!(
        ResidentId::parse("x").unwrap_err().kind(),
        IdKind::ResidentId
    );
}

#[test]
fn serde_round_trips_and_validates() {
    let id = ResidentId::parse(STANDARD_EXAMPLE).unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{STANDARD_EXAMPLE}\""));
    assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id);
    let lower: ResidentId = serde_json::from_str("\"11010519491231002x\"").unwrap();
    assert_eq!(lower, id);
    let bad = serde_json::from_str::<ResidentId>("\"110105194912310023\"").unwrap_err();
    assert!(bad.to_string().contains("check character"), "{bad}");
    assert_eq!(serde_json::to_string(&Sex::Male).unwrap(), "\"male\"");
}

#[test]
fn string_conversions() {
    let id: ResidentId = STANDARD_EXAMPLE.parse().unwrap();
    assert_eq!(
        ResidentId::try_from(STANDARD_EXAMPLE.to_owned()).unwrap(),
        id
    );
    assert_eq!(ResidentId::try_from(STANDARD_EXAMPLE).unwrap(), id);
    let s: &str = id.as_ref();
    assert_eq!(s, STANDARD_EXAMPLE);
    assert_eq!(String::from(id), STANDARD_EXAMPLE);
}

/// (region, year, month, day, seq) where the region is in use in that year.
fn parts() -> impl Strategy<Value = (u32, i32, u8, u8, u16)> {
    let codes: Vec<u32> = region_spans().map(|s| s.code).collect();
    (
        proptest::sample::select(codes),
        1900..=2025i32,
        1..=12u8,
        1..=31u8,
        0..1000u16,
    )
        .prop_filter(
            "region in use and date real",
            |(code, year, month, day, _)| {
                is_region_in_use(*code, *year)
                    && Date::from_calendar_date(*year, Month::try_from(*month).unwrap(), *day)
                        .is_ok()
            },
        )
}

proptest! {
    #[test]
    fn from_parts_round_trips_through_parse((region, year, month, day, seq) in parts()) {
        let id = ResidentId::from_parts(region, (year, month, day), seq).unwrap();
        let again = ResidentId::parse(id.as_str()).unwrap();
        prop_assert_eq!(&again, &id);
        prop_assert_eq!(id.region_code(), region);
        prop_assert_eq!(id.birth_date().year(), year);
        prop_assert_eq!(u8::from(id.birth_date().month()), month);
        prop_assert_eq!(id.birth_date().day(), day);
        prop_assert_eq!(id.sequence(), seq);
        prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
    }

    /// MOD 11-2 catches every single-character substitution, so any one
    /// changed character must be rejected (for whatever reason comes first).
    #[test]
    fn any_single_character_change_is_rejected(
        (region, year, month, day, seq) in parts(),
        position in 0..18usize,
        replacement in proptest::sample::select(b"0123456789X".to_vec()),
    ) {
        let id = ResidentId::from_parts(region, (year, month, day), seq).unwrap();
        let mut bytes = id.as_str().as_bytes().to_vec();
        prop_assume!(bytes[position] != replacement);
        bytes[position] = replacement;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted", changed);
    }
}
