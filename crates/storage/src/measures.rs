//! Outcome evidence: questionnaire responses, the one-time links people
//! answer them from on their own phones, and GP appointments before and
//! after referral.

use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::measures::{GpAppointments, MeasureLink, MeasureResponse};
use linkwork_domain::message::Message;
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::{OrgId, PersonId, ReferralId, Timestamp};

use crate::StorageResult;

/// Everything one outcome action writes, in one transaction with its audit
/// events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasureChanges {
    pub responses: Vec<MeasureResponse>,
    pub links: Vec<MeasureLink>,
    /// The hash of a link this change uses up: refused with `Conflict` if
    /// it was already used, and then nothing is written.
    pub use_link: Option<(String, Timestamp)>,
    /// Added, or replacing the referral's figures.
    pub gp_appointments: Vec<GpAppointments>,
    /// Queued to send after the transaction commits (a link to a person).
    pub messages: Vec<Message>,
}

/// Which episodes of support a cohort figure counts: those in these
/// networks (every network when `None`) whose baseline was completed in
/// `[from, to)`.
#[derive(Debug, Clone)]
pub struct CohortFilter {
    pub pcn_ids: Option<Vec<OrgId>>,
    pub measure: String,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// Which referrals' GP appointment figures a cohort counts: referred in
/// `[from, to)` in these networks (all when `None`).
#[derive(Debug, Clone)]
pub struct GpCohortFilter {
    pub pcn_ids: Option<Vec<OrgId>>,
    pub from: Timestamp,
    pub to: Timestamp,
}

/// The referral an imported figure belongs to, found by NHS number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralOfPerson {
    pub referral_id: ReferralId,
    pub person_id: PersonId,
    pub pcn_id: OrgId,
    pub received_at: Timestamp,
    /// Their record is restricted: nothing more is recorded about them.
    pub restricted: bool,
}

#[async_trait]
pub trait MeasureStore: Send + Sync {
    async fn save_measures(
        &self,
        changes: &MeasureChanges,
        audit: &[NewAuditEvent],
    ) -> StorageResult<()>;
    /// A referral's responses, oldest first.
    async fn referral_responses(&self, referral: ReferralId)
    -> StorageResult<Vec<MeasureResponse>>;
    /// Every response of the episodes `filter` selects, oldest first.
    async fn cohort_responses(&self, filter: &CohortFilter) -> StorageResult<Vec<MeasureResponse>>;
    async fn measure_link(&self, token_hash: &str) -> StorageResult<Option<MeasureLink>>;
    async fn gp_appointments(&self, referral: ReferralId) -> StorageResult<Option<GpAppointments>>;
    async fn cohort_gp_appointments(
        &self,
        filter: &GpCohortFilter,
    ) -> StorageResult<Vec<GpAppointments>>;
    /// The most recent referral of the person with this NHS number, in
    /// these networks (any when `None`).
    async fn latest_referral_for(
        &self,
        nhs_number: &NhsNumber,
        pcn_ids: Option<&[OrgId]>,
    ) -> StorageResult<Option<ReferralOfPerson>>;
    /// Writes many changes at once (demo data), with one audit event.
    /// Links are not checked. Returns how many responses were written.
    async fn bulk_insert_measures(
        &self,
        rows: &mut (dyn Iterator<Item = MeasureChanges> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64>;
}
