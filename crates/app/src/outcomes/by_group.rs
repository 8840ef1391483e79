//! Outcome change by the groups inequalities are reported by (deprivation
//! quintile, age band, sex, ethnic group), so commissioners can see whether
//! support works as well for the people least often reached.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use linkwork_domain::measures::{CohortChange, Pair, cohort_change};
use linkwork_domain::person::Person;
use linkwork_domain::{PersonId, ReferralId};

use crate::reports::groups::{
    AREA_NOT_KNOWN, PUBLISHED_SEXES, SEX_OTHER, age_band, age_band_label, ethnic_group, quintile,
    quintile_label,
};

/// A score's change within one group.
#[derive(Debug, Clone)]
pub struct GroupChange {
    /// "Deprivation quintile", "Age", "Sex", "Ethnic group".
    pub dimension: &'static str,
    pub group: String,
    pub change: Option<CohortChange>,
}

/// The groups a person falls in, one per dimension, with their age on
/// `on`.
fn groups_of(person: &Person, on: NaiveDate) -> [(&'static str, String); 4] {
    let d = &person.details;
    [
        (
            "Deprivation quintile",
            person
                .imd_decile
                .map_or(AREA_NOT_KNOWN.to_owned(), |decile| {
                    quintile_label(quintile(decile))
                }),
        ),
        ("Age", age_band_label(age_band(person.age_on(on)))),
        (
            "Sex",
            match d.sex {
                Some(sex) if PUBLISHED_SEXES.contains(&sex) => sex.label().to_owned(),
                _ => SEX_OTHER.to_owned(),
            },
        ),
        (
            "Ethnic group",
            ethnic_group(d.ethnicity.as_deref()).to_owned(),
        ),
    ]
}

/// Each group's change in `pairs`, by dimension and then group in order.
/// Pairs whose person is not known (erased since) are left out.
pub(super) fn by_group(
    pairs: &[(ReferralId, Pair)],
    person_of: &HashMap<ReferralId, PersonId>,
    people: &HashMap<PersonId, Person>,
    on: NaiveDate,
    higher_is_better: bool,
    meaningful: Option<f64>,
) -> Vec<GroupChange> {
    let mut grouped: BTreeMap<(usize, String), (&'static str, Vec<Pair>)> = BTreeMap::new();
    for (referral, pair) in pairs {
        let Some(person) = person_of.get(referral).and_then(|id| people.get(id)) else {
            continue;
        };
        for (k, (dimension, group)) in groups_of(person, on).into_iter().enumerate() {
            grouped
                .entry((k, group))
                .or_insert_with(|| (dimension, Vec::new()))
                .1
                .push(*pair);
        }
    }
    grouped
        .into_iter()
        .map(|((_, group), (dimension, pairs))| GroupChange {
            dimension,
            group,
            change: cohort_change(&pairs, higher_is_better, meaningful),
        })
        .collect()
}
