//! What a search asks for and what it returns.

use chrono::NaiveTime;
use linkwork_domain::Timestamp;
use linkwork_domain::directory::ServiceStatus;
use linkwork_domain::directory::schedule::Weekday;
use linkwork_domain::geo::GeoPoint;
use uuid::Uuid;

use crate::doc::AccessFeature;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Best match first (text), else nearest first (a place), else by name.
    #[default]
    Auto,
    Name,
    Distance,
}

#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Free text; words may be misspelt.
    pub text: Option<String>,
    /// Services with any of these taxonomy terms or their descendants.
    pub needs: Vec<Uuid>,
    /// Services with any term from this taxonomy.
    pub taxonomy: Option<Uuid>,
    pub organization: Option<Uuid>,
    /// Distances are measured from here; with a radius (metres), only
    /// services with a location within it are found.
    pub near: Option<GeoPoint>,
    pub within_m: Option<f64>,
    /// A label for `near` in explanations ("RV1 3BQ").
    pub near_label: Option<String>,
    pub free_only: bool,
    /// A schedule on this day …
    pub day: Option<Weekday>,
    /// … open at this time (on `day` if given, else on any day).
    pub open_at: Option<NaiveTime>,
    /// ORUK `start_time`: a schedule opening at or after this.
    pub opens_from: Option<NaiveTime>,
    /// ORUK `end_time`: a schedule closing at or before this.
    pub closes_by: Option<NaiveTime>,
    /// Someone of this age is within the age range.
    pub age: Option<f64>,
    /// ORUK `minimum_age`: the service's minimum age is at least this.
    pub minimum_age_at_least: Option<f64>,
    /// ORUK `maximum_age`: the service's maximum age is at most this.
    pub maximum_age_at_most: Option<f64>,
    pub access: Vec<AccessFeature>,
    /// A language name or code.
    pub language: Option<String>,
    pub modified_after: Option<Timestamp>,
    /// Only these statuses; every status when empty.
    pub statuses: Vec<ServiceStatus>,
    pub order: Order,
    /// Pages count from 1.
    pub page: usize,
    pub per_page: usize,
}

/// The furthest a search looks: England is under 1,000 km from end to
/// end, and a larger radius (200,000 km was tried) would only make the
/// search walk more of the map.
pub const MAX_DISTANCE_M: f64 = 1_000_000.0;

impl Query {
    /// The radius to search within, capped at `MAX_DISTANCE_M`.
    pub fn radius_m(&self) -> Option<f64> {
        self.within_m.map(|m| m.min(MAX_DISTANCE_M))
    }
}

/// One result, with why it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: Uuid,
    pub score: f32,
    /// Metres to the nearest location, when searching near a place.
    pub distance_m: Option<f64>,
    /// Which of the service's locations is nearest.
    pub nearest_location: Option<usize>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Matches across all pages.
    pub total: usize,
}
