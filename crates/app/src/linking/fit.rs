//! How well a service fits a person: what they need, where they live,
//! when they are free, what gets in the way (cost, access, language) and
//! whether the service has room. Every reason given is true of both the
//! service and the person; the ranking follows from the same facts.

use chrono::{NaiveDate, NaiveTime, Timelike};
use linkwork_domain::casework::{DayPart, FreeTime};
use linkwork_domain::directory::schedule::{OpeningRule, clock};
use linkwork_domain::geo::{GeoPoint, METRES_PER_MILE};
use linkwork_domain::linking::{Capacity, CapacityState};
use linkwork_search::{AccessFeature, Doc};
use uuid::Uuid;

/// What is known about the person, for fitting services to them.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Directory need terms (with their labels in the person's words) the
    /// person's needs map to: (term id, "loneliness").
    pub needs: Vec<(Uuid, String)>,
    pub home: Option<GeoPoint>,
    pub age: Option<f64>,
    /// A language other than English they would like support in.
    pub language: Option<String>,
    pub free_times: Vec<FreeTime>,
    pub cost_matters: bool,
    pub step_free: bool,
    /// Finds it hard to travel: distance counts for more.
    pub travel_hard: bool,
}

/// A service's fit, for the person.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub score: f64,
    pub distance_m: Option<f64>,
    pub fits: Vec<String>,
    pub does_not_fit: Vec<String>,
}

/// The parts of the day a schedule's opening hours overlap.
fn parts(opens: NaiveTime, closes: Option<NaiveTime>) -> Vec<DayPart> {
    let start = opens.hour();
    let end = closes.map_or(start + 1, |c| c.hour() + u32::from(c.minute() > 0));
    DayPart::ALL
        .iter()
        .copied()
        .filter(|p| {
            let (from, to) = p.hours();
            start < to && end > from
        })
        .collect()
}

/// When a rule meets and the person is free then, if ever: "Tuesday 10am".
fn meeting_when_free(rules: &[OpeningRule], free: &[FreeTime]) -> Option<String> {
    for rule in rules {
        let Some(opens) = rule.opens else { continue };
        for day in &rule.days {
            let fits = parts(opens, rule.closes)
                .into_iter()
                .any(|part| free.contains(&FreeTime { day: *day, part }));
            if fits {
                return Some(format!("{} {}", day.name(), clock(opens)));
            }
        }
    }
    None
}

fn miles(m: f64) -> String {
    let miles = m / METRES_PER_MILE;
    if miles < 0.1 {
        "very close to home".to_owned()
    } else {
        format!("{miles:.1} miles from home")
    }
}

/// How well `doc` fits `person` on `today`. `capacity` is the service's,
/// if it has one in force.
pub fn fit(doc: &Doc, person: &Profile, capacity: Option<&Capacity>, today: NaiveDate) -> Fit {
    let mut score = 0.0;
    let mut fits = Vec::new();
    let mut does_not_fit = Vec::new();

    let matched: Vec<&str> = person
        .needs
        .iter()
        .filter(|(term, _)| doc.term_ids.contains(term))
        .map(|(_, label)| label.as_str())
        .collect();
    let mut matched_labels: Vec<&str> = Vec::new();
    for label in matched {
        if !matched_labels.contains(&label) {
            matched_labels.push(label);
        }
    }
    if !matched_labels.is_empty() {
        score += 40.0 + 10.0 * matched_labels.len() as f64;
        fits.push(format!(
            "matches {}",
            matched_labels.join(" and ").to_lowercase()
        ));
    }

    let distance_m = person
        .home
        .and_then(|home| doc.nearest_within(&home, None).map(|(_, d)| d));
    match distance_m {
        Some(d) => {
            let miles_away = d / METRES_PER_MILE;
            // Up to 30 points for being close, falling away over five miles
            // (two when travel is hard).
            let reach = if person.travel_hard { 2.0 } else { 5.0 };
            score += 30.0 * (1.0 - (miles_away / reach).min(1.5)).max(-0.5);
            if miles_away <= reach {
                fits.push(miles(d));
            } else {
                does_not_fit.push(format!("{miles_away:.1} miles away"));
            }
        }
        None if person.home.is_some() && doc.locations.is_empty() => {
            fits.push("online or by phone".to_owned());
        }
        None => {}
    }

    if doc.free {
        score += if person.cost_matters { 15.0 } else { 3.0 };
        fits.push("free".to_owned());
    } else if person.cost_matters {
        score -= 15.0;
        does_not_fit.push("there is a cost".to_owned());
    }

    if !person.free_times.is_empty() {
        let timed = doc.rules.iter().any(|r| r.opens.is_some());
        match meeting_when_free(&doc.rules, &person.free_times) {
            Some(when) => {
                score += 15.0;
                fits.push(format!("meets {when}, when they are free"));
            }
            None if timed => {
                score -= 10.0;
                let times: Vec<String> = doc.rules.iter().map(OpeningRule::describe).collect();
                does_not_fit.push(format!("not when they are free ({})", times.join("; ")));
            }
            None => {}
        }
    }

    if person.step_free {
        if doc.has_access(AccessFeature::StepFree) {
            score += 10.0;
            fits.push("step-free access".to_owned());
        } else {
            score -= 10.0;
            does_not_fit.push("no step-free access listed".to_owned());
        }
    }

    if let Some(language) = &person.language {
        let wanted = language.to_lowercase();
        if doc.languages.iter().any(|l| l == &wanted) {
            score += 10.0;
            fits.push(format!("in {language}"));
        } else {
            does_not_fit.push(format!("not listed as offered in {language}"));
        }
    }

    if let Some(age) = person.age
        && !doc.accepts_age(age)
    {
        score -= 40.0;
        does_not_fit.push(match (doc.minimum_age, doc.maximum_age) {
            (Some(min), Some(max)) => format!("for ages {min} to {max}"),
            (Some(min), None) => format!("for ages {min} and over"),
            (None, Some(max)) => format!("for ages up to {max}"),
            (None, None) => "not for their age".to_owned(),
        });
    }

    if let Some(c) = capacity.filter(|c| c.in_force(today)) {
        let until = c.until.format("%-d %B");
        match c.state {
            CapacityState::Full => {
                score -= 30.0;
                does_not_fit.push(format!("full until {until}"));
            }
            CapacityState::WaitingList => {
                score -= 10.0;
                does_not_fit.push(format!("waiting list until {until}"));
            }
        }
    }

    Fit {
        score,
        distance_m,
        fits,
        does_not_fit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linkwork_domain::directory::Schedule;
    use linkwork_domain::directory::needs::need_id;
    use linkwork_domain::directory::schedule::Weekday;
    use linkwork_domain::directory::*;

    fn doc(free: bool, byday: &str, opens: &str, closes: &str, step_free: bool) -> Doc {
        let sal = Uuid::new_v4();
        let service = Service {
            id: Uuid::new_v4(),
            name: "Lunch Club".into(),
            status: ServiceStatus::Active,
            fees: free.then(|| "Free".into()),
            cost_options: if free {
                vec![CostOption {
                    id: Uuid::new_v4(),
                    amount: Some(0.0),
                    ..Default::default()
                }]
            } else {
                vec![CostOption {
                    id: Uuid::new_v4(),
                    amount: Some(3.0),
                    ..Default::default()
                }]
            },
            service_at_locations: vec![ServiceAtLocation {
                id: sal,
                location: Location {
                    id: Uuid::new_v4(),
                    location_type: LocationType::Physical,
                    latitude: Some(53.8),
                    longitude: Some(-1.55),
                    accessibility: step_free
                        .then(|| Accessibility {
                            id: Uuid::new_v4(),
                            description: Some("Step-free access throughout".into()),
                            ..Default::default()
                        })
                        .into_iter()
                        .collect(),
                    ..Default::default()
                },
                ..Default::default()
            }],
            schedules: vec![Schedule {
                id: Uuid::new_v4(),
                service_at_location_id: Some(sal),
                freq: Some("WEEKLY".into()),
                byday: Some(byday.into()),
                opens_at: Some(opens.into()),
                closes_at: Some(closes.into()),
                ..Default::default()
            }],
            attributes: vec![Attribute {
                id: Uuid::new_v4(),
                taxonomy_term_id: need_id("befriending").unwrap(),
                ..Default::default()
            }],
            ..Default::default()
        };
        Doc::from_service(&service, |_| Vec::new())
    }

    fn person(home: GeoPoint, free_times: Vec<FreeTime>) -> Profile {
        Profile {
            needs: vec![(need_id("befriending").unwrap(), "Loneliness".into())],
            home: Some(home),
            free_times,
            cost_matters: true,
            step_free: true,
            ..Default::default()
        }
    }

    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();

    #[test]
    fn reasons_are_true_of_the_service_and_the_person() {
        let tuesday_morning = FreeTime {
            day: Weekday::Tu,
            part: DayPart::Morning,
        };
        let near = GeoPoint::new(53.805, -1.55).unwrap();
        let f = fit(
            &doc(true, "TU", "10:00", "12:00", true),
            &person(near, vec![tuesday_morning]),
            None,
            TODAY,
        );
        assert_eq!(f.fits[0], "matches loneliness");
        assert!(f.fits.iter().any(|r| r.ends_with("miles from home")));
        assert!(f.fits.contains(&"free".to_owned()));
        assert!(
            f.fits
                .contains(&"meets Tuesday 10am, when they are free".to_owned()),
            "{:?}",
            f.fits
        );
        assert!(f.fits.contains(&"step-free access".to_owned()));
        assert!(f.does_not_fit.is_empty(), "{:?}", f.does_not_fit);

        let evenings = doc(false, "TH", "18:00", "20:00", false);
        let f2 = fit(&evenings, &person(near, vec![tuesday_morning]), None, TODAY);
        assert!(
            f2.does_not_fit
                .iter()
                .any(|r| r.starts_with("not when they are free"))
        );
        assert!(f2.does_not_fit.contains(&"there is a cost".to_owned()));
        assert!(
            f2.does_not_fit
                .contains(&"no step-free access listed".to_owned())
        );
        assert!(f2.score < f.score);
    }

    #[test]
    fn moving_home_or_free_times_changes_the_ranking() {
        let service = doc(true, "TU", "10:00", "12:00", true);
        let near = GeoPoint::new(53.805, -1.55).unwrap();
        let far = GeoPoint::new(53.9, -1.55).unwrap();
        let tuesday = vec![FreeTime {
            day: Weekday::Tu,
            part: DayPart::Morning,
        }];
        let friday = vec![FreeTime {
            day: Weekday::Fr,
            part: DayPart::Evening,
        }];
        let base = fit(&service, &person(near, tuesday.clone()), None, TODAY).score;
        assert!(fit(&service, &person(far, tuesday), None, TODAY).score < base);
        assert!(fit(&service, &person(near, friday), None, TODAY).score < base);
    }

    #[test]
    fn a_full_service_says_so_until_its_date() {
        let service = doc(true, "TU", "10:00", "12:00", true);
        let p = person(GeoPoint::new(53.805, -1.55).unwrap(), Vec::new());
        let full = Capacity {
            service_id: service.id,
            state: CapacityState::Full,
            until: TODAY + chrono::Duration::days(10),
            note: None,
            set_by: linkwork_domain::UserId::new(),
            set_at: linkwork_domain::time::now(),
        };
        let with = fit(&service, &p, Some(&full), TODAY);
        assert!(
            with.does_not_fit
                .contains(&"full until 17 December".to_owned())
        );
        let after = fit(
            &service,
            &p,
            Some(&full),
            TODAY + chrono::Duration::days(11),
        );
        assert!(after.does_not_fit.is_empty());
        assert!(with.score < after.score);
    }
}
