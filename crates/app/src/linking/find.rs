//! Finding support for a person: the directory searched with what their
//! record says (needs, home, age, language, barriers, free times), each
//! service ranked by how well it fits, with the reasons. The link worker
//! can widen or narrow each filter.

use linkwork_domain::ReferralId;
use linkwork_domain::casework::{Barrier, current_needs};
use linkwork_domain::directory::ServiceStatus;
use linkwork_domain::directory::needs::need_id;
use linkwork_domain::geo::METRES_PER_MILE;
use linkwork_domain::linking::Capacity;
use linkwork_search::{AccessFeature, Query};
use serde::Deserialize;
use uuid::Uuid;

use super::fit::{Fit, Profile, fit};
use crate::App;
use crate::casework::CaseView;
use crate::directory_search::DISTANCES;
use crate::error::AppResult;
use crate::principal::Principal;

/// The filters, as the form sends them. `refined` is set once the link
/// worker has changed them; until then they come from the record.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FindRequest {
    pub refined: Option<String>,
    pub needs: Vec<String>,
    /// Miles.
    pub distance: String,
    pub free: Option<String>,
    pub step_free: Option<String>,
    pub when_free: Option<String>,
    pub language: String,
    pub include_full: Option<String>,
}

/// A service suggested for the person.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub id: Uuid,
    pub name: String,
    pub organization: String,
    pub summary: String,
    pub fit: Fit,
    pub capacity: Option<Capacity>,
    pub favourite: bool,
}

/// Suggestions for a person, with the filters used.
#[derive(Debug, Clone)]
pub struct FindResults {
    pub view: CaseView,
    /// The filters as applied (from the record, or as refined).
    pub request: FindRequest,
    pub suggestions: Vec<Suggestion>,
    /// Why the home was not used, when it could not be.
    pub no_home: Option<String>,
}

/// How many services are weighed; the best are shown.
const CANDIDATES: usize = 300;
const SHOWN: usize = 20;

impl App {
    /// Services that fit the person of a case, best first.
    pub async fn find_support(
        &self,
        p: &Principal,
        referral_id: ReferralId,
        request: &FindRequest,
    ) -> AppResult<FindResults> {
        let view = self.case(p, referral_id).await?;
        let person = &view.person;
        let what_matters = view.file.what_matters.as_ref();
        let barriers: Vec<Barrier> = what_matters.map(|w| w.barriers.clone()).unwrap_or_default();
        let needs_now = current_needs(what_matters, &view.referral.needs);
        let request = if request.refined.is_some() {
            request.clone()
        } else {
            FindRequest {
                refined: None,
                needs: needs_now,
                distance: if barriers.contains(&Barrier::Transport)
                    || barriers.contains(&Barrier::Mobility)
                {
                    "2".into()
                } else {
                    "5".into()
                },
                free: barriers.contains(&Barrier::Cost).then(|| "yes".into()),
                step_free: barriers.contains(&Barrier::Mobility).then(|| "yes".into()),
                when_free: what_matters
                    .is_some_and(|w| !w.free_times.is_empty())
                    .then(|| "yes".into()),
                language: person
                    .details
                    .language
                    .clone()
                    .filter(|_| person.details.interpreter_needed)
                    .unwrap_or_default(),
                include_full: None,
            }
        };

        let all_needs = self.store.needs().await?;
        let need_terms = self.store.need_terms().await?;
        let mut profile = Profile {
            age: Some(f64::from(person.age_on(self.today()))),
            language: Some(request.language.trim().to_owned()).filter(|l| !l.is_empty()),
            free_times: if request.when_free.is_some() {
                what_matters
                    .map(|w| w.free_times.clone())
                    .unwrap_or_default()
            } else {
                Vec::new()
            },
            cost_matters: request.free.is_some() || barriers.contains(&Barrier::Cost),
            step_free: request.step_free.is_some(),
            travel_hard: barriers.contains(&Barrier::Transport)
                || barriers.contains(&Barrier::Mobility),
            ..Default::default()
        };
        // Each need's directory terms, with the narrower terms under them
        // (services are tagged "Telephone befriending", not "Social
        // connection").
        profile.needs = self.with_directory_index(|index| {
            let mut needs = Vec::new();
            for code in &request.needs {
                let label = all_needs
                    .iter()
                    .find(|n| &n.code == code)
                    .map_or(code.clone(), |n| n.label.clone());
                let roots: Vec<Uuid> = need_terms
                    .iter()
                    .filter(|(need, _)| need == code)
                    .filter_map(|(_, term)| need_id(term))
                    .collect();
                for id in index.with_descendants(&roots) {
                    needs.push((id, label.clone()));
                }
            }
            needs
        });
        let mut no_home = None;
        match &person.details.postcode {
            Some(postcode) => match self.locate(postcode.as_str()).await? {
                Some((point, _)) => profile.home = Some(point),
                None => {
                    no_home = Some(format!(
                        "We do not know where {postcode} is, so distances are not shown"
                    ))
                }
            },
            None => {
                no_home = Some("Their record has no postcode, so distances are not shown".into())
            }
        }
        let miles: u32 = request
            .distance
            .parse()
            .ok()
            .filter(|m| DISTANCES.contains(m))
            .unwrap_or(5);
        let query = Query {
            needs: profile.needs.iter().map(|(id, _)| *id).collect(),
            near: profile.home,
            within_m: profile.home.map(|_| f64::from(miles) * METRES_PER_MILE),
            free_only: request.free.is_some(),
            access: if profile.step_free {
                vec![AccessFeature::StepFree]
            } else {
                Vec::new()
            },
            statuses: vec![ServiceStatus::Active],
            page: 1,
            per_page: CANDIDATES,
            ..Default::default()
        };
        let hits = self.search_directory(&query).await?;
        let ids: Vec<Uuid> = hits.hits.iter().map(|h| h.id).collect();
        let capacities = self.store.capacities(&ids).await?;
        let favourites = self.store.favourites(p.user.id).await?;
        let today = self.today();
        let mut suggestions: Vec<Suggestion> = self.with_directory_index(|index| {
            ids.iter()
                .filter_map(|id| index.doc(*id))
                .map(|doc| {
                    let capacity = capacities
                        .iter()
                        .find(|c| c.service_id == doc.id && c.in_force(today))
                        .cloned();
                    Suggestion {
                        id: doc.id,
                        name: doc.name.clone(),
                        organization: doc.organization.clone(),
                        summary: doc.summary.clone(),
                        fit: fit(doc, &profile, capacity.as_ref(), today),
                        favourite: favourites.contains(&doc.id),
                        capacity,
                    }
                })
                .collect()
        });
        if request.include_full.is_none() {
            suggestions.retain(|s| {
                s.capacity
                    .as_ref()
                    .is_none_or(|c| c.state != linkwork_domain::linking::CapacityState::Full)
            });
        }
        suggestions.sort_by(|a, b| {
            b.fit
                .score
                .total_cmp(&a.fit.score)
                .then_with(|| a.name.cmp(&b.name))
        });
        suggestions.truncate(SHOWN);
        Ok(FindResults {
            view,
            request,
            suggestions,
            no_home,
        })
    }
}
