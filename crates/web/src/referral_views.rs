//! How referrals and people read on the page: dates on UK clocks, rows of
//! the waiting list and caseloads, needs by their labels.

use chrono::NaiveDate;
use linkwork_app::App;
use linkwork_app::referrals::Waiting;
use linkwork_domain::calendar::{uk_date, uk_datetime};
use linkwork_domain::codes::Need;
use linkwork_domain::referral::{ReferralStatus, Urgency};
use linkwork_domain::user::User;
use linkwork_domain::{ReferralId, Timestamp};
use linkwork_storage::ReferralListItem;

/// "7 March 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// "7 Mar 2026", for tables.
pub fn short_date(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// "7 March 2026 at 14:05", on UK clocks.
pub fn when(at: Timestamp) -> String {
    uk_datetime(at).format("%-d %B %Y at %H:%M").to_string()
}

/// The day something happened, on UK clocks.
pub fn day_of(at: Timestamp) -> String {
    short_date(uk_date(at))
}

/// Labels for need codes, in the referral's order.
pub fn need_labels(codes: &[String], needs: &[Need]) -> String {
    codes
        .iter()
        .map(|code| {
            needs
                .iter()
                .find(|n| &n.code == code)
                .map(|n| n.label.clone())
                .unwrap_or_else(|| code.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One referral in a list.
pub struct ReferralRow {
    pub id: ReferralId,
    pub reference: String,
    pub person_name: String,
    pub date_of_birth: String,
    pub nhs_number: String,
    pub safeguarding: bool,
    /// The referral's details disagree with the record holding its NHS
    /// number: the team checks who the person is.
    pub identity_check: bool,
    /// Some reasons arrived as words only: the team codes the needs.
    pub needs_coding: bool,
    pub status: ReferralStatus,
    pub urgent: bool,
    pub received: String,
    pub route: &'static str,
    pub needs: String,
    pub waiting: Waiting,
    pub due: String,
    pub assigned: String,
    pub next_action_due: String,
    pub next_action_note: String,
    /// The next action's date has passed.
    pub overdue: bool,
    /// They attended a service they were linked to.
    pub intervention_received: bool,
}

impl ReferralRow {
    pub fn new(
        app: &App,
        item: &ReferralListItem,
        needs: &[Need],
        workers: &[User],
        today: NaiveDate,
    ) -> ReferralRow {
        let r = &item.referral;
        let waiting = app.waiting(r, today);
        ReferralRow {
            id: r.id,
            reference: r.reference.to_string(),
            person_name: item.person.full_name(),
            date_of_birth: short_date(item.person.date_of_birth),
            nhs_number: item
                .person
                .nhs_number
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            safeguarding: item.person.safeguarding_concern,
            identity_check: r.identity_check.is_some(),
            needs_coding: r.needs_coding,
            status: r.status,
            urgent: r.urgency == Urgency::Urgent,
            received: day_of(r.received_at),
            route: r.route.label(),
            needs: need_labels(&r.needs, needs),
            due: short_date(waiting.due),
            waiting,
            assigned: r
                .assigned_to
                .and_then(|id| workers.iter().find(|w| w.id == id))
                .map(|w| w.display_name.clone())
                .unwrap_or_default(),
            next_action_due: r.next_action_due.map(short_date).unwrap_or_default(),
            next_action_note: r.next_action_note.clone().unwrap_or_default(),
            overdue: r.next_action_due.is_some_and(|d| d < today),
            intervention_received: r.intervention_received_at.is_some(),
        }
    }
}
