//! A generated 100-row dataset with defects planted at known rows; every rule
//! must report exactly the planted number of failures, at the planted rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use govops_data::ingest::{CsvOptions, CsvReader};
use govops_data::quality::{QualityRun, ReferenceSet, RuleSet};
use govops_ids::{CreditCode, ResidentId};

const N: usize = 100;

fn flip_check(code: &str) -> String {
    let mut chars: Vec<char> = code.chars().collect();
    if let Some(last) = chars.last_mut() {
        *last = if *last == '0' { '1' } else { '0' };
    }
    chars.into_iter().collect()
}

fn row(i: usize) -> Vec<String> {
    if i == N - 1 {
        return row(0);
    }
    let (y, m, d) = (
        1980 + (i % 30) as i32,
        1 + (i % 12) as u8,
        1 + (i % 28) as u8,
    );
    let id = ResidentId::from_parts(110101, (y, m, d), 100 + i as u16)
        .map(|r| r.to_string())
        .unwrap_or_default();
    let id = if i % 20 == 7 { flip_check(&id) } else { id };
    let credit = CreditCode::from_parts(&format!("91110108MA01{i:05}"))
        .map(|c| c.to_string())
        .unwrap_or_default();
    let credit = if i % 25 == 3 {
        flip_check(&credit)
    } else {
        credit
    };
    let name = if i % 48 == 10 {
        "王".to_owned()
    } else {
        format!("张{}", ["伟", "芳", "娜", "敏"][i % 4])
    };
    let phone = if i % 10 == 5 {
        String::new()
    } else if i % 33 == 1 {
        "1234".to_owned()
    } else {
        format!("138{:08}", i)
    };
    let age = if i % 50 == 9 { 150 } else { 20 + i % 60 };
    let status = if i % 40 == 11 {
        "unknown"
    } else if i.is_multiple_of(2) {
        "active"
    } else {
        "closed"
    };
    let birth = if i % 30 == 2 {
        "2023/13/45".to_owned()
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    };
    let register = if i % 45 == 4 {
        "1970-01-01".to_owned()
    } else {
        format!("2024-{:02}-{:02}", 1 + i % 6, 1 + i % 28)
    };
    let district = if i % 35 == 6 {
        "999999"
    } else if i.is_multiple_of(2) {
        "110101"
    } else {
        "110102"
    };
    vec![
        id,
        credit,
        name,
        phone,
        age.to_string(),
        status.to_owned(),
        birth,
        register,
        district.to_owned(),
    ]
}

fn csv() -> String {
    let mut out = String::from(
        "resident_id,credit_code,name,phone,age,status,birth_date,register_date,district\n",
    );
    for i in 0..N {
        out.push_str(&row(i).join(","));
        out.push('\n');
    }
    out
}

const RULES: &str = r#"
[[rule]]
id = "rows"
check = "row_count"
min = 1

[[rule]]
id = "id_checksum"
check = "format"
column = "resident_id"
format = "resident_id"

[[rule]]
id = "id_unique"
check = "duplicate"
column = "resident_id"

[[rule]]
id = "credit_checksum"
check = "format"
column = "credit_code"
format = "credit_code"

[[rule]]
id = "phone_missing"
check = "missing"
column = "phone"

[[rule]]
id = "phone_valid"
check = "format"
column = "phone"
format = "mobile_phone"

[[rule]]
id = "age_range"
check = "range"
column = "age"
min = 0
max = 120

[[rule]]
id = "status_values"
check = "values"
column = "status"
values = ["active", "closed"]

[[rule]]
id = "birth_iso"
check = "format"
column = "birth_date"
format = "iso_date"

[[rule]]
id = "registered_after_birth"
check = "compare"
column = "register_date"
op = ">="
other = "birth_date"

[[rule]]
id = "district_known"
check = "reference"
column = "district"
reference = "districts"

[[rule]]
id = "district_shape"
check = "regex"
column = "district"
pattern = '\d{6}'

[[rule]]
id = "credit_length"
check = "length"
column = "credit_code"
min = 18
max = 18

[[rule]]
id = "name_length"
check = "cel"
expr = "size(name) >= 2"

[[rule]]
id = "name_accurate"
check = "accuracy"
key = "resident_id"
column = "name"
reference = "population"

[[rule]]
id = "fresh"
check = "freshness"
column = "register_date"
max_age = "7d"

[[rule]]
id = "shape"
check = "schema"
columns = ["resident_id", "phone"]
types = { age = "Int64", register_date = "Date32" }
"#;

#[test]
fn every_rule_reports_exactly_the_planted_defects() {
    let reader = CsvReader::new(std::io::Cursor::new(csv()), CsvOptions::default());
    let Ok(mut reader) = reader else {
        panic!("the generated CSV must read")
    };
    let schema = reader.schema();
    let batches: Vec<_> = reader
        .by_ref()
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    assert!(reader.bad_rows().is_empty(), "{:?}", reader.bad_rows());
    let rules = RuleSet::parse(RULES).unwrap_or_else(|e| panic!("{e:?}"));

    let mut refs = HashMap::new();
    refs.insert(
        "districts".to_owned(),
        ReferenceSet::from_pairs([("110101", None::<&str>), ("110102", None)]),
    );
    let mut population: Vec<(String, Option<String>)> = (0..=5)
        .map(|i| (row(i)[0].clone(), Some(row(i)[2].clone())))
        .collect();
    population[3].1 = Some("李四".to_owned());
    refs.insert(
        "population".to_owned(),
        ReferenceSet::from_pairs(population),
    );

    let now = time::macros::datetime!(2024-07-01 00:00 UTC);
    let mut run = QualityRun::new(&rules, &schema, &refs, now).unwrap_or_else(|e| panic!("{e:?}"));
    for b in &batches {
        run.push_batch(b);
    }
    let report = run.finish();
    let failed = |id: &str| report.rule(id).map(|r| r.failed);
    let rows = |id: &str| {
        report
            .rule(id)
            .map(|r| r.samples.iter().map(|s| s.row).collect::<Vec<_>>())
            .unwrap_or_default()
    };

    assert_eq!(report.rows, 100);
    assert_eq!(failed("rows"), Some(0));
    assert_eq!(failed("id_checksum"), Some(5));
    assert_eq!(rows("id_checksum"), [8, 28, 48, 68, 88]);
    assert_eq!(failed("id_unique"), Some(1));
    assert_eq!(rows("id_unique"), [100]);
    assert_eq!(failed("credit_checksum"), Some(4));
    assert_eq!(failed("phone_missing"), Some(10));
    assert_eq!(failed("phone_valid"), Some(3));
    assert_eq!(rows("phone_valid"), [2, 35, 68]);
    assert_eq!(failed("age_range"), Some(2));
    assert_eq!(failed("status_values"), Some(3));
    assert_eq!(failed("birth_iso"), Some(4));
    assert_eq!(failed("registered_after_birth"), Some(3));
    assert_eq!(rows("registered_after_birth"), [5, 50, 95]);
    assert_eq!(failed("district_known"), Some(3));
    assert_eq!(failed("district_shape"), Some(0));
    assert_eq!(failed("credit_length"), Some(0));
    assert_eq!(failed("name_length"), Some(2));
    assert_eq!(
        report
            .rule("name_accurate")
            .map(|r| (r.evaluated, r.failed)),
        Some((7, 1))
    );
    assert_eq!(failed("fresh"), Some(0));
    assert_eq!(failed("shape"), Some(0));

    let validity = report
        .dimensions
        .iter()
        .find(|d| d.dimension == govops_data::quality::Dimension::Validity);
    assert!(validity.is_some_and(|d| d.score < 100.0 && d.score > 90.0));
}

#[test]
fn stale_data_fails_freshness() {
    let Ok(mut reader) = CsvReader::new(std::io::Cursor::new(csv()), CsvOptions::default()) else {
        panic!("csv")
    };
    let schema = reader.schema();
    let batches: Vec<_> = reader
        .by_ref()
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    let rules = RuleSet::parse("[[rule]]\nid = \"f\"\ncheck = \"freshness\"\ncolumn = \"register_date\"\nfrequency = \"daily\"\n")
        .unwrap_or_else(|e| panic!("{e:?}"));
    let refs = HashMap::new();
    let now = time::macros::datetime!(2025-01-01 00:00 UTC);
    let mut run = QualityRun::new(&rules, &schema, &refs, now).unwrap_or_else(|e| panic!("{e:?}"));
    for b in &batches {
        run.push_batch(b);
    }
    let report = run.finish();
    assert_eq!(report.rule("f").map(|r| r.failed), Some(1));
    assert!(
        report
            .rule("f")
            .and_then(|r| r.note.clone())
            .is_some_and(|n| n.contains("2024-06-28"))
    );
}

#[test]
fn unknown_columns_and_references_are_refused_with_the_rule_line() {
    let Ok(reader) = CsvReader::new(std::io::Cursor::new(csv()), CsvOptions::default()) else {
        panic!("csv")
    };
    let rules = RuleSet::parse("\n[[rule]]\nid = \"x\"\ncheck = \"missing\"\ncolumn = \"nope\"\n")
        .unwrap_or_else(|e| panic!("{e:?}"));
    let refs = HashMap::new();
    let now = time::macros::datetime!(2025-01-01 00:00 UTC);
    let errors = QualityRun::new(&rules, &reader.schema(), &refs, now)
        .err()
        .unwrap_or_default();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2);
    assert!(errors[0].message.contains("nope"));
}
