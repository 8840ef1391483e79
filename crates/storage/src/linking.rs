//! Linking people to community support: onward referrals and the
//! partners' answers, services' capacity, favourites, shortlists, and the
//! queue of messages that tell people about them. Changes are written with
//! the rest of a case's (`CaseworkChanges`); what is here reads them, and
//! works the message queue.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::linking::{Capacity, OnwardReferral, OnwardStatus, Shortlist};
use linkwork_domain::message::Message;
use linkwork_domain::referral::ReferralReference;
use linkwork_domain::{MessageId, OnwardReferralId, OrgId, ShortlistId, Timestamp, UserId};
use uuid::Uuid;

use crate::{Page, PageRequest, PersonBrief, StorageResult};

/// One entry of an onward referral's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnwardEvent {
    pub id: Uuid,
    pub onward_id: OnwardReferralId,
    pub at: Timestamp,
    /// The signed-in user, if it was not an answer from an email link.
    pub actor_user_id: Option<UserId>,
    pub actor_label: String,
    pub summary: String,
    pub note: Option<String>,
}

/// A one-time link in a partner's email, for one answer to one referral.
/// Only the hash of its secret is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerLink {
    pub token_hash: String,
    pub onward_id: OnwardReferralId,
    /// The answer's code (`PartnerAnswerKind`).
    pub answer: String,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// An onward referral with whom it is about, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnwardItem {
    pub onward: OnwardReferral,
    pub person: PersonBrief,
    pub reference: ReferralReference,
}

/// Whose onward referrals "needs attention" lists.
#[derive(Debug, Clone)]
pub struct AttentionFilter {
    pub pcn_ids: Vec<OrgId>,
    /// Only cases assigned to this link worker.
    pub assigned_to: Option<UserId>,
    pub unanswered_before: Timestamp,
}

/// Which onward referrals a partner's inbox lists.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    pub partners: Vec<OrgId>,
    /// Any of these; empty for all.
    pub statuses: Vec<OnwardStatus>,
}

#[async_trait]
pub trait LinkingStore: Send + Sync {
    async fn onward_referral(&self, id: OnwardReferralId) -> StorageResult<Option<OnwardReferral>>;
    /// Oldest first.
    async fn onward_history(&self, id: OnwardReferralId) -> StorageResult<Vec<OnwardEvent>>;
    /// A partner's referrals, newest first. Partners see no person's
    /// record: the list carries the referral's reference, not a brief.
    async fn partner_inbox(
        &self,
        filter: &InboxFilter,
        page: PageRequest,
    ) -> StorageResult<Page<OnwardReferral>>;
    /// Onward referrals of open cases that need the link worker: declined
    /// or not attended and not yet seen, or sent before `unanswered_before`
    /// with no answer. Oldest first.
    async fn needs_attention(&self, filter: &AttentionFilter) -> StorageResult<Vec<OnwardItem>>;
    /// Sent before `before`, unanswered and not yet chased, of people
    /// whose records are not restricted: for the sweep that makes "chase
    /// the partner" tasks.
    async fn unchased(&self, before: Timestamp, limit: u32) -> StorageResult<Vec<OnwardReferral>>;
    async fn answer_link(&self, token_hash: &str) -> StorageResult<Option<AnswerLink>>;

    async fn capacities(&self, service_ids: &[Uuid]) -> StorageResult<Vec<Capacity>>;
    /// Every capacity in force on `today`.
    async fn current_capacities(&self, today: NaiveDate) -> StorageResult<Vec<Capacity>>;
    /// Sets (or with `None` clears) a service's capacity.
    async fn set_capacity(
        &self,
        service_id: Uuid,
        capacity: Option<&Capacity>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;

    async fn favourites(&self, user: UserId) -> StorageResult<Vec<Uuid>>;
    async fn set_favourite(
        &self,
        user: UserId,
        service_id: Uuid,
        favourite: bool,
        at: Timestamp,
    ) -> StorageResult<()>;

    async fn shortlist(&self, id: ShortlistId) -> StorageResult<Option<Shortlist>>;
}

/// The message queue, worked by every instance: each message is sent once.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Up to `limit` queued messages due by `now`, claimed until
    /// `claim_until` so no other instance takes them meanwhile.
    async fn claim_messages(
        &self,
        now: Timestamp,
        claim_until: Timestamp,
        limit: u32,
    ) -> StorageResult<Vec<Message>>;
    /// Records how a claimed message went: sent, to try again later, held
    /// in the outbox or given up on (the message's new state).
    async fn finish_message(&self, message: &Message) -> StorageResult<()>;
    /// The outbox: messages for organisations within `within` (all when
    /// `None`), newest first.
    async fn messages(
        &self,
        within: Option<OrgId>,
        page: PageRequest,
    ) -> StorageResult<Page<Message>>;
    async fn message(&self, id: MessageId) -> StorageResult<Option<Message>>;
}
