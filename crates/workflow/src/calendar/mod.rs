//! The working-day calendar (工作日历) that every time limit (承诺时限) is counted in.
//!
//! Official years come from the State Council's yearly notice, loaded as JSON. Years whose
//! notice is not loaded (or is flagged `unconfirmed`) fall back to a provisional calendar of
//! weekends plus the statutory holidays computed from the rules, and every deadline that
//! touches such a year says so, so that it can be shown as provisional and recomputed once
//! the official notice is loaded.
//!
//! Counting rule: `add_working_days(start, n)` returns the n-th working day strictly after
//! `start`. The day a case arrives is never counted, whether or not it is a working day,
//! which is how 行政许可法 第四十二条 limits are read in practice ("自受理之日起…个工作日内":
//! counting begins the next working day). `working_days_between(a, b)` is its inverse: the
//! number of working days `d` with `a < d <= b`.

mod json;
mod statutory;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Weekday};

pub use json::CalendarError;
pub use statutory::{StatutoryDay, statutory_holidays};

/// The years for which the provisional calendar is computed once, when the calendar is built.
/// Years outside are computed on each query, which is correct but slower.
const PRECOMPUTED: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A deadline date and whether it rests on a provisional year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    /// The last working day on which the work is on time.
    pub date: Date,
    /// True when any day counted to reach `date` lies in a year without an official notice;
    /// the date may move when that notice is loaded.
    pub provisional: bool,
}

/// The working days of one year, one bit per day of the year.
#[derive(Debug, Clone, PartialEq, Eq)]
struct YearDays {
    working: [u64; 6],
    provisional: bool,
}

impl YearDays {
    fn is_working(&self, date: Date) -> bool {
        let index = usize::from(date.ordinal() - 1);
        self.working
            .get(index / 64)
            .is_some_and(|word| word & (1u64 << (index % 64)) != 0)
    }

    fn build(year: i32, is_working: impl Fn(Date) -> bool, provisional: bool) -> Self {
        let mut working = [0u64; 6];
        let mut day = Date::from_ordinal_date(year, 1).ok();
        while let Some(d) = day.filter(|d| d.year() == year) {
            if is_working(d) {
                let index = usize::from(d.ordinal() - 1);
                if let Some(word) = working.get_mut(index / 64) {
                    *word |= 1u64 << (index % 64);
                }
            }
            day = d.next_day();
        }
        Self {
            working,
            provisional,
        }
    }

    fn provisional(year: i32) -> Self {
        let holidays = statutory_holidays(year).unwrap_or_default();
        Self::build(
            year,
            |d| !is_weekend(d) && !holidays.iter().any(|h| h.date == d),
            true,
        )
    }
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The official arrangement of one year: days off and adjusted working days (调休).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfficialYear {
    /// Every day off listed by the notice, including weekend days inside a holiday.
    pub days_off: Vec<(Date, String)>,
    /// Weekend days that are working days.
    pub working_days: Vec<Date>,
}

/// The working-day calendar. Cheap to query; build it once and share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, YearDays>,
    official: BTreeMap<i32, OfficialYear>,
}

impl Calendar {
    /// A calendar with no official year at all: every year is provisional.
    pub fn provisional_only() -> Self {
        Self::from_official(BTreeMap::new())
    }

    /// Loads the official arrangements from JSON in the format of
    /// `vectors/calendar/cn-holidays.json`; `source` names the file in errors.
    pub fn from_json(text: &str, source: &str) -> Result<Self, CalendarError> {
        json::parse(text, source).map(Self::from_official)
    }

    /// Builds a calendar from official years already parsed; other years are provisional.
    pub fn from_official(official: BTreeMap<i32, OfficialYear>) -> Self {
        let mut years = BTreeMap::new();
        for year in PRECOMPUTED {
            years.insert(year, YearDays::provisional(year));
        }
        for (year, arrangement) in &official {
            let days = YearDays::build(
                *year,
                |d| {
                    if arrangement.working_days.contains(&d) {
                        true
                    } else if arrangement.days_off.iter().any(|(off, _)| *off == d) {
                        false
                    } else {
                        !is_weekend(d)
                    }
                },
                false,
            );
            years.insert(*year, days);
        }
        Self { years, official }
    }

    /// The years loaded from an official notice.
    pub fn official_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.official.keys().copied()
    }

    /// Whether `year` rests on the provisional rules rather than an official notice.
    pub fn is_provisional_year(&self, year: i32) -> bool {
        !self.official.contains_key(&year)
    }

    fn with_year<T>(&self, year: i32, f: impl FnOnce(&YearDays) -> T) -> T {
        match self.years.get(&year) {
            Some(days) => f(days),
            None => f(&YearDays::provisional(year)),
        }
    }

    /// Whether government offices work on `date`.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.with_year(date.year(), |days| days.is_working(date))
    }

    /// The `n`-th working day strictly after `start` (see the module documentation for why the
    /// start day is never counted). `n = 0` returns `start` itself. Returns `None` only when
    /// the date would leave the range the `time` crate can represent.
    pub fn add_working_days(&self, start: Date, n: u32) -> Option<Deadline> {
        let mut date = start;
        let mut remaining = n;
        let mut provisional = n == 0 && self.is_provisional_year(start.year());
        while remaining > 0 {
            date = date.next_day()?;
            provisional |= self.is_provisional_year(date.year());
            if self.is_working_day(date) {
                remaining -= 1;
            }
        }
        Some(Deadline { date, provisional })
    }

    /// The number of working days `d` with `a < d <= b`; zero when `b <= a`.
    pub fn working_days_between(&self, a: Date, b: Date) -> u32 {
        let mut count = 0;
        let mut date = a;
        while date < b {
            match date.next_day() {
                Some(next) => date = next,
                None => break,
            }
            if self.is_working_day(date) {
                count += 1;
            }
        }
        count
    }

    /// The name of the holiday `date` belongs to, official or provisional, if any.
    pub fn holiday_name(&self, date: Date) -> Option<String> {
        match self.official.get(&date.year()) {
            Some(year) => year
                .days_off
                .iter()
                .find(|(d, _)| *d == date)
                .map(|(_, name)| name.clone()),
            None => statutory_holidays(date.year())?
                .into_iter()
                .find(|d| d.date == date)
                .map(|d| d.name.to_owned()),
        }
    }
}
