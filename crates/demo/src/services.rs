//! Demo community services: realistic listings across every need, spread
//! over the demo area's postcodes, with real-looking schedules, costs,
//! accessibility and languages. Deterministic for a given scale.

use chrono::Duration;
use linkwork_domain::directory::needs::need_id;
use linkwork_domain::directory::*;
use linkwork_domain::time::now;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::ids;
use crate::names::PLACES;

/// Services in the Riverside demo; `scale` multiplies it.
pub const SERVICES_PER_SCALE: usize = 320;
const SEED: u64 = 0x5e41_1ce5;

/// `(need code, name ending, description, application process)`.
const KINDS: &[(&str, &str, &str, &str)] = &[
    (
        "befriending",
        "Telephone Befriending",
        "A friendly volunteer rings once a week for a chat, at a time that suits you. Many people say it is the call they look forward to most.",
        "Ask your link worker to refer you, or phone us",
    ),
    (
        "befriending",
        "Befriending Visits",
        "A trained volunteer visits you at home every week or two for a cup of tea and a chat, and can help you get out to local groups when you feel ready.",
        "By referral from a link worker, GP or social worker",
    ),
    (
        "community-groups",
        "Lunch Club",
        "A hot two-course lunch and good company. Transport can be arranged for people who find it hard to get out.",
        "Drop in, or phone to book transport",
    ),
    (
        "community-groups",
        "Coffee Morning",
        "An informal coffee morning where newcomers are always welcome. Board games, a book swap and a warm room.",
        "Just turn up",
    ),
    (
        "community-groups",
        "Men's Shed",
        "A workshop where men (and women) share skills, make and mend things and have a natter. No experience needed.",
        "Drop in during opening hours",
    ),
    (
        "community-groups",
        "Knit and Natter",
        "Bring your knitting or crochet, or learn from scratch with wool and needles provided.",
        "Just turn up",
    ),
    (
        "music-singing",
        "Community Choir",
        "A friendly choir with no auditions and no need to read music. We sing pop, folk and show tunes.",
        "Come along to any session",
    ),
    (
        "music-singing",
        "Ukulele Group",
        "Learn to play the ukulele in a relaxed group. Instruments can be borrowed.",
        "Phone or email before your first session",
    ),
    (
        "arts-crafts",
        "Art Class",
        "Drawing and painting for beginners in a supportive group, with all materials provided.",
        "Book a place by phone",
    ),
    (
        "arts-crafts",
        "Craft Café",
        "Creative sessions making cards, collage and textiles, followed by tea and cake.",
        "Drop in",
    ),
    (
        "arts-crafts",
        "Creative Writing Group",
        "Write stories, poems and memories together, with gentle prompts and no pressure to share.",
        "Email to join",
    ),
    (
        "community-gardening",
        "Community Garden",
        "Grow vegetables, fruit and flowers together. Raised beds for people who cannot kneel, and tools provided.",
        "Drop in, or ask your link worker to introduce you",
    ),
    (
        "community-gardening",
        "Allotment Project",
        "Shared allotment plots with experienced growers on hand to help. Take home what you grow.",
        "By referral or phone",
    ),
    (
        "green-spaces",
        "Conservation Volunteers",
        "Practical outdoor work looking after local woods, parks and rivers. Gloves and tools provided.",
        "Register online or by phone",
    ),
    (
        "green-spaces",
        "Nature Walks",
        "Slow, guided walks noticing birds, trees and wildflowers, finishing with a hot drink.",
        "Just turn up at the meeting point",
    ),
    (
        "walking",
        "Health Walks",
        "Free, friendly walks led by trained volunteers, from 20 minutes on the flat to an hour with hills.",
        "Just turn up at the start point",
    ),
    (
        "walking",
        "Buggy Walks",
        "Walks for parents and carers with babies in buggies, ending at a café.",
        "Just turn up",
    ),
    (
        "gentle-exercise",
        "Chair-Based Exercise",
        "Gentle seated exercise to music to build strength and confidence. Suitable for people with limited mobility.",
        "Phone to book your first session",
    ),
    (
        "gentle-exercise",
        "Tai Chi",
        "Slow, flowing movements to improve balance and reduce stress. Good for falls prevention.",
        "Drop in",
    ),
    (
        "gentle-exercise",
        "Strength and Balance",
        "A 12-week falls prevention class led by a qualified instructor.",
        "By referral from a health professional or link worker",
    ),
    (
        "sport",
        "Walking Football",
        "Football at walking pace: no running, no tackling, lots of laughs. All abilities.",
        "Just turn up",
    ),
    (
        "sport",
        "Swim Sessions",
        "Quiet adult-only swim sessions with a lifeguard and a warm changing room.",
        "Pay at reception",
    ),
    (
        "debt-advice",
        "Debt Advice Service",
        "Free, confidential advice from accredited money advisers: dealing with creditors, priority debts, debt relief orders and bankruptcy.",
        "Phone for an appointment, or ask your link worker to refer you",
    ),
    (
        "debt-advice",
        "Money Advice Drop-in",
        "See a money adviser without an appointment about debts, bills and arrears.",
        "Drop in",
    ),
    (
        "budgeting",
        "Energy Bills Advice",
        "Help to cut energy bills, get grants and deal with fuel debt, including home visits for people who cannot get out.",
        "Phone or ask your link worker",
    ),
    (
        "budgeting",
        "Budgeting Course",
        "A six-week course on budgeting, saving and avoiding loan sharks.",
        "Book by phone",
    ),
    (
        "benefits-advice",
        "Benefits Advice",
        "Benefit checks, help filling in forms for Universal Credit, PIP and Attendance Allowance, and help with appeals.",
        "Phone for an appointment",
    ),
    (
        "benefits-advice",
        "Welfare Rights",
        "Specialist advice and representation at benefit tribunals.",
        "By referral",
    ),
    (
        "housing-advice",
        "Housing Advice",
        "Advice on tenancy problems, disrepair, damp and mould, and dealing with landlords.",
        "Phone or drop in",
    ),
    (
        "housing-advice",
        "Warm Homes Service",
        "Help to make homes warmer: insulation grants, boiler repairs and emergency heaters.",
        "By referral or phone",
    ),
    (
        "homelessness",
        "Day Centre",
        "A warm place with breakfast, showers, laundry and advice for people who are homeless or at risk.",
        "Just turn up",
    ),
    (
        "finding-work",
        "Job Club",
        "Help with CVs, job searching, applications and interview practice, with computers available.",
        "Drop in",
    ),
    (
        "volunteering",
        "Volunteer Centre",
        "Find a volunteering role that suits you, with support to get started.",
        "Drop in or email",
    ),
    (
        "learning",
        "English Classes",
        "Free English (ESOL) classes for adults, from beginner to advanced, with a crèche.",
        "Come to an assessment session",
    ),
    (
        "learning",
        "Computer Courses",
        "Beginners' courses in using computers, email and the internet safely.",
        "Book by phone",
    ),
    (
        "carers",
        "Carers' Support Group",
        "Time with other carers to share experiences and information, while a volunteer sits with the person you care for.",
        "Phone the carers' centre",
    ),
    (
        "carers",
        "Carers' Café",
        "A relaxed monthly café for unpaid carers with advice on hand.",
        "Just turn up",
    ),
    (
        "bereavement",
        "Bereavement Support Group",
        "A safe space to talk with others who have lost someone close, facilitated by trained volunteers.",
        "Phone for a chat first",
    ),
    (
        "bereavement",
        "Bereavement Counselling",
        "Free one-to-one counselling for adults after a death.",
        "By referral from a GP or link worker",
    ),
    (
        "memory-cafes",
        "Memory Café",
        "A welcoming café for people living with dementia or memory problems and the people who care for them.",
        "Just turn up",
    ),
    (
        "dementia",
        "Singing for the Brain",
        "Singing sessions for people with dementia and their carers, shown to help memory and mood.",
        "Phone to book",
    ),
    (
        "peer-support",
        "Mental Health Peer Support",
        "A group run by people with lived experience of mental ill health, meeting to share what helps.",
        "Drop in, or phone first if you prefer",
    ),
    (
        "talking-support",
        "Listening Service",
        "A trained volunteer listens, in confidence, for up to an hour. No problem is too small.",
        "Phone to book a time",
    ),
    (
        "stress-anxiety",
        "Stress Control Course",
        "A six-session course teaching practical skills to manage stress, worry and low mood.",
        "Self-refer online or by phone",
    ),
    (
        "stress-anxiety",
        "Mindfulness Group",
        "Guided mindfulness practice in a small group. No experience needed.",
        "Drop in",
    ),
    (
        "long-term-conditions",
        "Diabetes Support Group",
        "Meet others living with diabetes, with talks from health professionals.",
        "Just turn up",
    ),
    (
        "long-term-conditions",
        "Breathe Easy",
        "A support group for people living with lung conditions and their families, with singing for lung health.",
        "Just turn up",
    ),
    (
        "long-term-conditions",
        "Pain Management Group",
        "Learn ways to live well with long-term pain, from pacing to relaxation.",
        "By referral",
    ),
    (
        "food-banks",
        "Food Bank",
        "Emergency food parcels for people in crisis, with advice on hand.",
        "Bring a food bank voucher from a referral agency, or ask us",
    ),
    (
        "food-banks",
        "Community Pantry",
        "A low-cost food club: a weekly shop of around £15 worth of food for £3.50.",
        "Join at any session",
    ),
    (
        "cooking",
        "Cook and Eat",
        "Learn to cook simple, healthy meals on a budget, then eat together.",
        "Book a place",
    ),
    (
        "digital-inclusion",
        "Digital Drop-in",
        "Help with phones, tablets and computers: getting online, video calls, and NHS and council websites.",
        "Drop in",
    ),
    (
        "digital-inclusion",
        "Tablet Lending Library",
        "Borrow a tablet with free data and get help learning to use it.",
        "By referral",
    ),
    (
        "family",
        "Parent and Toddler Group",
        "Play, songs and a cuppa for parents and carers with children under five.",
        "Just turn up",
    ),
];

const ACCESS: &[&str] = &[
    "Step-free access throughout",
    "Hearing loop at reception",
    "Accessible toilet",
    "Free parking, including blue badge spaces",
    "A quiet room is available",
];

const LANGUAGES: &[(&str, &str)] = &[
    ("Polish", "pl"),
    ("Urdu", "ur"),
    ("Punjabi", "pa"),
    ("Bengali", "bn"),
    ("Arabic", "ar"),
    ("Romanian", "ro"),
    ("British Sign Language", "bfi"),
];

const STREETS: &[&str] = &[
    "Mill Lane",
    "Station Road",
    "Church Street",
    "High Street",
    "Victoria Road",
    "Park Avenue",
    "Canal Side",
    "Market Place",
    "Chapel Street",
    "Queen Street",
    "Bridge Road",
    "School Lane",
];

const VENUES: &[&str] = &[
    "Community Centre",
    "Library",
    "Methodist Church Hall",
    "Leisure Centre",
    "Sports Club",
    "Neighbourhood Hub",
    "Mosque Community Room",
    "Gurdwara Hall",
    "Youth and Community Centre",
    "Village Hall",
];

/// A place services can be: a postcode and its coordinates.
#[derive(Debug, Clone)]
pub struct Place {
    pub postcode: String,
    pub lat: f64,
    pub lon: f64,
}

/// The demo lookup's postcodes.
pub fn riverside_places() -> Vec<Place> {
    crate::postcodes::RIVERSIDE_NSPL
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Some(Place {
                postcode: f.get(2)?.to_string(),
                lat: f.get(28)?.parse().ok()?,
                lon: f.get(29)?.parse().ok()?,
            })
        })
        .collect()
}

fn schedule(rng: &mut ChaCha8Rng, sal: Uuid) -> Vec<Schedule> {
    const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    const TIMES: [(&str, &str); 6] = [
        ("09:30:00", "11:30:00"),
        ("10:00:00", "12:00:00"),
        ("13:00:00", "15:00:00"),
        ("14:00:00", "16:00:00"),
        ("18:00:00", "20:00:00"),
        ("10:00:00", "15:00:00"),
    ];
    let monthly = rng.random_bool(0.12);
    let count = if monthly { 1 } else { rng.random_range(1..=3) };
    let mut days: Vec<&str> = DAYS[..if rng.random_bool(0.15) { 7 } else { 5 }]
        .choose_multiple(rng, count)
        .copied()
        .collect();
    days.sort_by_key(|d| DAYS.iter().position(|x| x == d));
    let (opens, closes) = *TIMES.choose(rng).expect("non-empty");
    let byday = if monthly {
        format!("{}{}", rng.random_range(1..=4), days[0])
    } else {
        days.join(",")
    };
    vec![Schedule {
        id: ids::uuid(rng),
        service_at_location_id: Some(sal),
        freq: Some(if monthly { "MONTHLY" } else { "WEEKLY" }.into()),
        interval: Some(1.0),
        byday: Some(byday),
        opens_at: Some(opens.into()),
        closes_at: Some(closes.into()),
        ..Default::default()
    }]
}

/// Which services each demo provider runs, by a word of its name: a
/// community garden runs gardening, not debt advice. A provider whose name
/// is not here (the benchmarks' generic ones) may run anything.
const PROVIDES: &[(&str, &[&str])] = &[
    (
        "Befrienders",
        &["befriending", "talking-support", "community-groups"],
    ),
    (
        "Community Garden",
        &["community-gardening", "green-spaces", "cooking"],
    ),
    (
        "Money Advice",
        &["debt-advice", "budgeting", "benefits-advice"],
    ),
    ("Arts Collective", &["arts-crafts", "music-singing"]),
    (
        "Dementia Choir",
        &["dementia", "memory-cafes", "music-singing"],
    ),
    ("Active Riverside", &["sport", "gentle-exercise", "walking"]),
    (
        "Adult Learning",
        &["learning", "digital-inclusion", "finding-work"],
    ),
    (
        "Age Friendly",
        &["community-groups", "befriending", "long-term-conditions"],
    ),
    (
        "Leisure Trust",
        &[
            "sport",
            "gentle-exercise",
            "walking",
            "long-term-conditions",
        ],
    ),
    (
        "Citizens Advice",
        &[
            "debt-advice",
            "benefits-advice",
            "housing-advice",
            "budgeting",
        ],
    ),
    (
        "Mind",
        &["peer-support", "talking-support", "stress-anxiety"],
    ),
    ("Carers", &["carers", "bereavement"]),
    ("Food Network", &["food-banks", "cooking", "homelessness"]),
    (
        "Libraries",
        &[
            "learning",
            "digital-inclusion",
            "community-groups",
            "volunteering",
            "family",
            "finding-work",
        ],
    ),
];

/// Whether `provider` runs services for `need`.
fn runs(provider: &Organization, need: &str) -> bool {
    PROVIDES
        .iter()
        .find(|(word, _)| provider.name.contains(word))
        .is_none_or(|(_, needs)| needs.contains(&need))
}

/// `count` services run by `providers`, at `places`.
pub fn generate(count: usize, providers: &[Organization], places: &[Place]) -> Vec<Service> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let today = now();
    (0..count)
        .map(|i| {
            let (need, ending, description, how) = KINDS[i % KINDS.len()];
            let place_name = PLACES[rng.random_range(0..PLACES.len())];
            let fitting: Vec<&Organization> = providers.iter().filter(|p| runs(p, need)).collect();
            let pool = if fitting.is_empty() {
                providers.iter().collect()
            } else {
                fitting
            };
            let provider = pool[rng.random_range(0..pool.len())].clone();
            let place = &places[rng.random_range(0..places.len())];
            let id = ids::uuid(&mut rng);
            let sal_id = ids::uuid(&mut rng);
            let venue = VENUES[rng.random_range(0..VENUES.len())];
            let street = STREETS[rng.random_range(0..STREETS.len())];
            let mut accessibility = Vec::new();
            for (k, text) in ACCESS.iter().enumerate() {
                if rng.random_bool(if k == 0 { 0.75 } else { 0.35 }) {
                    accessibility.push(Accessibility {
                        id: ids::uuid(&mut rng),
                        description: Some((*text).into()),
                        ..Default::default()
                    });
                }
            }
            let location = Location {
                id: ids::uuid(&mut rng),
                location_type: LocationType::Physical,
                name: Some(format!("{place_name} {venue}")),
                latitude: Some(place.lat + rng.random_range(-0.001..0.001)),
                longitude: Some(place.lon + rng.random_range(-0.001..0.001)),
                addresses: vec![Address {
                    id: ids::uuid(&mut rng),
                    address_1: format!("{} {street}", rng.random_range(1..120)),
                    city: "Riverside".into(),
                    state_province: "West Yorkshire".into(),
                    postal_code: place.postcode.clone(),
                    country: "GB".into(),
                    address_type: LocationType::Physical,
                    ..Default::default()
                }],
                accessibility,
                ..Default::default()
            };
            let cost_roll: f64 = rng.random();
            let (fees, cost_options) = if cost_roll < 0.6 {
                (
                    Some("Free".to_owned()),
                    vec![CostOption {
                        id: ids::uuid(&mut rng),
                        option: Some("Everyone".into()),
                        amount: Some(0.0),
                        ..Default::default()
                    }],
                )
            } else if cost_roll < 0.85 {
                let amount = f64::from(rng.random_range(2..=6));
                (
                    Some(format!(
                        "£{amount:.0} per session; free for people on benefits"
                    )),
                    vec![CostOption {
                        id: ids::uuid(&mut rng),
                        option: Some("Per session".into()),
                        amount: Some(amount),
                        amount_description: Some("per session".into()),
                        ..Default::default()
                    }],
                )
            } else {
                (None, Vec::new())
            };
            let mut languages = vec![Language {
                id: ids::uuid(&mut rng),
                name: Some("English".into()),
                code: Some("en".into()),
                note: None,
            }];
            if rng.random_bool(0.2) {
                let (name, code) = LANGUAGES[rng.random_range(0..LANGUAGES.len())];
                languages.push(Language {
                    id: ids::uuid(&mut rng),
                    name: Some(name.into()),
                    code: Some(code.into()),
                    note: None,
                });
            }
            let status_roll: f64 = rng.random();
            let status = match status_roll {
                r if r < 0.92 => ServiceStatus::Active,
                r if r < 0.96 => ServiceStatus::TemporarilyClosed,
                r if r < 0.98 => ServiceStatus::Inactive,
                _ => ServiceStatus::Defunct,
            };
            let (minimum_age, maximum_age, eligibility) = match need {
                "family" => (None, None, "Parents and carers of children under five"),
                "memory-cafes" | "dementia" => (
                    None,
                    None,
                    "People living with dementia or memory problems, and their carers",
                ),
                "carers" => (
                    Some(18.0),
                    None,
                    "Adults who look after a family member or friend",
                ),
                _ if rng.random_bool(0.3) => (Some(50.0), None, "Older people"),
                _ => (Some(18.0), None, "Adults"),
            };
            let term = need_id(need).expect("demo needs exist");
            let phone = format!("01632 {:06}", 960_000 + rng.random_range(0..999));
            Service {
                id,
                organization_id: Some(provider.id),
                name: format!("{place_name} {ending}"),
                description: Some(description.into()),
                url: provider.website.clone(),
                email: provider.email.clone(),
                status,
                fees,
                eligibility_description: Some(eligibility.into()),
                minimum_age,
                maximum_age,
                application_process: Some(how.into()),
                wait_time: Some(
                    if rng.random_bool(0.8) {
                        "No waiting list"
                    } else {
                        "Usually 2 to 4 weeks"
                    }
                    .into(),
                ),
                last_modified: Some(today - Duration::days(rng.random_range(0..540))),
                schedules: schedule(&mut rng, sal_id),
                service_at_locations: vec![ServiceAtLocation {
                    id: sal_id,
                    service_id: Some(id),
                    location_id: Some(location.id),
                    location,
                }],
                languages,
                organization: Some(provider),
                cost_options,
                phones: vec![Phone {
                    id: ids::uuid(&mut rng),
                    number: phone,
                    description: None,
                    contact_id: None,
                }],
                attributes: vec![Attribute {
                    id: ids::uuid(&mut rng),
                    link_id: Some(id),
                    taxonomy_term_id: term,
                    link_type: Some("service".into()),
                    taxonomy_term: None,
                }],
                ..Default::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> Organization {
        Organization {
            id: Uuid::nil(),
            name: "Test".into(),
            description: "x".into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_need_kind_is_valid_and_generation_is_deterministic() {
        let places = riverside_places();
        assert_eq!(places.len(), 480);
        let a = generate(SERVICES_PER_SCALE, &[provider()], &places);
        let b = generate(SERVICES_PER_SCALE, &[provider()], &places);
        assert_eq!(
            a.iter().map(|s| (s.id, s.name.clone())).collect::<Vec<_>>(),
            b.iter().map(|s| (s.id, s.name.clone())).collect::<Vec<_>>()
        );
        for mut s in a {
            validate::check_service(&mut s).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        }
    }

    #[test]
    fn every_kind_of_service_has_a_demo_provider_that_runs_it() {
        let plan = crate::organisations::plan(1);
        let providers: Vec<Organization> = crate::providers(&plan, 1)
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        for (need, ending, _, _) in KINDS {
            assert!(
                providers.iter().any(|p| PROVIDES
                    .iter()
                    .any(|(w, needs)| p.name.contains(w) && needs.contains(need))),
                "nobody runs {ending} ({need})"
            );
        }
        for s in generate(SERVICES_PER_SCALE, &providers, &riverside_places()) {
            let org = s.organization.as_ref().unwrap();
            let need = KINDS.iter().find(|k| s.name.ends_with(k.1)).unwrap().0;
            assert!(runs(org, need), "{} runs {}", org.name, s.name);
        }
    }

    #[test]
    fn a_realistic_mix() {
        let services = generate(SERVICES_PER_SCALE, &[provider()], &riverside_places());
        let free = services.iter().filter(|s| s.is_free()).count();
        assert!((150..250).contains(&free), "{free} free");
        assert!(
            services
                .iter()
                .any(|s| s.status == ServiceStatus::TemporarilyClosed)
        );
        assert!(services.iter().any(|s| s.languages.len() > 1));
    }
}
