//! Importing directory data: Open Referral UK 3.0 JSON (a service, a list
//! of services, a page of a feed, organisations with their services,
//! taxonomies), older ORUK v1 feeds (`content` pages, v1 field names), the
//! HSDS tabular (CSV) package, and live feeds walked page by page.
//!
//! Everything is read and checked first; then the source is read again
//! and the records that passed are written in parts of a few thousand,
//! each in its own transaction, so a national feed is never held whole in
//! memory nor holds the database's write lock for long. A file
//! that cannot be read changes nothing; a bad record is listed with where
//! it was and why, and the rest import; an import interrupted part-way
//! keeps the parts already written and says so (the audit log lists each
//! part), and importing again completes it.

mod csv_package;
mod feed;
mod ids;
mod records;
mod references;
mod source;
mod v1;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::directory::feeds::NamedService;
use linkwork_domain::directory::validate::check_service;
use linkwork_domain::time::now;
use linkwork_storage::{BulkLoaded, DirectoryItem, ImportCounts, StorageError};
use serde_json::Value;
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use references::ServiceRefs;
use source::Records;

pub use feed::FeedClient;

/// A record that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Where it was: "services[3]", "services.csv line 5", "page 2 item 7".
    pub position: String,
    pub reason: String,
}

/// Something changed on the way in (an id made into a UUID, a malformed
/// email left out): imported, but worth knowing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub position: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct DirectoryImportSummary {
    pub counts: ImportCounts,
    pub rejected: Vec<Rejection>,
    pub warnings: Vec<Warning>,
    /// Nothing was written: the import was strict and records were
    /// rejected.
    pub refused: bool,
    /// The services written, in the source's order.
    pub services: Vec<ImportedService>,
    /// Services not written because they were as `options.unchanged`
    /// says they were last time.
    pub unchanged: usize,
    /// Services left as they are because the options named them.
    pub skipped: Vec<NamedService>,
    /// The id of every service the source holds, whether written, skipped
    /// or rejected (when a rejected record's id could be read), so a feed
    /// can tell which services left it.
    pub seen: HashSet<Uuid>,
}

/// A service an import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedService {
    pub named: NamedService,
    /// A digest of the service as the source gave it (after checking), so
    /// a feed can tell next time whether it changed.
    pub fingerprint: String,
}

/// A service's fingerprint: the SHA-256 of its JSON as Linkwork holds it.
fn fingerprint(service: &linkwork_domain::directory::Service) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(service).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

/// A record read from a source, not yet checked.
#[derive(Clone)]
pub(crate) struct Raw {
    pub position: String,
    pub value: Value,
}

/// The stages of an import, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Fetching,
    Checking,
    Writing,
}

/// Reports progress: the stage, records done, and the total when known.
pub trait Progress: Send + Sync {
    fn update(&self, stage: Stage, done: u64, total: Option<u64>);
}

impl<F: Fn(Stage, u64, Option<u64>) + Send + Sync> Progress for F {
    fn update(&self, stage: Stage, done: u64, total: Option<u64>) {
        self(stage, done, total)
    }
}

/// Where to import from.
pub enum ImportSource<'a> {
    /// JSON text.
    Json { name: &'a str, text: &'a str },
    /// A JSON file, read as it streams in: once to check it, once to write
    /// it, never held whole. It must not change while it is imported.
    JsonFile(&'a Path),
    /// A folder holding the CSV package (services.csv, locations.csv …).
    CsvPackage(&'a Path),
    /// A feed's base URL (`https://…/api` or `…/services`), walked page by
    /// page through `client`.
    Feed {
        url: &'a str,
        client: &'a dyn FeedClient,
    },
}

/// How an import treats records it cannot take, and what it leaves alone.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Import nothing when any record is rejected.
    pub strict: bool,
    /// Services not to write (a feed's listings edited locally): listed
    /// in the summary as skipped.
    pub skip_services: HashSet<Uuid>,
    /// Fingerprints of services as last imported: one the source still
    /// gives exactly so is not written again (a nightly feed rewrites
    /// only what changed).
    pub unchanged: HashMap<Uuid, String>,
}

impl App {
    pub async fn import_directory(
        &self,
        source: ImportSource<'_>,
        options: ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<DirectoryImportSummary> {
        let mut rejected_early = Vec::new();
        let mut feed_notes = Vec::new();
        let (name, records) = match source {
            ImportSource::Json { name, text } => (
                name.to_owned(),
                Records::Text {
                    name: name.to_owned(),
                    text: text.to_owned(),
                },
            ),
            ImportSource::JsonFile(path) => {
                (path.display().to_string(), Records::File(path.to_owned()))
            }
            ImportSource::CsvPackage(folder) => {
                let (raws, orphans) = csv_package::read(folder)?;
                rejected_early = orphans;
                (folder.display().to_string(), Records::Read(raws))
            }
            ImportSource::Feed { url, client } => {
                let (raws, notes) = feed::walk(url, client, progress).await?;
                feed_notes = notes;
                (url.to_owned(), Records::Read(raws))
            }
        };
        let mut intake = Intake {
            progress,
            skip: &options.skip_services,
            unchanged_before: &options.unchanged,
            unchanged: 0,
            total: records.known_count(),
            read: 0,
            others: Vec::new(),
            services: Vec::new(),
            rejected: Vec::new(),
            warnings: Vec::new(),
            skipped: Vec::new(),
            seen: HashSet::new(),
        };
        let page_notes = [records.read(&mut |raw| intake.take(raw))?, feed_notes].concat();
        progress.update(
            Stage::Checking,
            intake.read as u64,
            Some(intake.read as u64),
        );
        let Intake {
            others,
            services,
            mut rejected,
            warnings,
            skipped,
            seen,
            unchanged,
            ..
        } = intake;
        let mut summary = DirectoryImportSummary {
            rejected: rejected_early,
            warnings: page_notes
                .into_iter()
                .map(|message| Warning {
                    position: "the page counts".into(),
                    message,
                })
                .chain(warnings)
                .collect(),
            skipped,
            seen,
            unchanged,
            ..Default::default()
        };
        // Services may name Linkwork's own need terms, installed when an
        // instance starts; a first import into a new database must find
        // them too.
        self.ensure_need_taxonomy().await?;
        let (kept, broken) = references::check(self.store.as_ref(), &others, services).await?;
        let (kept, written): (HashSet<_>, Vec<_>) =
            kept.into_iter().map(|s| (s.key, s.written)).unzip();
        summary.services = written;
        rejected.extend(broken);
        rejected.sort_by_key(|(record, _)| *record);
        summary
            .rejected
            .extend(rejected.into_iter().map(|(_, r)| r));
        if options.strict && !summary.rejected.is_empty() {
            summary.refused = true;
            summary.services.clear();
            return Ok(summary);
        }
        let to_write = others.len() + kept.len();
        let read = to_write + summary.rejected.len();
        // Organisations and terms first, so no part names an organisation
        // a later part brings; then the services that passed, read again.
        let mut services = records.stream().enumerate().flat_map(move |(record, raw)| {
            let items: Vec<Result<DirectoryItem, String>> = match raw {
                Err(e) => vec![Err(e)],
                Ok(raw) => records::to_items(raw)
                    .map(|c| c.items)
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .filter(|(k, item)| item.service().is_some() && kept.contains(&(record, *k)))
                    .filter_map(|(_, item)| check_item(item).ok().map(|(item, _)| Ok(item)))
                    .collect(),
            };
            items
        });
        let mut items = others.into_iter().map(Ok).chain(&mut services);
        summary.counts = self
            .write_in_parts(
                &name,
                read,
                summary.rejected.len(),
                &mut items,
                to_write,
                progress,
            )
            .await?;
        Ok(summary)
    }
}

/// Records converted and checked as they are read. Organisations and
/// terms are kept to be written; of a service, only what checking its
/// references needs, as it is read again to be written.
struct Intake<'p> {
    progress: &'p dyn Progress,
    skip: &'p HashSet<Uuid>,
    unchanged_before: &'p HashMap<Uuid, String>,
    unchanged: usize,
    /// How many records the source holds, when known before reading.
    total: Option<u64>,
    read: usize,
    others: Vec<DirectoryItem>,
    services: Vec<ServiceRefs>,
    /// Rejections are found in several passes; each keeps its record's
    /// number so they are listed in the source's order.
    rejected: Vec<(usize, Rejection)>,
    warnings: Vec<Warning>,
    skipped: Vec<NamedService>,
    seen: HashSet<Uuid>,
}

impl Intake<'_> {
    fn take(&mut self, raw: Raw) {
        let record = self.read;
        self.read += 1;
        if record.is_multiple_of(1000) {
            self.progress
                .update(Stage::Checking, record as u64, self.total);
        }
        let position = raw.position.clone();
        // A record that cannot be read may still be a service the source
        // holds: its id counts as seen, so a feed does not withdraw it.
        let raw_id = raw
            .value
            .get("id")
            .and_then(Value::as_str)
            .map(|id| ids::uuid_for("service", id));
        let converted = match records::to_items(raw) {
            Ok(converted) => converted,
            Err(reason) => {
                self.seen.extend(raw_id);
                self.rejected.push((record, Rejection { position, reason }));
                return;
            }
        };
        let warn = |message| Warning {
            position: position.clone(),
            message,
        };
        self.warnings.extend(converted.notes.into_iter().map(warn));
        for (k, item) in converted.items.into_iter().enumerate() {
            if let Some(service) = item.service() {
                self.seen.insert(service.id);
                if self.skip.contains(&service.id) {
                    self.skipped.push(NamedService {
                        id: service.id,
                        name: service.name.clone(),
                    });
                    continue;
                }
            }
            match check_item(item) {
                Ok((item, notes)) => {
                    self.warnings.extend(notes.into_iter().map(warn));
                    match item.service() {
                        Some(service) => {
                            let fingerprint = fingerprint(service);
                            if self.unchanged_before.get(&service.id) == Some(&fingerprint) {
                                self.unchanged += 1;
                            } else {
                                self.services.push(ServiceRefs::of(
                                    (record, k),
                                    position.clone(),
                                    service,
                                    fingerprint,
                                ));
                            }
                        }
                        None => self.others.push(item),
                    }
                }
                Err(reason) => self.rejected.push((
                    record,
                    Rejection {
                        position: position.clone(),
                        reason,
                    },
                )),
            }
        }
    }
}

/// Records written per transaction. One transaction for a national feed
/// (100,000 services, about 22 seconds) would hold SQLite's one write lock
/// past the 10 second busy timeout, failing every sign-in and edit
/// meanwhile; a part of this size takes about a second.
const COMMIT_EVERY: usize = 5_000;

impl App {
    /// Writes the `total` checked records of `items` in parts of
    /// [`COMMIT_EVERY`], each its own transaction with its own audit event,
    /// so the product stays usable during a long import. Parts already
    /// written stay written if a later one fails, and the error says how
    /// far it got (DEVELOPERS.md, "An import is written in parts").
    async fn write_in_parts(
        &self,
        name: &str,
        read: usize,
        rejected: usize,
        items: &mut (dyn Iterator<Item = Result<DirectoryItem, String>> + Send),
        total: usize,
        progress: &dyn Progress,
    ) -> AppResult<ImportCounts> {
        let parts = total.div_ceil(COMMIT_EVERY).max(1);
        let mut counts = ImportCounts::default();
        let mut written = 0;
        for part in 1..=parts {
            let mut detail = format!("{name}: {read} records read, {rejected} rejected");
            if parts > 1 {
                let last = (written + COMMIT_EVERY).min(total);
                detail.push_str(&format!(
                    "; part {part} of {parts}, records {} to {last}",
                    written + 1
                ));
            }
            let event =
                NewAuditEvent::new(Actor::Cli, AuditAction::DirectoryImport, now()).detail(detail);
            let mut done = written;
            let mut part_items = (&mut *items).take(COMMIT_EVERY).inspect(|_| {
                if done.is_multiple_of(500) {
                    progress.update(Stage::Writing, done as u64, Some(total as u64));
                }
                done += 1;
            });
            match self.store.import_directory(&mut part_items, &event).await {
                Ok(part_counts) => counts += part_counts,
                Err(e) if written == 0 => {
                    return Err(match e {
                        StorageError::Aborted(reason) => {
                            AppError::Import(format!("{reason}; nothing was imported"))
                        }
                        other => other.into(),
                    });
                }
                Err(e) => {
                    return Err(AppError::Import(format!(
                        "{e}; the first {written} of {total} records were imported (the audit log lists each part), the rest were not. Importing the same file again is safe: records are matched by id"
                    )));
                }
            }
            written = (written + COMMIT_EVERY).min(total);
        }
        progress.update(Stage::Writing, total as u64, Some(total as u64));
        self.store.refresh_statistics(BulkLoaded::Directory).await?;
        Ok(counts)
    }
}

/// Checks a service (organisations, taxonomies and terms need nothing
/// beyond what reading them required).
fn check_item(item: DirectoryItem) -> Result<(DirectoryItem, Vec<String>), String> {
    match item {
        DirectoryItem::Service(mut service) => {
            records::attach_contact_phones(&mut service);
            let checked = check_service(&mut service)?;
            Ok((DirectoryItem::Service(service), checked.warnings))
        }
        // The lists it keeps were checked when they were stored.
        DirectoryItem::PartialService { mut service, keep } => {
            records::attach_contact_phones(&mut service);
            let checked = check_service(&mut service)?;
            Ok((
                DirectoryItem::PartialService { service, keep },
                checked.warnings,
            ))
        }
        DirectoryItem::Organization(o) if o.name.trim().is_empty() => {
            Err(format!("organization {} has no name", o.id))
        }
        DirectoryItem::Term(t) if t.name.trim().is_empty() => {
            Err(format!("taxonomy term {} has no name", t.id))
        }
        other => Ok((other, Vec::new())),
    }
}
