//! What keeping the directory current from registered feeds needs from a
//! database.

use async_trait::async_trait;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::directory::feeds::{Feed, FeedRun, RunTrigger};
use linkwork_domain::{FeedId, FeedRunId, Timestamp};
use uuid::Uuid;

use crate::{Page, PageRequest, StorageResult};

/// A registered feed with its latest reading, for the list of feeds.
#[derive(Debug, Clone)]
pub struct FeedWithLastRun {
    pub feed: Feed,
    /// A directory manager asked for it to be read at its next chance.
    pub asked: bool,
    pub last_run: Option<FeedRun>,
}

/// A service a feed brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedService {
    pub service_id: Uuid,
    /// A digest of the service as the feed last sent it.
    pub fingerprint: String,
    /// Changed in Linkwork since the feed last wrote it.
    pub edited_locally: bool,
    /// It left the feed and was marked inactive.
    pub withdrawn: bool,
}

/// What a finished reading changes besides the services it wrote.
#[derive(Debug, Clone)]
pub struct FinishedRun<'a> {
    pub run: &'a FeedRun,
    /// Services the reading wrote, with their fingerprints: now the
    /// feed's, no longer withdrawn, no longer marked as edited locally.
    pub written: &'a [(Uuid, String)],
    /// The feed's services that left it: marked inactive (not deleted)
    /// and logged as changed so every instance's index follows.
    pub withdraw: &'a [Uuid],
    pub next_run_at: Timestamp,
}

#[async_trait]
pub trait FeedStore: Send + Sync {
    /// Registers a feed; `StorageError::Conflict` when a registered feed
    /// has the same address.
    async fn add_feed(&self, feed: &Feed, audit: &NewAuditEvent) -> StorageResult<()>;

    /// The registered feeds (not removed), by name, with their latest
    /// readings.
    async fn feeds(&self) -> StorageResult<Vec<FeedWithLastRun>>;

    async fn feed(&self, id: FeedId) -> StorageResult<Option<FeedWithLastRun>>;

    /// Stops reading a feed. Its services stay in the directory as
    /// ordinary listings and its reports are kept. Returns whether it was
    /// registered.
    async fn remove_feed(
        &self,
        id: FeedId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool>;

    /// Makes a feed due now, to be read by whichever instance claims it.
    async fn ask_feed_run(
        &self,
        id: FeedId,
        at: Timestamp,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool>;

    /// Claims the feed most overdue at `at` for this instance until
    /// `claim_until`, so that no other instance reads it meanwhile.
    async fn claim_due_feed(
        &self,
        at: Timestamp,
        claim_until: Timestamp,
    ) -> StorageResult<Option<(Feed, RunTrigger)>>;

    /// The services `feed` brought.
    async fn feed_services(&self, feed: FeedId) -> StorageResult<Vec<FeedService>>;

    /// The services other feeds brought, which this one must not take.
    async fn services_of_other_feeds(&self, feed: FeedId) -> StorageResult<Vec<Uuid>>;

    /// Records a finished reading, applies its links and withdrawals,
    /// schedules the next and releases the claim, in one transaction.
    async fn finish_feed_run(
        &self,
        finished: FinishedRun<'_>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;

    /// A feed's readings, newest first.
    async fn feed_runs(&self, feed: FeedId, page: PageRequest) -> StorageResult<Page<FeedRun>>;

    async fn feed_run(&self, id: FeedRunId) -> StorageResult<Option<FeedRun>>;

    /// Lets the feed's next reading write a listing edited locally again.
    /// Returns whether it was marked as edited locally.
    async fn release_local_edit(
        &self,
        service_id: Uuid,
        audit: &NewAuditEvent,
    ) -> StorageResult<bool>;
}
