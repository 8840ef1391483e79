//! Contacts: each appointment, call, home visit, video call or group
//! session with the person, planned and then recorded as it went.

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use super::coded_enum;
use crate::calendar::uk_instant;
use crate::person::DateParts;
use crate::validation::{ValidationErrors, text};
use crate::{ContactId, OrgId, PersonId, ReferralId, Timestamp, UserId};

coded_enum! {
    /// How the contact happens.
    ContactMode {
        FaceToFace => "face_to_face", "Face-to-face appointment";
        Phone => "phone", "Phone call";
        HomeVisit => "home_visit", "Home visit";
        Video => "video", "Video call";
        Group => "group", "Group session";
    }
}

coded_enum! {
    /// Where a contact stands: planned, or how it went.
    ContactStatus {
        Scheduled => "scheduled", "Booked";
        Attended => "attended", "Attended";
        DidNotAttend => "did_not_attend", "Did not attend";
        CancelledByPerson => "cancelled_by_person", "Cancelled by the person";
        CancelledByUs => "cancelled_by_us", "Cancelled by us";
    }
}

impl ContactStatus {
    /// The outcomes a booked contact can be recorded with.
    pub const OUTCOMES: [ContactStatus; 4] = [
        ContactStatus::Attended,
        ContactStatus::DidNotAttend,
        ContactStatus::CancelledByPerson,
        ContactStatus::CancelledByUs,
    ];

    pub fn tag_class(self) -> &'static str {
        match self {
            ContactStatus::Scheduled => "nhsuk-tag--blue",
            ContactStatus::Attended => "nhsuk-tag--green",
            ContactStatus::DidNotAttend => "nhsuk-tag--red",
            ContactStatus::CancelledByPerson | ContactStatus::CancelledByUs => "nhsuk-tag--grey",
        }
    }
}

/// The longest contact anyone records: a whole working day.
pub const MAX_DURATION_MINUTES: u32 = 8 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub id: ContactId,
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub pcn_id: OrgId,
    /// The link worker the contact is with.
    pub worker_id: UserId,
    pub starts_at: Timestamp,
    pub duration_minutes: u32,
    pub mode: ContactMode,
    pub status: ContactStatus,
    /// Where, for a visit or group (e.g. "Riverside Library, room 2").
    pub location: Option<String>,
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub created_by: UserId,
    /// When the outcome was recorded, and by whom.
    pub recorded_at: Option<Timestamp>,
    pub recorded_by: Option<UserId>,
    pub version: i64,
}

impl Contact {
    pub fn is_booked(&self) -> bool {
        self.status == ContactStatus::Scheduled
    }

    pub fn ends_at(&self) -> Timestamp {
        self.starts_at + chrono::Duration::minutes(i64::from(self.duration_minutes))
    }
}

/// The contact form, as typed: booking one, or recording one that
/// happened (or did not).
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub date: DateParts,
    /// "14:30", "2.30pm", "9am".
    pub time: String,
    pub duration_minutes: String,
    pub mode: String,
    /// Empty or "scheduled" to book; an outcome to record.
    pub status: String,
    pub location: String,
    pub notes: String,
}

/// A checked contact form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    pub starts_at: Timestamp,
    pub duration_minutes: u32,
    pub mode: ContactMode,
    pub status: ContactStatus,
    pub location: Option<String>,
    pub notes: Option<String>,
}

/// A time of day as people type it: "14:30", "14.30", "2:30pm", "9am",
/// "9 am", "noon".
pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    let lower = raw.trim().to_ascii_lowercase().replace(' ', "");
    if lower == "noon" || lower == "midday" {
        return NaiveTime::from_hms_opt(12, 0, 0);
    }
    let (digits, pm) = if let Some(d) = lower.strip_suffix("pm") {
        (d, Some(true))
    } else if let Some(d) = lower.strip_suffix("am") {
        (d, Some(false))
    } else {
        (lower.as_str(), None)
    };
    let (h, m) = match digits.split_once([':', '.']) {
        Some((h, m)) if m.len() == 2 => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        Some(_) => return None,
        None => (digits.parse::<u32>().ok()?, 0),
    };
    let h = match pm {
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(true) if h < 12 => h + 12,
        Some(false) if h == 12 => 0,
        _ => h,
    };
    NaiveTime::from_hms_opt(h, m, 0)
}

impl ContactInput {
    /// Checks the form. A booking must be for later today or the future;
    /// a recorded outcome must be for a contact that has started (by
    /// `now`), so nobody records a visit that has not happened yet.
    pub fn validate(
        &self,
        now: Timestamp,
        today: NaiveDate,
    ) -> Result<ContactDetails, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let date = super::optional_date(&mut e, "date", &self.date, "The date");
        if date.is_none() && e.for_field("date").is_none() {
            e.add("date", "Enter the date of the contact");
        }
        let time = match self.time.trim() {
            "" => {
                e.add("time", "Enter the time, like 14:30 or 2:30pm");
                None
            }
            raw => {
                let time = parse_time(raw);
                if time.is_none() {
                    e.add("time", "Enter a real time, like 14:30 or 2:30pm");
                }
                time
            }
        };
        let duration_minutes = match self.duration_minutes.trim() {
            "" => 30,
            raw => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_DURATION_MINUTES).contains(&n) => n,
                _ => {
                    e.add(
                        "duration_minutes",
                        format!(
                            "Enter how long in minutes, a whole number from 1 to {MAX_DURATION_MINUTES}"
                        ),
                    );
                    0
                }
            },
        };
        let mode = ContactMode::from_code(&self.mode);
        if mode.is_none() {
            e.add("mode", "Select how the contact happens");
        }
        let status = match self.status.trim() {
            "" => Some(ContactStatus::Scheduled),
            code => ContactStatus::from_code(code),
        };
        if status.is_none() {
            e.add("status", "Select what happened");
        }
        let location = text(&mut e, "location", &self.location, 200, "Where");
        let notes = text(&mut e, "notes", &self.notes, 4000, "Notes");
        let starts_at = date.zip(time).map(|(d, t)| uk_instant(d, t));
        if let (Some(at), Some(status)) = (starts_at, status) {
            if status == ContactStatus::Scheduled && date < Some(today) {
                e.add(
                    "date",
                    "A booking must be for today or later; to record a past contact, say what happened",
                );
            } else if status != ContactStatus::Scheduled && at > now {
                e.add(
                    "date",
                    "This contact has not happened yet: book it, and record what happened afterwards",
                );
            }
        }
        e.into_result(())?;
        Ok(ContactDetails {
            starts_at: starts_at.expect("validated"),
            duration_minutes,
            mode: mode.expect("validated"),
            status: status.expect("validated"),
            location,
            notes,
        })
    }
}

/// Recording how a booked contact went, as typed.
#[derive(Debug, Clone, Default)]
pub struct ContactOutcomeInput {
    pub status: String,
    pub duration_minutes: String,
    pub notes: String,
}

impl ContactOutcomeInput {
    pub fn validate(
        &self,
        contact: &Contact,
        now: Timestamp,
    ) -> Result<(ContactStatus, u32, Option<String>), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let status =
            ContactStatus::from_code(&self.status).filter(|s| ContactStatus::OUTCOMES.contains(s));
        match status {
            None => e.add("status", "Select what happened"),
            Some(ContactStatus::Attended | ContactStatus::DidNotAttend)
                if contact.starts_at > now =>
            {
                e.add(
                    "status",
                    "This contact has not started yet: it can only be cancelled for now",
                )
            }
            Some(_) => {}
        }
        let duration = match self.duration_minutes.trim() {
            "" => contact.duration_minutes,
            raw => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_DURATION_MINUTES).contains(&n) => n,
                _ => {
                    e.add(
                        "duration_minutes",
                        format!(
                            "Enter how long in minutes, a whole number from 1 to {MAX_DURATION_MINUTES}"
                        ),
                    );
                    0
                }
            },
        };
        let notes = text(&mut e, "notes", &self.notes, 4000, "Notes");
        e.into_result(())?;
        Ok((status.expect("validated"), duration, notes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn t(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    #[test]
    fn times_are_read_as_people_write_them() {
        for (raw, expected) in [
            ("14:30", t(14, 30)),
            ("14.30", t(14, 30)),
            ("2:30pm", t(14, 30)),
            ("2.30 PM", t(14, 30)),
            ("9am", t(9, 0)),
            ("12am", t(0, 0)),
            ("12pm", t(12, 0)),
            ("noon", t(12, 0)),
            ("9", t(9, 0)),
            ("25:00", None),
            ("13pm", None),
            ("9:5", None),
            ("soon", None),
            ("", None),
        ] {
            assert_eq!(parse_time(raw), expected, "{raw}");
        }
    }

    fn input(day: &str, status: &str) -> ContactInput {
        ContactInput {
            date: DateParts {
                day: day.into(),
                month: "December".into(),
                year: "2026".into(),
            },
            time: "10:00".into(),
            duration_minutes: String::new(),
            mode: "phone".into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn bookings_are_for_the_future_and_outcomes_for_the_past() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let booked = input("9", "").validate(now, today).unwrap();
        assert_eq!(booked.status, ContactStatus::Scheduled);
        assert_eq!(booked.duration_minutes, 30);
        assert_eq!(
            booked.starts_at,
            Utc.with_ymd_and_hms(2026, 12, 9, 10, 0, 0).unwrap()
        );
        let err = input("1", "scheduled").validate(now, today).unwrap_err();
        assert!(err.for_field("date").unwrap().contains("today or later"));
        assert!(input("1", "attended").validate(now, today).is_ok());
        let err = input("9", "attended").validate(now, today).unwrap_err();
        assert!(
            err.for_field("date")
                .unwrap()
                .contains("has not happened yet")
        );
        let err = ContactInput::default().validate(now, today).unwrap_err();
        for field in ["date", "time", "mode"] {
            assert!(err.for_field(field).is_some(), "{field}");
        }
    }
}
