//! The demo's outcome evidence, checked against an independent
//! computation: the cohort CSV's pairs are rebuilt from each referral's
//! stored questionnaires by a rule written out here, and the summary's
//! figures recomputed from those pairs. Also GP appointments imported
//! from a practice's CSV.

use std::collections::HashMap;
use std::sync::Arc;

use linkwork_app::outcomes::EvidenceFilter;
use linkwork_app::settings::PasswordHashing;
use linkwork_app::{App, Principal, Settings};
use linkwork_domain::ReferralId;
use linkwork_domain::audit::Actor;
use linkwork_domain::measures::Occasion;
use linkwork_domain::user::Email;
use linkwork_storage::{PageRequest, ReferralFilter, ReferralOrder, Store};
use linkwork_storage_testsuite::databases::{
    PostgresTestDatabase, SqliteTestDatabase, TestDatabase,
};

fn app(store: Arc<dyn Store>) -> App {
    let settings = Settings {
        password_hashing: PasswordHashing {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            ..PasswordHashing::default()
        },
        ..Settings::default()
    };
    App::new(store, settings).unwrap()
}

async fn principal(store: &dyn Store, email: &str) -> Principal {
    let user = store
        .user_credentials(&Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .user;
    Principal {
        user,
        session_hash: String::new(),
        csrf_token: String::new(),
        ip: None,
    }
}

/// The CSV's two tables: summary rows by (measure, score), and pairs by
/// (measure, score, referral).
type Summary = HashMap<(String, String), Vec<String>>;
type Pairs = HashMap<(String, String), Vec<(ReferralId, f64, f64)>>;

fn read_csv(text: &str) -> (Summary, Pairs) {
    let mut summary = Summary::new();
    let mut pairs = Pairs::new();
    let mut section = 0;
    for line in text.lines() {
        let cells: Vec<String> = line
            .split(',')
            .map(|c| c.trim_matches('"').to_owned())
            .collect();
        if cells.iter().all(|c| c.is_empty()) {
            section += 1;
            continue;
        }
        if cells[0] == "measure" {
            continue;
        }
        let key = (cells[0].clone(), cells[1].clone());
        // The sections: the summary, the change by group, the pairs.
        if section == 0 {
            summary.insert(key, cells);
        } else if section == 2 {
            pairs.entry(key).or_default().push((
                cells[2].parse().unwrap(),
                cells[3].parse().unwrap(),
                cells[4].parse().unwrap(),
            ));
        }
    }
    (summary, pairs)
}

async fn demo_outcomes_match_an_independent_computation(store: Arc<dyn Store>) {
    let app = app(store.clone());
    linkwork_demo::generate(&app, 1).await.unwrap();
    let admin = principal(store.as_ref(), "admin@riverside.example").await;
    let today = app.today();
    let filter = EvidenceFilter::parse("2000-01-01", "", "", today).unwrap();
    let csv = app.outcome_evidence_csv(&admin, filter).await.unwrap();
    let (summary, pairs) = read_csv(&String::from_utf8(csv).unwrap());

    let loneliness = &pairs[&("ucla3".to_owned(), "loneliness".to_owned())];
    assert!(
        loneliness.len() > 100,
        "the demo has a cohort: {}",
        loneliness.len()
    );
    // Every pair is the referral's first baseline and its latest later
    // scored questionnaire, read straight from the store.
    for (referral, baseline, follow_up) in loneliness {
        let responses = store.referral_responses(*referral).await.unwrap();
        let scored: Vec<_> = responses
            .iter()
            .filter(|r| r.measure == "ucla3" && r.score("loneliness").is_some())
            .collect();
        let first = scored
            .iter()
            .filter(|r| r.occasion == Occasion::Baseline)
            .min_by_key(|r| r.completed_at)
            .unwrap();
        let last = scored
            .iter()
            .filter(|r| r.completed_at > first.completed_at && r.occasion != Occasion::Baseline)
            .max_by_key(|r| r.completed_at)
            .unwrap();
        assert_eq!(first.score("loneliness"), Some(*baseline));
        assert_eq!(last.score("loneliness"), Some(*follow_up));
    }

    // The summary row, recomputed from the pairs.
    let row = &summary[&("ucla3".to_owned(), "loneliness".to_owned())];
    let n = loneliness.len() as f64;
    let changes: Vec<f64> = loneliness.iter().map(|(_, b, f)| f - b).collect();
    let mean = changes.iter().sum::<f64>() / n;
    let sd = (changes.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let baselines: Vec<f64> = loneliness.iter().map(|(_, b, _)| *b).collect();
    let mean_b = baselines.iter().sum::<f64>() / n;
    let sd_b = (baselines.iter().map(|b| (b - mean_b).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let cell = |i: usize| row[i].parse::<f64>().unwrap();
    assert_eq!(row[2], loneliness.len().to_string());
    assert!(
        (cell(6) - mean).abs() < 1e-4,
        "mean change {} vs {mean}",
        row[6]
    );
    assert!((cell(9) - mean / sd_b).abs() < 1e-4, "effect size");
    // With over a hundred people t(0.975) lies between 1.96 and 1.99.
    let half = (cell(8) - cell(7)) / 2.0;
    let se = sd / n.sqrt();
    assert!(
        half > 1.96 * se && half < 1.99 * se,
        "interval {half} for se {se}"
    );
    // Lower is better for loneliness, and any change counts.
    let improved = changes.iter().filter(|c| **c < 0.0).count();
    let worse = changes.iter().filter(|c| **c > 0.0).count();
    assert_eq!(row[10], improved.to_string());
    assert_eq!(row[12], worse.to_string());
    assert!(improved > worse, "the demo shows people mostly improving");

    // Left out: baselines in the period with no follow-up yet.
    let mut without = 0;
    for item in store
        .list_referrals(
            &ReferralFilter::default(),
            ReferralOrder::OldestFirst,
            PageRequest::new(1, 1000),
        )
        .await
        .unwrap()
        .items
    {
        let responses = store.referral_responses(item.referral.id).await.unwrap();
        let scored: Vec<_> = responses
            .iter()
            .filter(|r| r.measure == "ucla3" && r.score("loneliness").is_some())
            .collect();
        let Some(first) = scored
            .iter()
            .filter(|r| r.occasion == Occasion::Baseline)
            .min_by_key(|r| r.completed_at)
        else {
            continue;
        };
        if !scored
            .iter()
            .any(|r| r.completed_at > first.completed_at && r.occasion != Occasion::Baseline)
        {
            without += 1;
        }
    }
    assert_eq!(row[3], without.to_string());

    // GP appointments: fewer after referral, on average, in the demo.
    let gp = &summary[&("gp_appointments".to_owned(), "six_months".to_owned())];
    assert!(gp[6].parse::<f64>().unwrap() < 0.0, "{gp:?}");
}

#[tokio::test]
async fn demo_outcomes_on_sqlite() {
    let db = SqliteTestDatabase::create().await.unwrap();
    demo_outcomes_match_an_independent_computation(Arc::new(db.store().clone())).await;
}

#[tokio::test]
async fn demo_outcomes_on_postgres() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    demo_outcomes_match_an_independent_computation(Arc::new(db.store().clone())).await;
}

#[tokio::test]
async fn gp_appointments_import_by_nhs_number_and_list_what_they_cannot_place() {
    let db = SqliteTestDatabase::create().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(db.store().clone());
    let app = app(store.clone());
    linkwork_demo::generate(&app, 1).await.unwrap();
    let mut people: Vec<(_, linkwork_domain::person::Person)> = Vec::new();
    for item in store
        .list_referrals(
            &ReferralFilter::default(),
            ReferralOrder::NewestFirst,
            PageRequest::new(1, 50),
        )
        .await
        .unwrap()
        .items
    {
        let person = store
            .person(item.referral.person_id)
            .await
            .unwrap()
            .unwrap();
        if person.details.nhs_number.is_some() && !people.iter().any(|(_, p)| p.id == person.id) {
            people.push((item, person));
        }
    }
    let (item, person) = people.remove(0);
    let nhs = person.details.nhs_number.unwrap();
    // A second person's record is restricted: nothing is recorded for them.
    let (restricted_item, restricted) = people.remove(0);
    let restriction = linkwork_domain::person_rights::Restriction {
        reason: "Asked us to stop while they complain".into(),
        by: "Team lead".into(),
        at: linkwork_domain::time::now(),
    };
    store
        .set_restriction(
            restricted.id,
            Some(&restriction),
            &linkwork_domain::audit::NewAuditEvent::new(
                Actor::Cli,
                linkwork_domain::audit::AuditAction::PersonRestrict,
                restriction.at,
            ),
        )
        .await
        .unwrap();
    let file = format!(
        "NHS Number,Period,Appointments\n{nhs},before,11\n{nhs},after,6\n1234567890,before,3\n{nhs},during,2\n{nhs},after,many\n9434765919,before,4\n{restricted},before,7\n",
        nhs = nhs.as_str(),
        restricted = restricted.details.nhs_number.as_ref().unwrap().as_str()
    );
    let report = app
        .import_gp_appointments(Actor::Cli, file.as_bytes())
        .await
        .unwrap();
    assert_eq!(report.applied, 2);
    let reasons: Vec<(u64, &str)> = report
        .refused
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert_eq!(reasons[0].0, 4);
    assert!(reasons[0].1.contains("not a valid NHS number"));
    assert!(reasons[1].1.contains("give before or after"));
    assert!(reasons[2].1.contains("whole number"));
    assert!(reasons[3].1.contains("no one with this NHS number"));
    assert_eq!(reasons[4].0, 8);
    assert!(reasons[4].1.contains("record is restricted"));
    assert_eq!(
        store
            .gp_appointments(restricted_item.referral.id)
            .await
            .unwrap()
            .and_then(|g| g.before),
        None,
        "nothing recorded for the restricted person"
    );
    let stored = store
        .gp_appointments(item.referral.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.before, stored.after), (Some(11), Some(6)));

    let wrong = app
        .import_gp_appointments(Actor::Cli, "patient,count\n1,2\n".as_bytes())
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("nhs_number, period"), "{wrong}");
}
