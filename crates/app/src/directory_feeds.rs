//! Feeds the directory is kept current from. A directory manager registers
//! the Open Referral UK feeds the area draws on; each is read again on its
//! schedule by exactly one instance (claimed in the database, as messages
//! are), its changes applied, services that left it marked inactive rather
//! than deleted, listings edited in Linkwork since left as they are and
//! said so, and every reading's report kept for the feed's page.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Duration, NaiveTime};
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::directory::feeds::{
    Feed, FeedRun, NamedService, NewFeedInput, RunProblem, RunReport,
};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_domain::{FeedId, FeedRunId};
use linkwork_storage::{
    DirectoryRecord, FeedWithLastRun, FinishedRun, Page, PageRequest, StorageError,
};
use uuid::Uuid;

use crate::App;
use crate::directory_import::{
    DirectoryImportSummary, FeedClient, ImportOptions, ImportSource, Stage,
};
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// How long an instance holds a feed it is reading. Longer than a national
/// feed takes over a slow link, so no second instance starts meanwhile;
/// if the instance dies, another picks the feed up after this.
const CLAIM: Duration = Duration::hours(2);

/// A feed's page: the feed and its readings.
pub struct FeedView {
    pub feed: FeedWithLastRun,
    pub runs: Page<FeedRun>,
}

impl App {
    /// Reads feeds through `client` (the command line wires an HTTP
    /// client; without one, feeds are registered but not read).
    pub fn with_feed_client(mut self, client: Arc<dyn FeedClient>) -> App {
        self.feed_client = Some(client);
        self
    }

    pub async fn directory_feeds(&self, p: &Principal) -> AppResult<Vec<FeedWithLastRun>> {
        p.require(Permission::ImportDirectory)?;
        Ok(self.store.feeds().await?)
    }

    /// Registers a feed, checked first; the same address twice is refused.
    pub async fn register_feed(&self, p: &Principal, input: &NewFeedInput) -> AppResult<Feed> {
        p.require(Permission::ImportDirectory)?;
        let nightly = NaiveTime::from_hms_opt(self.settings.directory.feed_hour_utc.min(23), 0, 0)
            .unwrap_or_default();
        let feed = input.validate(p.user.id, now(), nightly)?;
        let event = self
            .feed_audit(p, AuditAction::FeedRegister, feed.id)
            .detail(format!("{} ({})", feed.name, feed.url));
        match self.store.add_feed(&feed, &event).await {
            Ok(()) => Ok(feed),
            Err(StorageError::Conflict(message)) => {
                Err(ValidationErrors::single("url", message).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn directory_feed(
        &self,
        p: &Principal,
        id: FeedId,
        page: PageRequest,
    ) -> AppResult<FeedView> {
        p.require(Permission::ImportDirectory)?;
        let feed = self.registered_feed(id).await?;
        let runs = self.store.feed_runs(id, page).await?;
        Ok(FeedView { feed, runs })
    }

    /// One reading's report, of the feed it belongs to.
    pub async fn feed_run(
        &self,
        p: &Principal,
        feed: FeedId,
        run: FeedRunId,
    ) -> AppResult<(FeedWithLastRun, FeedRun)> {
        p.require(Permission::ImportDirectory)?;
        let feed = self.registered_feed(feed).await?;
        let run = self
            .store
            .feed_run(run)
            .await?
            .filter(|r| r.feed_id == feed.feed.id)
            .ok_or(AppError::NotFound("feed reading"))?;
        Ok((feed, run))
    }

    /// Makes a feed due now: whichever instance claims it first reads it,
    /// within a minute (`feed_check_seconds`).
    pub async fn ask_feed_run(&self, p: &Principal, id: FeedId) -> AppResult<()> {
        p.require(Permission::ImportDirectory)?;
        let feed = self.registered_feed(id).await?;
        let event = self
            .feed_audit(p, AuditAction::FeedRunAsk, id)
            .detail(feed.feed.name.clone());
        if !self.store.ask_feed_run(id, now(), &event).await? {
            return Err(AppError::NotFound("feed"));
        }
        Ok(())
    }

    /// Stops reading a feed; its services stay as ordinary listings.
    pub async fn remove_feed(&self, p: &Principal, id: FeedId) -> AppResult<()> {
        p.require(Permission::ImportDirectory)?;
        let feed = self.registered_feed(id).await?;
        let event = self
            .feed_audit(p, AuditAction::FeedRemove, id)
            .detail(format!("{} ({})", feed.feed.name, feed.feed.url));
        if !self.store.remove_feed(id, now(), &event).await? {
            return Err(AppError::NotFound("feed"));
        }
        Ok(())
    }

    /// Lets the feed's next reading overwrite a listing edited locally.
    pub async fn release_local_edit(
        &self,
        p: &Principal,
        feed: FeedId,
        service: Uuid,
    ) -> AppResult<()> {
        p.require(Permission::ImportDirectory)?;
        self.registered_feed(feed).await?;
        let mine = self.store.feed_services(feed).await?;
        if !mine.iter().any(|s| s.service_id == service) {
            return Err(AppError::NotFound("service"));
        }
        let event = self
            .feed_audit(p, AuditAction::FeedRelease, feed)
            .entity(EntityRef::new("service", service));
        self.store.release_local_edit(service, &event).await?;
        Ok(())
    }

    async fn registered_feed(&self, id: FeedId) -> AppResult<FeedWithLastRun> {
        self.store.feed(id).await?.ok_or(AppError::NotFound("feed"))
    }

    fn feed_audit(&self, p: &Principal, action: AuditAction, id: FeedId) -> NewAuditEvent {
        NewAuditEvent::new(p.actor(), action, now())
            .entity(EntityRef::new("feed", id))
            .org(p.user.org_id)
            .ip(p.ip.clone())
    }

    /// Reads the feed most overdue, if any is due and no other instance
    /// holds it, and applies what changed. Returns the reading, or `None`
    /// when nothing was due (or no feed client is configured).
    pub async fn read_due_feed(&self) -> AppResult<Option<FeedRun>> {
        let Some(client) = self.feed_client.clone() else {
            return Ok(None);
        };
        let at = now();
        let Some((feed, trigger)) = self.store.claim_due_feed(at, at + CLAIM).await? else {
            return Ok(None);
        };
        let started = now();
        let mine = self.store.feed_services(feed.id).await?;
        let others = self.store.services_of_other_feeds(feed.id).await?;
        let edited: HashSet<Uuid> = mine
            .iter()
            .filter(|s| s.edited_locally)
            .map(|s| s.service_id)
            .collect();
        // A withdrawn service that comes back is written again even when
        // the feed's copy did not change, so it is active again.
        let unchanged: HashMap<Uuid, String> = mine
            .iter()
            .filter(|s| !s.withdrawn && !s.edited_locally)
            .map(|s| (s.service_id, s.fingerprint.clone()))
            .collect();
        let options = ImportOptions {
            strict: false,
            skip_services: edited.iter().chain(&others).copied().collect(),
            unchanged,
        };
        let quiet = |_: Stage, _: u64, _: Option<u64>| {};
        let source = ImportSource::Feed {
            url: &feed.url,
            client: client.as_ref(),
        };
        let imported = self.import_directory(source, options, &quiet).await;
        let mut run = FeedRun {
            id: FeedRunId::new(),
            feed_id: feed.id,
            trigger,
            started_at: started,
            finished_at: started,
            failure: None,
            report: RunReport::default(),
        };
        let (written, withdraw) = match imported {
            Ok(summary) if summary.seen.is_empty() && !mine.is_empty() => {
                // An empty answer from a feed that had services is far
                // likelier an outage than every service closing at once.
                run.failure = Some(
                    "The feed gave no services at all, though it had some before; nothing was withdrawn. If the feed really is empty now, remove it."
                        .into(),
                );
                report_problems(&mut run.report, &summary);
                (Vec::new(), Vec::new())
            }
            Ok(summary) => {
                self.report_changes(&mut run.report, &summary, &mine, &edited)
                    .await?
            }
            Err(e) => {
                if let AppError::Storage(inner) = &e {
                    tracing::warn!(feed = %feed.id, error = %inner, "feed reading failed");
                }
                run.failure = Some(match e {
                    AppError::Import(reason) => reason,
                    AppError::Storage(_) => {
                        "The directory could not be written; the log has the details".into()
                    }
                    other => other.to_string(),
                });
                (Vec::new(), Vec::new())
            }
        };
        run.finished_at = now();
        let detail = match &run.failure {
            Some(reason) => format!("{}: failed: {reason}", feed.name),
            None => format!(
                "{}: {} new, {} updated, {} withdrawn, {} kept as edited locally, {} rejected",
                feed.name,
                run.report.created.len(),
                run.report.updated.len(),
                run.report.withdrawn.len(),
                run.report.kept_local.len(),
                run.report.rejected.len()
            ),
        };
        let event = NewAuditEvent::new(Actor::System, AuditAction::FeedRun, run.finished_at)
            .entity(EntityRef::new("feed", feed.id))
            .detail(detail);
        let next_run_at = feed.next_after(started);
        self.store
            .finish_feed_run(
                FinishedRun {
                    run: &run,
                    written: &written,
                    withdraw: &withdraw,
                    next_run_at,
                },
                &event,
            )
            .await?;
        // This instance's index shows the changes at once; the others
        // follow the change log.
        self.sync_directory().await?;
        Ok(Some(run))
    }

    /// Fills the report of a reading that was read whole, and returns what
    /// to link to the feed and what to withdraw.
    async fn report_changes(
        &self,
        report: &mut RunReport,
        summary: &DirectoryImportSummary,
        mine: &[linkwork_storage::FeedService],
        edited: &HashSet<Uuid>,
    ) -> AppResult<(Vec<(Uuid, String)>, Vec<Uuid>)> {
        report_problems(report, summary);
        let before: HashSet<Uuid> = mine.iter().map(|s| s.service_id).collect();
        for written in &summary.services {
            if before.contains(&written.named.id) {
                report.updated.push(written.named.clone());
            } else {
                report.created.push(written.named.clone());
            }
        }
        let gone: Vec<Uuid> = mine
            .iter()
            .filter(|s| !s.withdrawn && !summary.seen.contains(&s.service_id))
            .map(|s| s.service_id)
            .collect();
        // Listings kept as edited here are named as they are here.
        let kept: Vec<Uuid> = summary
            .skipped
            .iter()
            .map(|s| s.id)
            .filter(|id| edited.contains(id))
            .collect();
        let ids: Vec<Uuid> = gone.iter().chain(&kept).copied().collect();
        let names: HashMap<Uuid, String> = self
            .store
            .services(&ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let named = |id: Uuid| NamedService {
            id,
            name: names.get(&id).cloned().unwrap_or_default(),
        };
        for skipped in &summary.skipped {
            if edited.contains(&skipped.id) {
                report.kept_local.push(named(skipped.id));
            } else {
                report.other_feed.push(skipped.clone());
            }
        }
        let mut withdraw = Vec::new();
        for id in gone {
            if edited.contains(&id) {
                // Edited here and gone from the feed: said, not changed.
                report.kept_local.push(named(id));
            } else {
                withdraw.push(id);
                report.withdrawn.push(named(id));
            }
        }
        // Written services the import said it wrote: only those stored
        // (a service in a part that failed is not linked).
        let ids: Vec<Uuid> = summary.services.iter().map(|s| s.named.id).collect();
        let stored = self
            .store
            .known_directory_ids(DirectoryRecord::Service, &ids)
            .await?;
        let written = summary
            .services
            .iter()
            .filter(|s| stored.contains(&s.named.id))
            .map(|s| (s.named.id, s.fingerprint.clone()))
            .collect();
        Ok((written, withdraw))
    }
}

fn report_problems(report: &mut RunReport, summary: &DirectoryImportSummary) {
    let problem = |position: &str, reason: &str| RunProblem {
        position: position.to_owned(),
        reason: reason.to_owned(),
    };
    report.rejected = summary
        .rejected
        .iter()
        .map(|r| problem(&r.position, &r.reason))
        .collect();
    report.warnings = summary
        .warnings
        .iter()
        .map(|w| problem(&w.position, &w.message))
        .collect();
}
