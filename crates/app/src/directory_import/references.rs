//! Checking the references between records before anything is written.
//!
//! A feed often names an organisation or a taxonomy term it does not
//! include, a schedule a service-at-location the service does not have, or
//! a phone a contact it does not list. Written as they are, the first would
//! break the database's foreign key and sink the whole import; the others
//! would be stored pointing at nothing. So each service's references are
//! checked against the records in this import and those already in the
//! directory, and a service with a broken one is rejected, with every
//! broken field named, while the rest import.

use std::collections::HashSet;

use linkwork_domain::directory::feeds::NamedService;
use linkwork_domain::directory::{Attribute, Service};
use linkwork_storage::{DirectoryItem, DirectoryRecord, Store};
use uuid::Uuid;

use super::{ImportedService, Rejection};
use crate::error::AppResult;

/// Which item of which record: the same on both readings of a source.
pub(crate) type ItemKey = (usize, usize);

/// The organisation a service refers to, whichever way it gives it (an
/// id, or a record nested in it).
fn organization_ref(service: &Service) -> Option<Uuid> {
    service
        .organization_id
        .or(service.organization.as_ref().map(|o| o.id))
}

/// The term an attribute names: its `taxonomy_term_id`, or when that is
/// left out, the nested term's id. An attribute naming none is refused by
/// `check_service`.
fn attribute_term(attribute: &Attribute) -> Option<Uuid> {
    let id = match &attribute.taxonomy_term {
        Some(term) if attribute.taxonomy_term_id.is_nil() => term.id,
        _ => attribute.taxonomy_term_id,
    };
    (!id.is_nil()).then_some(id)
}

/// What checking a service's references needs of it, kept between reading
/// a source to check it and reading it again to write it, instead of the
/// service.
pub(crate) struct ServiceRefs {
    pub key: ItemKey,
    pub position: String,
    /// Its id, name and fingerprint, for the import's list of what it
    /// wrote.
    pub written: ImportedService,
    organization: Option<Uuid>,
    /// An organisation given inside it, written with it.
    nested_organization: Option<Uuid>,
    /// Each attribute's term, by the attribute's place.
    terms: Vec<(usize, Uuid)>,
    /// References within the service itself that do not hold.
    broken_within: Vec<String>,
}

impl ServiceRefs {
    pub fn of(
        key: ItemKey,
        position: String,
        service: &Service,
        fingerprint: String,
    ) -> ServiceRefs {
        let written = ImportedService {
            named: NamedService {
                id: service.id,
                name: service.name.clone(),
            },
            fingerprint,
        };
        let mut broken_within = Vec::new();
        for (i, sal) in service.service_at_locations.iter().enumerate() {
            if let Some(named) = sal.location_id
                && named != sal.location.id
            {
                broken_within.push(format!(
                    "service_at_locations[{i}].location_id {named} is not the id of the location given with it ({})",
                    sal.location.id
                ));
            }
        }
        let sals: HashSet<Uuid> = service.service_at_locations.iter().map(|s| s.id).collect();
        for (i, schedule) in service.schedules.iter().enumerate() {
            if let Some(sal) = schedule.service_at_location_id
                && !sals.contains(&sal)
            {
                broken_within.push(format!(
                    "schedules[{i}].service_at_location_id {sal} names none of this service's service_at_locations"
                ));
            }
        }
        for (i, phone) in service.phones.iter().enumerate() {
            if let Some(contact) = phone.contact_id {
                broken_within.push(format!(
                    "phones[{i}].contact_id {contact} names none of this service's contacts"
                ));
            }
        }
        ServiceRefs {
            key,
            position,
            written,
            organization: organization_ref(service),
            nested_organization: service.organization.as_ref().map(|o| o.id),
            terms: service
                .attributes
                .iter()
                .enumerate()
                .filter_map(|(i, a)| attribute_term(a).map(|t| (i, t)))
                .collect(),
            broken_within,
        }
    }
}

/// The ids of the organisations and terms that the import holds and the
/// directory already has.
struct Known {
    organizations: HashSet<Uuid>,
    terms: HashSet<Uuid>,
}

impl Known {
    async fn gather(
        store: &dyn Store,
        others: &[DirectoryItem],
        services: &[ServiceRefs],
    ) -> AppResult<Known> {
        let mut organizations = HashSet::new();
        let mut terms = HashSet::new();
        for item in others {
            match item {
                DirectoryItem::Organization(o) => {
                    organizations.insert(o.id);
                }
                DirectoryItem::Term(t) => {
                    terms.insert(t.id);
                }
                _ => {}
            }
        }
        organizations.extend(services.iter().filter_map(|s| s.nested_organization));
        let missing = |found: &HashSet<Uuid>, refs: &mut dyn Iterator<Item = Uuid>| {
            refs.filter(|id| !found.contains(id))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        };
        let unseen_orgs = missing(
            &organizations,
            &mut services.iter().filter_map(|s| s.organization),
        );
        let unseen_terms = missing(
            &terms,
            &mut services
                .iter()
                .flat_map(|s| s.terms.iter().map(|(_, t)| *t)),
        );
        organizations.extend(
            store
                .known_directory_ids(DirectoryRecord::Organization, &unseen_orgs)
                .await?,
        );
        terms.extend(
            store
                .known_directory_ids(DirectoryRecord::TaxonomyTerm, &unseen_terms)
                .await?,
        );
        Ok(Known {
            organizations,
            terms,
        })
    }

    /// Every broken reference the service makes, each naming its field.
    fn broken(&self, service: &ServiceRefs) -> Vec<String> {
        let mut broken = Vec::new();
        if let Some(org) = service.organization
            && !self.organizations.contains(&org)
        {
            broken.push(format!(
                "organization_id {org} names an organization that is neither in this import nor in the directory"
            ));
        }
        for (i, term) in &service.terms {
            if !self.terms.contains(term) {
                broken.push(format!(
                    "attributes[{i}].taxonomy_term_id {term} names a taxonomy term that is neither in this import nor in the directory"
                ));
            }
        }
        broken.extend(service.broken_within.iter().cloned());
        broken
    }
}

/// The services whose references all hold, and a rejection for each with
/// a broken one (with its record's number). `others` are the import's
/// organisations, taxonomies and terms.
pub(crate) async fn check(
    store: &dyn Store,
    others: &[DirectoryItem],
    mut services: Vec<ServiceRefs>,
) -> AppResult<(Vec<ServiceRefs>, Vec<(usize, Rejection)>)> {
    let mut rejected = Vec::new();
    // An organisation given only inside a service is written with that
    // service, so rejecting the service takes it away from any other that
    // names it: check again until a pass rejects nothing.
    loop {
        let known = Known::gather(store, others, &services).await?;
        let before = rejected.len();
        let mut kept = Vec::with_capacity(services.len());
        for service in services {
            let broken = known.broken(&service);
            if broken.is_empty() {
                kept.push(service);
            } else {
                rejected.push((
                    service.key.0,
                    Rejection {
                        position: service.position,
                        reason: broken.join("; "),
                    },
                ));
            }
        }
        services = kept;
        if rejected.len() == before {
            return Ok((services, rejected));
        }
    }
}
