//! Parsing of the official holiday arrangements (`cn-holidays.json`).

use std::collections::BTreeMap;

use serde::Deserialize;
use time::{Date, Weekday};

use super::OfficialYear;

/// Why a holiday file was refused. Every variant names the file and the year so that the
/// operator can find the line to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The text is not JSON of the expected shape.
    #[error(
        "{source_name}: not a holiday file: {message} — expected {{\"2025\": {{\"holidays\": [[first, last, name]], \"workdays\": [dates]}}}}"
    )]
    Syntax {
        /// The file name given to the loader.
        source_name: String,
        /// The JSON parser's message, with line and column.
        message: String,
    },
    /// A key or date could not be read.
    #[error("{source_name}: year {year}: {message}")]
    Invalid {
        /// The file name given to the loader.
        source_name: String,
        /// The year key the problem is under.
        year: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    #[serde(default)]
    unconfirmed: bool,
    #[serde(default)]
    holidays: Vec<(String, String, String)>,
    #[serde(default)]
    workdays: Vec<String>,
}

const ISO: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub(super) fn parse(
    text: &str,
    source: &str,
) -> Result<BTreeMap<i32, OfficialYear>, CalendarError> {
    let raw: BTreeMap<String, RawYear> =
        serde_json::from_str(text).map_err(|e| CalendarError::Syntax {
            source_name: source.to_owned(),
            message: e.to_string(),
        })?;
    let mut years = BTreeMap::new();
    for (key, raw_year) in raw {
        let invalid = |message: String| CalendarError::Invalid {
            source_name: source.to_owned(),
            year: key.clone(),
            message,
        };
        let year: i32 = key
            .parse()
            .map_err(|_| invalid(format!("\"{key}\" is not a year — use keys like \"2026\"")))?;
        // An unconfirmed year is deliberately left to the provisional rules: an empty list
        // there means "not known", never "no holidays".
        if raw_year.unconfirmed {
            continue;
        }
        let parse_date = |s: &str| -> Result<Date, CalendarError> {
            let date = Date::parse(s, ISO)
                .map_err(|_| invalid(format!("\"{s}\" is not a date — write YYYY-MM-DD")))?;
            if date.year() != year {
                return Err(invalid(format!("{s} is not in {year}")));
            }
            Ok(date)
        };
        let mut arrangement = OfficialYear::default();
        for (first, last, name) in &raw_year.holidays {
            let first = parse_date(first)?;
            let last = parse_date(last)?;
            if last < first {
                return Err(invalid(format!(
                    "holiday \"{name}\" ends ({last}) before it starts ({first}) — both ends are inclusive"
                )));
            }
            let mut day = first;
            loop {
                arrangement.days_off.push((day, name.clone()));
                match day.next_day() {
                    Some(next) if next <= last => day = next,
                    _ => break,
                }
            }
        }
        for s in &raw_year.workdays {
            let date = parse_date(s)?;
            if !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
                return Err(invalid(format!(
                    "adjusted working day {date} is a {} — only weekend days can be adjusted to working days",
                    date.weekday()
                )));
            }
            arrangement.working_days.push(date);
        }
        years.insert(year, arrangement);
    }
    Ok(years)
}
