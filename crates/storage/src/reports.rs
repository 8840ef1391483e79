//! Counts for reports: what happened to referrals in a period, grouped in
//! the database so a page never reads row by row. Times come back as a
//! UTC day and whether they fell in its last hour (`UtcDay`), the least
//! that still gives each one's UK date; the application turns them into
//! months and working days.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::casework::DischargeReason;
use linkwork_domain::person::Sex;
use linkwork_domain::postcode::ImdEdition;
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
    /// Referrals received in the period of people registered with each
    /// practice, by the clinical code they were recorded with.
    pub coded_by_practice: Vec<PracticeCodes>,
    /// People referred in the period who are registered with a practice,
    /// each counted once per group, for rates against the registered
    /// population: by their area's IMD decile, sex, date of birth and
    /// ethnic category code.
    pub registered_people: PeopleGroups,
    /// Onward referrals sent in the period that the service declined
    /// because it was full, by service: `(service id, name, declined)`.
    pub declined_full: Vec<(uuid::Uuid, String, u64)>,
    /// The needs in the latest "what matters" of each referral received in
    /// the period, by the person's postcode: `(need code, postcode,
    /// people)`, each person once per need and postcode.
    pub needs_by_postcode: Vec<(String, String, u64)>,
    /// Onward referrals sent in the period, by service and how long each
    /// took to start.
    pub onward_waits: Vec<OnwardWait>,
}

/// Onward referrals to one service sent on one `UtcDay`, started on
/// another (or not yet), and whether they are still waiting to start
/// (sent or accepted, not declined, withdrawn or ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnwardWait {
    pub service_id: uuid::Uuid,
    pub sent: UtcDay,
    pub started: Option<UtcDay>,
    pub waiting: bool,
    pub referrals: u64,
}

/// Distinct people in each group (`None`: not recorded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleGroups {
    pub by_decile: Vec<(Option<u8>, u64)>,
    pub by_sex: Vec<(Option<Sex>, u64)>,
    pub by_birth_date: Vec<(NaiveDate, u64)>,
    pub by_ethnicity: Vec<(Option<String>, u64)>,
}

/// Patients registered with some practices, by their LSOA's IMD decile
/// (patients in LSOAs with no deprivation loaded are left out) and by
/// sex and five-year age band.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisteredGroups {
    pub by_decile: Vec<(u8, u64)>,
    pub by_sex_age: Vec<(Sex, u8, u64)>,
}

/// A practice's referrals recorded with one clinical code: the referral's
/// own code (`code`), or the code of its outcome (`outcome_code`, e.g.
/// "declined").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeCodes {
    pub practice_id: OrgId,
    pub practice_name: String,
    pub practice_code: Option<String>,
    pub code: String,
    /// Whether `code` is the outcome's rather than the referral's.
    pub outcome: bool,
    pub referrals: u64,
    /// Distinct people among those referrals.
    pub people: u64,
}

/// A row of NHS England's registered patients by practice and LSOA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredLsoa {
    pub practice_code: String,
    pub lsoa: String,
    pub patients: u64,
}

/// A row of NHS England's registered patients by practice, sex and
/// five-year age band (`age_from` 0, 5, … 95, the last being 95 and over).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredAgeSex {
    pub practice_code: String,
    pub sex: Sex,
    pub age_from: u8,
    pub patients: u64,
}

/// An LSOA's Index of Multiple Deprivation rank and decile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LsoaDeprivation {
    pub lsoa: String,
    pub edition: ImdEdition,
    pub rank: u32,
    pub decile: u8,
}

/// A registered population loaded from the published files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisteredPopulation {
    ByLsoa(Vec<RegisteredLsoa>),
    ByAgeSex(Vec<RegisteredAgeSex>),
}

/// How many patients are registered with some practices, by each file (so
/// the reader can see where a denominator came from): `None` when the file
/// has no row for any of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisteredTotals {
    pub by_age_sex: Option<u64>,
    pub by_lsoa: Option<u64>,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn report_counts(&self, filter: &ReportFilter) -> StorageResult<ReportCounts>;
    /// Replaces the registered population of the file's kind with its
    /// rows, in one transaction with `audit`.
    async fn replace_registered_population(
        &self,
        rows: &RegisteredPopulation,
        audit: &NewAuditEvent,
    ) -> StorageResult<u64>;
    /// Replaces every LSOA's deprivation, in one transaction with `audit`.
    async fn replace_deprivation(
        &self,
        rows: &[LsoaDeprivation],
        audit: &NewAuditEvent,
    ) -> StorageResult<u64>;
    /// Patients registered with the practices of these ODS codes.
    async fn registered_totals(&self, practice_codes: &[String])
    -> StorageResult<RegisteredTotals>;
    async fn registered_groups(&self, practice_codes: &[String])
    -> StorageResult<RegisteredGroups>;
}
