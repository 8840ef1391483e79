use chrono::NaiveTime;
use linkwork_domain::directory::schedule::Weekday;
use linkwork_domain::directory::*;
use linkwork_domain::geo::GeoPoint;
use uuid::Uuid;

use super::*;
use crate::doc::{AccessFeature, Doc};
use crate::query::{MAX_DISTANCE_M, Order, Query};

fn service(name: &str, description: &str, needs: &[&str], at: Option<(f64, f64)>) -> Service {
    let mut s = Service {
        id: Uuid::new_v4(),
        name: name.into(),
        description: Some(description.into()),
        ..Default::default()
    };
    for need in needs {
        s.attributes.push(Attribute {
            id: Uuid::new_v4(),
            taxonomy_term_id: needs::need_id(need).unwrap(),
            ..Default::default()
        });
    }
    if let Some((lat, lon)) = at {
        s.service_at_locations.push(ServiceAtLocation {
            id: Uuid::new_v4(),
            location: Location {
                id: Uuid::new_v4(),
                name: Some(format!("{name} hall")),
                latitude: Some(lat),
                longitude: Some(lon),
                ..Default::default()
            },
            ..Default::default()
        });
    }
    s
}

fn index(services: &[Service]) -> SearchIndex {
    let mut index = SearchIndex::new();
    index.set_terms(needs::terms());
    for s in services {
        let doc = Doc::from_service(s, |id| index.term_names(id));
        index.upsert(doc);
    }
    index
}

fn names(index: &SearchIndex, query: &Query) -> Vec<String> {
    index
        .search(query)
        .hits
        .iter()
        .map(|h| index.doc(h.id).unwrap().name.clone())
        .collect()
}

fn text(t: &str) -> Query {
    Query {
        text: Some(t.into()),
        per_page: 50,
        ..Default::default()
    }
}

#[test]
fn typos_and_word_forms_still_find_services() {
    let idx = index(&[
        service(
            "Green Shoots Community Gardening",
            "Grow vegetables with neighbours",
            &["community-gardening"],
            None,
        ),
        service(
            "Money Matters",
            "Free debt advice and budgeting help",
            &["debt-advice"],
            None,
        ),
        service("Tuesday Choir", "Sing together", &["music-singing"], None),
    ]);
    assert_eq!(
        names(&idx, &text("gardning")),
        ["Green Shoots Community Gardening"]
    );
    assert_eq!(names(&idx, &text("debts")), ["Money Matters"]);
    assert_eq!(names(&idx, &text("singing")), ["Tuesday Choir"]);
    let hit = &idx.search(&text("gardning")).hits[0];
    assert!(
        hit.reasons[0].contains("close to “gardning”"),
        "{:?}",
        hit.reasons
    );
    assert!(idx.search(&text("zzzz")).hits.is_empty());
}

/// Issue 11: "lonely" (stem "lone") was taken as a typo of "one", so
/// one-to-one bereavement counselling came first for it.
#[test]
fn a_word_is_never_corrected_into_a_different_short_word() {
    let idx = index(&[
        service(
            "Bereavement Counselling",
            "Free one-to-one counselling",
            &["bereavement"],
            None,
        ),
        service("Art Class", "Drawing and painting", &[], None),
        service(
            "Green Shoots Community Gardening",
            "Grow vegetables",
            &[],
            None,
        ),
    ]);
    assert!(names(&idx, &text("lonely")).is_empty());
    assert!(names(&idx, &text("part")).is_empty(), "not “art”");
    assert!(
        names(&idx, &text("growl")).is_empty(),
        "a five-letter word is not corrected into the four-letter “grow”"
    );
    assert_eq!(
        names(&idx, &text("gardenning")),
        ["Green Shoots Community Gardening"],
        "long words still forgive a slip"
    );
}

/// Issue 11: "loneliness", the commonest reason for social prescribing,
/// found nothing, and "copd" nothing though Breathe Easy groups exist.
#[test]
fn everyday_words_find_what_they_stand_for_below_the_word_itself() {
    let idx = index(&[
        service(
            "Telephone Befriending",
            "A volunteer rings for a chat",
            &["befriending"],
            None,
        ),
        service(
            "Breathe Easy",
            "For people living with lung conditions",
            &["long-term-conditions"],
            None,
        ),
        service("Lonely No More", "A walking group", &["walking"], None),
        service("Art Class", "Drawing", &["arts-crafts"], None),
    ]);
    assert_eq!(
        names(&idx, &text("lonely")),
        ["Lonely No More", "Telephone Befriending"],
        "the word itself first, then what it stands for"
    );
    assert_eq!(names(&idx, &text("loneliness")), ["Telephone Befriending"]);
    assert_eq!(names(&idx, &text("copd")), ["Breathe Easy"]);
    assert_eq!(
        names(&idx, &text("lonley")),
        ["Telephone Befriending"],
        "a typo of an everyday word (no listing says “lonely” as typed)"
    );
    let hit = &idx.search(&text("isolated")).hits[0];
    assert_eq!(
        hit.reasons,
        ["“Befriending” in the name and its needs (for “isolated”)"]
    );

    let mut without = idx;
    without.set_synonyms(crate::Synonyms::default());
    assert!(names(&without, &text("copd")).is_empty());
}

#[test]
fn needs_are_searchable_words_and_filters_with_children() {
    let idx = index(&[
        service("Money Matters", "Advice", &["debt-advice"], None),
        service(
            "Benefits Clinic",
            "Help with claims",
            &["benefits-advice"],
            None,
        ),
    ]);
    // "money" is the parent need's name, not in the listing's own text.
    assert_eq!(names(&idx, &text("money")), ["Money Matters"]);
    let by_need = Query {
        needs: vec![needs::need_id("money").unwrap()],
        per_page: 10,
        ..Default::default()
    };
    let results = idx.search(&by_need);
    assert_eq!(results.total, 1);
    assert!(
        results.hits[0]
            .reasons
            .contains(&"Helps with Debt advice".to_owned())
    );
}

#[test]
fn names_outrank_descriptions() {
    let idx = index(&[
        service("Walking for Health", "Gentle walks", &[], None),
        service(
            "Coffee Morning",
            "Followed by walking to the park",
            &[],
            None,
        ),
    ]);
    assert_eq!(
        names(&idx, &text("walking")),
        ["Walking for Health", "Coffee Morning"]
    );
}

#[test]
fn the_organisation_s_name_counts_least() {
    let mut advice = service("Housing Advice", "Advice on tenancy", &[], None);
    advice.organization = Some(Organization {
        name: "Riverside Choir".into(),
        ..Default::default()
    });
    let idx = index(&[
        advice,
        service("Sing Together", "Sing in a choir", &[], None),
    ]);
    assert_eq!(
        names(&idx, &text("choir")),
        ["Sing Together", "Housing Advice"]
    );
}

#[test]
fn distance_filters_and_orders_and_explains() {
    let centre = GeoPoint::new(53.70, -1.90).unwrap();
    let idx = index(&[
        service("Far", "x", &[], Some((53.80, -1.90))), // about 11 km
        service("Near", "x", &[], Some((53.705, -1.90))), // about 0.6 km
        service("Middle", "x", &[], Some((53.73, -1.90))), // about 3.3 km
        service("Online only", "x", &[], None),
    ]);
    let q = Query {
        near: Some(centre),
        within_m: Some(5_000.0),
        near_label: Some("RV1 1AA".into()),
        per_page: 10,
        ..Default::default()
    };
    let results = idx.search(&q);
    assert_eq!(names(&idx, &q), ["Near", "Middle"]);
    let d = results.hits[0].distance_m.unwrap();
    assert!((500.0..700.0).contains(&d), "{d}");
    assert_eq!(results.hits[0].reasons, vec!["0.3 miles from RV1 1AA"]);
    let unbounded = Query {
        near: Some(centre),
        per_page: 10,
        ..Default::default()
    };
    assert_eq!(
        names(&idx, &unbounded),
        ["Near", "Middle", "Far", "Online only"],
        "unplaced last"
    );
}

#[test]
fn near_a_place_the_match_is_weighed_with_the_distance() {
    let centre = GeoPoint::new(53.70, -1.90).unwrap();
    let idx = index(&[
        // The same match, 4.0 and 2.7 miles away: the nearer first.
        service("Walking group", "Weekly walks", &[], Some((53.758, -1.90))),
        service("Walking club", "Weekly walks", &[], Some((53.739, -1.90))),
        // A far better match (its name) 3 miles away still beats a
        // passing mention next door.
        service("Choir", "Singing together", &[], Some((53.743, -1.90))),
        service(
            "Cafe",
            "A cafe; a choir sometimes visits",
            &[],
            Some((53.701, -1.90)),
        ),
    ]);
    let near = |words: &str| Query {
        near: Some(centre),
        ..text(words)
    };
    assert_eq!(
        names(&idx, &near("walks")),
        ["Walking club", "Walking group"]
    );
    assert_eq!(names(&idx, &near("choir")), ["Choir", "Cafe"]);
}

/// Finding 11: a radius of 200,000 km had the search visit every map
/// square in reach (about 10^12) while holding the index. Distances are
/// capped at 1,000 km, which covers England, and the walk never looks at
/// more squares than hold services.
#[test]
fn huge_distances_are_capped_and_cost_what_the_data_costs() {
    let centre = GeoPoint::new(53.70, -1.90).unwrap();
    let idx = index(&[
        service("Leeds", "x", &[], Some((53.80, -1.55))),
        service("Penzance", "x", &[], Some((50.12, -5.54))), // about 480 km
        service("Athens", "x", &[], Some((37.98, 23.73))),   // about 2,500 km
    ]);
    let near = |within_m| Query {
        near: Some(centre),
        within_m: Some(within_m),
        order: Order::Distance,
        per_page: 10,
        ..Default::default()
    };
    assert_eq!(names(&idx, &near(2e8)), ["Leeds", "Penzance"]);
    assert_eq!(names(&idx, &near(f64::MAX)), ["Leeds", "Penzance"]);
    assert_eq!(names(&idx, &near(MAX_DISTANCE_M)), ["Leeds", "Penzance"]);
    assert_eq!(near(2e8).radius_m(), Some(MAX_DISTANCE_M));
    assert_eq!(names(&idx, &near(100_000.0)), ["Leeds"]);
}

#[test]
fn filters_for_cost_time_age_access_and_language() {
    let mut free = service("Free Club", "x", &[], None);
    free.fees = Some("Free".into());
    free.minimum_age = Some(50.0);
    free.schedules.push(Schedule {
        id: Uuid::nil(),
        freq: Some("WEEKLY".into()),
        byday: Some("TU,TH".into()),
        opens_at: Some("10:00".into()),
        closes_at: Some("12:00".into()),
        ..Default::default()
    });
    free.languages.push(Language {
        id: Uuid::nil(),
        code: Some("pl".into()),
        ..Default::default()
    });
    free.service_at_locations.push(ServiceAtLocation {
        id: Uuid::nil(),
        location: Location {
            id: Uuid::nil(),
            accessibility: vec![Accessibility {
                id: Uuid::nil(),
                description: Some("Wheelchair accessible".into()),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    });
    let mut paid = service("Paid Class", "x", &[], None);
    paid.cost_options.push(CostOption {
        id: Uuid::nil(),
        amount: Some(4.0),
        ..Default::default()
    });
    let idx = index(&[free, paid]);
    let q = |f: fn(&mut Query)| {
        let mut q = Query {
            per_page: 10,
            ..Default::default()
        };
        f(&mut q);
        names(&idx, &q)
    };
    assert_eq!(q(|q| q.free_only = true), ["Free Club"]);
    assert_eq!(q(|q| q.day = Some(Weekday::Tu)), ["Free Club"]);
    assert!(q(|q| q.day = Some(Weekday::We)).is_empty());
    assert_eq!(
        q(|q| {
            q.day = Some(Weekday::Th);
            q.open_at = NaiveTime::from_hms_opt(11, 0, 0)
        }),
        ["Free Club"]
    );
    assert!(
        q(|q| {
            q.day = Some(Weekday::Th);
            q.open_at = NaiveTime::from_hms_opt(13, 0, 0)
        })
        .is_empty()
    );
    assert_eq!(q(|q| q.age = Some(70.0)), ["Free Club", "Paid Class"]);
    assert_eq!(q(|q| q.age = Some(30.0)), ["Paid Class"]);
    assert_eq!(q(|q| q.minimum_age_at_least = Some(40.0)), ["Free Club"]);
    assert_eq!(
        q(|q| q.access = vec![AccessFeature::StepFree]),
        ["Free Club"]
    );
    assert_eq!(q(|q| q.language = Some("Polish".into())), ["Free Club"]);
    assert_eq!(q(|q| q.language = Some("pl".into())), ["Free Club"]);
    assert!(q(|q| q.language = Some("Urdu".into())).is_empty());
}

#[test]
fn updates_replace_and_removals_disappear_even_after_compaction() {
    let mut services: Vec<Service> = (0..200)
        .map(|i| service(&format!("Club {i}"), "knitting circle", &[], None))
        .collect();
    let mut idx = index(&services);
    assert_eq!(idx.search(&text("knitting")).total, 200);
    services[0].name = "Renamed Choir".into();
    services[0].description = Some("singing".into());
    let doc = Doc::from_service(&services[0], |id| idx.term_names(id));
    idx.upsert(doc);
    assert_eq!(idx.search(&text("knitting")).total, 199);
    assert_eq!(names(&idx, &text("choir")), ["Renamed Choir"]);
    for s in &services[1..150] {
        idx.remove(s.id);
    }
    assert_eq!(idx.len(), 51);
    assert_eq!(idx.search(&text("knitting")).total, 50);
    assert!(idx.docs.len() < 200, "compacted");
    assert_eq!(names(&idx, &text("choir")), ["Renamed Choir"]);
}

#[test]
fn pages() {
    let idx = index(
        &(0..25)
            .map(|i| service(&format!("Group {i:02}"), "x", &[], None))
            .collect::<Vec<_>>(),
    );
    let q = Query {
        page: 3,
        per_page: 10,
        order: Order::Name,
        ..Default::default()
    };
    let r = idx.search(&q);
    assert_eq!(r.total, 25);
    assert_eq!(r.hits.len(), 5);
    assert_eq!(idx.doc(r.hits[0].id).unwrap().name, "Group 20");
}
