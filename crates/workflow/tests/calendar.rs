//! The working-day calendar against the official 2025 and 2026 notices, day by day.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use govops_workflow::calendar::{Calendar, statutory_holidays};
use time::macros::date;
use time::{Date, Weekday};

const HOLIDAYS: &str = include_str!("../../../vectors/calendar/cn-holidays.json");

/// An independent reading of the JSON: days off, adjusted working days, weekends.
fn reference() -> impl Fn(Date) -> Option<bool> {
    let json: serde_json::Value = serde_json::from_str(HOLIDAYS).unwrap();
    let mut off = BTreeSet::new();
    let mut work = BTreeSet::new();
    for year in ["2025", "2026"] {
        for h in json[year]["holidays"].as_array().unwrap() {
            let first = h[0].as_str().unwrap();
            let last = h[1].as_str().unwrap();
            let (mut d, last) = (parse(first), parse(last));
            while d <= last {
                off.insert(d);
                d = d.next_day().unwrap();
            }
        }
        for w in json[year]["workdays"].as_array().unwrap() {
            work.insert(parse(w.as_str().unwrap()));
        }
    }
    move |d: Date| {
        if !(2025..=2026).contains(&d.year()) {
            return None;
        }
        Some(
            work.contains(&d)
                || (!off.contains(&d)
                    && !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)),
        )
    }
}

fn parse(s: &str) -> Date {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
}

fn calendar() -> Calendar {
    Calendar::from_json(HOLIDAYS, "cn-holidays.json").unwrap()
}

fn days(from: Date, to: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(from), |d| d.next_day()).take_while(move |d| *d <= to)
}

#[test]
fn every_day_of_2025_and_2026_matches_the_notices() {
    let cal = calendar();
    let reference = reference();
    for d in days(date!(2025 - 01 - 01), date!(2026 - 12 - 31)) {
        assert_eq!(cal.is_working_day(d), reference(d).unwrap(), "{d}");
    }
    assert_eq!(
        cal.holiday_name(date!(2025 - 10 - 06)).as_deref(),
        Some("国庆节、中秋节")
    );
}

#[test]
fn add_working_days_matches_a_naive_walk_for_every_day() {
    let cal = calendar();
    let reference = reference();
    let is_working = |d: Date| reference(d).unwrap_or_else(|| cal.is_working_day(d));
    for start in days(date!(2025 - 01 - 01), date!(2026 - 12 - 31)) {
        let mut walk = start;
        for n in 1..=20u32 {
            walk = walk.next_day().unwrap();
            while !is_working(walk) {
                walk = walk.next_day().unwrap();
            }
            let got = cal.add_working_days(start, n).unwrap();
            assert_eq!(got.date, walk, "{start} + {n}");
            assert_eq!(got.provisional, walk.year() == 2027, "{start} + {n}");
            assert_eq!(
                cal.working_days_between(start, got.date),
                n,
                "{start} .. {walk}"
            );
        }
    }
}

#[test]
fn a_holiday_start_counts_from_the_next_working_day() {
    let cal = calendar();
    // 2025-10-01 is 国庆; the holiday runs to 10-08 and 10-09 is the first working day.
    let d = cal.add_working_days(date!(2025 - 10 - 01), 1).unwrap();
    assert_eq!(d.date, date!(2025 - 10 - 09));
    // 2025-09-28 (Sunday) is an adjusted working day, but the start day is never counted.
    let d = cal.add_working_days(date!(2025 - 09 - 27), 1).unwrap();
    assert_eq!(d.date, date!(2025 - 09 - 28));
    assert_eq!(
        cal.add_working_days(date!(2025 - 09 - 27), 0).unwrap().date,
        date!(2025 - 09 - 27)
    );
    assert_eq!(
        cal.working_days_between(date!(2025 - 10 - 02), date!(2025 - 10 - 01)),
        0
    );
}

#[test]
fn year_2027_is_provisional_with_the_right_spring_festival() {
    let cal = calendar();
    assert!(cal.is_provisional_year(2027));
    assert!(!cal.is_provisional_year(2026));
    let spring: Vec<Date> = statutory_holidays(2027)
        .unwrap()
        .into_iter()
        .filter(|d| d.name == "春节")
        .map(|d| d.date)
        .collect();
    // 除夕 2027-02-05, 初一 2027-02-06, then 初二 and 初三.
    assert_eq!(
        spring,
        vec![
            date!(2027 - 02 - 05),
            date!(2027 - 02 - 06),
            date!(2027 - 02 - 07),
            date!(2027 - 02 - 08)
        ]
    );
    assert!(!cal.is_working_day(date!(2027 - 02 - 05)), "除夕, a Friday");
    assert!(!cal.is_working_day(date!(2027 - 02 - 08)), "初三, a Monday");
    assert!(cal.is_working_day(date!(2027 - 02 - 09)));
    assert_eq!(
        cal.holiday_name(date!(2027 - 02 - 06)).as_deref(),
        Some("春节")
    );
    let d = cal.add_working_days(date!(2027 - 02 - 04), 1).unwrap();
    assert_eq!(d.date, date!(2027 - 02 - 09));
    assert!(d.provisional);
    // A deadline that starts in 2026 and ends in 2027 is provisional too.
    assert!(
        cal.add_working_days(date!(2026 - 12 - 30), 5)
            .unwrap()
            .provisional
    );
    assert!(
        !cal.add_working_days(date!(2026 - 12 - 01), 5)
            .unwrap()
            .provisional
    );
    // Labour day (2 days) and national day (3 days) follow the 2024 rules.
    for d in [date!(2027 - 05 - 03), date!(2027 - 10 - 04)] {
        assert!(cal.is_working_day(d), "{d}");
    }
    assert!(!cal.is_working_day(date!(2027 - 10 - 01)));
}

#[test]
fn refuses_broken_files() {
    let err = Calendar::from_json(
        r#"{"2025": {"holidays": [["2025-01-02", "2025-01-01", "x"]]}}"#,
        "h.json",
    )
    .unwrap_err();
    assert!(err.to_string().contains("ends"), "{err}");
    let err =
        Calendar::from_json(r#"{"2025": {"workdays": ["2025-01-02"]}}"#, "h.json").unwrap_err();
    assert!(err.to_string().contains("weekend"), "{err}");
    assert!(Calendar::from_json("[", "h.json").is_err());
}
