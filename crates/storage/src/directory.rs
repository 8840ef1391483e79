//! What the community directory needs from a database.

use std::collections::HashSet;

use async_trait::async_trait;
use linkwork_domain::OrgId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::directory::{Organization, Service, ServiceList, Taxonomy, TaxonomyTerm};
use uuid::Uuid;

use crate::StorageResult;

/// One record of an import, of any kind.
#[derive(Debug, Clone)]
pub enum DirectoryItem {
    Organization(Organization),
    Taxonomy(Taxonomy),
    Term(TaxonomyTerm),
    Service(Box<Service>),
    /// A service record that left lists out: those are kept as they are
    /// when it is written (read in the writing transaction, so an earlier
    /// copy in the same import or an edit saved meanwhile is what stays).
    PartialService {
        service: Box<Service>,
        keep: Vec<ServiceList>,
    },
}

impl DirectoryItem {
    /// The service, whole or partial.
    pub fn service(&self) -> Option<&Service> {
        match self {
            DirectoryItem::Service(s) | DirectoryItem::PartialService { service: s, .. } => Some(s),
            _ => None,
        }
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub services_created: u64,
    pub services_updated: u64,
    pub organizations: u64,
    pub taxonomies: u64,
    pub taxonomy_terms: u64,
}

impl std::ops::AddAssign for ImportCounts {
    fn add_assign(&mut self, part: ImportCounts) {
        self.services_created += part.services_created;
        self.services_updated += part.services_updated;
        self.organizations += part.organizations;
        self.taxonomies += part.taxonomies;
        self.taxonomy_terms += part.taxonomy_terms;
    }
}

/// A kind of directory record that other records refer to by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryRecord {
    Organization,
    TaxonomyTerm,
    Service,
}

/// A change to a service, in the order changes were made. Every instance
/// follows this log to keep its search index current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryChange {
    pub seq: i64,
    pub service_id: Uuid,
}

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Creates or replaces a service with everything nested in it (its
    /// organisation, locations, schedules …) and logs the change. Returns
    /// whether it was new.
    async fn save_service(&self, service: &Service, audit: &NewAuditEvent) -> StorageResult<bool>;

    /// Writes every item in one transaction; an `Err` item aborts and rolls
    /// back everything (`StorageError::Aborted`), as does a failure. A
    /// later copy of a record replaces an earlier one; a partial service
    /// keeps the lists it left out from the copy before it in `items`, or
    /// else from what is stored when the transaction reads it.
    async fn import_directory(
        &self,
        items: &mut (dyn Iterator<Item = Result<DirectoryItem, String>> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<ImportCounts>;

    /// Which of `ids` name a stored record of `kind`: an import checks the
    /// references its records make before writing any of them.
    async fn known_directory_ids(
        &self,
        kind: DirectoryRecord,
        ids: &[Uuid],
    ) -> StorageResult<HashSet<Uuid>>;

    async fn service(&self, id: Uuid) -> StorageResult<Option<Service>>;
    /// The services with these ids that exist, in no particular order.
    async fn services(&self, ids: &[Uuid]) -> StorageResult<Vec<Service>>;
    /// Every service, whole (tests and small directories).
    async fn all_services(&self) -> StorageResult<Vec<Service>>;
    /// Up to `limit` services with ids after `after`, in id order: the
    /// search index is built in batches so memory stays flat.
    async fn services_after(&self, after: Option<Uuid>, limit: u32) -> StorageResult<Vec<Service>>;
    async fn service_count(&self) -> StorageResult<u64>;
    /// The service a service-at-location belongs to.
    async fn service_id_for_service_at_location(&self, id: Uuid) -> StorageResult<Option<Uuid>>;

    async fn directory_organization(&self, id: Uuid) -> StorageResult<Option<Organization>>;
    /// Directory organisations, by name; only those linked to `tenant`
    /// when given.
    async fn directory_organizations(
        &self,
        tenant: Option<OrgId>,
    ) -> StorageResult<Vec<Organization>>;
    /// Links a directory organisation to the Linkwork organisation whose
    /// partners may edit its listings (or unlinks it).
    async fn set_organization_tenant(
        &self,
        id: Uuid,
        tenant: Option<OrgId>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;
    async fn organization_tenant(&self, id: Uuid) -> StorageResult<Option<OrgId>>;
    /// Every linked directory organisation with its Linkwork organisation.
    async fn organization_tenants(&self) -> StorageResult<Vec<(Uuid, OrgId)>>;

    async fn taxonomies(&self) -> StorageResult<Vec<Taxonomy>>;
    /// Every taxonomy term (a few thousand at most), parents first.
    async fn taxonomy_terms(&self) -> StorageResult<Vec<TaxonomyTerm>>;
    /// Creates or replaces a taxonomy and its terms (no change log: terms
    /// are not services).
    async fn save_taxonomy(
        &self,
        taxonomy: &Taxonomy,
        terms: &[TaxonomyTerm],
        audit: &NewAuditEvent,
    ) -> StorageResult<()>;

    /// Changes after `seq`, oldest first.
    async fn directory_changes_after(
        &self,
        seq: i64,
        limit: u32,
    ) -> StorageResult<Vec<DirectoryChange>>;
    /// The newest change's `seq` (0 when none).
    async fn directory_change_head(&self) -> StorageResult<i64>;
}
