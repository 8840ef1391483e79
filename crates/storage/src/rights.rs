//! Storage for the person's rights: restricting a record and lifting the
//! restriction, and erasing it by anonymisation.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::person_rights::Restriction;
use linkwork_domain::{PersonId, Timestamp};

use crate::StorageResult;

/// What erasing a person's record needs to know beyond their id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub person_id: PersonId,
    /// The date of birth the record keeps (the year, for age bands).
    pub date_of_birth: NaiveDate,
    pub at: Timestamp,
    /// Text that identifies them (their full name, NHS number): any audit
    /// entry whose detail holds one, about any record, is blanked too.
    pub identifying: Vec<String>,
}

#[async_trait]
pub trait RightsStore: Send + Sync {
    /// Restricts a person's record (`Some`), or lifts the restriction
    /// (`None`). `NotFound` if there is no such person.
    async fn set_restriction(
        &self,
        id: PersonId,
        restriction: Option<&Restriction>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;

    /// Anonymises the person, in one transaction: their names, NHS
    /// number, contact details, address and every free text about them
    /// (their referrals' details, casework, onward referrals, shortlists,
    /// messages) are replaced with `ERASED_TEXT` or removed, and audit
    /// details naming them are blanked; what reports count (sex, ethnic
    /// group, deprivation decile, practice, the year of birth, dates,
    /// statuses, needs, scores) is kept. `Conflict` naming the referral if
    /// one of theirs is still open; `NotFound` if there is no such person.
    /// `audit` is written after the blanking, so it is kept as given.
    async fn erase_person(&self, erasure: &Erasure, audit: &NewAuditEvent) -> StorageResult<()>;
}
