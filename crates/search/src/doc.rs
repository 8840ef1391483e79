//! What the index keeps about each service: enough to filter, rank,
//! explain and show a result without touching the database.

use linkwork_domain::Timestamp;
use linkwork_domain::directory::schedule::OpeningRule;
use linkwork_domain::directory::{Service, ServiceStatus, language_name};
use linkwork_domain::geo::{GeoPoint, METRES_PER_DEGREE};
use uuid::Uuid;

/// Accessibility a link worker can ask for. Listings describe access in
/// free text (ORUK has no codes for it), so each feature is recognised by
/// the phrases listings use for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessFeature {
    StepFree,
    HearingLoop,
    AccessibleToilet,
    Parking,
    QuietSpace,
}

impl AccessFeature {
    pub const ALL: [AccessFeature; 5] = [
        AccessFeature::StepFree,
        AccessFeature::HearingLoop,
        AccessFeature::AccessibleToilet,
        AccessFeature::Parking,
        AccessFeature::QuietSpace,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AccessFeature::StepFree => "step-free",
            AccessFeature::HearingLoop => "hearing-loop",
            AccessFeature::AccessibleToilet => "accessible-toilet",
            AccessFeature::Parking => "parking",
            AccessFeature::QuietSpace => "quiet-space",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessFeature::StepFree => "Step-free access",
            AccessFeature::HearingLoop => "Hearing loop",
            AccessFeature::AccessibleToilet => "Accessible toilet",
            AccessFeature::Parking => "Parking",
            AccessFeature::QuietSpace => "Quiet space",
        }
    }

    fn phrases(self) -> &'static [&'static str] {
        match self {
            AccessFeature::StepFree => &[
                "step-free",
                "step free",
                "wheelchair",
                "ramp",
                "level access",
                "lift to all",
            ],
            AccessFeature::HearingLoop => &["hearing loop", "induction loop"],
            AccessFeature::AccessibleToilet => {
                &["accessible toilet", "disabled toilet", "changing places"]
            }
            AccessFeature::Parking => &["parking", "blue badge"],
            AccessFeature::QuietSpace => &["quiet room", "quiet space", "sensory room"],
        }
    }

    pub fn from_code(code: &str) -> Option<AccessFeature> {
        AccessFeature::ALL.into_iter().find(|f| f.code() == code)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The features a description mentions.
    fn recognise(text: &str) -> u8 {
        let lower = text.to_lowercase();
        AccessFeature::ALL
            .into_iter()
            .filter(|f| f.phrases().iter().any(|p| lower.contains(p)))
            .fold(0, |bits, f| bits | f.bit())
    }
}

/// A place the service is delivered, for distance.
#[derive(Debug, Clone, PartialEq)]
pub struct DocLocation {
    /// The service-at-location this place comes from.
    pub service_at_location: Uuid,
    pub point: GeoPoint,
    /// A short address for results: "Riverside Community Centre, RV1 3BQ".
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Doc {
    pub id: Uuid,
    pub name: String,
    /// The name in lower case, for sorting by name.
    pub sort_key: String,
    pub organization_id: Option<Uuid>,
    pub organization: String,
    /// The first sentence or so of the description.
    pub summary: String,
    pub status: ServiceStatus,
    pub term_ids: Vec<Uuid>,
    pub locations: Vec<DocLocation>,
    /// Service-at-locations without coordinates (online, or not geocoded).
    pub unplaced: Vec<Uuid>,
    pub free: bool,
    pub minimum_age: Option<f64>,
    pub maximum_age: Option<f64>,
    pub rules: Vec<OpeningRule>,
    access: u8,
    /// Language names, lower case.
    pub languages: Vec<String>,
    pub last_modified: Option<Timestamp>,
    /// Text fields for the inverted index: (field, text).
    pub(crate) fields: Vec<(Field, String)>,
}

/// Where a word was found, which decides its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Need,
    Organization,
    Description,
}

impl Field {
    /// What the service is called and what it helps with say most about
    /// it; its description less. The organisation's name says least: a
    /// charity called "Memory Lane Dementia Choir" also runs housing
    /// advice, which is not what someone searching "dementia choir" wants.
    pub fn weight(self) -> f32 {
        match self {
            Field::Name => 3.0,
            Field::Need => 2.0,
            Field::Description => 1.0,
            Field::Organization => 0.5,
        }
    }

    pub fn bit(self) -> u8 {
        1 << (self as u8)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Field::Name => "the name",
            Field::Need => "its needs",
            Field::Organization => "the organisation",
            Field::Description => "the description",
        }
    }

    pub const ALL: [Field; 4] = [
        Field::Name,
        Field::Need,
        Field::Organization,
        Field::Description,
    ];
}

fn summary(text: &str) -> String {
    const LIMIT: usize = 200;
    let text = text.trim();
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let cut: String = text.chars().take(LIMIT).collect();
    let end = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", &cut[..end])
}

impl Doc {
    /// Builds a document from a service. `term_name` names a taxonomy term
    /// and its ancestors, so a service tagged "Debt advice" is also found by
    /// "money".
    pub fn from_service(service: &Service, term_names: impl Fn(Uuid) -> Vec<String>) -> Doc {
        let mut locations = Vec::new();
        let mut unplaced = Vec::new();
        let mut access = 0;
        for sal in &service.service_at_locations {
            let l = &sal.location;
            let point = match (l.latitude, l.longitude) {
                (Some(lat), Some(lon)) => GeoPoint::new(lat, lon),
                _ => None,
            };
            let address = l.addresses.first().map(|a| {
                [a.address_1.as_str(), a.postal_code.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            let label = [l.name.clone(), address]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            match point {
                Some(point) => locations.push(DocLocation {
                    service_at_location: sal.id,
                    point,
                    label,
                }),
                None => unplaced.push(sal.id),
            }
            for a in &l.accessibility {
                let text = [a.description.as_deref(), a.details.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                access |= AccessFeature::recognise(&text);
            }
        }
        let needs: Vec<String> = service.term_ids().flat_map(&term_names).collect();
        let organization = service
            .organization
            .as_ref()
            .map(|o| o.name.clone())
            .unwrap_or_default();
        let description = [
            service.description.as_deref(),
            service.eligibility_description.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        Doc {
            id: service.id,
            name: service.name.clone(),
            sort_key: service.name.to_lowercase(),
            organization_id: service.organization_id,
            summary: summary(service.description.as_deref().unwrap_or_default()),
            status: service.status,
            term_ids: service.term_ids().collect(),
            locations,
            unplaced,
            free: service.is_free(),
            minimum_age: service.minimum_age,
            maximum_age: service.maximum_age,
            rules: service
                .schedules
                .iter()
                .filter_map(|s| OpeningRule::from_schedule(s).ok())
                .collect(),
            access,
            languages: service
                .languages
                .iter()
                .filter_map(|l| l.name.as_deref().or(l.code.as_deref()))
                .map(|l| language_name(l).to_lowercase())
                .collect(),
            last_modified: service.last_modified,
            fields: vec![
                (Field::Name, service.name.clone()),
                (Field::Need, needs.join(" ")),
                (Field::Organization, organization.clone()),
                (Field::Description, description),
            ],
            organization,
        }
    }

    pub fn has_access(&self, feature: AccessFeature) -> bool {
        self.access & feature.bit() != 0
    }

    /// Nearest location to `point` within `max_m` metres (any distance when
    /// `None`): (index, metres). Measured on a flat projection, which is
    /// within a fraction of a percent of the true distance at the scale of a
    /// search, after a cheap bounding-box test rules most places out.
    pub fn nearest_within(&self, point: &GeoPoint, max_m: Option<f64>) -> Option<(usize, f64)> {
        let cos_lat = point.lat.to_radians().cos();
        let mut best: Option<(usize, f64)> = None;
        for (i, l) in self.locations.iter().enumerate() {
            let dy = (l.point.lat - point.lat) * METRES_PER_DEGREE;
            if max_m.is_some_and(|m| dy.abs() > m) {
                continue;
            }
            let dx = (l.point.lon - point.lon) * METRES_PER_DEGREE * cos_lat;
            if max_m.is_some_and(|m| dx.abs() > m) {
                continue;
            }
            let d = (dx * dx + dy * dy).sqrt();
            if max_m.is_none_or(|m| d <= m) && best.is_none_or(|(_, b)| d < b) {
                best = Some((i, d));
            }
        }
        best
    }

    /// Whether someone of `age` is within the service's age range.
    pub fn accepts_age(&self, age: f64) -> bool {
        self.minimum_age.is_none_or(|min| age >= min)
            && self.maximum_age.is_none_or(|max| age <= max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_access_from_free_text() {
        let bits =
            AccessFeature::recognise("Wheelchair users welcome; an induction loop at reception.");
        assert_ne!(bits & AccessFeature::StepFree.bit(), 0);
        assert_ne!(bits & AccessFeature::HearingLoop.bit(), 0);
        assert_eq!(bits & AccessFeature::Parking.bit(), 0);
    }

    #[test]
    fn summaries_stop_at_a_word() {
        let long = "word ".repeat(100);
        let s = summary(&long);
        assert!(s.ends_with('…') && s.chars().count() <= 201);
        assert_eq!(summary(" Short. "), "Short.");
    }
}
