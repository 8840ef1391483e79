//! Views across cases: a worker's day (the home page), their diary and
//! its calendar feed, the team lead's view of the team, and the open
//! safeguarding concerns of a team lead's networks.

use chrono::{Datelike, Duration, NaiveDate};
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::calendar::{uk_date, uk_start_of_day};
use linkwork_domain::casework::ContactStatus;
use linkwork_domain::organisation::Organisation;
use linkwork_domain::referral::ReferralStatus;
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::{OrgId, UserId};
use linkwork_storage::{
    CalendarFeed, ConcernItem, DiaryEntry, LoadCutoffs, PageRequest, ReferralFilter,
    ReferralListItem, ReferralOrder, TaskFilter, TaskItem, WorkerLoad,
};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;
use crate::secrets::{random_token, token_hash};

/// What the home page shows a link worker: today.
#[derive(Debug, Clone)]
pub struct MyDay {
    pub today: NaiveDate,
    pub contacts: Vec<DiaryEntry>,
    /// Open tasks due today or before, overdue first.
    pub tasks: Vec<TaskItem>,
    /// Referrals assigned to them still waiting for first contact.
    pub new_assignments: Vec<ReferralListItem>,
}

/// One day of a diary.
#[derive(Debug, Clone)]
pub struct DiaryDay {
    pub date: NaiveDate,
    pub entries: Vec<DiaryEntry>,
}

/// A week of someone's diary, Monday to Sunday.
#[derive(Debug, Clone)]
pub struct Diary {
    pub worker: linkwork_domain::user::User,
    pub days: Vec<DiaryDay>,
    pub feed: Option<CalendarFeed>,
}

/// The team lead's view of one network.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub pcn: Organisation,
    pub networks: Vec<Organisation>,
    pub loads: Vec<WorkerLoad>,
    pub no_contact_days: u32,
}

/// How many tasks the home page lists.
const TASKS_ON_HOME: u32 = 50;
/// How far the calendar feed reaches: back two weeks, ahead twelve.
const FEED_DAYS_BACK: i64 = 14;
const FEED_DAYS_AHEAD: i64 = 84;

impl App {
    /// The signed-in worker's day: contacts, tasks due and overdue, and new
    /// assignments. Listing people is audited.
    pub async fn my_day(&self, p: &Principal) -> AppResult<MyDay> {
        p.require(Permission::WorkWithPeople)?;
        let today = self.today();
        let start = uk_start_of_day(today);
        let contacts = self
            .store
            .diary(p.user.id, start, uk_start_of_day(today + Duration::days(1)))
            .await?;
        let tasks = self
            .store
            .tasks(&TaskFilter {
                owner: Some(p.user.id),
                due_by: Some(today),
                limit: TASKS_ON_HOME,
                ..Default::default()
            })
            .await?;
        let new_assignments = self
            .store
            .list_referrals(
                &ReferralFilter {
                    assigned_to: Some(Some(p.user.id)),
                    statuses: vec![ReferralStatus::Accepted],
                    ..Default::default()
                },
                ReferralOrder::OldestFirst,
                PageRequest::new(1, 20),
            )
            .await?
            .items;
        self.audit_people_shown(
            p,
            "Home page: today's contacts, tasks and new assignments",
            contacts
                .iter()
                .map(|e| (e.contact.person_id, e.contact.pcn_id))
                .chain(tasks.iter().map(|t| (t.task.person_id, t.task.pcn_id)))
                .chain(
                    new_assignments
                        .iter()
                        .map(|i| (i.referral.person_id, i.referral.pcn_id)),
                ),
        )
        .await?;
        Ok(MyDay {
            today,
            contacts,
            tasks,
            new_assignments,
        })
    }

    /// A week of a worker's diary (`worker` `None` for one's own; a team
    /// lead may open anyone's on their team). `week` is any day in it.
    pub async fn diary(
        &self,
        p: &Principal,
        worker: Option<UserId>,
        week: NaiveDate,
    ) -> AppResult<Diary> {
        p.require(Permission::WorkWithPeople)?;
        let worker = match worker {
            Some(id) if id != p.user.id => {
                p.require(Permission::ReassignCases)?;
                let user = self
                    .store
                    .user(id)
                    .await?
                    .ok_or(AppError::NotFound("user"))?;
                self.require_team(p, user.org_id, EntityRef::new("user", user.id))
                    .await?;
                user
            }
            _ => p.user.clone(),
        };
        let monday = week - Duration::days(i64::from(week.weekday().num_days_from_monday()));
        let entries = self
            .store
            .diary(
                worker.id,
                uk_start_of_day(monday),
                uk_start_of_day(monday + Duration::days(7)),
            )
            .await?;
        let days = (0..7)
            .map(|i| {
                let date = monday + Duration::days(i);
                DiaryDay {
                    date,
                    entries: entries
                        .iter()
                        .filter(|e| uk_date(e.contact.starts_at) == date)
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        self.audit_people_shown(
            p,
            &format!("Diary of {} for the week of {monday}", worker.display_name),
            entries
                .iter()
                .map(|e| (e.contact.person_id, e.contact.pcn_id)),
        )
        .await?;
        let feed = if worker.id == p.user.id {
            self.store.calendar_feed(p.user.id).await?
        } else {
            None
        };
        Ok(Diary { worker, days, feed })
    }

    /// Sets up (or replaces) the signed-in worker's calendar feed and
    /// returns its secret token, shown once.
    pub async fn issue_calendar_feed(&self, p: &Principal, full_names: bool) -> AppResult<String> {
        p.require(Permission::WorkWithPeople)?;
        let token = random_token();
        let feed = CalendarFeed {
            user_id: p.user.id,
            token_hash: token_hash(&token),
            full_names,
            created_at: now(),
        };
        let audit = NewAuditEvent::new(p.actor(), AuditAction::CalendarFeedIssue, now())
            .entity(EntityRef::new("user", p.user.id))
            .org(p.user.org_id)
            .detail(if full_names {
                "with full names"
            } else {
                "with first names and initials"
            })
            .ip(p.ip.clone());
        self.store
            .set_calendar_feed(p.user.id, Some(&feed), &audit)
            .await?;
        Ok(token)
    }

    pub async fn revoke_calendar_feed(&self, p: &Principal) -> AppResult<()> {
        p.require(Permission::WorkWithPeople)?;
        let audit = NewAuditEvent::new(p.actor(), AuditAction::CalendarFeedRevoke, now())
            .entity(EntityRef::new("user", p.user.id))
            .org(p.user.org_id)
            .ip(p.ip.clone());
        Ok(self
            .store
            .set_calendar_feed(p.user.id, None, &audit)
            .await?)
    }

    /// The iCalendar file a calendar app reads with a feed's secret token,
    /// or `NotFound` for a token that is wrong or revoked. Each read is
    /// audited, since it shows who the worker is seeing.
    pub async fn calendar_ics(&self, token: &str, ip: Option<String>) -> AppResult<String> {
        let feed = self
            .store
            .calendar_feed_by_hash(&token_hash(token))
            .await?
            .ok_or(AppError::NotFound("calendar"))?;
        let worker = self
            .store
            .user(feed.user_id)
            .await?
            .filter(|u| u.status == linkwork_domain::user::UserStatus::Active)
            .ok_or(AppError::NotFound("calendar"))?;
        let today = self.today();
        let entries = self
            .store
            .diary(
                worker.id,
                uk_start_of_day(today - Duration::days(FEED_DAYS_BACK)),
                uk_start_of_day(today + Duration::days(FEED_DAYS_AHEAD)),
            )
            .await?;
        self.store
            .record(
                &NewAuditEvent::new(
                    linkwork_domain::audit::Actor::System,
                    AuditAction::CalendarFeedRead,
                    now(),
                )
                .entity(EntityRef::new("user", worker.id))
                .org(worker.org_id)
                .detail(format!("{} contacts", entries.len()))
                .ip(ip),
            )
            .await?;
        Ok(ics(
            &entries,
            feed.full_names,
            self.settings.public_url.as_deref(),
        ))
    }

    /// The team lead's view of a network's link workers.
    pub async fn team_view(&self, p: &Principal, pcn: Option<OrgId>) -> AppResult<TeamView> {
        p.require(Permission::ReassignCases)?;
        let networks = self.team_networks(p).await?;
        let pcn = match pcn {
            Some(id) => networks.iter().find(|n| n.id == id),
            None => networks.first(),
        }
        .cloned()
        .ok_or(AppError::NotFound("network"))?;
        let days = self.settings.casework.no_contact_alert_days;
        let today = self.today();
        let loads = self
            .store
            .worker_loads(
                pcn.id,
                LoadCutoffs {
                    contact_since: uk_start_of_day(today - Duration::days(i64::from(days))),
                    today,
                    breach_received_before: self.breach_cutoff(today),
                },
            )
            .await?;
        Ok(TeamView {
            pcn,
            networks,
            loads,
            no_contact_days: days,
        })
    }

    /// Open safeguarding concerns across the team lead's networks, oldest
    /// first. The list is audited.
    pub async fn open_concerns(&self, p: &Principal) -> AppResult<Vec<ConcernItem>> {
        p.require(Permission::ReassignCases)?;
        let networks: Vec<OrgId> = self.team_networks(p).await?.iter().map(|n| n.id).collect();
        let concerns = self.store.open_concerns(&networks).await?;
        self.audit_people_shown(
            p,
            "Open safeguarding concerns",
            concerns.iter().map(|c| (c.note.person_id, c.note.pcn_id)),
        )
        .await?;
        Ok(concerns)
    }
}

/// The name a calendar shows: first name and initial unless the worker
/// chose full names.
fn calendar_name(e: &DiaryEntry, full: bool) -> String {
    let first = e
        .person
        .preferred_name
        .clone()
        .unwrap_or_else(|| e.person.given_name.clone());
    if full {
        format!("{first} {}", e.person.family_name)
    } else {
        let initial: String = e.person.family_name.chars().take(1).collect();
        format!("{first} {initial}")
    }
}

/// Escapes text for an iCalendar value (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace(['\r', '\n'], " ")
}

fn ics_time(at: linkwork_domain::Timestamp) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A diary as an iCalendar file. Times are in UTC, which every calendar
/// app shows in its own zone. Nothing about the person beyond a name goes
/// in: no notes, and no location for home visits (it is their address).
fn ics(entries: &[DiaryEntry], full_names: bool, public_url: Option<&str>) -> String {
    let stamp = ics_time(now());
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Linkwork//Diary//EN\r\nCALSCALE:GREGORIAN\r\n\
         METHOD:PUBLISH\r\nX-WR-CALNAME:Linkwork diary\r\n",
    );
    for e in entries {
        let c = &e.contact;
        let summary = format!("{} with {}", c.mode.label(), calendar_name(e, full_names));
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&format!("UID:{}@linkwork\r\n", c.id));
        out.push_str(&format!("DTSTAMP:{stamp}\r\n"));
        out.push_str(&format!("DTSTART:{}\r\n", ics_time(c.starts_at)));
        out.push_str(&format!("DTEND:{}\r\n", ics_time(c.ends_at())));
        out.push_str(&format!("SUMMARY:{}\r\n", ics_text(&summary)));
        if let Some(location) = c.location.as_deref()
            && c.mode != linkwork_domain::casework::ContactMode::HomeVisit
        {
            out.push_str(&format!("LOCATION:{}\r\n", ics_text(location)));
        }
        if let Some(base) = public_url {
            out.push_str(&format!(
                "URL:{}/referrals/{}/contacts\r\n",
                base.trim_end_matches('/'),
                c.referral_id
            ));
        }
        out.push_str(&format!(
            "STATUS:{}\r\n",
            match c.status {
                ContactStatus::CancelledByPerson | ContactStatus::CancelledByUs => "CANCELLED",
                _ => "CONFIRMED",
            }
        ));
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use linkwork_domain::casework::{Contact, ContactMode};
    use linkwork_domain::referral::ReferralReference;
    use linkwork_domain::{ContactId, OrgId, PersonId, ReferralId};
    use linkwork_storage::PersonBrief;

    fn entry(mode: ContactMode, location: &str) -> DiaryEntry {
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 8, 10, 0, 0).unwrap();
        DiaryEntry {
            contact: Contact {
                id: ContactId::new(),
                referral_id: ReferralId::new(),
                person_id: PersonId::new(),
                pcn_id: OrgId::new(),
                worker_id: UserId::new(),
                starts_at: at,
                duration_minutes: 45,
                mode,
                status: ContactStatus::Scheduled,
                location: Some(location.into()),
                notes: Some("Worried about her son".into()),
                created_at: at,
                created_by: UserId::new(),
                recorded_at: None,
                recorded_by: None,
                version: 1,
            },
            person: PersonBrief {
                id: PersonId::new(),
                given_name: "Ana".into(),
                family_name: "Nowak".into(),
                preferred_name: None,
                date_of_birth: NaiveDate::from_ymd_opt(1950, 3, 7).unwrap(),
                nhs_number: None,
                safeguarding_concern: false,
            },
            reference: ReferralReference::from_random(7),
        }
    }

    #[test]
    fn the_feed_names_people_by_first_name_and_initial_and_keeps_notes_out() {
        let entries = [
            entry(ContactMode::FaceToFace, "Riverside Library, room 2"),
            entry(ContactMode::HomeVisit, "14 Mill Lane, RV1 3BQ"),
        ];
        let file = ics(&entries, false, Some("https://linkwork.example"));
        assert!(file.starts_with("BEGIN:VCALENDAR\r\n") && file.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(file.matches("BEGIN:VEVENT").count(), 2);
        assert!(file.contains("SUMMARY:Face-to-face appointment with Ana N\r\n"));
        assert!(file.contains("DTSTART:20261208T100000Z\r\nDTEND:20261208T104500Z\r\n"));
        assert!(file.contains("LOCATION:Riverside Library\\, room 2\r\n"));
        for private in ["Nowak", "Mill Lane", "Worried", "1950"] {
            assert!(!file.contains(private), "{private} leaked into the feed");
        }
        let full = ics(&entries, true, None);
        assert!(full.contains("with Ana Nowak"));
        assert!(!full.contains("URL:"));
    }
}
