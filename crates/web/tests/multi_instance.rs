//! Instances keep no state of their own: two Linkwork servers on one
//! PostgreSQL database share sessions and sign-in throttling, and follow
//! each other's directory changes.

mod support;

use std::sync::Arc;

use axum::http::StatusCode;
use linkwork_domain::role::Role;
use linkwork_storage::Store;
use linkwork_storage_postgres::PostgresStore;
use linkwork_storage_testsuite::databases::PostgresTestDatabase;
use support::{Db, PASSWORD, TestApp, test_settings};

#[tokio::test]
async fn two_instances_on_one_postgres_share_sessions_and_throttling() {
    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let url = db.url().to_owned();
    let first = {
        let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url, 5).await.unwrap());
        TestApp::with(store, Db::Postgres(db), test_settings())
    };
    // A second instance: its own connection pool and router.
    let second_store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url, 5).await.unwrap());
    let second =
        linkwork_web::router(linkwork_app::App::new(second_store, test_settings()).unwrap());

    let t = first.tree().await;
    first
        .user("lw@example.org", t.pcn_a.id, &[Role::LinkWorker])
        .await;
    let on_first = first.signed_in("lw@example.org").await;
    let mut on_second = on_first.with_router(second.clone());
    let home = on_second.get("/").await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "the session made on one instance works on the other"
    );
    assert!(home.body.contains("Hello lw"));
    // Signing out on the second ends the session on the first too.
    on_second.post("/logout", &[]).await;
    let mut back_on_first = on_second.with_router(first.router.clone());
    assert_eq!(back_on_first.get("/").await.status, StatusCode::SEE_OTHER);

    // Failed sign-ins count across instances.
    let mut a = first.client();
    let mut b = support::Client::new(second);
    for i in 0..5 {
        let client = if i % 2 == 0 { &mut a } else { &mut b };
        assert_eq!(
            client.login("lw@example.org", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        b.login("lw@example.org", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// A listing changed through one instance is found by search on another
/// instance sharing the PostgreSQL database once it follows the change log
/// (every `directory.sync_interval_seconds`, 2 by default, when serving).
#[tokio::test]
async fn a_directory_change_on_one_instance_is_found_on_another() {
    let Some(first) = TestApp::demo(true).await else {
        return;
    };
    let Db::Postgres(db) = &first.db else {
        unreachable!()
    };
    let second_store: Arc<dyn Store> = Arc::new(PostgresStore::connect(db.url(), 5).await.unwrap());
    let second = linkwork_app::App::new(second_store, test_settings()).unwrap();
    second.load_directory().await.unwrap();
    let q = linkwork_search::Query {
        text: Some("zumba".into()),
        per_page: 10,
        ..Default::default()
    };
    let search = async |app: &linkwork_app::App| app.search_directory(&q).await.unwrap().total;
    assert_eq!(search(&second).await, 0);

    let mut manager = first.demo_user("directory@riverside.example").await;
    let service = first.store().all_services().await.unwrap().remove(0);
    let form = manager
        .get(&format!("/directory/services/{}/edit", service.id))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let need = linkwork_domain::directory::needs::need_id("sport")
        .unwrap()
        .to_string();
    let saved = manager
        .post(
            &format!("/directory/services/{}/edit", service.id),
            &[
                ("name", "Zumba Gold"),
                ("description", "Gentle dance fitness"),
                ("status", "active"),
                ("needs", &need),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        search(&first.app).await,
        1,
        "the instance that saved it sees it at once"
    );
    assert_eq!(second.sync_directory().await.unwrap(), 1);
    assert_eq!(
        search(&second).await,
        1,
        "the other instance after following the change log"
    );
}

/// Everyday words saved by a directory manager on one instance apply on
/// another at its next directory sync, without a restart.
#[tokio::test]
async fn everyday_words_saved_on_one_instance_apply_on_another() {
    let Some(first) = TestApp::demo(true).await else {
        return;
    };
    let Db::Postgres(db) = &first.db else {
        unreachable!()
    };
    let second_store: Arc<dyn Store> = Arc::new(PostgresStore::connect(db.url(), 5).await.unwrap());
    let second = linkwork_app::App::new(second_store, test_settings()).unwrap();
    second.load_directory().await.unwrap();
    let q = linkwork_search::Query {
        text: Some("warble".into()),
        per_page: 10,
        ..Default::default()
    };
    let search = async |app: &linkwork_app::App| app.search_directory(&q).await.unwrap().total;
    assert_eq!(search(&second).await, 0);

    let mut manager = first.demo_user("directory@riverside.example").await;
    assert_eq!(
        manager.get("/directory/synonyms").await.status,
        StatusCode::OK
    );
    let saved = manager
        .post(
            "/directory/synonyms",
            &[(
                "synonyms",
                "[[link]]\nwords = [\"warble\"]\nterms = [\"choir\"]\n",
            )],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(search(&first.app).await > 0, "at once where it was saved");
    assert_eq!(search(&second).await, 0, "not until the other syncs");
    assert_eq!(
        second.sync_directory().await.unwrap(),
        0,
        "no listing changed"
    );
    assert_eq!(search(&second).await, search(&first.app).await);
}

/// Settings with no retention period, so a closed referral is due at once.
fn keep_nothing() -> linkwork_app::Settings {
    let mut settings = test_settings();
    settings.retention.years_after_discharge = 0;
    settings
}

#[tokio::test]
async fn one_instance_of_several_runs_the_scheduled_retention_sweep() {
    use linkwork_domain::referral::{ReferralRoute, ReferralStatus};
    use linkwork_storage::{AuditFilter, PageRequest, ReferralPerson};
    use linkwork_storage_testsuite::referral_fixtures::{
        new_referral, person, referral, referral_audit,
    };

    let Some(db) = PostgresTestDatabase::create().await else {
        return;
    };
    let url = db.url().to_owned();
    let instance = || async {
        let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&url, 5).await.unwrap());
        linkwork_app::App::new(store, keep_nothing()).unwrap()
    };
    let (first, second) = (instance().await, instance().await);
    let t = linkwork_storage_testsuite::fixtures::tree(first.store.as_ref()).await;
    let ana = person(t.pcn_a.id, "Ana", "Nowak", None, None);
    let closed = linkwork_domain::time::now() - chrono::Duration::days(400);
    let mut r = referral(&ana, ReferralRoute::Professional, closed);
    r.status = ReferralStatus::Discharged;
    r.closed_at = Some(closed);
    first
        .store
        .create_referral(
            &new_referral(ReferralPerson::New(Box::new(ana.clone())), r.clone()),
            &referral_audit(&r),
        )
        .await
        .unwrap();

    let (a, b) = futures::join!(
        first.scheduled_retention_sweep(),
        second.scheduled_retention_sweep()
    );
    let runs: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(runs.len(), 1, "one instance ran it");
    assert_eq!(runs[0].anonymised, 1);
    assert!(
        second.scheduled_retention_sweep().await.unwrap().is_none(),
        "not due again until the next period"
    );
    let erased = first.store.person(ana.id).await.unwrap().unwrap();
    assert!(erased.rights.erased_at.is_some());
    let sweeps = first
        .store
        .audit_events(
            &AuditFilter {
                action: Some("retention.sweep".into()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(sweeps.total, 1);
    drop(db);
}
