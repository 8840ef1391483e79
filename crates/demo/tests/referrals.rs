//! The demo's people and referrals: every state and route, histories that
//! add up, the same data on every run, on both databases.

use std::collections::HashSet;
use std::sync::Arc;

use linkwork_app::settings::PasswordHashing;
use linkwork_app::{App, Settings};
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::organisation::OrgKind;
use linkwork_domain::referral::{EventKind, ReferralRoute, ReferralStatus};
use linkwork_domain::time::now;
use linkwork_storage::{PageRequest, ReferralFilter, ReferralOrder, Store};
use linkwork_storage_testsuite::databases::{
    PostgresTestDatabase, SqliteTestDatabase, TestDatabase,
};
use linkwork_storage_testsuite::fixtures::organisation;

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

async fn all_referrals(store: &dyn Store) -> Vec<linkwork_storage::ReferralListItem> {
    store
        .list_referrals(
            &ReferralFilter::default(),
            ReferralOrder::OldestFirst,
            PageRequest::new(1, 1000),
        )
        .await
        .unwrap()
        .items
}

async fn demo_referrals_cover_every_state_and_route(store: Arc<dyn Store>) {
    let app = app(store.clone());
    let summary = linkwork_demo::generate(&app, 1).await.unwrap();
    assert_eq!(
        summary.referrals,
        2 * u64::from(linkwork_demo::REFERRALS_PER_NETWORK)
    );
    let items = all_referrals(store.as_ref()).await;
    assert_eq!(items.len() as u64, summary.referrals);
    let statuses: HashSet<_> = items.iter().map(|i| i.referral.status).collect();
    assert_eq!(
        statuses.len(),
        ReferralStatus::ALL.len(),
        "every state: {statuses:?}"
    );
    let routes: HashSet<_> = items.iter().map(|i| i.referral.route).collect();
    assert_eq!(
        routes.len(),
        ReferralRoute::ALL.len(),
        "every route: {routes:?}"
    );
    let networks: HashSet<_> = items.iter().map(|i| i.referral.pcn_id).collect();
    assert_eq!(networks.len(), 2);
    let now = linkwork_domain::time::now();
    for item in &items {
        let r = &item.referral;
        assert_eq!(r.code, "871731000000106");
        assert!(r.received_at <= now);
        assert!(!r.needs.is_empty());
        match r.status {
            ReferralStatus::InProgress | ReferralStatus::Discharged => {
                assert!(r.first_contact_at.is_some())
            }
            ReferralStatus::UnableToContact => assert!(r.failed_contact_attempts >= 3),
            ReferralStatus::Received => assert!(r.accepted_at.is_none() && r.assigned_to.is_none()),
            _ => {}
        }
        assert_eq!(
            r.status.is_closed(),
            r.closed_at.is_some(),
            "{:?}",
            r.status
        );
        if r.route.requires_nhs_number() {
            assert!(item.person.nhs_number.is_some(), "{:?}", r.route);
        }
    }
    // Histories add up: the last status change leads to the status.
    let sample = items
        .iter()
        .find(|i| i.referral.status == ReferralStatus::Discharged)
        .unwrap();
    let history = store.referral_history(sample.referral.id).await.unwrap();
    assert_eq!(history[0].kind, EventKind::Received);
    assert_eq!(
        history.last().unwrap().to_status,
        Some(ReferralStatus::Discharged)
    );
    assert!(history.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(sample.referral.version, history.len() as i64);
    // Postcodes are covered, and the demo token works.
    assert!(store.pcn_for_outcode("RV1").await.unwrap().is_some());
    assert_ne!(
        store.pcn_for_outcode("RV1").await.unwrap(),
        store.pcn_for_outcode("RV12").await.unwrap()
    );
    assert!(
        app.authenticate_api_token(summary.api_token, None)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn demo_referrals_on_sqlite() {
    let db = SqliteTestDatabase::create().await.unwrap();
    demo_referrals_cover_every_state_and_route(Arc::new(db.store().clone())).await;
}

#[tokio::test]
async fn demo_referrals_on_postgres() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    demo_referrals_cover_every_state_and_route(Arc::new(db.store().clone())).await;
}

#[tokio::test]
async fn the_same_seed_gives_the_same_people_and_references() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let db = SqliteTestDatabase::create().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(db.store().clone());
        linkwork_demo::generate(&app(store.clone()), 1)
            .await
            .unwrap();
        let items = all_referrals(store.as_ref()).await;
        let mut keys: Vec<_> = items
            .iter()
            .map(|i| {
                (
                    i.referral.id,
                    i.referral.reference.clone(),
                    i.person.full_name(),
                    i.referral.status,
                )
            })
            .collect();
        keys.sort_by_key(|k| k.0);
        runs.push(keys);
    }
    assert_eq!(runs[0], runs[1]);
}

/// A second run finds the demo and writes nothing; a run that stopped
/// part-way is reported, not taken for a finished one.
#[tokio::test]
async fn a_finished_demo_is_kept_and_a_stopped_one_reported() {
    let db = SqliteTestDatabase::create().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(db.store().clone());
    let first = linkwork_demo::generate(&app(store.clone()), 1)
        .await
        .unwrap();
    assert!(first.created);
    let again = linkwork_demo::generate(&app(store.clone()), 1)
        .await
        .unwrap();
    assert!(!again.created);

    let stopped = SqliteTestDatabase::create().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(stopped.store().clone());
    let mut icb = organisation("NHS Riverside ICB", OrgKind::Icb, None);
    icb.code = Some(linkwork_demo::DEMO_ICB_CODE.to_owned());
    store
        .create_organisation(
            &icb,
            &NewAuditEvent::new(Actor::Cli, AuditAction::OrganisationCreate, now()),
        )
        .await
        .unwrap();
    let err = linkwork_demo::generate(&app(store.clone()), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, linkwork_demo::DemoError::Incomplete), "{err}");
    assert!(
        err.to_string()
            .contains("Start again with an empty database")
    );
}
