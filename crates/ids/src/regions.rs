//! Address codes (行政区划代码, GB/T 2260) that may open a resident ID number,
//! with the birth years each was in use for.
//!
//! The table (`data/regions.txt`) is generated from python-stdnum's location
//! list by `data/gen_regions.py`, so our rule is stdnum's rule: a code is
//! accepted for a birth year when stdnum finds a county for it that existed in
//! that year. Codes are renumbered when districts merge or split, which is why
//! a year is part of the question.

use std::sync::LazyLock;

const TABLE: &str = include_str!("../data/regions.txt");

/// Years before the first and after the last recorded change are open ended;
/// these sentinels stand for "no bound" and cover every four-digit year.
const OPEN_FIRST: i32 = 0;
const OPEN_LAST: i32 = 9999;

/// One span of years in which an address code was in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RegionSpan {
    /// The six-digit address code, e.g. `110105` (北京市朝阳区).
    pub code: u32,
    /// First birth year the code is accepted for; `None` when open ended.
    pub first_year: Option<i32>,
    /// Last birth year the code is accepted for; `None` when open ended.
    pub last_year: Option<i32>,
}

impl RegionSpan {
    fn contains(&self, year: i32) -> bool {
        self.first_year.is_none_or(|first| year >= first)
            && self.last_year.is_none_or(|last| year <= last)
    }
}

/// Parsed once, sorted by code. A malformed line is skipped rather than
/// panicking at run time; the `table_parses_completely` test guarantees there
/// are none in the shipped file.
static SPANS: LazyLock<Vec<RegionSpan>> = LazyLock::new(|| {
    let mut spans: Vec<RegionSpan> = TABLE
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| parse_line(line).ok())
        .flatten()
        .collect();
    spans.sort_unstable();
    spans
});

fn parse_line(line: &str) -> Result<Vec<RegionSpan>, String> {
    let mut fields = line.split_ascii_whitespace();
    let code_text = fields
        .next()
        .ok_or_else(|| format!("empty line `{line}`"))?;
    if code_text.len() != 6 || !code_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad code in `{line}`"));
    }
    let code: u32 = code_text
        .parse()
        .map_err(|_| format!("bad code in `{line}`"))?;
    let ranges: Vec<&str> = fields.collect();
    if ranges.is_empty() {
        return Ok(vec![RegionSpan {
            code,
            first_year: None,
            last_year: None,
        }]);
    }
    ranges
        .into_iter()
        .map(|range| {
            let (first, last) = range
                .split_once('-')
                .ok_or_else(|| format!("bad range in `{line}`"))?;
            Ok(RegionSpan {
                code,
                first_year: parse_year(first, line)?,
                last_year: parse_year(last, line)?,
            })
        })
        .collect()
}

fn parse_year(text: &str, line: &str) -> Result<Option<i32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(year) if (OPEN_FIRST..=OPEN_LAST).contains(&year) => Ok(Some(year)),
        _ => Err(format!("bad year in `{line}`")),
    }
}

/// The answer to "may this address code open an ID of someone born in this year?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegionStatus {
    /// The code is in use for that year.
    InUse,
    /// The code exists, but not for that year.
    NotInUse,
    /// The code is not in the table at all.
    Unknown,
}

pub(crate) fn status(code: u32, year: i32) -> RegionStatus {
    let spans = spans_of(code);
    if spans.is_empty() {
        RegionStatus::Unknown
    } else if spans.iter().any(|span| span.contains(year)) {
        RegionStatus::InUse
    } else {
        RegionStatus::NotInUse
    }
}

fn spans_of(code: u32) -> &'static [RegionSpan] {
    let start = SPANS.partition_point(|span| span.code < code);
    let end = SPANS.partition_point(|span| span.code <= code);
    SPANS.get(start..end).unwrap_or(&[])
}

/// Whether `code` may open the resident ID number of someone born in `year`.
/// Useful for generating demo data that [`crate::ResidentId::from_parts`]
/// will accept.
pub fn is_region_in_use(code: u32, year: i32) -> bool {
    status(code, year) == RegionStatus::InUse
}

/// Every known address code with the years it is accepted for, sorted by
/// code; a code renumbered and later reused appears once per span.
pub fn region_spans() -> impl Iterator<Item = RegionSpan> {
    SPANS.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_completely() {
        let lines: Vec<&str> = TABLE
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .collect();
        let mut total = 0;
        for line in &lines {
            match parse_line(line) {
                Ok(spans) => total += spans.len(),
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(total, SPANS.len());
        assert!(lines.len() > 6000, "table has only {} codes", lines.len());
    }

    #[test]
    fn open_and_bounded_spans() {
        // 110105 北京市朝阳区: always.
        assert_eq!(status(110105, 1), RegionStatus::InUse);
        // 110103 崇文区, merged into 东城区 in 2010.
        assert_eq!(status(110103, 2010), RegionStatus::InUse);
        assert_eq!(status(110103, 2011), RegionStatus::NotInUse);
        // 110112 通州区, created 1997.
        assert_eq!(status(110112, 1996), RegionStatus::NotInUse);
        assert_eq!(status(110112, 1997), RegionStatus::InUse);
        assert_eq!(status(119999, 1990), RegionStatus::Unknown);
        assert_eq!(status(0, 1990), RegionStatus::Unknown);
    }

    #[test]
    fn codes_with_several_spans() {
        // 330502: in use 1983–1987 and again from 2003.
        assert!(is_region_in_use(330502, 1985));
        assert!(!is_region_in_use(330502, 1990));
        assert!(is_region_in_use(330502, 2003));
        assert_eq!(region_spans().filter(|s| s.code == 330502).count(), 2);
    }
}
