//! The statutory holidays of the 全国年节及纪念日放假办法 (as revised in November 2024), computed
//! for years whose official arrangement has not been published yet.
//!
//! The State Council publishes each year's exact arrangement (with 调休 swaps) only in November
//! or December of the year before. Deadlines that reach further must still be shown, so they are
//! computed from the rules themselves: 元旦 1 day, 春节 4 days (除夕 and 正月初一 to 初三), 清明
//! 1 day (the solar-term day), 劳动节 2 days (May 1–2), 端午 1 day (五月初五), 中秋 1 day
//! (八月十五) and 国庆 3 days (October 1–3). Adjusted working days cannot be predicted and are
//! left out, which is why such deadlines are flagged provisional.

use calendrical_calculations::chinese_based::{Chinese, YearBounds, month_structure_for_year};
use calendrical_calculations::rata_die::RataDie;
use time::{Date, Month};

/// The difference between a Julian day number and a Rata Die fixed date.
const JD_MINUS_RD: i64 = 1_721_425;

/// One statutory day off with the name of the holiday it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatutoryDay {
    /// The day off.
    pub date: Date,
    /// The holiday's name as the regulation writes it, e.g. `春节`.
    pub name: &'static str,
}

fn to_rata_die(date: Date) -> RataDie {
    RataDie::new(i64::from(date.to_julian_day()) - JD_MINUS_RD)
}

fn from_rata_die(rd: RataDie) -> Option<Date> {
    let jd = i32::try_from(rd.to_i64_date() + JD_MINUS_RD).ok()?;
    Date::from_julian_day(jd).ok()
}

/// The Gregorian dates of the lunar days this module needs, for the Chinese year that begins in
/// Gregorian `year`.
struct LunarYear {
    new_year: RataDie,
    /// Day offsets from `new_year` of the first day of each ordinal month (1-based index - 1).
    month_starts: [i64; 13],
    /// The 1-based ordinal position of the leap month, if the year has one.
    leap_ordinal: Option<u8>,
}

impl LunarYear {
    fn for_gregorian_year(year: i32) -> Option<Self> {
        // June 1 always lies inside the Chinese year that began in January or February.
        let june = Date::from_calendar_date(year, Month::June, 1).ok()?;
        let bounds = YearBounds::compute::<Chinese>(to_rata_die(june));
        let (long_months, leap_ordinal) =
            month_structure_for_year::<Chinese>(bounds.new_year, bounds.next_new_year);
        let mut month_starts = [0i64; 13];
        let mut offset = 0i64;
        for (start, long) in month_starts.iter_mut().zip(long_months) {
            *start = offset;
            offset += if long { 30 } else { 29 };
        }
        Some(Self {
            new_year: bounds.new_year,
            month_starts,
            leap_ordinal,
        })
    }

    /// The date of day `day` of the regular (non-leap) month `month`.
    fn date(&self, month: u8, day: u8) -> Option<Date> {
        let ordinal = match self.leap_ordinal {
            Some(leap) if leap <= month => month + 1,
            _ => month,
        };
        let start = *self
            .month_starts
            .get(usize::from(ordinal.checked_sub(1)?))?;
        from_rata_die(self.new_year + start + i64::from(day) - 1)
    }

    fn new_year_date(&self) -> Option<Date> {
        from_rata_die(self.new_year)
    }
}

/// The sun's apparent ecliptic longitude in degrees at Julian day `jd` (universal time), by
/// the low-precision solar theory of Meeus, *Astronomical Algorithms*, ch. 25 (about 0.01°,
/// i.e. a quarter of an hour of solar-term timing). The ICU4X astronomy is not public API,
/// and a quarter of an hour is enough for a provisional calendar.
fn solar_longitude(jd: f64, year: i32) -> f64 {
    // ΔT after Espenak & Meeus (2005–2050), in seconds.
    let t_years = f64::from(year - 2000);
    let delta_t = 62.92 + 0.32217 * t_years + 0.005589 * t_years * t_years;
    let t = (jd + delta_t / 86_400.0 - 2_451_545.0) / 36_525.0;
    let l0 = 280.46646 + 36_000.769_83 * t + 0.000_303_2 * t * t;
    let m = (357.52911 + 35_999.050_29 * t - 0.000_153_7 * t * t).to_radians();
    let c = (1.914602 - 0.004817 * t - 0.000014 * t * t) * m.sin()
        + (0.019993 - 0.000101 * t) * (2.0 * m).sin()
        + 0.000289 * (3.0 * m).sin();
    let omega = (125.04 - 1934.136 * t).to_radians();
    (l0 + c - 0.00569 - 0.00478 * omega.sin()).rem_euclid(360.0)
}

/// The Beijing-time date on which the sun's apparent longitude reaches 15° (清明).
fn qingming(year: i32) -> Option<Date> {
    let start = Date::from_calendar_date(year, Month::March, 31).ok()?;
    // Julian day numbers start at noon; midnight UTC of `start` is half a day earlier.
    let mut low = f64::from(start.to_julian_day()) - 0.5;
    let mut high = low + 10.0;
    // Bisect over ten days; the longitude grows monotonically through this window.
    for _ in 0..50 {
        let mid = (low + high) / 2.0;
        if solar_longitude(mid, year) < 15.0 {
            low = mid;
        } else {
            high = mid;
        }
    }
    let beijing = high + 0.5 + 8.0 / 24.0;
    Date::from_julian_day(beijing.floor() as i32).ok()
}

fn solar(year: i32, month: Month, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, month, day).ok()
}

/// The statutory days off of `year`, in date order. Returns `None` only for years the `time`
/// crate cannot represent.
pub fn statutory_holidays(year: i32) -> Option<Vec<StatutoryDay>> {
    let lunar = LunarYear::for_gregorian_year(year)?;
    let new_year = lunar.new_year_date()?;
    let mut days = vec![StatutoryDay {
        date: solar(year, Month::January, 1)?,
        name: "元旦",
    }];
    let mut spring = new_year.previous_day()?;
    for _ in 0..4 {
        days.push(StatutoryDay {
            date: spring,
            name: "春节",
        });
        spring = spring.next_day()?;
    }
    days.push(StatutoryDay {
        date: qingming(year)?,
        name: "清明节",
    });
    for day in 1..=2 {
        days.push(StatutoryDay {
            date: solar(year, Month::May, day)?,
            name: "劳动节",
        });
    }
    days.push(StatutoryDay {
        date: lunar.date(5, 5)?,
        name: "端午节",
    });
    days.push(StatutoryDay {
        date: lunar.date(8, 15)?,
        name: "中秋节",
    });
    for day in 1..=3 {
        days.push(StatutoryDay {
            date: solar(year, Month::October, day)?,
            name: "国庆节",
        });
    }
    // 中秋 can fall inside 国庆; the day is then off once, under both names' rules.
    days.sort_by_key(|d| d.date);
    days.dedup_by_key(|d| d.date);
    Some(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn named(year: i32, name: &str) -> Vec<Date> {
        statutory_holidays(year)
            .unwrap()
            .into_iter()
            .filter(|d| d.name == name)
            .map(|d| d.date)
            .collect()
    }

    #[test]
    fn spring_festival_matches_known_years() {
        assert_eq!(named(2025, "春节")[0], date!(2025 - 01 - 28));
        assert_eq!(named(2026, "春节")[0], date!(2026 - 02 - 16));
        assert_eq!(
            named(2027, "春节"),
            vec![
                date!(2027 - 02 - 05),
                date!(2027 - 02 - 06),
                date!(2027 - 02 - 07),
                date!(2027 - 02 - 08)
            ]
        );
    }

    #[test]
    fn lunar_holidays_match_known_years() {
        // 2025 has a leap sixth month (闰六月), which shifts 中秋 but not 端午.
        assert_eq!(named(2025, "端午节"), vec![date!(2025 - 05 - 31)]);
        assert_eq!(named(2025, "中秋节"), vec![date!(2025 - 10 - 06)]);
        assert_eq!(named(2026, "端午节"), vec![date!(2026 - 06 - 19)]);
        assert_eq!(named(2026, "中秋节"), vec![date!(2026 - 09 - 25)]);
        assert_eq!(named(2027, "端午节"), vec![date!(2027 - 06 - 09)]);
        assert_eq!(named(2027, "中秋节"), vec![date!(2027 - 09 - 15)]);
        // 2023 has a leap second month (闰二月), before 端午.
        assert_eq!(named(2023, "端午节"), vec![date!(2023 - 06 - 22)]);
        assert_eq!(named(2023, "中秋节"), vec![date!(2023 - 09 - 29)]);
    }

    #[test]
    fn qingming_matches_known_years() {
        assert_eq!(named(2024, "清明节"), vec![date!(2024 - 04 - 04)]);
        assert_eq!(named(2025, "清明节"), vec![date!(2025 - 04 - 04)]);
        assert_eq!(named(2026, "清明节"), vec![date!(2026 - 04 - 05)]);
        assert_eq!(named(2027, "清明节"), vec![date!(2027 - 04 - 05)]);
    }
}
