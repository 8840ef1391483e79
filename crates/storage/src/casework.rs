//! The link worker's casework: contacts, "what matters", plans, notes and
//! safeguarding concerns, tasks, discharges and calendar feeds.
//!
//! A casework action often changes several records at once (recording the
//! first attended contact also starts the referral's support, closes the
//! contact's task and may book the next one), so changes are written as one
//! `CaseworkChanges`, in one transaction with their audit events.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::casework::{CaseNote, Contact, Discharge, Plan, Task, WhatMatters};
use linkwork_domain::consent::Consent;
use linkwork_domain::linking::{OnwardReferral, Shortlist};
use linkwork_domain::message::Message;
use linkwork_domain::referral::{Referral, ReferralEvent, ReferralReference};
use linkwork_domain::{
    ContactId, OnwardReferralId, OrgId, PersonId, ReferralId, Timestamp, UserId,
};

use crate::{PersonBrief, StorageResult};

/// A referral changed by a casework action: its new state, the version it
/// was read at, and the history entry describing the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralUpdate {
    pub referral: Referral,
    pub expected_version: i64,
    pub event: ReferralEvent,
}

/// Everything one casework action writes. Parts read with a version are
/// refused with `Conflict` if someone changed them in the meantime, and
/// then nothing is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseworkChanges {
    pub referral: Option<ReferralUpdate>,
    /// Contacts to add (`None`) or change (the version they were read at).
    /// A changed contact carries its new version.
    pub contacts: Vec<(Contact, Option<i64>)>,
    /// A new revision; refused if that revision number already exists.
    pub what_matters: Option<WhatMatters>,
    /// The plan with its new version, and the version it was read at
    /// (0 when the referral had no plan yet).
    pub plan: Option<(Plan, i64)>,
    /// New notes, or notes whose safeguarding concern was resolved.
    pub notes: Vec<CaseNote>,
    /// Tasks to add or replace (by id).
    pub tasks: Vec<Task>,
    pub discharge: Option<Discharge>,
    /// Moves a referral's open tasks and booked contacts to another link
    /// worker, when the case is reassigned.
    pub reassign: Option<(ReferralId, UserId)>,
    /// Onward referrals to add (`None`) or change (the version read).
    pub onward: Vec<(OnwardReferral, Option<i64>)>,
    pub onward_events: Vec<crate::OnwardEvent>,
    /// New one-time answer links (for a partner without an account).
    pub answer_links: Vec<crate::AnswerLink>,
    /// The hash of an answer link this change uses up: refused with
    /// `Conflict` if it was already used.
    pub use_link: Option<(String, Timestamp)>,
    /// Onward referrals the link worker has seen the answer to.
    pub seen: Vec<(OnwardReferralId, Timestamp)>,
    pub shortlists: Vec<Shortlist>,
    pub consents: Vec<Consent>,
    /// Queued to send after the transaction commits.
    pub messages: Vec<Message>,
    /// The person attended a service they were linked to: the referral's
    /// first such moment is kept.
    pub intervention: Option<(ReferralId, Timestamp)>,
}

impl CaseworkChanges {
    pub fn is_empty(&self) -> bool {
        *self == CaseworkChanges::default()
    }
}

/// Everything recorded in one referral's casework.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFile {
    /// Oldest first.
    pub contacts: Vec<Contact>,
    /// The latest revision.
    pub what_matters: Option<WhatMatters>,
    pub plan: Option<Plan>,
    /// Newest first.
    pub notes: Vec<CaseNote>,
    /// Open ones first by due date, then done ones.
    pub tasks: Vec<Task>,
    pub discharge: Option<Discharge>,
    /// Newest first.
    pub onward: Vec<OnwardReferral>,
    /// Newest first.
    pub shortlists: Vec<Shortlist>,
}

/// A contact in someone's diary, with whom it is with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryEntry {
    pub contact: Contact,
    pub person: PersonBrief,
    pub reference: ReferralReference,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub owner: Option<UserId>,
    pub referral_id: Option<ReferralId>,
    pub open_only: bool,
    /// Open tasks due on or before this date.
    pub due_by: Option<NaiveDate>,
    pub limit: u32,
}

/// A task with whom it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskItem {
    pub task: Task,
    pub person: PersonBrief,
    pub reference: ReferralReference,
}

/// A link worker's load, for the team lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerLoad {
    pub user_id: UserId,
    pub name: String,
    /// Accepted or in progress, assigned to them.
    pub open_cases: u64,
    /// In progress with no attended contact since the cut-off.
    pub without_recent_contact: u64,
    pub overdue_tasks: u64,
    /// Assigned, still waiting for first contact past the target.
    pub waiting_breaches: u64,
    /// Open cases whose person has attended a service they were linked to.
    pub intervention_received: u64,
}

/// What the team lead's view counts from.
#[derive(Debug, Clone, Copy)]
pub struct LoadCutoffs {
    /// "No contact for N days": no attended contact since this instant.
    pub contact_since: Timestamp,
    /// Tasks due before this date are overdue.
    pub today: NaiveDate,
    /// Referrals received before this are past the first-contact target.
    pub breach_received_before: Timestamp,
}

/// An open safeguarding concern, with whom it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcernItem {
    pub note: CaseNote,
    pub person: PersonBrief,
    pub reference: ReferralReference,
}

/// A link worker's calendar feed: a secret address their calendar app
/// reads; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    pub user_id: UserId,
    pub token_hash: String,
    /// Show people's full names; otherwise first name and initial only.
    pub full_names: bool,
    pub created_at: Timestamp,
}

#[async_trait]
pub trait CaseworkStore: Send + Sync {
    /// Writes `changes` and `audit` in one transaction.
    async fn save_casework(
        &self,
        changes: &CaseworkChanges,
        audit: &[NewAuditEvent],
    ) -> StorageResult<()>;
    async fn case_file(&self, referral_id: ReferralId) -> StorageResult<CaseFile>;
    /// Every revision, newest first.
    async fn what_matters_history(
        &self,
        referral_id: ReferralId,
    ) -> StorageResult<Vec<WhatMatters>>;
    /// The newest revision across all of a person's referrals.
    async fn latest_what_matters(&self, person_id: PersonId) -> StorageResult<Option<WhatMatters>>;
    async fn contact(&self, id: ContactId) -> StorageResult<Option<Contact>>;
    /// A worker's contacts starting in `[from, to)`, in time order.
    async fn diary(
        &self,
        worker: UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> StorageResult<Vec<DiaryEntry>>;
    /// Tasks matching `filter`: open ones by due date first.
    async fn tasks(&self, filter: &TaskFilter) -> StorageResult<Vec<TaskItem>>;
    /// Each link worker and team lead of the network, with their load.
    async fn worker_loads(
        &self,
        pcn: OrgId,
        cutoffs: LoadCutoffs,
    ) -> StorageResult<Vec<WorkerLoad>>;
    /// Open safeguarding concerns in these networks, oldest first.
    async fn open_concerns(&self, pcn_ids: &[OrgId]) -> StorageResult<Vec<ConcernItem>>;
    /// Writes many referrals' casework at once (demo data), with one audit
    /// event. Versions are not checked.
    async fn bulk_insert_casework(
        &self,
        rows: &mut (dyn Iterator<Item = CaseworkChanges> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64>;
    /// Sets (or with `None` revokes) a user's calendar feed.
    async fn set_calendar_feed(
        &self,
        user: UserId,
        feed: Option<&CalendarFeed>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    async fn calendar_feed(&self, user: UserId) -> StorageResult<Option<CalendarFeed>>;
    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StorageResult<Option<CalendarFeed>>;
}
