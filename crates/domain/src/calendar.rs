//! Dates as people in England count them: the local date (GMT or British
//! Summer Time) and working days (Monday to Friday, less bank holidays).
//! Waiting-time targets are set in working days, so a referral received on
//! a Friday evening is not already two days late on Monday.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

use crate::Timestamp;

/// The last Sunday of a month, when the UK's clocks change.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("a valid month");
    let last = first_of_next - Duration::days(1);
    last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
}

/// The date and time on UK clocks at `at`. British Summer Time (UTC+1)
/// runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
/// last Sunday of October; the rest of the year is GMT. Written out rather
/// than pulling in a time-zone database for one zone with a fixed rule.
pub fn uk_datetime(at: Timestamp) -> NaiveDateTime {
    let year = at.year();
    let change = |month| {
        Utc.from_utc_datetime(
            &last_sunday(year, month)
                .and_hms_opt(1, 0, 0)
                .expect("01:00 exists"),
        )
    };
    let offset = if at >= change(3) && at < change(10) {
        Duration::hours(1)
    } else {
        Duration::zero()
    };
    (at + offset).naive_utc()
}

/// The date in the UK at `at`.
pub fn uk_date(at: Timestamp) -> NaiveDate {
    uk_datetime(at).date()
}

/// The UK date of an instant known only by its UTC date and whether it
/// fell in that day's last hour (from 23:00 UTC), which is all a grouped
/// count keeps. Only that hour can be the next day in the UK (in summer
/// time), and whether summer time is in force then depends on the date
/// alone, since the clocks change at 01:00 UTC.
pub fn uk_date_of(utc_day: NaiveDate, last_hour: bool) -> NaiveDate {
    let hour = if last_hour { 23 } else { 12 };
    uk_date(Utc.from_utc_datetime(&utc_day.and_hms_opt(hour, 30, 0).expect("a valid time")))
}

/// The instant a UK day starts (local midnight), for "received before
/// this day" comparisons. Local midnight is GMT on the day the clocks go
/// forward (they change at 01:00 UTC) and BST on the day they go back.
pub fn uk_start_of_day(date: NaiveDate) -> Timestamp {
    let year = date.year();
    let summer = date > last_sunday(year, 3) && date <= last_sunday(year, 10);
    let midnight = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"));
    if summer {
        midnight - Duration::hours(1)
    } else {
        midnight
    }
}

/// The instant a time on UK clocks falls at. In the hour the clocks skip
/// (01:00 to 02:00 on the last Sunday of March) the time is read as GMT;
/// in the hour they repeat (last Sunday of October) as the first, BST.
pub fn uk_instant(date: NaiveDate, time: chrono::NaiveTime) -> Timestamp {
    let local = date.and_time(time);
    let as_bst = Utc.from_utc_datetime(&(local - Duration::hours(1)));
    if uk_datetime(as_bst) == local {
        as_bst
    } else {
        Utc.from_utc_datetime(&local)
    }
}

/// Monday to Friday, less the given non-working days (bank holidays).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        WorkingCalendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&date)
    }

    /// Working days after `from` up to and including `to`: 0 on the day
    /// itself, 1 on the next working day, and so on.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
    }

    /// The `n`th working day after `from`.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        from.iter_days()
            .skip(1)
            .filter(|d| self.is_working_day(*d))
            .nth(n.saturating_sub(1) as usize)
            .filter(|_| n > 0)
            .unwrap_or(from)
    }

    /// Whether something received on `received`, due within `target`
    /// working days, is past its due date on `today`: the due date is the
    /// `target`th working day after receipt, and the day after it (working
    /// or not) is late. One rule for each row and for the count.
    pub fn is_past_target(&self, received: NaiveDate, target: u32, today: NaiveDate) -> bool {
        today > self.add_working_days(received, target)
    }

    /// The latest receipt date that is past its target on `today` (see
    /// `is_past_target`); everything received on or before it is. Due dates
    /// never go backwards as receipt dates go forwards, so the answer is
    /// the first date, counting back from `today`, that is past its target.
    pub fn latest_past_target(&self, target: u32, today: NaiveDate) -> NaiveDate {
        let mut received = today;
        while !self.is_past_target(received, target, today) {
            received -= Duration::days(1);
        }
        received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
        Utc.from_utc_datetime(&date(y, m, d).and_hms_opt(h, min, 0).unwrap())
    }

    #[test]
    fn local_dates_follow_british_summer_time() {
        // Winter: UTC is local time.
        assert_eq!(uk_date(utc(2026, 1, 15, 23, 30)), date(2026, 1, 15));
        // Summer: 23:30 UTC is 00:30 the next day in London.
        assert_eq!(uk_date(utc(2026, 7, 15, 23, 30)), date(2026, 7, 16));
        // Clocks go forward at 01:00 UTC on 29 March 2026 …
        assert_eq!(last_sunday(2026, 3), date(2026, 3, 29));
        assert_eq!(uk_date(utc(2026, 3, 28, 23, 30)), date(2026, 3, 28));
        assert_eq!(uk_date(utc(2026, 3, 29, 23, 30)), date(2026, 3, 30));
        // … and back at 01:00 UTC on 25 October 2026.
        assert_eq!(last_sunday(2026, 10), date(2026, 10, 25));
        assert_eq!(uk_date(utc(2026, 10, 24, 23, 30)), date(2026, 10, 25));
        assert_eq!(uk_date(utc(2026, 10, 25, 23, 30)), date(2026, 10, 25));
    }

    #[test]
    fn grouped_days_become_uk_dates() {
        assert_eq!(uk_date_of(date(2026, 7, 15), false), date(2026, 7, 15));
        assert_eq!(uk_date_of(date(2026, 7, 15), true), date(2026, 7, 16));
        assert_eq!(uk_date_of(date(2026, 1, 15), true), date(2026, 1, 15));
        assert_eq!(uk_date_of(date(2026, 10, 24), true), date(2026, 10, 25));
        assert_eq!(uk_date_of(date(2026, 10, 25), true), date(2026, 10, 25));
    }

    #[test]
    fn local_times_become_instants() {
        let at = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(
            uk_instant(date(2026, 1, 15), at(10, 0)),
            utc(2026, 1, 15, 10, 0)
        );
        assert_eq!(
            uk_instant(date(2026, 7, 15), at(10, 0)),
            utc(2026, 7, 15, 9, 0)
        );
        assert_eq!(
            uk_instant(date(2026, 7, 15), at(0, 30)),
            utc(2026, 7, 14, 23, 30)
        );
        // The hour skipped in March, and the hour repeated in October.
        assert_eq!(
            uk_instant(date(2026, 3, 29), at(1, 30)),
            utc(2026, 3, 29, 1, 30)
        );
        assert_eq!(
            uk_instant(date(2026, 10, 25), at(1, 30)),
            utc(2026, 10, 25, 0, 30)
        );
        for t in [utc(2026, 3, 29, 3, 0), utc(2026, 10, 25, 12, 0)] {
            let local = uk_datetime(t);
            assert_eq!(uk_instant(local.date(), local.time()), t);
        }
    }

    #[test]
    fn days_start_at_local_midnight() {
        assert_eq!(uk_start_of_day(date(2026, 1, 15)), utc(2026, 1, 15, 0, 0));
        assert_eq!(uk_start_of_day(date(2026, 7, 15)), utc(2026, 7, 14, 23, 0));
        assert_eq!(uk_start_of_day(date(2026, 3, 29)), utc(2026, 3, 29, 0, 0));
        assert_eq!(
            uk_start_of_day(date(2026, 10, 25)),
            utc(2026, 10, 24, 23, 0)
        );
        for d in [
            date(2026, 3, 29),
            date(2026, 7, 15),
            date(2026, 10, 25),
            date(2026, 10, 26),
        ] {
            assert_eq!(uk_date(uk_start_of_day(d)), d, "{d}");
        }
    }

    /// Finding 14: the waiting list's "N past target" counted working days
    /// while each row's tag compared dates, so they disagreed on weekends
    /// and bank holidays. Every receipt date, seen on every day of Easter
    /// and Christmas 2026 and the weekends around them, is past target by
    /// the count exactly when it is by the row's rule.
    #[test]
    fn the_past_target_count_and_each_row_agree_every_day() {
        let holidays = [
            date(2026, 4, 3),
            date(2026, 4, 6),
            date(2026, 12, 25),
            date(2026, 12, 28),
        ];
        let cal = WorkingCalendar::new(holidays);
        for target in [0, 1, 5, 10] {
            for today in date(2026, 3, 20)
                .iter_days()
                .take(40)
                .chain(date(2026, 12, 15).iter_days().take(30))
            {
                let latest = cal.latest_past_target(target, today);
                for received in (today - Duration::days(40)).iter_days().take(41) {
                    assert_eq!(
                        received <= latest,
                        cal.is_past_target(received, target, today),
                        "target {target}, today {today}, received {received}"
                    );
                }
            }
        }
        // Due on Thursday 2 April (5 working days after Thursday 26 March):
        // late from Good Friday, a bank holiday, onwards.
        assert!(!cal.is_past_target(date(2026, 3, 26), 5, date(2026, 4, 2)));
        assert!(cal.is_past_target(date(2026, 3, 26), 5, date(2026, 4, 3)));
        assert_eq!(
            cal.latest_past_target(5, date(2026, 4, 3)),
            date(2026, 3, 26)
        );
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // Good Friday and Easter Monday 2026.
        let cal = WorkingCalendar::new([date(2026, 4, 3), date(2026, 4, 6)]);
        let thursday = date(2026, 4, 2);
        assert!(!cal.is_working_day(date(2026, 4, 3)));
        assert!(!cal.is_working_day(date(2026, 4, 4)));
        assert_eq!(cal.add_working_days(thursday, 1), date(2026, 4, 7));
        assert_eq!(cal.add_working_days(thursday, 5), date(2026, 4, 13));
        assert_eq!(cal.add_working_days(thursday, 0), thursday);
        assert_eq!(cal.working_days_between(thursday, thursday), 0);
        assert_eq!(cal.working_days_between(thursday, date(2026, 4, 6)), 0);
        assert_eq!(cal.working_days_between(thursday, date(2026, 4, 13)), 5);
        assert_eq!(cal.working_days_between(date(2026, 4, 13), thursday), 0);
        // Received on a Saturday: the first working day is Monday.
        let plain = WorkingCalendar::default();
        assert_eq!(
            plain.add_working_days(date(2026, 5, 9), 1),
            date(2026, 5, 11)
        );
    }
}
