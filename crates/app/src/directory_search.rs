//! A link worker's directory search, from the fields of the search form
//! (or the same names in the JSON API) to a query, checking each field.

use linkwork_domain::directory::ServiceStatus;
use linkwork_domain::directory::schedule::{OpeningRule, Weekday, parse_time};
use linkwork_domain::geo::{GeoPoint, METRES_PER_MILE};
use linkwork_domain::postcode::{Postcode, parse_outcode};
use linkwork_domain::validation::ValidationErrors;
use linkwork_search::{AccessFeature, Query};
use serde::Deserialize;
use uuid::Uuid;

use crate::App;
use crate::error::AppResult;

/// Distances offered, in miles.
pub const DISTANCES: &[u32] = &[1, 2, 5, 10, 25];
pub const PER_PAGE: usize = 20;

/// The search form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    pub q: String,
    pub need: String,
    pub postcode: String,
    /// Miles.
    pub distance: String,
    pub free: Option<String>,
    pub day: String,
    /// `HH:MM`.
    pub time: String,
    pub age: String,
    pub access: Vec<String>,
    pub language: String,
    pub include_closed: Option<String>,
    #[serde(deserialize_with = "crate::page_number::deserialize")]
    pub page: Option<u32>,
}

impl SearchRequest {
    /// Whether anything was asked (an empty form shows no results yet).
    pub fn is_empty(&self) -> bool {
        self.q.trim().is_empty()
            && self.need.is_empty()
            && self.postcode.trim().is_empty()
            && self.free.is_none()
            && self.day.is_empty()
            && self.time.trim().is_empty()
            && self.age.trim().is_empty()
            && self.access.is_empty()
            && self.language.trim().is_empty()
    }
}

/// A service found by a search, as the person searching sees it.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: Uuid,
    pub name: String,
    pub organization: String,
    pub summary: String,
    pub status: ServiceStatus,
    pub free: bool,
    /// Not updated for longer than the directory's staleness limit.
    pub possibly_out_of_date: bool,
    /// To the nearest place it runs, when searching near somewhere.
    pub distance_m: Option<f64>,
    /// That place's name and address.
    pub place: Option<String>,
    /// Opening times in plain English.
    pub opening: Vec<String>,
    /// Why it matched, in plain English.
    pub reasons: Vec<String>,
}

impl Found {
    /// "1.2 miles", for people in England.
    pub fn distance_in_miles(&self) -> Option<String> {
        self.distance_m
            .map(|m| format!("{:.1} miles", m / METRES_PER_MILE))
    }
}

impl App {
    /// One page of services matching `query`, best first, and how many
    /// match in all.
    pub async fn find_services(&self, query: &Query) -> AppResult<(Vec<Found>, usize)> {
        let results = self.search_directory(query).await?;
        let found = self.with_directory_index(|index| {
            results
                .hits
                .iter()
                .filter_map(|hit| {
                    let doc = index.doc(hit.id)?;
                    Some(Found {
                        id: doc.id,
                        name: doc.name.clone(),
                        organization: doc.organization.clone(),
                        summary: doc.summary.clone(),
                        status: doc.status,
                        free: doc.free,
                        possibly_out_of_date: self.is_stale(doc.last_modified),
                        distance_m: hit.distance_m,
                        place: hit
                            .nearest_location
                            .and_then(|i| doc.locations.get(i))
                            .map(|l| l.label.clone()),
                        opening: doc.rules.iter().map(OpeningRule::describe).collect(),
                        reasons: hit.reasons.clone(),
                    })
                })
                .collect()
        });
        Ok((found, results.total))
    }

    /// Where a postcode, or a postcode district, is. Answers are kept for a
    /// few minutes: searches near the same places repeat all day, and the
    /// lookup only changes when a new postcode file is imported.
    pub async fn locate(&self, raw: &str) -> AppResult<Option<(GeoPoint, String)>> {
        let key = raw.trim().to_ascii_uppercase();
        if let Some(found) = self.located.get(&key) {
            return Ok(found);
        }
        let found = self.locate_uncached(raw).await?;
        self.located.put(key, found.clone());
        Ok(found)
    }

    async fn locate_uncached(&self, raw: &str) -> AppResult<Option<(GeoPoint, String)>> {
        if let Ok(postcode) = Postcode::parse(raw) {
            if let Some(record) = self.store.postcode(&postcode).await? {
                return Ok(Some((record.point, postcode.to_string())));
            }
            // An unknown full postcode still has a known district.
            return Ok(self
                .store
                .outcode_centroid(postcode.outcode())
                .await?
                .map(|p| (p, postcode.outcode().to_owned())));
        }
        match parse_outcode(raw) {
            Some(outcode) => Ok(self
                .store
                .outcode_centroid(&outcode)
                .await?
                .map(|p| (p, outcode))),
            None => Ok(None),
        }
    }

    /// Checks the search form and turns it into a query.
    pub async fn directory_query(
        &self,
        form: &SearchRequest,
    ) -> AppResult<Result<Query, ValidationErrors>> {
        let mut errors = ValidationErrors::new();
        // A postcode typed among the words ("lunch club RV1 3BQ") is where
        // to search near, as if typed in its own box.
        let typed = form.postcode.trim();
        let (text, postcode, postcode_field) = match split_postcode(form.q.trim()) {
            Some((words, postcode)) if typed.is_empty() => (words, postcode, "q"),
            _ => (form.q.trim().to_owned(), typed.to_owned(), "postcode"),
        };
        let postcode = postcode.as_str();
        let mut query = Query {
            text: Some(text).filter(|t| !t.is_empty()),
            page: form.page.unwrap_or(1).max(1) as usize,
            per_page: PER_PAGE,
            ..Default::default()
        };
        if !form.need.is_empty() {
            match form.need.parse::<Uuid>() {
                Ok(id) => query.needs.push(id),
                Err(_) => errors.add("need", "Select a need from the list"),
            }
        }
        if !postcode.is_empty() {
            match self.locate(postcode).await? {
                Some((point, label)) => {
                    query.near = Some(point);
                    query.near_label = Some(label);
                }
                None if Postcode::parse(postcode).is_err() && parse_outcode(postcode).is_none() => {
                    errors.add(postcode_field, "Enter a real postcode, like LS1 4AP, or a postcode district, like LS1")
                }
                None => errors.add(postcode_field, "We do not know where that postcode is. Check it, or try the first half, like LS1"),
            }
        }
        if !form.distance.is_empty() {
            match form.distance.parse::<u32>() {
                Ok(miles) if DISTANCES.contains(&miles) => {
                    if postcode.is_empty() {
                        errors.add("postcode", "Enter a postcode to search within a distance");
                    }
                    query.within_m = Some(f64::from(miles) * METRES_PER_MILE);
                }
                _ => errors.add("distance", "Select a distance from the list"),
            }
        }
        query.free_only = form.free.is_some();
        if !form.day.is_empty() {
            match form.day.parse::<Weekday>() {
                Ok(day) => query.day = Some(day),
                Err(_) => errors.add("day", "Select a day of the week"),
            }
        }
        let time = form.time.trim();
        if !time.is_empty() {
            match parse_time(time) {
                Some(t) => query.open_at = Some(t),
                None => errors.add("time", "Enter a time like 14:30"),
            }
        }
        let age = form.age.trim();
        if !age.is_empty() {
            match age.parse::<f64>() {
                Ok(a) if (0.0..=130.0).contains(&a) => query.age = Some(a),
                _ => errors.add("age", "Enter an age in years, like 67"),
            }
        }
        for code in &form.access {
            match AccessFeature::from_code(code) {
                Some(f) => query.access.push(f),
                None => errors.add("access", "Select accessibility needs from the list"),
            }
        }
        query.language = Some(form.language.trim().to_owned()).filter(|l| !l.is_empty());
        if form.include_closed.is_none() {
            query.statuses = vec![ServiceStatus::Active, ServiceStatus::TemporarilyClosed];
        }
        Ok(errors.into_result(query))
    }
}

/// Narrows a query to what the public may see: published listings only.
pub fn published_only(query: &mut Query) {
    query.statuses = vec![ServiceStatus::Active];
}

/// A full postcode among the words of a search ("lunch club RV1 3BQ", or
/// "RV13BQ"): the other words, and the postcode. Only full postcodes: a
/// district alone ("M1", "LS1") could be part of what is looked for.
fn split_postcode(text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let without = |from: usize, to: usize| {
        words
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < from || *i >= to)
            .map(|(_, w)| *w)
            .collect::<Vec<_>>()
            .join(" ")
    };
    for i in 0..words.len() {
        if let Some(next) = words.get(i + 1) {
            let pair = format!("{} {next}", words[i]);
            if let Ok(postcode) = Postcode::parse(&pair) {
                return Some((without(i, i + 2), postcode.to_string()));
            }
        }
        if let Ok(postcode) = Postcode::parse(words[i]) {
            return Some((without(i, i + 1), postcode.to_string()));
        }
    }
    None
}

/// A small cache of postcode locations that forgets entries after a while
/// and everything when full (simple, and enough for the places a team
/// searches near).
/// A place found for a postcode: where it is, and how to name it.
type Located = Option<(GeoPoint, String)>;

#[derive(Default)]
pub struct LocationCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Located)>>,
}

impl LocationCache {
    const CAPACITY: usize = 10_000;
    const TTL: std::time::Duration = std::time::Duration::from_secs(600);

    fn get(&self, key: &str) -> Option<Located> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < Self::TTL)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: String, value: Located) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.insert(key, (std::time::Instant::now(), value));
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::split_postcode;

    #[test]
    fn a_postcode_among_the_words_is_found_whole_or_run_together() {
        assert_eq!(
            split_postcode("lunch club RV1 3BQ"),
            Some(("lunch club".into(), "RV1 3BQ".into()))
        );
        assert_eq!(
            split_postcode("rv13bq walking"),
            Some(("walking".into(), "RV1 3BQ".into()))
        );
        assert_eq!(
            split_postcode("choir near LS1"),
            None,
            "a district alone is a word"
        );
        assert_eq!(split_postcode("men's shed"), None);
    }
}
