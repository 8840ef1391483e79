//! The ORUK 3.0 entities.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;

/// Whether a service is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ServiceStatus {
    #[default]
    #[serde(rename = "active")]
    Active,
    #[serde(rename = "inactive")]
    Inactive,
    #[serde(rename = "defunct")]
    Defunct,
    #[serde(rename = "temporarily closed")]
    TemporarilyClosed,
}

impl ServiceStatus {
    pub const ALL: [ServiceStatus; 4] = [
        ServiceStatus::Active,
        ServiceStatus::Inactive,
        ServiceStatus::Defunct,
        ServiceStatus::TemporarilyClosed,
    ];

    /// The profile's own spelling, stored and served as is.
    pub fn code(self) -> &'static str {
        match self {
            ServiceStatus::Active => "active",
            ServiceStatus::Inactive => "inactive",
            ServiceStatus::Defunct => "defunct",
            ServiceStatus::TemporarilyClosed => "temporarily closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ServiceStatus::Active => "Running",
            ServiceStatus::Inactive => "Not running",
            ServiceStatus::Defunct => "Closed for good",
            ServiceStatus::TemporarilyClosed => "Temporarily closed",
        }
    }

    pub fn from_code(code: &str) -> Option<ServiceStatus> {
        let code = code.trim().to_ascii_lowercase().replace('_', " ");
        ServiceStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LocationType {
    #[default]
    Physical,
    Postal,
    Virtual,
}

impl LocationType {
    pub fn code(self) -> &'static str {
        match self {
            LocationType::Physical => "physical",
            LocationType::Postal => "postal",
            LocationType::Virtual => "virtual",
        }
    }

    pub fn from_code(code: &str) -> Option<LocationType> {
        match code.trim().to_ascii_lowercase().as_str() {
            "physical" => Some(LocationType::Physical),
            "postal" => Some(LocationType::Postal),
            "virtual" => Some(LocationType::Virtual),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct OrganizationIdentifier {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_scheme: Option<String>,
    #[serde(default)]
    pub identifier_type: String,
    #[serde(default)]
    pub identifier: String,
}

/// An organisation that provides services (ORUK `organization`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_organization_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_identifiers: Vec<OrganizationIdentifier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Address {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    #[serde(default)]
    pub address_1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_2: Option<String>,
    #[serde(default)]
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub state_province: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub address_type: LocationType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Accessibility {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The profile's own free-text statement of the location's
    /// accessibility, beside the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessibility: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Phone {
    pub id: Uuid,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A feed may list a contact's phone with the service's phones, naming
    /// the contact here; an import moves it into that contact's phones, so
    /// a stored phone never carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Location {
    pub id: Uuid,
    #[serde(default)]
    pub location_type: LocationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_identifier_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accessibility: Vec<Accessibility>,
}

/// Where a service is delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ServiceAtLocation {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<Uuid>,
    pub location: Location,
}

/// When a service runs, iCalendar-style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Schedule {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_at_location_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<String>,
    /// `WEEKLY` or `MONTHLY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<f64>,
    /// Days, e.g. `MO,WE` (weekly) or `1MO` (first Monday, monthly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bymonthday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `HH:MM:SS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attending_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CostOption {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    /// In pounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Contact {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
}

/// A language a service is delivered in. The UK profile's `language` has
/// only identifiers; HSDS 3.0's `name` and `code` (ISO 639) are carried as
/// the extra properties the profile allows, because a language without a
/// name helps no one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Language {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ServiceArea {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_area: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Funding {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Taxonomy {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A category in a (possibly hierarchical) taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TaxonomyTerm {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Uuid>,
    /// The taxonomy's name, when it has no record of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_uri: Option<String>,
    /// A code for the term within its taxonomy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
}

/// Links a service to a taxonomy term (ORUK `attribute`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Attribute {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_id: Option<Uuid>,
    /// Feeds may give only the nested `taxonomy_term`; checking fills this
    /// from it.
    #[serde(default)]
    pub taxonomy_term_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy_term: Option<TaxonomyTerm>,
}

/// A service, with everything that belongs to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Service {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default)]
    pub status: ServiceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accreditations: Option<String>,
    /// Who the service is for (HSDS 3.0; no eligibility entity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<f64>,
    /// How to get the service: self-referral, by referral, drop in (HSDS 3.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_process: Option<String>,
    /// How long people usually wait (HSDS 3.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assurer_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<Schedule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_areas: Vec<ServiceArea>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_at_locations: Vec<ServiceAtLocation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funding: Vec<Funding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost_options: Vec<CostOption>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Service-level phone numbers (HSDS 3.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
}

/// A list a service holds. A record may leave one out (a summary from a
/// feed's list page): that says nothing about it, which is not the same
/// as saying it is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceList {
    Schedules,
    ServiceAreas,
    ServiceAtLocations,
    Languages,
    Funding,
    CostOptions,
    Contacts,
    Phones,
    Attributes,
}

impl ServiceList {
    pub const ALL: [ServiceList; 9] = [
        ServiceList::Schedules,
        ServiceList::ServiceAreas,
        ServiceList::ServiceAtLocations,
        ServiceList::Languages,
        ServiceList::Funding,
        ServiceList::CostOptions,
        ServiceList::Contacts,
        ServiceList::Phones,
        ServiceList::Attributes,
    ];

    /// Its field name in ORUK JSON.
    pub fn key(self) -> &'static str {
        match self {
            ServiceList::Schedules => "schedules",
            ServiceList::ServiceAreas => "service_areas",
            ServiceList::ServiceAtLocations => "service_at_locations",
            ServiceList::Languages => "languages",
            ServiceList::Funding => "funding",
            ServiceList::CostOptions => "cost_options",
            ServiceList::Contacts => "contacts",
            ServiceList::Phones => "phones",
            ServiceList::Attributes => "attributes",
        }
    }
}

impl Service {
    /// Takes the `lists` from `from` (what is stored, or an earlier copy
    /// of the same service), leaving the rest of this service as it is.
    pub fn keep_lists(&mut self, from: &Service, lists: &[ServiceList]) {
        for list in lists {
            match list {
                ServiceList::Schedules => self.schedules = from.schedules.clone(),
                ServiceList::ServiceAreas => self.service_areas = from.service_areas.clone(),
                ServiceList::ServiceAtLocations => {
                    self.service_at_locations = from.service_at_locations.clone()
                }
                ServiceList::Languages => self.languages = from.languages.clone(),
                ServiceList::Funding => self.funding = from.funding.clone(),
                ServiceList::CostOptions => self.cost_options = from.cost_options.clone(),
                ServiceList::Contacts => self.contacts = from.contacts.clone(),
                ServiceList::Phones => self.phones = from.phones.clone(),
                ServiceList::Attributes => self.attributes = from.attributes.clone(),
            }
        }
    }

    /// Ids of the taxonomy terms this service is classified by.
    pub fn term_ids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.attributes.iter().map(|a| a.taxonomy_term_id)
    }

    /// Free of charge: something says so (a cost option of £0, or fees
    /// text such as "Free") and nothing charges (no amount above zero, no
    /// price in the fees text). When the listing says nothing about cost,
    /// the service is not counted as free: unknown is not free.
    pub fn is_free(&self) -> bool {
        let fees = self.fees.as_deref().unwrap_or_default().to_lowercase();
        let charged = self
            .cost_options
            .iter()
            .any(|c| c.amount.is_some_and(|a| a > 0.0))
            || fees.contains('£');
        let says_free = ["free", "no charge", "no cost"]
            .iter()
            .any(|w| fees.contains(w))
            || self.cost_options.iter().any(|c| c.amount == Some(0.0));
        says_free && !charged
    }
}

/// The name of a language from its ISO 639-1 code (or the name itself),
/// for the languages most spoken in English communities, so that "pl" and
/// "Polish" are found by the same search.
pub fn language_name(code_or_name: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("en", "English"),
        ("pl", "Polish"),
        ("pa", "Punjabi"),
        ("ur", "Urdu"),
        ("bn", "Bengali"),
        ("gu", "Gujarati"),
        ("ar", "Arabic"),
        ("ro", "Romanian"),
        ("so", "Somali"),
        ("pt", "Portuguese"),
        ("es", "Spanish"),
        ("lt", "Lithuanian"),
        ("zh", "Chinese"),
        ("ku", "Kurdish"),
        ("fa", "Persian"),
        ("ti", "Tigrinya"),
        ("uk", "Ukrainian"),
        ("tr", "Turkish"),
        ("fr", "French"),
        ("it", "Italian"),
        ("de", "German"),
        ("hi", "Hindi"),
        ("ta", "Tamil"),
        ("cy", "Welsh"),
        ("bfi", "British Sign Language"),
        ("bsl", "British Sign Language"),
    ];
    let trimmed = code_or_name.trim();
    NAMES
        .iter()
        .find(|(code, name)| {
            code.eq_ignore_ascii_case(trimmed) || name.eq_ignore_ascii_case(trimmed)
        })
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| trimmed.to_owned())
}
