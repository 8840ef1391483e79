//! Feeds the directory is kept current from: Open Referral UK feeds a
//! directory manager registers (a council's, a national charity's), each
//! read again on its schedule, and the report each reading leaves.

use chrono::{Duration, NaiveTime};
use serde::{Deserialize, Serialize};

use super::validate::is_web_url;
use crate::validation::{Layout, ValidationErrors, text_field};
use crate::{FeedId, FeedRunId, Timestamp, UserId};

/// How often a feed may be read, in hours: from hourly to monthly.
pub const EVERY_HOURS: std::ops::RangeInclusive<i32> = 1..=744;

/// A registered feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub id: FeedId,
    pub name: String,
    /// The feed's base address (`https://…/api`) or its `/services`.
    pub url: String,
    pub every_hours: i32,
    /// When it is next read; asking for a reading now moves this to now.
    pub next_run_at: Timestamp,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// A feed as a directory manager types it in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewFeedInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub every_hours: String,
}

impl NewFeedInput {
    /// Checks what was typed; the first reading is at the next `nightly_at`
    /// (UTC) after `at` for a daily or slower feed, else `every_hours` on.
    pub fn validate(
        &self,
        by: UserId,
        at: Timestamp,
        nightly_at: NaiveTime,
    ) -> Result<Feed, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = text_field(
            &mut errors,
            "name",
            &self.name,
            Layout::Line,
            200,
            "The feed's name",
        );
        if name.is_none() && errors.for_field("name").is_none() {
            errors.add("name", "Enter a name for the feed, such as the council's");
        }
        let url = self.url.trim();
        if url.is_empty() {
            errors.add("url", "Enter the feed's web address");
        } else if url.len() > 2000 || !is_web_url(url) {
            errors.add(
                "url",
                "Enter the feed's web address as it starts, like https://example.org/api",
            );
        }
        let every_hours = match self.every_hours.trim().parse::<i32>() {
            Ok(h) if EVERY_HOURS.contains(&h) => Some(h),
            _ => {
                errors.add("every_hours", "Choose how often to read the feed");
                None
            }
        };
        let (Some(name), Some(every_hours)) = (name, every_hours) else {
            return Err(errors);
        };
        errors.into_result(())?;
        Ok(Feed {
            id: FeedId::new(),
            name,
            url: url.to_owned(),
            every_hours,
            next_run_at: first_run(at, every_hours, nightly_at),
            created_by: by,
            created_at: at,
        })
    }
}

/// A daily or slower feed is first read at night, when a full reading
/// disturbs no one; a more frequent one an interval from now.
fn first_run(at: Timestamp, every_hours: i32, nightly_at: NaiveTime) -> Timestamp {
    if every_hours < 24 {
        return at + Duration::hours(i64::from(every_hours));
    }
    let today = at.date_naive().and_time(nightly_at).and_utc();
    if today > at {
        today
    } else {
        today + Duration::days(1)
    }
}

impl Feed {
    /// When to read it after a reading that started at `started`: its
    /// interval on from when it was due, so a schedule does not drift by
    /// the time each reading takes, and never in the past.
    pub fn next_after(&self, started: Timestamp) -> Timestamp {
        let step = Duration::hours(i64::from(self.every_hours));
        let mut next = self.next_run_at.min(started) + step;
        while next <= started {
            next += step;
        }
        next
    }

    /// "Every night", "Every 6 hours", "Every 7 days".
    pub fn schedule_label(&self) -> String {
        schedule_label(self.every_hours)
    }
}

/// The choices the registration form offers.
pub const SCHEDULES: &[i32] = &[24, 6, 12, 168];

pub fn schedule_label(every_hours: i32) -> String {
    match every_hours {
        1 => "Every hour".into(),
        24 => "Every night".into(),
        h if h % 24 == 0 => format!("Every {} days", h / 24),
        h => format!("Every {h} hours"),
    }
}

/// Why a reading happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunTrigger {
    Schedule,
    /// A directory manager asked for it.
    Asked,
}

impl RunTrigger {
    pub fn code(self) -> &'static str {
        match self {
            RunTrigger::Schedule => "schedule",
            RunTrigger::Asked => "asked",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "schedule" => Some(RunTrigger::Schedule),
            "asked" => Some(RunTrigger::Asked),
            _ => None,
        }
    }
}

/// A service a reading names in its report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedService {
    pub id: uuid::Uuid,
    pub name: String,
}

/// A record the feed sent that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProblem {
    pub position: String,
    pub reason: String,
}

/// What one reading found and did, kept for the feed's page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    pub created: Vec<NamedService>,
    pub updated: Vec<NamedService>,
    /// No longer in the feed: marked inactive, not deleted.
    pub withdrawn: Vec<NamedService>,
    /// Edited in Linkwork since the feed last wrote them: the feed's
    /// version was not applied (nor, if they left the feed, withdrawn).
    pub kept_local: Vec<NamedService>,
    /// In the feed but already in the directory from another feed.
    pub other_feed: Vec<NamedService>,
    pub rejected: Vec<RunProblem>,
    pub warnings: Vec<RunProblem>,
}

/// One reading of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRun {
    pub id: FeedRunId,
    pub feed_id: FeedId,
    pub trigger: RunTrigger,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// Why nothing was applied, when the feed could not be read whole.
    pub failure: Option<String>,
    pub report: RunReport,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono::Utc;

    use super::*;

    fn input(name: &str, url: &str, every: &str) -> NewFeedInput {
        NewFeedInput {
            name: name.into(),
            url: url.into(),
            every_hours: every.into(),
        }
    }

    fn two_am() -> NaiveTime {
        NaiveTime::from_hms_opt(2, 0, 0).unwrap()
    }

    #[test]
    fn a_nightly_feed_is_first_read_at_the_next_night() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
        let feed = input("Council", "https://council.example/api", "24")
            .validate(UserId::new(), at, two_am())
            .unwrap();
        assert_eq!(
            feed.next_run_at,
            Utc.with_ymd_and_hms(2026, 12, 2, 2, 0, 0).unwrap()
        );
        let early = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
        let feed = input("Council", "https://council.example/api", "24")
            .validate(UserId::new(), early, two_am())
            .unwrap();
        assert_eq!(
            feed.next_run_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
        );
    }

    #[test]
    fn the_schedule_keeps_its_time_and_never_falls_behind() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        let mut feed = input("Council", "https://council.example/api", "24")
            .validate(UserId::new(), at, two_am())
            .unwrap();
        feed.next_run_at = at;
        // A reading that started late is still followed by the usual time.
        let started = at + Duration::minutes(3);
        assert_eq!(feed.next_after(started), at + Duration::days(1));
        // After three days without a reading, the next is in the future.
        let started = at + Duration::days(3) + Duration::hours(1);
        assert_eq!(feed.next_after(started), at + Duration::days(4));
    }

    #[test]
    fn bad_input_is_refused_field_by_field() {
        let errors = input("", "ftp://x", "0")
            .validate(UserId::new(), Utc::now(), two_am())
            .unwrap_err();
        assert!(errors.for_field("name").is_some());
        assert!(
            errors
                .for_field("url")
                .unwrap()
                .contains("https://example.org/api")
        );
        assert_eq!(
            errors.for_field("every_hours"),
            Some("Choose how often to read the feed")
        );
    }

    #[test]
    fn schedules_read_as_people_say_them() {
        assert_eq!(schedule_label(24), "Every night");
        assert_eq!(schedule_label(6), "Every 6 hours");
        assert_eq!(schedule_label(168), "Every 7 days");
    }
}
