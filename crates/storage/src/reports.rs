//! Counts for reports: what happened to referrals in a period, grouped in
//! the database so a page never reads row by row. Times come back as a
//! UTC day and whether they fell in its last hour (`UtcDay`), the least
//! that still gives each one's UK date; the application turns them into
//! months and working days.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::casework::DischargeReason;
use linkwork_domain::referral::ReferralRoute;
use linkwork_domain::{OrgId, Timestamp, UserId};

use crate::StorageResult;

/// What a report counts: referrals received in `[from, to)` in these
/// networks (never all: an empty list counts nothing), of people
/// registered with `practice_id` when given. Counts of things that happen
/// later (contacts, discharges, onward referrals) take their own time in
/// the period instead, as each says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFilter {
    pub pcn_ids: Vec<OrgId>,
    pub practice_id: Option<OrgId>,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// An instant as grouped counts keep it: its UTC date, and whether it was
/// from 23:00 UTC (see `linkwork_domain::calendar::uk_date_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcDay {
    pub day: NaiveDate,
    pub last_hour: bool,
}

/// Referrals received on one `UtcDay`, first contacted on another (or not
/// yet), and whether they are still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitCount {
    pub received: UtcDay,
    pub first_contact: Option<UtcDay>,
    pub open: bool,
    pub referrals: u64,
}

/// Onward referrals sent in the period to one partner organisation (or,
/// with `partner` `None`, to services with no partner organisation here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnwardCount {
    pub partner: Option<(OrgId, String)>,
    pub sent: u64,
    pub answered: u64,
    pub accepted: u64,
    pub declined: u64,
    pub declined_full: u64,
    pub started: u64,
    pub completed: u64,
}

/// Every count behind the dashboard, for one filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportCounts {
    /// Referrals received, by when.
    pub received: Vec<(UtcDay, u64)>,
    pub by_route: Vec<(ReferralRoute, u64)>,
    /// By referring organisation; `None` for referrals from no organisation
    /// (self and community referrals).
    pub by_referrer: Vec<(Option<(OrgId, String)>, u64)>,
    /// By need code; a referral giving two needs counts under both.
    pub by_need: Vec<(String, u64)>,
    pub waits: Vec<WaitCount>,
    /// Referrals received in the period whose person received an
    /// intervention (`intervention_received_at` set).
    pub with_intervention: u64,
    /// Distinct people with a referral received in the period.
    pub people_referred: u64,
    /// Open referrals (accepted or in progress) assigned to each worker
    /// now, whenever received: a caseload is today's, not the period's.
    pub caseloads: Vec<(UserId, String, u64)>,
    /// Attended contacts in the period, per person: `(contacts, people)`.
    pub contacts_per_person: Vec<(u64, u64)>,
    /// Discharges in the period, by reason.
    pub discharges: Vec<(DischargeReason, u64)>,
    pub onward: Vec<OnwardCount>,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn report_counts(&self, filter: &ReportFilter) -> StorageResult<ReportCounts>;
}
