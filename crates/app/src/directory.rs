//! The community directory: the search index every instance holds in
//! memory, kept current from the database's change log, and the rules for
//! who may change which listing.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::Duration;
use linkwork_domain::OrgId;
use linkwork_domain::audit::{AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::directory::{Organization, Service, needs};
use linkwork_domain::role::Permission;
use linkwork_domain::time::now;
use linkwork_search::{Doc, Query, Results, SearchIndex};
use linkwork_storage::{Page, PageRequest};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::principal::Principal;

/// Services loaded per query while building the index.
const LOAD_BATCH: u32 = 2_000;
/// Changes applied per query while catching up.
const SYNC_BATCH: u32 = 1_000;
/// How long a request waits for a search. Searches of 100,000 services
/// take milliseconds (bench/); this only stops a request from waiting on
/// a machine too busy to answer.
const SEARCH_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The search index and how far through the change log it is.
#[derive(Default)]
pub struct DirectoryIndex {
    index: RwLock<SearchIndex>,
    /// The last change applied.
    seq: AtomicI64,
    /// The version of the stored search synonyms applied (0: the shipped
    /// list).
    pub(crate) synonyms_version: AtomicI64,
}

impl DirectoryIndex {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, SearchIndex> {
        // A panic while writing leaves a usable index; carry on with it.
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, SearchIndex> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_synonyms(&self, synonyms: linkwork_search::Synonyms, version: i64) {
        self.write().set_synonyms(synonyms);
        self.synonyms_version.store(version, Ordering::SeqCst);
    }
}

impl App {
    /// Makes sure the shipped need taxonomy is stored, then builds the
    /// index from the database. Changes made while it loads are caught up
    /// by the next `sync_directory`.
    pub async fn load_directory(&self) -> AppResult<usize> {
        self.ensure_need_taxonomy().await?;
        let head = self.store.directory_change_head().await?;
        let mut index = SearchIndex::new();
        index.set_terms(self.store.taxonomy_terms().await?);
        let mut after = None;
        loop {
            let batch = self.store.services_after(after, LOAD_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for service in &batch {
                let doc = Doc::from_service(service, |id| index.term_names(id));
                index.upsert(doc);
            }
        }
        let count = index.len();
        *self.directory.write() = index;
        self.directory.seq.store(head, Ordering::SeqCst);
        // The new index has the shipped synonyms; apply any saved since.
        self.directory.synonyms_version.store(0, Ordering::SeqCst);
        self.sync_synonyms().await?;
        tracing::info!(services = count, "directory index built");
        Ok(count)
    }

    /// Applies changes made since the index last looked (by this or any
    /// other instance). Returns how many services changed.
    pub async fn sync_directory(&self) -> AppResult<usize> {
        self.sync_synonyms().await?;
        let mut applied = 0;
        loop {
            let from = self.directory.seq.load(Ordering::SeqCst);
            let changes = self.store.directory_changes_after(from, SYNC_BATCH).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                break;
            };
            let ids: Vec<Uuid> = changes
                .iter()
                .map(|c| c.service_id)
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let services = self.store.services(&ids).await?;
            let terms = self.store.taxonomy_terms().await?;
            {
                let mut index = self.directory.write();
                index.set_terms(terms);
                let found: HashSet<Uuid> = services.iter().map(|s| s.id).collect();
                for service in &services {
                    let doc = Doc::from_service(service, |id| index.term_names(id));
                    index.upsert(doc);
                }
                for id in ids.iter().filter(|id| !found.contains(id)) {
                    index.remove(*id);
                }
            }
            applied += ids.len();
            self.directory.seq.store(last, Ordering::SeqCst);
        }
        Ok(applied)
    }

    /// Stores the shipped need taxonomy if it is missing or incomplete.
    pub async fn ensure_need_taxonomy(&self) -> AppResult<()> {
        let stored: HashSet<Uuid> = self
            .store
            .taxonomy_terms()
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        let shipped = needs::terms();
        if shipped.iter().all(|t| stored.contains(&t.id)) {
            return Ok(());
        }
        let event = NewAuditEvent::new(
            linkwork_domain::audit::Actor::System,
            AuditAction::TaxonomyUpdate,
            now(),
        )
        .entity(EntityRef::new("taxonomy", needs::taxonomy().id))
        .detail(format!(
            "Installed the shipped taxonomy “{}”",
            needs::TAXONOMY_NAME
        ));
        self.store
            .save_taxonomy(&needs::taxonomy(), &shipped, &event)
            .await?;
        Ok(())
    }

    /// Runs a search against the index, on a blocking thread so that the
    /// async workers keep serving, and gives up waiting after
    /// `SEARCH_TIME_LIMIT` (the search's own work is bounded by the index's
    /// size: see `SearchIndex::search`).
    pub async fn search_directory(&self, query: &Query) -> AppResult<Results> {
        let directory = self.directory.clone();
        let query = query.clone();
        let search = tokio::task::spawn_blocking(move || directory.read().search(&query));
        match tokio::time::timeout(SEARCH_TIME_LIMIT, search).await {
            Ok(Ok(results)) => Ok(results),
            Ok(Err(stopped)) => Err(AppError::Internal(format!("search stopped: {stopped}"))),
            Err(_) => {
                tracing::warn!("a directory search ran past its time limit");
                Err(AppError::Busy {
                    retry_after_seconds: 5,
                })
            }
        }
    }

    /// Reads the index, e.g. to show results' details.
    pub fn with_directory_index<R>(&self, f: impl FnOnce(&SearchIndex) -> R) -> R {
        f(&self.directory.read())
    }

    /// A service, whole, from the database.
    pub async fn directory_service(&self, id: Uuid) -> AppResult<Service> {
        self.store
            .service(id)
            .await?
            .ok_or(AppError::NotFound("service"))
    }

    /// Whether a listing has gone unchanged long enough to be doubted.
    pub fn is_stale(&self, service_last_modified: Option<linkwork_domain::Timestamp>) -> bool {
        let limit = Duration::days(i64::from(self.settings.directory.stale_after_days));
        service_last_modified.is_none_or(|m| now() - m > limit)
    }

    /// Directory managers may edit any listing; partners only the listings
    /// of directory organisations linked to their own organisation.
    pub async fn can_edit_service(
        &self,
        principal: &Principal,
        service: &Service,
    ) -> AppResult<bool> {
        if principal.can(Permission::EditAnyListing) {
            return Ok(true);
        }
        if !principal.can(Permission::EditOwnListings) {
            return Ok(false);
        }
        match service.organization_id {
            Some(org) => {
                Ok(self.store.organization_tenant(org).await? == Some(principal.user.org_id))
            }
            None => Ok(false),
        }
    }

    /// Saves a changed or new listing as `principal`, after checking they may
    /// and that the listing is valid, and updates this instance's index at
    /// once (others follow the change log).
    pub async fn save_listing(
        &self,
        principal: &Principal,
        mut service: Service,
        created: bool,
    ) -> AppResult<Service> {
        if !self.can_edit_service(principal, &service).await? {
            return Err(AppError::Forbidden);
        }
        linkwork_domain::directory::validate::check_service(&mut service).map_err(|reason| {
            AppError::Invalid(linkwork_domain::validation::ValidationErrors::single(
                "name", reason,
            ))
        })?;
        service.last_modified = Some(now());
        let action = if created {
            AuditAction::ServiceCreate
        } else {
            AuditAction::ServiceUpdate
        };
        let event = NewAuditEvent::new(principal.actor(), action, now())
            .entity(EntityRef::new("service", service.id))
            .detail(service.name.clone())
            .ip(principal.ip.clone());
        self.store.save_service(&service, &event).await?;
        let saved = self.directory_service(service.id).await?;
        let mut index = self.directory.write();
        let doc = Doc::from_service(&saved, |id| index.term_names(id));
        index.upsert(doc);
        Ok(saved)
    }
}

/// One of a partner's own listings, as their list shows it.
#[derive(Debug, Clone)]
pub struct OwnListing {
    pub id: Uuid,
    pub name: String,
    pub organization: String,
    pub status: linkwork_domain::directory::ServiceStatus,
    pub last_modified: Option<linkwork_domain::Timestamp>,
    /// Not updated for longer than the directory's staleness limit.
    pub stale: bool,
}

impl App {
    /// A partner's own listings: every service (whatever its status) of
    /// the directory organisations linked to their organisation, by
    /// organisation and then name.
    pub async fn own_listings(&self, principal: &Principal) -> AppResult<Vec<OwnListing>> {
        principal.require(Permission::EditOwnListings)?;
        let organizations: HashSet<Uuid> = self
            .store
            .directory_organizations(Some(principal.user.org_id))
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        let mut listings: Vec<OwnListing> = self.with_directory_index(|index| {
            index
                .docs()
                .filter(|d| {
                    d.organization_id
                        .is_some_and(|o| organizations.contains(&o))
                })
                .map(|d| OwnListing {
                    id: d.id,
                    name: d.name.clone(),
                    organization: d.organization.clone(),
                    status: d.status,
                    last_modified: d.last_modified,
                    stale: self.is_stale(d.last_modified),
                })
                .collect()
        });
        listings.sort_by(|a, b| {
            (a.organization.to_lowercase(), a.name.to_lowercase())
                .cmp(&(b.organization.to_lowercase(), b.name.to_lowercase()))
        });
        Ok(listings)
    }

    /// Directory organisations whose names contain `name`, a page at a
    /// time, each with the organisation it is linked to. Directory managers
    /// only.
    pub async fn directory_organization_links(
        &self,
        principal: &Principal,
        name: &str,
        page: PageRequest,
    ) -> AppResult<Page<(Organization, Option<OrgId>)>> {
        principal.require(Permission::EditAnyListing)?;
        let links: HashMap<Uuid, OrgId> = self
            .store
            .organization_tenants()
            .await?
            .into_iter()
            .collect();
        let wanted = name.trim().to_lowercase();
        let matching: Vec<Organization> = self
            .store
            .directory_organizations(None)
            .await?
            .into_iter()
            .filter(|o| o.name.to_lowercase().contains(&wanted))
            .collect();
        Ok(Page {
            total: matching.len() as u64,
            items: matching
                .into_iter()
                .skip(page.offset() as usize)
                .take(page.per_page as usize)
                .map(|o| {
                    let link = links.get(&o.id).copied();
                    (o, link)
                })
                .collect(),
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Links a directory organisation to the Linkwork organisation whose
    /// partners may then edit its listings (`None` unlinks). Directory
    /// managers only.
    pub async fn link_directory_organization(
        &self,
        principal: &Principal,
        organization: Uuid,
        partner: Option<linkwork_domain::OrgId>,
    ) -> AppResult<()> {
        principal.require(Permission::EditAnyListing)?;
        let org = self
            .store
            .directory_organization(organization)
            .await?
            .ok_or(AppError::NotFound("directory organisation"))?;
        let detail = match partner {
            Some(p) => {
                let partner_org = self.community_organisation(p).await?.ok_or_else(|| {
                    AppError::Invalid(linkwork_domain::validation::ValidationErrors::single(
                        "partner",
                        "Select a community organisation from the list",
                    ))
                })?;
                format!(
                    "{}: listings editable by partners of {}",
                    org.name, partner_org.name
                )
            }
            None => format!("{}: no partner organisation", org.name),
        };
        let event = NewAuditEvent::new(principal.actor(), AuditAction::OrganizationLink, now())
            .entity(EntityRef::new("directory_organization", org.id))
            .detail(detail)
            .ip(principal.ip.clone());
        Ok(self
            .store
            .set_organization_tenant(org.id, partner, &event)
            .await?)
    }
}
