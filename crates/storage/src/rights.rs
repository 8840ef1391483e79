//! Storage for the person's rights: restricting a record and lifting the
//! restriction, erasing it by anonymisation, and merging duplicates.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::person_rights::Restriction;
use linkwork_domain::{OrgId, PersonId, Timestamp};
use uuid::Uuid;

use crate::StorageResult;

/// One merge of a duplicate record (`merged_id`) into another
/// (`kept_id`), and whether it was undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonMerge {
    pub id: Uuid,
    pub pcn_id: OrgId,
    pub kept_id: PersonId,
    pub merged_id: PersonId,
    /// How many rows moved, for the page.
    pub moved: u64,
    pub merged_at: Timestamp,
    pub merged_by: String,
    pub undone_at: Option<Timestamp>,
    pub undone_by: Option<String>,
}

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

    /// Merges `merge.merged_id` into `merge.kept_id`: every row about the
    /// merged person (referrals, consents, casework, onward referrals,
    /// shortlists, questionnaires, messages) moves to the kept one, the
    /// merged record is kept, marked merged, and the merge is stored with
    /// the keys of exactly the rows that moved. Returns the merge with its
    /// count. `Conflict` if either record is already merged or erased, or
    /// they are not of one network; `NotFound` if either is missing.
    async fn merge_people(
        &self,
        merge: &PersonMerge,
        audit: &NewAuditEvent,
    ) -> StorageResult<PersonMerge>;

    /// Undoes a merge: exactly the rows that moved go back to the merged
    /// record, which is no longer marked merged. `Conflict` if it was
    /// undone already; `NotFound` if there is no such merge.
    async fn undo_merge(
        &self,
        id: Uuid,
        at: Timestamp,
        by: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<PersonMerge>;

    /// Merges into or of `person`, newest first.
    async fn person_merges(&self, person: PersonId) -> StorageResult<Vec<PersonMerge>>;

    async fn person_merge(&self, id: Uuid) -> StorageResult<Option<PersonMerge>>;

    /// People due for erasure under the retention rule: not erased,
    /// merged or restricted, with at least one referral and every one of
    /// them closed before `closed_before`. By id.
    async fn people_past_retention(
        &self,
        closed_before: Timestamp,
    ) -> StorageResult<Vec<(PersonId, OrgId)>>;

    /// Claims the scheduled job `name` if it is due at `now`, moving it on
    /// to `next_due`, in one statement: of instances asking at once, one
    /// gets `true`.
    async fn claim_job(
        &self,
        name: &str,
        now: Timestamp,
        next_due: Timestamp,
    ) -> StorageResult<bool>;
}
