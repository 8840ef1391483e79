//! People, referrals and what they need: reference data (needs, clinical
//! codes, which network covers which postcode district), API tokens and
//! the public form's rate limit.

use async_trait::async_trait;
use chrono::NaiveDate;
use linkwork_domain::api_token::ApiToken;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::codes::{ClinicalCode, CodePurpose, Need};
use linkwork_domain::consent::Consent;
use linkwork_domain::nhs_number::NhsNumber;
use linkwork_domain::person::Person;
use linkwork_domain::referral::{Referral, ReferralEvent, ReferralReference, ReferralStatus};
use linkwork_domain::{ApiTokenId, OrgId, PersonId, ReferralId, Timestamp, UserId};

use crate::{Page, PageRequest, StorageResult};

/// The person a new referral is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralPerson {
    /// A record created with the referral (boxed: a person is large).
    New(Box<Person>),
    /// A record the network already holds.
    Existing(PersonId),
}

/// Everything a new referral writes, together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub person: ReferralPerson,
    pub referral: Referral,
    pub consents: Vec<Consent>,
    /// Its history so far: at least the "received" entry.
    pub events: Vec<ReferralEvent>,
}

/// What a list of referrals shows about each person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonBrief {
    pub id: PersonId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: NaiveDate,
    pub nhs_number: Option<NhsNumber>,
    pub safeguarding_concern: bool,
}

impl PersonBrief {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralListItem {
    pub referral: Referral,
    pub person: PersonBrief,
}

/// Which referrals to list. Every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct ReferralFilter {
    pub pcn_id: Option<OrgId>,
    /// Any of these statuses; empty for any status.
    pub statuses: Vec<ReferralStatus>,
    /// `Some(None)` for unassigned referrals.
    pub assigned_to: Option<Option<UserId>>,
    /// Made by an organisation in this one's subtree.
    pub referrer_within: Option<OrgId>,
    pub person_id: Option<PersonId>,
    /// Received before this instant (exclusive).
    pub received_before: Option<Timestamp>,
    /// The person's search words contain every one of these (see
    /// `linkwork_domain::person::search_terms`).
    pub person_terms: Vec<String>,
    /// Only referrals whose reasons arrived as words, for the team to code.
    pub needs_coding: bool,
    /// Include referrals of people whose record is restricted. Off unless
    /// asked for, so no list shows them by mistake (decision 52).
    pub include_restricted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralOrder {
    /// The waiting list: longest waiting first (urgent ones before routine
    /// ones received the same day is the reader's job: they are tagged).
    OldestFirst,
    NewestFirst,
    /// The caseload: next action due soonest first, those without one last.
    NextActionDue,
}

#[async_trait]
pub trait PersonStore: Send + Sync {
    async fn person(&self, id: PersonId) -> StorageResult<Option<Person>>;
    /// The people with these ids that exist, in no particular order (for
    /// reports that group people, not for showing them).
    async fn people(&self, ids: &[PersonId]) -> StorageResult<Vec<Person>>;
    /// People of `pcn_id` with this NHS number, or this name, date of birth
    /// and postcode (`PersonDetails::match_key`): the same person, probably.
    async fn matching_people(
        &self,
        pcn_id: OrgId,
        nhs_number: Option<&NhsNumber>,
        match_key: Option<&str>,
    ) -> StorageResult<Vec<Person>>;
    /// People of these networks whose names, NHS number or postcode contain
    /// every one of `terms` (lower case), by name. Restricted records only
    /// `with_restricted`; records merged into another never.
    async fn search_people(
        &self,
        pcn_ids: &[OrgId],
        terms: &[String],
        with_restricted: bool,
        page: PageRequest,
    ) -> StorageResult<Page<Person>>;
    /// Saves changed details. `Conflict` if the NHS number is another
    /// person's in the same network.
    async fn update_person(&self, person: &Person, audit: &NewAuditEvent) -> StorageResult<()>;
    async fn record_consent(&self, consent: &Consent, audit: &NewAuditEvent) -> StorageResult<()>;
    /// Oldest first.
    async fn consents(&self, person_id: PersonId) -> StorageResult<Vec<Consent>>;
}

#[async_trait]
pub trait ReferralStore: Send + Sync {
    /// Writes the referral, its person (if new), consents and history.
    /// `Conflict` when its idempotency key or reference is taken, or a new
    /// person's NHS number is already known to the network; nothing is
    /// written then.
    async fn create_referral(&self, new: &NewReferral, audit: &NewAuditEvent) -> StorageResult<()>;
    async fn referral(&self, id: ReferralId) -> StorageResult<Option<Referral>>;
    async fn referral_by_reference(
        &self,
        reference: &ReferralReference,
    ) -> StorageResult<Option<Referral>>;
    async fn referral_by_idempotency_key(&self, key: &str) -> StorageResult<Option<Referral>>;
    async fn list_referrals(
        &self,
        filter: &ReferralFilter,
        order: ReferralOrder,
        page: PageRequest,
    ) -> StorageResult<Page<ReferralListItem>>;
    /// Oldest first.
    async fn referral_history(&self, id: ReferralId) -> StorageResult<Vec<ReferralEvent>>;
    /// Saves `referral`'s new state (its `version` one more than
    /// `expected_version`) with the history entry describing the change.
    /// `Conflict` if someone else changed it since `expected_version`.
    async fn update_referral(
        &self,
        referral: &Referral,
        expected_version: i64,
        event: &ReferralEvent,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    /// Writes many referrals in one transaction with multi-row inserts, and
    /// one audit event for the lot (demo data and benchmarks). Returns how
    /// many were written.
    async fn bulk_insert_referrals(
        &self,
        rows: &mut (dyn Iterator<Item = NewReferral> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64>;
}

/// The search synonyms as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSynonyms {
    pub text: String,
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: UserId,
}

#[async_trait]
pub trait ReferenceDataStore: Send + Sync {
    /// Every need, active or retired, in display order.
    async fn needs(&self) -> StorageResult<Vec<Need>>;
    /// Which directory needs (taxonomy term codes) serve each reason:
    /// `(need code, term code)` pairs.
    async fn need_terms(&self) -> StorageResult<Vec<(String, String)>>;
    /// Adds a need, or replaces the one with the same code.
    async fn save_need(&self, need: &Need, audit: &NewAuditEvent) -> StorageResult<()>;
    async fn clinical_code(&self, purpose: CodePurpose) -> StorageResult<Option<ClinicalCode>>;
    async fn clinical_codes(&self) -> StorageResult<Vec<ClinicalCode>>;
    async fn set_clinical_code(
        &self,
        code: &ClinicalCode,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    /// The directory search's everyday words (synonyms, in the format of
    /// `linkwork-search`'s shipped list) as a directory manager last saved
    /// them; `None` until anyone has, when search uses the shipped list.
    async fn search_synonyms(&self) -> StorageResult<Option<StoredSynonyms>>;
    /// Replaces them; returns the new version (1 for the first save, then
    /// one more each time), which tells every instance to apply them.
    async fn save_search_synonyms(
        &self,
        text: &str,
        by: UserId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<i64>;
    /// The network covering a postcode district ("RV1").
    async fn pcn_for_outcode(&self, outcode: &str) -> StorageResult<Option<OrgId>>;
    /// The districts a network covers, sorted.
    async fn pcn_coverage(&self, pcn_id: OrgId) -> StorageResult<Vec<String>>;
    /// Replaces the districts `pcn_id` covers. `Conflict` if one is
    /// covered by another network.
    async fn set_pcn_coverage(
        &self,
        pcn_id: OrgId,
        outcodes: &[String],
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
}

#[async_trait]
pub trait ApiTokenStore: Send + Sync {
    async fn create_api_token(&self, token: &ApiToken, audit: &NewAuditEvent) -> StorageResult<()>;
    async fn api_token_by_hash(&self, token_hash: &str) -> StorageResult<Option<ApiToken>>;
    async fn api_token(&self, id: ApiTokenId) -> StorageResult<Option<ApiToken>>;
    /// Tokens of organisations in `within`'s subtree (all when `None`),
    /// newest first.
    async fn api_tokens(&self, within: Option<OrgId>) -> StorageResult<Vec<ApiToken>>;
    /// `NotFound` unless the token exists and is not already revoked.
    async fn revoke_api_token(
        &self,
        id: ApiTokenId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    async fn touch_api_token(&self, id: ApiTokenId, at: Timestamp) -> StorageResult<()>;
}
