//! Opening times: reading ORUK schedules (`freq`, `byday`, `opens_at`,
//! `closes_at`) to answer "is it open on Tuesdays?", "is it open at 6pm?"
//! and to describe them in plain English.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use super::model::Schedule;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Weekday {
    Mo,
    Tu,
    We,
    Th,
    Fr,
    Sa,
    Su,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mo,
        Weekday::Tu,
        Weekday::We,
        Weekday::Th,
        Weekday::Fr,
        Weekday::Sa,
        Weekday::Su,
    ];

    /// The iCalendar code, `MO` … `SU`.
    pub fn code(self) -> &'static str {
        match self {
            Weekday::Mo => "MO",
            Weekday::Tu => "TU",
            Weekday::We => "WE",
            Weekday::Th => "TH",
            Weekday::Fr => "FR",
            Weekday::Sa => "SA",
            Weekday::Su => "SU",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Weekday::Mo => "Monday",
            Weekday::Tu => "Tuesday",
            Weekday::We => "Wednesday",
            Weekday::Th => "Thursday",
            Weekday::Fr => "Friday",
            Weekday::Sa => "Saturday",
            Weekday::Su => "Sunday",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Weekday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Weekday {
    type Err = String;
    /// Accepts `MO`, `mon`, `Monday` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Weekday::ALL
            .into_iter()
            .find(|d| {
                let name = d.name().to_ascii_lowercase();
                lower == d.code().to_ascii_lowercase()
                    || lower == name
                    || (lower.len() >= 3 && name.starts_with(&lower))
            })
            .ok_or_else(|| format!("{s:?} is not a day of the week"))
    }
}

/// Parses an opening time: `10:00`, `10:00:00`, `10:00:00.5`, and RFC 3339
/// times with an offset (`10:00:00Z`, `10:00:00+01:00`), whose local part is
/// used: opening times are wall-clock times where the service is.
pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    let local = raw
        .strip_suffix(['Z', 'z'])
        .or_else(|| {
            // An offset starts at the last '+' or a '-' after the seconds.
            raw.rfind(['+', '-']).filter(|&i| i >= 5).map(|i| &raw[..i])
        })
        .unwrap_or(raw);
    ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(local, format).ok())
}

/// One parsed schedule line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningRule {
    pub days: Vec<Weekday>,
    /// A monthly rule runs on some weeks only (e.g. the first Monday).
    pub monthly: bool,
    pub opens: Option<NaiveTime>,
    pub closes: Option<NaiveTime>,
}

impl OpeningRule {
    /// Reads a schedule, or says why it cannot be read.
    pub fn from_schedule(s: &Schedule) -> Result<OpeningRule, String> {
        let monthly = match s.freq.as_deref().map(|f| f.trim().to_ascii_uppercase()) {
            None => false,
            Some(f) if f == "WEEKLY" => false,
            Some(f) if f == "MONTHLY" => true,
            Some(other) => return Err(format!("freq {other:?} is not WEEKLY or MONTHLY")),
        };
        let mut days = Vec::new();
        for token in s
            .byday
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            // Monthly rules prefix the day with its week: 1MO, -1FR.
            let day =
                token.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
            let day = day
                .parse::<Weekday>()
                .map_err(|_| format!("byday {token:?} is not a day"))?;
            if !days.contains(&day) {
                days.push(day);
            }
        }
        days.sort();
        let time = |raw: &Option<String>, what: &str| match raw
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Ok(None),
            Some(t) => parse_time(t)
                .map(Some)
                .ok_or_else(|| format!("{what} {t:?} is not a time like 10:00")),
        };
        let opens = time(&s.opens_at, "opens_at")?;
        let closes = time(&s.closes_at, "closes_at")?;
        if let (Some(o), Some(c)) = (opens, closes)
            && c <= o
        {
            return Err(format!(
                "closes_at {} is not after opens_at {}",
                c.format("%H:%M"),
                o.format("%H:%M")
            ));
        }
        Ok(OpeningRule {
            days,
            monthly,
            opens,
            closes,
        })
    }

    pub fn open_on(&self, day: Weekday) -> bool {
        self.days.contains(&day)
    }

    /// Open on `day` at `time` (closing time itself excluded).
    pub fn open_at(&self, day: Weekday, time: NaiveTime) -> bool {
        self.open_on(day)
            && self.opens.is_none_or(|o| o <= time)
            && self.closes.is_none_or(|c| time < c)
    }

    /// Plain English: "Mondays and Thursdays, 10am to 12:30pm".
    pub fn describe(&self) -> String {
        let days = match self.days.as_slice() {
            [] => String::from("Days not given"),
            days if days.len() == 7 => "Every day".into(),
            [
                Weekday::Mo,
                Weekday::Tu,
                Weekday::We,
                Weekday::Th,
                Weekday::Fr,
            ] => "Weekdays".into(),
            days => {
                let names: Vec<String> = days.iter().map(|d| format!("{}s", d.name())).collect();
                join_and(&names)
            }
        };
        let days = if self.monthly {
            format!("{days} (some weeks each month)")
        } else {
            days
        };
        match (self.opens, self.closes) {
            (Some(o), Some(c)) => format!("{days}, {} to {}", clock(o), clock(c)),
            (Some(o), None) => format!("{days}, from {}", clock(o)),
            (None, Some(c)) => format!("{days}, until {}", clock(c)),
            (None, None) => days,
        }
    }
}

/// "10am", "12:30pm", "12pm" (midday).
pub fn clock(t: NaiveTime) -> String {
    let (pm, hour) = t.hour12();
    let suffix = if pm { "pm" } else { "am" };
    if t.minute() == 0 {
        format!("{hour}{suffix}")
    } else {
        format!("{hour}:{:02}{suffix}", t.minute())
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn schedule(freq: &str, byday: &str, opens: &str, closes: &str) -> Schedule {
        Schedule {
            id: Uuid::nil(),
            freq: Some(freq.into()),
            byday: Some(byday.into()),
            opens_at: Some(opens.into()),
            closes_at: Some(closes.into()),
            ..Default::default()
        }
    }

    #[test]
    fn parses_days_in_every_spelling() {
        assert_eq!("MO".parse::<Weekday>(), Ok(Weekday::Mo));
        assert_eq!("tuesday".parse::<Weekday>(), Ok(Weekday::Tu));
        assert_eq!("Wed".parse::<Weekday>(), Ok(Weekday::We));
        assert!("Funday".parse::<Weekday>().is_err());
    }

    #[test]
    fn parses_times_with_and_without_offsets() {
        let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        for raw in [
            "10:00",
            "10:00:00",
            "10:00:00Z",
            "10:00:00+01:00",
            "10:00:00.00-05:00",
        ] {
            assert_eq!(parse_time(raw), Some(ten), "{raw}");
        }
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("ten"), None);
        assert_eq!(parse_time(""), None);
    }

    #[test]
    fn weekly_rules_answer_open_questions() {
        let rule = OpeningRule::from_schedule(&schedule("WEEKLY", "TH,MO", "10:00:00", "12:30:00"))
            .unwrap();
        assert_eq!(rule.days, vec![Weekday::Mo, Weekday::Th]);
        assert!(rule.open_on(Weekday::Mo) && !rule.open_on(Weekday::Tu));
        assert!(rule.open_at(Weekday::Th, NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
        assert!(
            !rule.open_at(Weekday::Th, NaiveTime::from_hms_opt(12, 30, 0).unwrap()),
            "closed at closing time"
        );
        assert_eq!(rule.describe(), "Mondays and Thursdays, 10am to 12:30pm");
    }

    #[test]
    fn monthly_rules_and_descriptions() {
        let rule =
            OpeningRule::from_schedule(&schedule("monthly", "1MO,-1FR", "18:00", "20:00")).unwrap();
        assert!(rule.monthly);
        assert_eq!(
            rule.describe(),
            "Mondays and Fridays (some weeks each month), 6pm to 8pm"
        );
        let weekdays =
            OpeningRule::from_schedule(&schedule("WEEKLY", "MO,TU,WE,TH,FR", "09:00", "17:00"))
                .unwrap();
        assert_eq!(weekdays.describe(), "Weekdays, 9am to 5pm");
    }

    #[test]
    fn unreadable_schedules_say_why() {
        assert!(
            OpeningRule::from_schedule(&schedule("DAILY", "MO", "10:00", "11:00"))
                .unwrap_err()
                .contains("freq")
        );
        assert!(
            OpeningRule::from_schedule(&schedule("WEEKLY", "XX", "10:00", "11:00"))
                .unwrap_err()
                .contains("byday")
        );
        assert!(
            OpeningRule::from_schedule(&schedule("WEEKLY", "MO", "10am", "11:00"))
                .unwrap_err()
                .contains("opens_at")
        );
        assert!(
            OpeningRule::from_schedule(&schedule("WEEKLY", "MO", "11:00", "10:00"))
                .unwrap_err()
                .contains("not after")
        );
    }
}
