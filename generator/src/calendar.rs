//! Time: UTC offsets of French departments, local calendar days, school holidays and the rhythm of
//! online and face-to-face activity.
//!
//! Instants are Unix seconds (`i64`); days are local calendar days counted from 1970-01-01.
//! Metropolitan departments (Corsica included) are at +01:00 in winter and +02:00 in summer, from the
//! last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC; overseas departments keep
//! one offset all year.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};

use crate::rng::Rng;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
/// Seconds in an hour.
pub(crate) const HOUR: i64 = 3_600;
/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01, plus one.
const UNIX_EPOCH_CE_DAYS: i64 = 719_163;

/// The local day number of a calendar date.
pub(crate) fn day_of(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - UNIX_EPOCH_CE_DAYS
}

/// The calendar date of a local day number.
pub(crate) fn date_of(day: i64) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt((day + UNIX_EPOCH_CE_DAYS) as i32)
        .expect("generated days are within chrono's range")
}

/// The (year, month, day) of a day number, without chrono (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil(day: i64) -> (i32, u32, u32) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let dom = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        (yoe + era * 400 + i64::from(month <= 2)) as i32,
        month as u32,
        dom as u32,
    )
}

/// The local day number of `year`-`month`-`dom`.
pub(crate) fn ymd(year: i32, month: u32, dom: u32) -> i64 {
    day_of(NaiveDate::from_ymd_opt(year, month, dom).expect("a valid calendar date"))
}

/// Day of the week of a day number: 0 = Monday ... 6 = Sunday.
pub(crate) fn weekday(day: i64) -> u8 {
    (day + 3).rem_euclid(7) as u8
}

/// The last Sunday of `month` in `year`, as a day number.
fn last_sunday(year: i32, month: u32) -> i64 {
    let last = if month == 12 {
        ymd(year + 1, 1, 1)
    } else {
        ymd(year, month + 1, 1)
    } - 1;
    last - i64::from((weekday(last) + 1) % 7)
}

/// The clock of a department: its UTC offset at any instant.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    /// The all-year offset of an overseas department, in seconds east of UTC.
    fixed: Option<i32>,
    /// Summer-time intervals [start, end) of the years a run can touch (metropolitan only).
    summer: Vec<(i64, i64)>,
}

impl Clock {
    /// The clock of department `code`, with summer time computed for `first_year - 1` to
    /// `last_year + 6` (trajectories planned past the generated years are never written).
    pub(crate) fn new(code: &str, first_year: i32, last_year: i32) -> Clock {
        let fixed = match code {
            "971" | "972" => Some(-4 * 3600),
            "973" => Some(-3 * 3600),
            "974" => Some(4 * 3600),
            "976" => Some(3 * 3600),
            _ => None,
        };
        let summer = if fixed.is_some() {
            Vec::new()
        } else {
            (first_year - 1..=last_year + 6)
                .map(|y| {
                    (
                        last_sunday(y, 3) * DAY + HOUR,
                        last_sunday(y, 10) * DAY + HOUR,
                    )
                })
                .collect()
        };
        Clock { fixed, summer }
    }

    /// The UTC offset at instant `t`, in seconds east of UTC.
    pub(crate) fn offset(&self, t: i64) -> i32 {
        match self.fixed {
            Some(offset) => offset,
            None if self
                .summer
                .iter()
                .any(|&(start, end)| start <= t && t < end) =>
            {
                7200
            }
            None => 3600,
        }
    }

    /// The local day of instant `t`.
    pub(crate) fn local_day(&self, t: i64) -> i64 {
        (t + i64::from(self.offset(t))).div_euclid(DAY)
    }

    /// The local hour (0–23) of instant `t`.
    pub(crate) fn local_hour(&self, t: i64) -> i64 {
        (t + i64::from(self.offset(t))).rem_euclid(DAY) / HOUR
    }

    /// The instant of local time `secs` seconds after midnight on local `day`. A time skipped by the
    /// spring change reads as the hour before it.
    pub(crate) fn instant(&self, day: i64, secs: i64) -> i64 {
        let naive = day * DAY + secs;
        let standard = naive - i64::from(self.fixed.unwrap_or(3600));
        if self.offset(standard) == 7200 {
            naive - 7200
        } else {
            standard
        }
    }

    /// The instant local `year` begins (January 1st, 00:00 local time).
    pub(crate) fn year_start(&self, year: i32) -> i64 {
        self.instant(ymd(year, 1, 1), 0)
    }

    /// Instant `t` with its local offset, as events carry it.
    pub(crate) fn datetime(&self, t: i64) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(self.offset(t))
            .expect("offsets are within a day")
            .timestamp_opt(t, 0)
            .single()
            .expect("generated instants are within chrono's range")
    }
}

/// What a calendar day is like for young people and structures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Day {
    pub(crate) weekday: u8,
    pub(crate) month: u32,
    pub(crate) dom: u32,
    /// French school holidays, zone-agnostic approximations.
    pub(crate) school_holiday: bool,
    pub(crate) public_holiday: bool,
}

/// Hourly weights of online contacts on a school day (Monday, Tuesday, Thursday, Friday).
const SCHOOL_DAY: [f64; 24] = [
    0.35, 0.12, 0.05, 0.02, 0.02, 0.03, 0.10, 0.45, 0.40, 0.25, 0.25, 0.35, 0.95, 0.80, 0.35, 0.45,
    1.20, 2.60, 3.10, 2.90, 3.10, 2.90, 2.00, 0.95,
];
/// Hourly weights on a Wednesday in term time (free afternoon).
const WEDNESDAY: [f64; 24] = [
    0.35, 0.12, 0.05, 0.02, 0.02, 0.03, 0.10, 0.40, 0.40, 0.35, 0.45, 0.70, 1.20, 1.80, 2.30, 2.40,
    2.40, 2.70, 3.00, 2.80, 3.00, 2.80, 1.90, 0.95,
];
/// Hourly weights at the weekend.
const WEEKEND: [f64; 24] = [
    0.70, 0.35, 0.12, 0.04, 0.02, 0.02, 0.04, 0.10, 0.25, 0.50, 0.90, 1.20, 1.30, 1.50, 2.00, 2.30,
    2.40, 2.50, 2.70, 2.70, 2.90, 2.70, 2.00, 1.30,
];
/// Hourly weights during school holidays and on public holidays: more daytime contacts.
const HOLIDAY: [f64; 24] = [
    0.80, 0.40, 0.15, 0.05, 0.02, 0.02, 0.05, 0.15, 0.35, 0.80, 1.40, 1.80, 1.70, 1.90, 2.20, 2.30,
    2.30, 2.40, 2.50, 2.50, 2.60, 2.40, 1.90, 1.40,
];

/// The largest value of [`Day::contact_weight`].
pub(crate) const MAX_CONTACT_WEIGHT: f64 = 1.35;

impl Day {
    /// The description of local `day`.
    pub(crate) fn of(day: i64) -> Day {
        let (_, month, dom) = civil(day);
        let school_holiday = match month {
            1 => dom <= 4,
            2 => dom >= 8,
            3 => dom <= 9,
            4 => dom >= 5,
            5 => dom <= 4,
            7 => dom >= 5,
            8 => true,
            10 => dom >= 18,
            11 => dom <= 3,
            12 => dom >= 20,
            _ => false,
        };
        let public_holiday = matches!(
            (month, dom),
            (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
        );
        Day {
            weekday: weekday(day),
            month,
            dom,
            school_holiday,
            public_holiday,
        }
    }

    /// Relative volume of online contacts: Wednesdays and weekends busier, summer quieter, August
    /// much quieter, Christmas Eve, Christmas and New Year's Eve and Day quiet.
    pub(crate) fn contact_weight(&self) -> f64 {
        let mut w = match self.weekday {
            2 => 1.35,
            5 => 1.3,
            6 => 1.15,
            _ => 1.0,
        };
        if self.month == 8 {
            w *= 0.4;
        } else if self.month == 7 {
            w *= 0.85;
        }
        if matches!(
            (self.month, self.dom),
            (12, 24) | (12, 25) | (12, 31) | (1, 1)
        ) {
            w *= 0.6;
        }
        w
    }

    /// A local time of day (seconds after midnight) for an online contact on this day.
    pub(crate) fn contact_secs(&self, rng: &mut Rng) -> i64 {
        let weights = if self.school_holiday || self.public_holiday {
            &HOLIDAY
        } else {
            match self.weekday {
                2 => &WEDNESDAY,
                5 | 6 => &WEEKEND,
                _ => &SCHOOL_DAY,
            }
        };
        rng.index_weighted(weights) as i64 * HOUR + rng.below(3600) as i64
    }

    /// Whether structures are closed (Sundays and public holidays).
    pub(crate) fn closed(&self) -> bool {
        self.weekday == 6 || self.public_holiday
    }

    /// A local time of day when a structure is open and young people come: weekday afternoons
    /// after school (all day in the holidays), Wednesday afternoons, Saturdays.
    pub(crate) fn opening_secs(&self, rng: &mut Rng) -> i64 {
        let hour = match self.weekday {
            5 => rng.range(10, 16),
            2 => rng.range(13, 18),
            _ if self.school_holiday => rng.range(10, 18),
            _ if rng.chance(0.7) => rng.range(16, 18),
            _ => rng.range(10, 15),
        };
        hour * HOUR + rng.below(3600) as i64
    }
}

/// `day` if structures are open then, else one of the next five days they are open (at most a week
/// later), so that visits put off from Sundays and public holidays spread over the week.
pub(crate) fn open_day(rng: &mut Rng, day: i64) -> i64 {
    if !Day::of(day).closed() {
        return day;
    }
    let mut d = day + 1 + rng.below(5) as i64;
    while Day::of(d).closed() {
        d += 1;
    }
    d
}

/// The day on or after `day` that is a working day (not a weekend or public holiday).
pub(crate) fn working_day(day: i64) -> i64 {
    let mut d = day;
    while weekday(d) >= 5 || Day::of(d).public_holiday {
        d += 1;
    }
    d
}

/// A working-hours local time (09:00–18:00): when professionals log office work.
pub(crate) fn office_secs(rng: &mut Rng) -> i64 {
    rng.range(9 * HOUR, 18 * HOUR - 1)
}

/// Days of one local year with cumulative contact weights, to draw first-contact days.
#[derive(Debug, Clone)]
pub(crate) struct YearDays {
    first: i64,
    cumulative: Vec<f64>,
}

impl YearDays {
    /// The days of local `year`.
    pub(crate) fn new(year: i32) -> YearDays {
        let first = ymd(year, 1, 1);
        let mut total = 0.0;
        let cumulative = (first..ymd(year + 1, 1, 1))
            .map(|d| {
                total += Day::of(d).contact_weight();
                total
            })
            .collect();
        YearDays { first, cumulative }
    }

    /// A day of the year, drawn with the contact rhythm.
    pub(crate) fn draw(&self, rng: &mut Rng) -> i64 {
        let x = rng.f64() * self.cumulative[self.cumulative.len() - 1];
        self.first + self.cumulative.partition_point(|&c| c <= x) as i64
    }

    /// A day of the year, uniformly.
    pub(crate) fn uniform(&self, rng: &mut Rng) -> i64 {
        self.first + rng.below(self.cumulative.len() as u64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_summer_time() {
        let paris = Clock::new("82", 2025, 2025);
        // 2025: summer time from March 30 01:00 UTC to October 26 01:00 UTC.
        assert_eq!(
            date_of(last_sunday(2025, 3)),
            NaiveDate::from_ymd_opt(2025, 3, 30).unwrap()
        );
        assert_eq!(
            date_of(last_sunday(2025, 10)),
            NaiveDate::from_ymd_opt(2025, 10, 26).unwrap()
        );
        let winter = paris.instant(ymd(2025, 1, 15), 18 * HOUR);
        assert_eq!(
            paris.datetime(winter).to_rfc3339(),
            "2025-01-15T18:00:00+01:00"
        );
        let summer = paris.instant(ymd(2025, 7, 14), 21 * HOUR + 30 * 60);
        assert_eq!(
            paris.datetime(summer).to_rfc3339(),
            "2025-07-14T21:30:00+02:00"
        );
        let switch = last_sunday(2025, 3) * DAY + HOUR;
        assert_eq!(paris.offset(switch - 1), 3600);
        assert_eq!(paris.offset(switch), 7200);
        assert_eq!(paris.year_start(2025), 1_735_686_000);
        assert_eq!(paris.local_day(paris.year_start(2025)), ymd(2025, 1, 1));
    }

    #[test]
    fn overseas_offsets() {
        let reunion = Clock::new("974", 2025, 2025);
        let t = reunion.instant(ymd(2025, 7, 1), 10 * HOUR);
        assert_eq!(
            reunion.datetime(t).to_rfc3339(),
            "2025-07-01T10:00:00+04:00"
        );
        assert_eq!(Clock::new("971", 2025, 2025).offset(t), -4 * 3600);
        assert_eq!(Clock::new("973", 2025, 2025).offset(t), -3 * 3600);
        assert_eq!(Clock::new("976", 2025, 2025).offset(t), 3 * 3600);
        assert_eq!(Clock::new("2A", 2025, 2025).offset(t), 7200);
    }

    #[test]
    fn civil_dates_as_chrono() {
        for day in (-800_000..800_000)
            .step_by(997)
            .chain(ymd(2023, 12, 25)..ymd(2025, 3, 5))
        {
            let date = date_of(day);
            assert_eq!(civil(day), (date.year(), date.month(), date.day()), "{day}");
        }
    }

    #[test]
    fn calendar_days() {
        assert_eq!(weekday(ymd(2025, 11, 27)), 3);
        let august = Day::of(ymd(2025, 8, 12));
        assert!(august.school_holiday && august.contact_weight() < 0.6);
        assert!(Day::of(ymd(2025, 5, 1)).closed());
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            let d = open_day(&mut rng, ymd(2025, 11, 30));
            assert!((ymd(2025, 12, 1)..=ymd(2025, 12, 6)).contains(&d) && !Day::of(d).closed());
        }
        assert_eq!(open_day(&mut rng, ymd(2025, 12, 2)), ymd(2025, 12, 2));
        let days = YearDays::new(2024);
        for _ in 0..1000 {
            let d = days.draw(&mut rng);
            assert!((ymd(2024, 1, 1)..ymd(2025, 1, 1)).contains(&d));
        }
    }
}
