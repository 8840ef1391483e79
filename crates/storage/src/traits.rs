use async_trait::async_trait;
use linkwork_domain::audit::{AuditEvent, NewAuditEvent};
use linkwork_domain::geo::GeoPoint;
use linkwork_domain::organisation::{OrgScope, Organisation};
use linkwork_domain::postcode::Postcode;
use linkwork_domain::role::{Role, Roles};
use linkwork_domain::session::{CredentialToken, Session};
use linkwork_domain::user::{Email, User, UserStatus};
use linkwork_domain::{AuditEventId, OrgId, Timestamp, UserId};

use crate::{
    ApiTokenStore, Page, PageRequest, PersonStore, ReferenceDataStore, ReferralStore, StorageResult,
};

/// What a bulk load filled, for [`HealthStore::refresh_statistics`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkLoaded {
    Directory,
    Postcodes,
    /// Everything (the demo data).
    Everything,
}

/// Whether the database answers, and keeping its planner informed.
#[async_trait]
pub trait HealthStore: Send + Sync {
    async fn ping(&self) -> StorageResult<()>;

    /// Refreshes the query planner's statistics (`ANALYZE`) for what a
    /// bulk load filled. PostgreSQL's autovacuum would get there in its own
    /// time, SQLite's never; until then the planner judges the new rows by
    /// the old, nearly empty, tables.
    async fn refresh_statistics(&self, loaded: BulkLoaded) -> StorageResult<()>;
}

#[async_trait]
pub trait OrganisationStore: Send + Sync {
    /// Fails with `Conflict` if the code is already used.
    async fn create_organisation(
        &self,
        org: &Organisation,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    async fn organisation(&self, id: OrgId) -> StorageResult<Option<Organisation>>;
    async fn organisation_by_code(&self, code: &str) -> StorageResult<Option<Organisation>>;
    /// Organisations within `within`'s subtree (all when `None`), by name.
    async fn list_organisations(&self, within: Option<OrgId>) -> StorageResult<Vec<Organisation>>;
    /// `root` and every organisation beneath it.
    async fn org_scope(&self, root: OrgId) -> StorageResult<OrgScope>;
}

/// Which users to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only users of organisations in this organisation's subtree.
    pub within: Option<OrgId>,
    pub org_id: Option<OrgId>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    /// Matches part of the name or email, ignoring case.
    pub text: Option<String>,
}

/// An account with its password hash, for signing in.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: Option<String>,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `Conflict` if the email already has an account.
    async fn create_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    async fn user(&self, id: UserId) -> StorageResult<Option<User>>;
    async fn user_credentials(&self, email: &Email) -> StorageResult<Option<UserCredentials>>;
    /// Users by name.
    async fn list_users(&self, filter: &UserFilter, page: PageRequest)
    -> StorageResult<Page<User>>;
    /// Disabling also ends every session of the user.
    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    async fn set_user_roles(
        &self,
        id: UserId,
        roles: &Roles,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    /// Replaces the password, marks an invited user active, ends every
    /// session but `keep_session` and voids the user's set-password links.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        keep_session: Option<&str>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts a session and records the user's sign-in time.
    async fn create_session(&self, session: &Session, audit: &NewAuditEvent) -> StorageResult<()>;
    /// The live-or-not session with its user; the caller checks expiry.
    async fn session_with_user(&self, token_hash: &str) -> StorageResult<Option<(Session, User)>>;
    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> StorageResult<()>;
    async fn delete_session(&self, token_hash: &str, audit: &NewAuditEvent) -> StorageResult<()>;
    /// Housekeeping: removes sessions past `now` or idle since `idle_before`.
    async fn delete_stale_sessions(
        &self,
        now: Timestamp,
        idle_before: Timestamp,
    ) -> StorageResult<u64>;
}

#[async_trait]
pub trait CredentialTokenStore: Send + Sync {
    /// Issues a one-time link, voiding any earlier link for the same user.
    async fn issue_credential_token(
        &self,
        token: &CredentialToken,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    async fn credential_token(&self, token_hash: &str) -> StorageResult<Option<CredentialToken>>;
    /// Uses up a set-password link and sets `user_id`'s password, as
    /// `UserStore::set_password` does, in one transaction: `false` (and
    /// nothing changed) unless the link is still there for that user and
    /// unexpired at `at`, so a link can be used once however many requests
    /// bring it at the same moment.
    async fn redeem_credential_token(
        &self,
        token_hash: &str,
        user_id: UserId,
        at: Timestamp,
        password_hash: &str,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool>;
}

/// Attempts (sign-ins, public form submissions) counted per key, in a
/// window that starts at a key's first attempt, held in the database so a
/// limit holds across every instance. Counting is one atomic step, so
/// requests made at the same moment each see their own count.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one attempt at `at` against each of `keys` and returns each
    /// key's attempts in its current window, this one included, in the
    /// order given. A key whose window began before `window_start` starts a
    /// new window at `at`. With `audit`, the event is written in the same
    /// transaction.
    async fn count_attempts(
        &self,
        keys: &[String],
        at: Timestamp,
        window_start: Timestamp,
        audit: Option<&NewAuditEvent>,
    ) -> StorageResult<Vec<u32>>;
    /// A key's attempts in its current window, without counting one: 0 when
    /// it has none, or its window began before `window_start`.
    async fn attempts(&self, key: &str, window_start: Timestamp) -> StorageResult<u32>;
    /// Forgets a key's attempts.
    async fn clear_attempts(&self, key: &str) -> StorageResult<()>;
    /// Housekeeping: forgets windows that began before `before`.
    async fn prune_attempts(&self, before: Timestamp) -> StorageResult<u64>;
}

/// Which audit events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events belonging to organisations in this subtree. `None` lists
    /// everything, including events that belong to no organisation.
    pub within: Option<OrgId>,
    /// With `within`, also the events that belong to no organisation
    /// (sign-ins to unknown accounts, the public form, exports), for the
    /// deployment's top-level administrators.
    pub unattributed: bool,
    /// Only events with one of these actions (codes), when not empty.
    pub actions: Vec<String>,
    /// Part of the actor's label (their email), ignoring case.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an event that accompanies no other change (a read of a
    /// record, a sign-in refused).
    async fn record(&self, event: &NewAuditEvent) -> StorageResult<()>;
    /// Appends several events in one transaction (a list of people shown,
    /// one event per person).
    async fn record_all(&self, events: &[NewAuditEvent]) -> StorageResult<()>;
    /// Newest first.
    async fn audit_events(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StorageResult<Page<AuditEvent>>;
    /// Oldest first, the `limit` events after `after` (by time, then id), for
    /// exporting a log of any size in batches.
    async fn audit_events_after(
        &self,
        filter: &AuditFilter,
        after: Option<(Timestamp, AuditEventId)>,
        limit: u32,
    ) -> StorageResult<Vec<AuditEvent>>;
}

/// One postcode of the lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct PostcodeRecord {
    pub postcode: Postcode,
    pub point: GeoPoint,
    /// The Lower layer Super Output Area the postcode is in.
    pub lsoa: Option<String>,
    /// The LSOA's Index of Multiple Deprivation rank (1 = most deprived).
    pub imd_rank: Option<u32>,
    pub imd_decile: Option<u8>,
}

#[async_trait]
pub trait PostcodeStore: Send + Sync {
    /// Adds or replaces postcodes in one transaction, so an import that
    /// fails or is interrupted leaves the lookup as it was. An `Err` from
    /// `rows` aborts the import (`StorageError::Aborted`) and rolls it back.
    /// Returns how many were written.
    async fn import_postcodes(
        &self,
        rows: &mut (dyn Iterator<Item = Result<PostcodeRecord, String>> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<u64>;
    async fn postcode(&self, postcode: &Postcode) -> StorageResult<Option<PostcodeRecord>>;
    /// The mean position of a district's postcodes ("LS1").
    async fn outcode_centroid(&self, outcode: &str) -> StorageResult<Option<GeoPoint>>;
    async fn postcode_count(&self) -> StorageResult<u64>;
}

/// Everything Linkwork stores. Implemented for any type that implements
/// each part.
pub trait Store:
    HealthStore
    + OrganisationStore
    + UserStore
    + SessionStore
    + CredentialTokenStore
    + RateLimitStore
    + AuditStore
    + PostcodeStore
    + crate::DirectoryStore
    + crate::FeedStore
    + PersonStore
    + ReferralStore
    + ReferenceDataStore
    + ApiTokenStore
    + crate::CaseworkStore
    + crate::LinkingStore
    + crate::MessageStore
    + crate::MeasureStore
    + crate::ReportStore
    + crate::RightsStore
    + crate::SignInStore
    + 'static
{
}

impl<T> Store for T where
    T: HealthStore
        + OrganisationStore
        + UserStore
        + SessionStore
        + CredentialTokenStore
        + RateLimitStore
        + AuditStore
        + PostcodeStore
        + crate::DirectoryStore
        + crate::FeedStore
        + PersonStore
        + ReferralStore
        + ReferenceDataStore
        + ApiTokenStore
        + crate::CaseworkStore
        + crate::LinkingStore
        + crate::MessageStore
        + crate::MeasureStore
        + crate::ReportStore
        + crate::RightsStore
        + crate::SignInStore
        + 'static
{
}
