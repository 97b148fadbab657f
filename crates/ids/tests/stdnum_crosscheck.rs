//! Cross-check against python-stdnum, the reference implementation our
//! parsers promise to match rule for rule.
//!
//! Generates a deterministic, seeded mix of 100,000+ resident ID numbers and
//! 100,000+ credit codes — about half valid by construction, the rest broken
//! the ways people and programs break them — asks `tests/stdnum_check.py` what
//! stdnum's `is_valid` says about each, and requires zero disagreements.
//!
//! Without python-stdnum the test says SKIPPED and passes, so a developer's
//! plain `cargo test` stays green; with `GOVOPS_REQUIRE_STDNUM=1` (CI sets it,
//! after `pip install python-stdnum`) a missing stdnum fails it. Set
//! `GOVOPS_SKIP_STDNUM=1` to skip it deliberately. `GOVOPS_PYTHON` chooses the interpreter (default `python3`).
//! All birth years are at most 2025, so the answer cannot depend on the day
//! the test runs even if a later stdnum starts comparing dates with today.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use govops_ids::{CreditCode, RegionSpan, ResidentId, region_spans};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const COUNT: usize = 100_000;
const SEED: u64 = 0x6f76_6f70_735f_6964;
const LAST_YEAR: i32 = 2025;

#[test]
fn resident_ids_agree_with_stdnum() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let spans = Spans::new();
    let values: Vec<String> = (0..COUNT)
        .map(|_| resident_id_case(&mut rng, &spans))
        .collect();
    compare("ric", &values, |v| {
        ResidentId::parse(v).map(|_| ()).map_err(|e| e.to_string())
    });
}

#[test]
fn credit_codes_agree_with_stdnum() {
    let mut rng = StdRng::seed_from_u64(SEED ^ 1);
    let values: Vec<String> = (0..COUNT).map(|_| credit_code_case(&mut rng)).collect();
    compare("uscc", &values, |v| {
        CreditCode::parse(v).map(|_| ()).map_err(|e| e.to_string())
    });
}

// ---------------------------------------------------------------- comparison

fn compare(kind: &str, values: &[String], ours: impl Fn(&str) -> Result<(), String>) {
    if std::env::var("GOVOPS_SKIP_STDNUM").as_deref() == Ok("1") {
        eprintln!("GOVOPS_SKIP_STDNUM=1: skipping the {kind} cross-check with python-stdnum");
        return;
    }
    // A developer without python-stdnum still gets a green `cargo test`, told loudly
    // what did not run; CI sets GOVOPS_REQUIRE_STDNUM=1 so there it must run.
    let required = std::env::var("GOVOPS_REQUIRE_STDNUM").as_deref() == Ok("1");
    let python = std::env::var("GOVOPS_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let importable = Command::new(&python)
        .args(["-c", "import stdnum.cn.ric, stdnum.cn.uscc"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable && !required {
        eprintln!(
            "SKIPPED: the {kind} cross-check needs python-stdnum (`pip install python-stdnum`); \
             CI runs it with GOVOPS_REQUIRE_STDNUM=1"
        );
        return;
    }
    assert!(
        values.iter().all(|v| !v.contains('\n')),
        "generator produced a newline"
    );
    let path = temp_path(kind);
    std::fs::write(&path, values.join("\n") + "\n").unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/stdnum_check.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(kind)
        .arg(&path)
        .output();
    std::fs::remove_file(&path).ok();
    let output = output.unwrap_or_else(|e| {
        panic!(
            "cannot run `{python}` ({e}); install Python 3 and `pip install python-stdnum`, \
             or set GOVOPS_SKIP_STDNUM=1 to skip this cross-check"
        )
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}): {stderr}\ninstall it with `pip install python-stdnum`, \
         or set GOVOPS_SKIP_STDNUM=1 to skip this cross-check",
        script.display(),
        output.status
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    let version = lines.next().unwrap_or_default().to_owned();
    let answers: Vec<&str> = lines.collect();
    assert_eq!(
        answers.len(),
        values.len(),
        "stdnum answered {} of {} values",
        answers.len(),
        values.len()
    );

    let (mut valid, mut raised, mut disagreements) = (0, 0, Vec::new());
    for (value, answer) in values.iter().zip(&answers) {
        let theirs = *answer == "1";
        valid += usize::from(theirs);
        raised += usize::from(*answer == "E");
        let mine = ours(value);
        if mine.is_ok() != theirs {
            disagreements.push(format!("{value:?}: stdnum says {answer}, we say {mine:?}"));
        }
    }
    eprintln!(
        "{kind}: {} values checked against {version}: {valid} valid, {} invalid ({raised} raised an \
         exception in stdnum), {} disagreements",
        values.len(),
        values.len() - valid,
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements with stdnum, first ones:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Guard the generator itself: a mix that is nearly all valid or all
    // invalid would make agreement meaningless.
    assert!(
        valid > values.len() / 3 && valid < values.len() * 3 / 4,
        "unbalanced mix: {valid} valid"
    );
}

fn temp_path(kind: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "govops-ids-stdnum-{}-{kind}.txt",
        std::process::id()
    ))
}

// ---------------------------------------------------------- resident IDs

/// The address-code table, with the subsets the generator draws from.
struct Spans {
    all: Vec<RegionSpan>,
    /// Spans with a first or last year: their edges are worth testing.
    bounded: Vec<RegionSpan>,
    /// Codes accepted for every year: for date tests that must not fail on the code.
    open: Vec<RegionSpan>,
}

impl Spans {
    fn new() -> Self {
        let all: Vec<RegionSpan> = region_spans().collect();
        let (open, bounded) = all
            .iter()
            .partition(|s| s.first_year.is_none() && s.last_year.is_none());
        Self { all, bounded, open }
    }
}

/// ISO 7064 MOD 11-2, written independently of the crate's own code.
fn ric_check(body: &str) -> char {
    let mut sum = 0;
    for (i, d) in body.bytes().enumerate() {
        // Weight of position i (from the left) is 2^(17 - i) mod 11.
        let weight = (0..17 - i).fold(1, |w, _| w * 2 % 11);
        sum += u32::from(d - b'0') * weight;
    }
    char::from(b"10X98765432"[(sum % 11) as usize])
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn ric(region: u32, year: i32, month: u32, day: u32, seq: u32) -> String {
    let body = format!("{region:06}{year:04}{month:02}{day:02}{seq:03}");
    let check = ric_check(&body);
    format!("{body}{check}")
}

fn random_date(rng: &mut StdRng, year: i32) -> (u32, u32) {
    let month = rng.gen_range(1..=12);
    (month, rng.gen_range(1..=days_in_month(year, month)))
}

fn year_in(rng: &mut StdRng, span: &RegionSpan) -> i32 {
    let first = span.first_year.unwrap_or(1900).max(1900);
    let last = span.last_year.unwrap_or(LAST_YEAR).min(LAST_YEAR);
    if first <= last {
        rng.gen_range(first..=last)
    } else {
        first.min(LAST_YEAR)
    }
}

fn valid_ric(rng: &mut StdRng, spans: &Spans) -> String {
    let span = spans.all.choose(rng).unwrap();
    let year = year_in(rng, span);
    let (month, day) = random_date(rng, year);
    ric(span.code, year, month, day, rng.gen_range(0..1000))
}

fn resident_id_case(rng: &mut StdRng, spans: &Spans) -> String {
    let roll = rng.gen_range(0..100);
    match roll {
        0..=44 => valid_ric(rng, spans),
        45..=54 => {
            // Birth years at and just beyond the ends of a code's span.
            let span = spans.bounded.choose(rng).unwrap();
            let edge = if rng.gen_bool(0.5) {
                span.first_year
            } else {
                span.last_year
            };
            let year = (edge.unwrap_or(1990) + rng.gen_range(-1..=1)).min(LAST_YEAR);
            let (month, day) = random_date(rng, year);
            ric(span.code, year, month, day, rng.gen_range(0..1000))
        }
        55..=61 => {
            // Address codes that may not exist: random county under a real or
            // unreal province, or a real code with one digit changed.
            let code = if rng.gen_bool(0.5) {
                rng.gen_range(100_000..=999_999)
            } else {
                let real = spans.all.choose(rng).unwrap().code;
                let digit = 10u32.pow(rng.gen_range(0..4));
                real - (real / digit % 10) * digit + rng.gen_range(0..10) * digit
            };
            let year = rng.gen_range(1950..=LAST_YEAR);
            let (month, day) = random_date(rng, year);
            ric(code, year, month, day, rng.gen_range(0..1000))
        }
        62..=71 => bad_date_ric(rng, spans),
        72..=78 => {
            let mut id: Vec<char> = valid_ric(rng, spans).chars().collect();
            let old = id[17];
            while id[17] == old {
                id[17] = *b"0123456789X"
                    .choose(rng)
                    .map(|b| char::from(*b))
                    .as_ref()
                    .unwrap();
            }
            id.into_iter().collect()
        }
        79..=83 => {
            let mut id: Vec<u8> = valid_ric(rng, spans).into_bytes();
            if rng.gen_bool(0.6) {
                let at = rng.gen_range(0..17);
                id[at] = b'0' + (id[at] - b'0' + rng.gen_range(1..10)) % 10;
            } else {
                let at = rng.gen_range(0..17);
                id.swap(at, at + 1);
            }
            String::from_utf8(id).unwrap()
        }
        84..=91 => noisy_ric(rng, spans),
        92..=95 => {
            let mut id: Vec<char> = valid_ric(rng, spans).chars().collect();
            let at = rng.gen_range(0..18);
            id[at] = *[
                'A', 'X', 'x', '*', '-', '.', ' ', '中', 'ｘ', 'O', '\u{FB00}',
            ]
            .choose(rng)
            .unwrap();
            id.into_iter().collect()
        }
        _ => {
            let valid = valid_ric(rng, spans);
            wrong_length(rng, valid, "0123456789X")
        }
    }
}

fn bad_date_ric(rng: &mut StdRng, spans: &Spans) -> String {
    let code = spans.open.choose(rng).unwrap().code;
    let seq = rng.gen_range(0..1000);
    let (year, month, day) = match rng.gen_range(0..7) {
        0 => (
            *[1900, 1999, 2000, 2001, 2004, 2023, 2024, 1996]
                .choose(rng)
                .unwrap(),
            2,
            29,
        ),
        1 => (rng.gen_range(1900..=LAST_YEAR), 2, 29),
        2 => (
            rng.gen_range(1900..=LAST_YEAR),
            *[0, 13, 19, 20, 99].choose(rng).unwrap(),
            1,
        ),
        3 => (
            rng.gen_range(1900..=LAST_YEAR),
            *[4, 6, 9, 11].choose(rng).unwrap(),
            31,
        ),
        4 => (
            rng.gen_range(1900..=LAST_YEAR),
            rng.gen_range(1..=12),
            *[0, 32, 99].choose(rng).unwrap(),
        ),
        5 => (0, rng.gen_range(1..=12), rng.gen_range(1..=28)),
        _ => (
            rng.gen_range(1..1900),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        ),
    };
    ric(code, year, month, day, seq)
}

/// Valid numbers dressed the way forms receive them; stdnum strips outer
/// whitespace, folds full-width digits and upper-cases, but keeps inner
/// separators.
fn noisy_ric(rng: &mut StdRng, spans: &Spans) -> String {
    let mut id = valid_ric(rng, spans);
    while rng.gen_bool(0.3) && !id.ends_with('X') {
        id = valid_ric(rng, spans);
    }
    match rng.gen_range(0..6) {
        0 => id.to_lowercase(),
        1 => {
            let pads = [" ", "\t", "\u{3000}", "\u{A0}", "\u{1C}", "  ", "\u{2009}"];
            format!(
                "{}{id}{}",
                pads.choose(rng).unwrap(),
                pads.choose(rng).unwrap()
            )
        }
        2 => full_width(rng, &id),
        3 => {
            let at = rng.gen_range(1..18);
            let sep = *[" ", "-", "\u{2013}", "\u{3000}"].choose(rng).unwrap();
            format!("{}{sep}{}", &id[..at], &id[at..])
        }
        4 => id.chars().map(|c| math_digit(rng, c)).collect(),
        _ => format!("{id}\u{3000}"),
    }
}

// ------------------------------------------------------------ credit codes

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_check(prefix: &str) -> char {
    let weights = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: usize = prefix
        .bytes()
        .zip(weights)
        .map(|(b, w)| ALPHABET.iter().position(|&a| a == b).unwrap() * w)
        .sum();
    char::from(ALPHABET[(31 - sum % 31) % 31])
}

fn uscc_prefix(rng: &mut StdRng) -> String {
    let mut s = String::new();
    s.push(if rng.gen_bool(0.7) {
        '9'
    } else {
        char::from(b'1' + rng.gen_range(0..9))
    });
    s.push(char::from(*b"1234519".choose(rng).unwrap()));
    for _ in 0..6 {
        s.push(char::from(b'0' + rng.gen_range(0..10)));
    }
    for _ in 0..9 {
        let pool: &[u8] = if rng.gen_bool(0.6) {
            b"0123456789"
        } else {
            ALPHABET
        };
        s.push(char::from(*pool.choose(rng).unwrap()));
    }
    s
}

fn valid_uscc(rng: &mut StdRng) -> String {
    let prefix = uscc_prefix(rng);
    let check = uscc_check(&prefix);
    format!("{prefix}{check}")
}

fn credit_code_case(rng: &mut StdRng) -> String {
    match rng.gen_range(0..100) {
        0..=44 => valid_uscc(rng),
        45..=54 => {
            let mut code: Vec<u8> = valid_uscc(rng).into_bytes();
            let old = code[17];
            while code[17] == old {
                code[17] = *ALPHABET.choose(rng).unwrap();
            }
            String::from_utf8(code).unwrap()
        }
        55..=64 => {
            let mut code: Vec<u8> = valid_uscc(rng).into_bytes();
            let at = rng.gen_range(0..17);
            if rng.gen_bool(0.7) {
                code[at] = *ALPHABET.choose(rng).unwrap();
            } else {
                code.swap(at, at + 1);
            }
            String::from_utf8(code).unwrap()
        }
        65..=70 => {
            // Letters where stdnum wants digits (GB 32100 itself allows
            // authorities such as N and Y), with a correct check character.
            let mut prefix: Vec<u8> = uscc_prefix(rng).into_bytes();
            prefix[rng.gen_range(0..8)] = *b"ANYGH".choose(rng).unwrap();
            let prefix = String::from_utf8(prefix).unwrap();
            let check = uscc_check(&prefix);
            format!("{prefix}{check}")
        }
        71..=75 => {
            let mut code: Vec<char> = valid_uscc(rng).chars().collect();
            let at = rng.gen_range(8..18);
            code[at] = *[
                'I', 'O', 'S', 'V', 'Z', 'i', 'o', '*', '.', '\u{131}', '\u{17F}', '\t', '中',
            ]
            .choose(rng)
            .unwrap();
            code.into_iter().collect()
        }
        76..=80 => {
            let code = valid_uscc(rng);
            if rng.gen_bool(0.5) {
                code.to_lowercase()
            } else {
                code.chars()
                    .map(|c| {
                        if rng.gen_bool(0.3) {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        }
                    })
                    .collect()
            }
        }
        81..=87 => {
            // Separators: stdnum removes spaces and dashes (also Unicode ones) anywhere.
            let code = valid_uscc(rng);
            let seps = [
                " ", "-", "\u{2013}", "\u{2014}", "\u{3000}", "\u{A0}", "\u{FF0D}", "\t", "_", "/",
            ];
            let mut out = String::new();
            for c in code.chars() {
                if rng.gen_bool(0.15) {
                    out.push_str(seps.choose(rng).unwrap());
                }
                out.push(c);
            }
            if rng.gen_bool(0.2) {
                out = format!("\u{3000}{out}\t");
            }
            out
        }
        88..=91 => {
            let code = valid_uscc(rng);
            if rng.gen_bool(0.5) {
                full_width(rng, &code)
            } else {
                code.chars().map(|c| math_digit(rng, c)).collect()
            }
        }
        92..=93 => {
            // Ligatures that Unicode upper-casing splits into two valid letters.
            let mut prefix: Vec<char> = uscc_prefix(rng).chars().collect();
            prefix[9] = 'F';
            prefix[10] = 'F';
            let prefix: String = prefix.into_iter().collect();
            let check = uscc_check(&prefix);
            format!("{prefix}{check}").replacen("FF", "\u{FB00}", 1)
        }
        94..=95 => (0..18)
            .map(|_| char::from(*ALPHABET.choose(rng).unwrap()))
            .collect(),
        _ => {
            let valid = valid_uscc(rng);
            wrong_length(rng, valid, "0123456789ABCDEFGHJKLMNPQRTUWXY")
        }
    }
}

// ------------------------------------------------------------------ shared

fn wrong_length(rng: &mut StdRng, valid: String, pool: &str) -> String {
    let pool: Vec<char> = pool.chars().collect();
    match rng.gen_range(0..5) {
        0 => valid[..rng.gen_range(0..18)].to_owned(),
        1 => {
            let extra: String = (0..rng.gen_range(1..4))
                .map(|_| *pool.choose(rng).unwrap())
                .collect();
            format!("{valid}{extra}")
        }
        2 => valid[..15].to_owned(),
        3 => " \t ".to_owned(),
        _ => (0..rng.gen_range(0..30))
            .map(|_| *pool.choose(rng).unwrap())
            .collect(),
    }
}

fn full_width(rng: &mut StdRng, s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if rng.gen_bool(0.5) => char::from_u32(0xFF10 + d).unwrap(),
            _ => c,
        })
        .collect()
}

fn math_digit(rng: &mut StdRng, c: char) -> char {
    match c.to_digit(10) {
        Some(d) if rng.gen_bool(0.3) => {
            char::from_u32(0x1D7CE + 10 * rng.gen_range(0..5) + d).unwrap()
        }
        _ => c,
    }
}
