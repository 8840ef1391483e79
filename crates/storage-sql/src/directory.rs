//! Rows of the directory tables, and assembling ORUK services from them.
//!
//! Every child row carries the id of what it belongs to and a `position`,
//! so a service's schedules, contacts and so on come back in the order
//! they were given.

use std::collections::HashMap;

use linkwork_domain::Timestamp;
use linkwork_domain::directory::*;
use sqlx::FromRow;
use uuid::Uuid;

/// Column lists, in the order of the row structs below, shared so that
/// inserts and selects name the same columns in both backends.
pub mod columns {
    pub const ORGANIZATIONS: &str =
        "id, name, description, email, website, logo, uri, parent_organization_id";
    pub const ORGANIZATION_IDENTIFIERS: &str =
        "organization_id, position, id, identifier_scheme, identifier_type, identifier";
    pub const TAXONOMIES: &str = "id, name, description, uri, version";
    pub const TAXONOMY_TERMS: &str =
        "id, name, description, parent_id, taxonomy, taxonomy_id, term_uri, term";
    pub const SERVICES: &str = "id, organization_id, name, description, url, email, status, fees, accreditations, \
        eligibility_description, minimum_age, maximum_age, application_process, wait_time, assured_date, assurer_email, \
        alert, last_modified";
    pub const LOCATIONS: &str = "id, location_type, name, description, latitude, longitude, external_identifier, external_identifier_type";
    pub const ADDRESSES: &str = "location_id, position, id, attention, address_1, address_2, city, region, state_province, \
        postal_code, country, address_type";
    pub const ACCESSIBILITY: &str =
        "location_id, position, id, description, details, url, accessibility";
    pub const SERVICE_AT_LOCATIONS: &str = "service_id, position, id, location_id";
    pub const SCHEDULES: &str = "service_id, position, id, service_at_location_id, valid_from, valid_to, dtstart, freq, \
        interval_count, byday, bymonthday, description, opens_at, closes_at, schedule_link, attending_type, notes";
    pub const COST_OPTIONS: &str =
        "service_id, position, id, valid_from, valid_to, option, amount, amount_description";
    pub const CONTACTS: &str = "service_id, position, id, name, title, email";
    pub const PHONES: &str = "service_id, position, id, contact_id, number, description";
    pub const LANGUAGES: &str = "service_id, position, id, name, code, note";
    pub const SERVICE_AREAS: &str =
        "service_id, position, id, name, extent, extent_type, uri, service_area";
    pub const FUNDING: &str = "service_id, position, id, source";
    pub const ATTRIBUTES: &str = "service_id, position, id, taxonomy_term_id, link_type";
}

#[derive(Debug, FromRow)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub email: Option<String>,
    pub website: Option<String>,
    pub logo: Option<String>,
    pub uri: Option<String>,
    pub parent_organization_id: Option<Uuid>,
}

#[derive(Debug, FromRow)]
pub struct OrganizationIdentifierRow {
    pub organization_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub identifier_scheme: Option<String>,
    pub identifier_type: String,
    pub identifier: String,
}

#[derive(Debug, FromRow)]
pub struct TaxonomyRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub uri: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct TaxonomyTermRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub parent_id: Option<Uuid>,
    pub taxonomy: Option<String>,
    pub taxonomy_id: Option<Uuid>,
    pub term_uri: Option<String>,
    pub term: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct ServiceRow {
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub fees: Option<String>,
    pub accreditations: Option<String>,
    pub eligibility_description: Option<String>,
    pub minimum_age: Option<f64>,
    pub maximum_age: Option<f64>,
    pub application_process: Option<String>,
    pub wait_time: Option<String>,
    pub assured_date: Option<String>,
    pub assurer_email: Option<String>,
    pub alert: Option<String>,
    pub last_modified: Timestamp,
}

#[derive(Debug, FromRow)]
pub struct LocationRow {
    pub id: Uuid,
    pub location_type: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub external_identifier: Option<String>,
    pub external_identifier_type: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct AddressRow {
    pub location_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub attention: Option<String>,
    pub address_1: String,
    pub address_2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub state_province: String,
    pub postal_code: String,
    pub country: String,
    pub address_type: String,
}

#[derive(Debug, FromRow)]
pub struct AccessibilityRow {
    pub location_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub description: Option<String>,
    pub details: Option<String>,
    pub url: Option<String>,
    pub accessibility: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct ServiceAtLocationRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub location_id: Uuid,
}

#[derive(Debug, FromRow)]
pub struct ScheduleRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub service_at_location_id: Option<Uuid>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub dtstart: Option<String>,
    pub freq: Option<String>,
    #[sqlx(rename = "interval_count")]
    pub interval: Option<f64>,
    pub byday: Option<String>,
    pub bymonthday: Option<String>,
    pub description: Option<String>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub schedule_link: Option<String>,
    pub attending_type: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct CostOptionRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub option: Option<String>,
    pub amount: Option<f64>,
    pub amount_description: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct ContactRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct PhoneRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    /// Set when the phone belongs to one of the service's contacts.
    pub contact_id: Option<Uuid>,
    pub number: String,
    pub description: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct LanguageRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub name: Option<String>,
    pub code: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct ServiceAreaRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub name: Option<String>,
    pub extent: Option<String>,
    pub extent_type: Option<String>,
    pub uri: Option<String>,
    pub service_area: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct FundingRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub source: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct AttributeRow {
    pub service_id: Uuid,
    pub position: i64,
    pub id: Uuid,
    pub taxonomy_term_id: Uuid,
    pub link_type: Option<String>,
}

impl From<OrganizationRow> for Organization {
    fn from(r: OrganizationRow) -> Self {
        Organization {
            id: r.id,
            name: r.name,
            description: r.description,
            email: r.email,
            website: r.website,
            logo: r.logo,
            uri: r.uri,
            parent_organization_id: r.parent_organization_id,
            organization_identifiers: Vec::new(),
        }
    }
}

impl From<TaxonomyRow> for Taxonomy {
    fn from(r: TaxonomyRow) -> Self {
        Taxonomy {
            id: r.id,
            name: r.name,
            description: r.description,
            uri: r.uri,
            version: r.version,
        }
    }
}

impl From<TaxonomyTermRow> for TaxonomyTerm {
    fn from(r: TaxonomyTermRow) -> Self {
        TaxonomyTerm {
            id: r.id,
            name: r.name,
            description: r.description,
            parent_id: r.parent_id,
            taxonomy: r.taxonomy,
            taxonomy_id: r.taxonomy_id,
            term_uri: r.term_uri,
            term: r.term,
        }
    }
}

/// Every row that makes up a set of services.
#[derive(Default)]
pub struct ServiceRows {
    pub services: Vec<ServiceRow>,
    pub organizations: Vec<OrganizationRow>,
    pub organization_identifiers: Vec<OrganizationIdentifierRow>,
    pub locations: Vec<LocationRow>,
    pub addresses: Vec<AddressRow>,
    pub accessibility: Vec<AccessibilityRow>,
    pub service_at_locations: Vec<ServiceAtLocationRow>,
    pub schedules: Vec<ScheduleRow>,
    pub cost_options: Vec<CostOptionRow>,
    pub contacts: Vec<ContactRow>,
    pub phones: Vec<PhoneRow>,
    pub languages: Vec<LanguageRow>,
    pub service_areas: Vec<ServiceAreaRow>,
    pub funding: Vec<FundingRow>,
    pub attributes: Vec<AttributeRow>,
    pub terms: Vec<TaxonomyTermRow>,
}

/// Groups rows by owner, in position order.
fn grouped<R, K: std::hash::Hash + Eq>(
    rows: Vec<R>,
    key: impl Fn(&R) -> K,
    position: impl Fn(&R) -> i64,
) -> HashMap<K, Vec<R>> {
    let mut map: HashMap<K, Vec<R>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    for list in map.values_mut() {
        list.sort_by_key(&position);
    }
    map
}

impl ServiceRows {
    /// Builds each service with its organisation, locations and every
    /// child list, in the order of `services`.
    pub fn assemble(self) -> Vec<Service> {
        let mut identifiers = grouped(
            self.organization_identifiers,
            |r| r.organization_id,
            |r| r.position,
        );
        let organizations: HashMap<Uuid, Organization> = self
            .organizations
            .into_iter()
            .map(|row| {
                let mut org = Organization::from(row);
                org.organization_identifiers = identifiers
                    .remove(&org.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| OrganizationIdentifier {
                        id: r.id,
                        identifier_scheme: r.identifier_scheme,
                        identifier_type: r.identifier_type,
                        identifier: r.identifier,
                    })
                    .collect();
                (org.id, org)
            })
            .collect();
        let mut addresses = grouped(self.addresses, |r| r.location_id, |r| r.position);
        let mut accessibility = grouped(self.accessibility, |r| r.location_id, |r| r.position);
        let locations: HashMap<Uuid, Location> = self
            .locations
            .into_iter()
            .map(|r| {
                let location = Location {
                    id: r.id,
                    location_type: LocationType::from_code(&r.location_type).unwrap_or_default(),
                    name: r.name,
                    description: r.description,
                    latitude: r.latitude,
                    longitude: r.longitude,
                    external_identifier: r.external_identifier,
                    external_identifier_type: r.external_identifier_type,
                    addresses: addresses
                        .remove(&r.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| Address {
                            id: a.id,
                            attention: a.attention,
                            address_1: a.address_1,
                            address_2: a.address_2,
                            city: a.city,
                            region: a.region,
                            state_province: a.state_province,
                            postal_code: a.postal_code,
                            country: a.country,
                            address_type: LocationType::from_code(&a.address_type)
                                .unwrap_or_default(),
                        })
                        .collect(),
                    accessibility: accessibility
                        .remove(&r.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| Accessibility {
                            id: a.id,
                            description: a.description,
                            details: a.details,
                            url: a.url,
                            accessibility: a.accessibility,
                        })
                        .collect(),
                };
                (location.id, location)
            })
            .collect();
        let terms: HashMap<Uuid, TaxonomyTerm> = self
            .terms
            .into_iter()
            .map(|r| (r.id, TaxonomyTerm::from(r)))
            .collect();
        let mut sals = grouped(self.service_at_locations, |r| r.service_id, |r| r.position);
        let mut schedules = grouped(self.schedules, |r| r.service_id, |r| r.position);
        let mut costs = grouped(self.cost_options, |r| r.service_id, |r| r.position);
        let mut contacts = grouped(self.contacts, |r| r.service_id, |r| r.position);
        let mut phones = grouped(self.phones, |r| r.service_id, |r| r.position);
        let mut languages = grouped(self.languages, |r| r.service_id, |r| r.position);
        let mut areas = grouped(self.service_areas, |r| r.service_id, |r| r.position);
        let mut funding = grouped(self.funding, |r| r.service_id, |r| r.position);
        let mut attributes = grouped(self.attributes, |r| r.service_id, |r| r.position);

        self.services
            .into_iter()
            .map(|r| {
                let id = r.id;
                let mut service_phones = phones.remove(&id).unwrap_or_default();
                let contacts = contacts
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| Contact {
                        phones: service_phones
                            .iter()
                            .filter(|p| p.contact_id == Some(c.id))
                            .map(|p| Phone {
                                id: p.id,
                                number: p.number.clone(),
                                description: p.description.clone(),
                                contact_id: None,
                            })
                            .collect(),
                        id: c.id,
                        name: c.name,
                        title: c.title,
                        email: c.email,
                    })
                    .collect();
                service_phones.retain(|p| p.contact_id.is_none());
                Service {
                    id,
                    organization: r
                        .organization_id
                        .and_then(|o| organizations.get(&o).cloned()),
                    organization_id: r.organization_id,
                    name: r.name,
                    description: r.description,
                    url: r.url,
                    email: r.email,
                    status: ServiceStatus::from_code(&r.status).unwrap_or_default(),
                    fees: r.fees,
                    accreditations: r.accreditations,
                    eligibility_description: r.eligibility_description,
                    minimum_age: r.minimum_age,
                    maximum_age: r.maximum_age,
                    application_process: r.application_process,
                    wait_time: r.wait_time,
                    assured_date: r.assured_date,
                    assurer_email: r.assurer_email,
                    alert: r.alert,
                    last_modified: Some(r.last_modified),
                    schedules: schedules
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|s| Schedule {
                            id: s.id,
                            service_at_location_id: s.service_at_location_id,
                            valid_from: s.valid_from,
                            valid_to: s.valid_to,
                            dtstart: s.dtstart,
                            freq: s.freq,
                            interval: s.interval,
                            byday: s.byday,
                            bymonthday: s.bymonthday,
                            description: s.description,
                            opens_at: s.opens_at,
                            closes_at: s.closes_at,
                            schedule_link: s.schedule_link,
                            attending_type: s.attending_type,
                            notes: s.notes,
                        })
                        .collect(),
                    service_areas: areas
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| ServiceArea {
                            id: a.id,
                            name: a.name,
                            extent: a.extent,
                            extent_type: a.extent_type,
                            uri: a.uri,
                            service_area: a.service_area,
                        })
                        .collect(),
                    service_at_locations: sals
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|s| {
                            Some(ServiceAtLocation {
                                id: s.id,
                                service_id: Some(id),
                                location_id: Some(s.location_id),
                                location: locations.get(&s.location_id)?.clone(),
                            })
                        })
                        .collect(),
                    languages: languages
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|l| Language {
                            id: l.id,
                            name: l.name,
                            code: l.code,
                            note: l.note,
                        })
                        .collect(),
                    funding: funding
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|f| Funding {
                            id: f.id,
                            source: f.source,
                        })
                        .collect(),
                    cost_options: costs
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| CostOption {
                            id: c.id,
                            valid_from: c.valid_from,
                            valid_to: c.valid_to,
                            option: c.option,
                            amount: c.amount,
                            amount_description: c.amount_description,
                        })
                        .collect(),
                    contacts,
                    phones: service_phones
                        .into_iter()
                        .map(|p| Phone {
                            id: p.id,
                            number: p.number,
                            description: p.description,
                            contact_id: None,
                        })
                        .collect(),
                    attributes: attributes
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| Attribute {
                            id: a.id,
                            link_id: Some(id),
                            taxonomy_term_id: a.taxonomy_term_id,
                            link_type: a.link_type,
                            taxonomy_term: terms.get(&a.taxonomy_term_id).cloned(),
                        })
                        .collect(),
                }
            })
            .collect()
    }
}
