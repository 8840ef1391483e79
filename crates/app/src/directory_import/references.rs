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

use linkwork_domain::directory::{Attribute, Service};
use linkwork_storage::{DirectoryItem, DirectoryRecord, Store};
use uuid::Uuid;

use super::Rejection;
use crate::error::AppResult;

/// An item with where it came from.
pub(crate) struct Placed {
    /// The record's number in the source, for listing rejections in order.
    pub record: usize,
    pub position: String,
    pub item: DirectoryItem,
}

/// The organisations and terms a service refers to, whichever way it gives
/// them (an id, or a record nested in it).
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

/// The ids of one kind of record that the import holds and the directory
/// already has.
struct Known {
    organizations: HashSet<Uuid>,
    terms: HashSet<Uuid>,
}

impl Known {
    async fn gather(store: &dyn Store, items: &[Placed]) -> AppResult<Known> {
        let mut organizations = HashSet::new();
        let mut terms = HashSet::new();
        for placed in items {
            match &placed.item {
                DirectoryItem::Organization(o) => {
                    organizations.insert(o.id);
                }
                DirectoryItem::Term(t) => {
                    terms.insert(t.id);
                }
                DirectoryItem::Service(s) | DirectoryItem::PartialService { service: s, .. } => {
                    organizations.extend(s.organization.as_ref().map(|o| o.id));
                }
                DirectoryItem::Taxonomy(_) => {}
            }
        }
        let services = || items.iter().filter_map(|p| p.item.service());
        let missing = |found: &HashSet<Uuid>, refs: &mut dyn Iterator<Item = Uuid>| {
            refs.filter(|id| !found.contains(id))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        };
        let unseen_orgs = missing(&organizations, &mut services().filter_map(organization_ref));
        let unseen_terms = missing(
            &terms,
            &mut services().flat_map(|s| s.attributes.iter().filter_map(attribute_term)),
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

    /// Every broken reference `service` makes, each naming its field.
    fn broken(&self, service: &Service) -> Vec<String> {
        let mut broken = Vec::new();
        if let Some(org) = organization_ref(service)
            && !self.organizations.contains(&org)
        {
            broken.push(format!(
                "organization_id {org} names an organization that is neither in this import nor in the directory"
            ));
        }
        for (i, attribute) in service.attributes.iter().enumerate() {
            if let Some(term) = attribute_term(attribute)
                && !self.terms.contains(&term)
            {
                broken.push(format!(
                    "attributes[{i}].taxonomy_term_id {term} names a taxonomy term that is neither in this import nor in the directory"
                ));
            }
        }
        for (i, sal) in service.service_at_locations.iter().enumerate() {
            if let Some(named) = sal.location_id
                && named != sal.location.id
            {
                broken.push(format!(
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
                broken.push(format!(
                    "schedules[{i}].service_at_location_id {sal} names none of this service's service_at_locations"
                ));
            }
        }
        for (i, phone) in service.phones.iter().enumerate() {
            if let Some(contact) = phone.contact_id {
                broken.push(format!(
                    "phones[{i}].contact_id {contact} names none of this service's contacts"
                ));
            }
        }
        broken
    }
}

/// Splits `items` into those whose references all hold and a rejection for
/// each service with a broken one (with its record's number).
pub(crate) async fn check(
    store: &dyn Store,
    mut items: Vec<Placed>,
) -> AppResult<(Vec<Placed>, Vec<(usize, Rejection)>)> {
    let mut rejected = Vec::new();
    // An organisation given only inside a service is written with that
    // service, so rejecting the service takes it away from any other that
    // names it: check again until a pass rejects nothing.
    loop {
        let known = Known::gather(store, &items).await?;
        let before = rejected.len();
        let mut kept = Vec::with_capacity(items.len());
        for placed in items {
            let broken = placed
                .item
                .service()
                .map(|s| known.broken(s))
                .unwrap_or_default();
            if broken.is_empty() {
                kept.push(placed);
            } else {
                rejected.push((
                    placed.record,
                    Rejection {
                        position: placed.position,
                        reason: broken.join("; "),
                    },
                ));
            }
        }
        items = kept;
        if rejected.len() == before {
            return Ok((items, rejected));
        }
    }
}
