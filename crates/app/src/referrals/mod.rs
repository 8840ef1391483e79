//! Referrals, by every route, and the people they are about: intake,
//! triage and the waiting list, caseloads, the person's record, API tokens
//! for other systems, and the reference data referrals are coded with.
//!
//! Who may see what: a network's team (link workers, team leads) sees and
//! finds the people and referrals of its own network only; a referring
//! organisation sees the status of the referrals it made, never the team's
//! notes. Anything else is "not found", so a record's existence is not
//! revealed. Every read of a person's record is audited.

mod access;
mod api_clients;
mod intake;
mod people;
mod reference;
mod triage;

use chrono::{Duration, NaiveDate};
use linkwork_domain::Timestamp;
use linkwork_domain::calendar::{WorkingCalendar, uk_date, uk_start_of_day};
use linkwork_domain::referral::Referral;
use linkwork_domain::time::now;

use crate::App;

pub use access::{Audience, ReferralRecord};
pub use api_clients::{ApiClient, IssuedToken};
pub use intake::{DuplicateChoice, IntakeOutcome, PossibleMatch, Submission, Submitter};
pub use people::PersonRecord;
pub use triage::{CaseloadScope, Waiting, WaitingList, WaitingStage};

impl App {
    /// Today, in the UK.
    pub fn today(&self) -> NaiveDate {
        uk_date(now())
    }

    /// Weekdays less the configured bank holidays.
    pub fn working_calendar(&self) -> &WorkingCalendar {
        &self.calendar
    }

    /// When first contact is due for a referral received at `received_at`.
    pub fn first_contact_due(&self, received_at: Timestamp) -> NaiveDate {
        self.working_calendar().add_working_days(
            uk_date(received_at),
            self.settings.referrals.first_contact_target_working_days,
        )
    }

    /// How long a referral has waited (or waited) for first contact, and
    /// whether that is past the target.
    pub fn waiting(&self, referral: &Referral, today: NaiveDate) -> Waiting {
        let calendar = self.working_calendar();
        let target = self.settings.referrals.first_contact_target_working_days;
        let received = uk_date(referral.received_at);
        let until = referral.first_contact_at.map(uk_date).unwrap_or(today);
        let still_waiting = referral.first_contact_at.is_none() && !referral.status.is_closed();
        Waiting {
            working_days: calendar.working_days_between(received, until),
            due: self.first_contact_due(referral.received_at),
            breached: (still_waiting || referral.first_contact_at.is_some())
                && calendar.is_past_target(received, target, until),
            still_waiting,
        }
    }

    /// Referrals received before this instant are past the first-contact
    /// target today if they have not had it (by the same rule as each
    /// row's `Waiting::breached`): the start of the day after the latest
    /// receipt date that is past its target.
    pub(crate) fn breach_cutoff(&self, today: NaiveDate) -> Timestamp {
        let target = self.settings.referrals.first_contact_target_working_days;
        let latest = self.working_calendar().latest_past_target(target, today);
        uk_start_of_day(latest + Duration::days(1))
    }
}
